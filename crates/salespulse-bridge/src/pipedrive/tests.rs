//! The Pipedrive mapping: the story's webhooks one by one, then the cases each rule is
//! about.

use serde_json::json;

use super::map;
use crate::fixtures::pipedrive_story;
use crate::records::Known;
use crate::testing::{json as fixture, keyed_types, reasons, tables};

const LEAD: &str = "adf21080-0e10-11eb-879b-05d71fb426e";

#[test]
fn the_story_maps_webhook_by_webhook_each_event_keyed_by_its_entity() {
    let (mut known, t) = (Known::new(1_000), tables());
    let lead = |i: u8| format!("{LEAD}{i}");
    let want: Vec<(Vec<String>, &[&str])> = vec![
        (vec![format!("lead.created {}", lead(1))], &[]),
        (vec!["deal.created 81".into()], &[]),
        (vec!["deal.created 82".into()], &[]),
        (vec![format!("activity.logged {}", lead(1))], &[]),
        (vec!["activity.logged 81".into()], &[]),
        (vec!["activity.logged 82".into()], &[]),
        (vec!["deal.created 83".into()], &[]),
        (vec![format!("lead.converted {}", lead(1))], &[]),
        (vec![], &[]),
        (vec!["deal.created 84".into()], &[]),
        (vec!["deal.closed 81".into()], &[]),
        (vec!["deal.closed 82".into()], &[]),
        (vec![], &["unmapped_stage"]),
        (vec![format!("lead.created {}", lead(2))], &[]),
        (vec!["deal.deleted 84".into()], &[]),
        (vec!["deal.owner_changed 83".into()], &[]),
        (vec![format!("lead.created {}", lead(3))], &[]),
        (vec![], &[]),
        (vec![], &["unsupported"]),
        (vec!["deal.created 84".into()], &[]),
    ];
    let story = pipedrive_story();
    assert_eq!(story.len(), want.len());
    for (file, (events, rejects)) in story.iter().zip(want) {
        let m = map(&fixture(file), &mut known, &t);
        assert_eq!(keyed_types(&m), events, "{file}");
        assert_eq!(reasons(&m), rejects, "{file}");
    }
    let won = map(&fixture("pipedrive/11-deal-1-won.json"), &mut known, &t);
    assert!(won.out.is_empty(), "a redelivered webhook gives nothing");
}

#[test]
fn an_inbound_type_is_inbound_and_a_planned_activity_counts_once_done() {
    let (mut known, t) = (Known::new(100), tables());
    let activity = |action: &str, done: bool, at: &str, kind: &str| {
        json!({"meta": {"action": action, "entity": "activity", "entity_id": "7", "id": format!("{action}-{done}"), "timestamp": at},
               "data": {"id": 7, "type": kind, "done": done, "owner_id": 12, "lead_id": "L1"}})
    };
    assert!(map(&activity("create", false, "2026-11-26T09:00:00Z", "inbound_call"), &mut known, &t).out.is_empty());
    let m = map(&activity("change", true, "2026-11-26T10:00:00Z", "inbound_call"), &mut known, &t);
    assert_eq!(keyed_types(&m), ["activity.logged L1"]);
    let salespulse_events::Body::ActivityLogged(a) = &m.out[0].event.body else { panic!() };
    assert_eq!((a.kind.as_str(), a.direction.as_str()), ("call", "inbound"));
}

#[test]
fn a_body_without_meta_or_data_is_refused() {
    let (mut known, t) = (Known::new(10), tables());
    assert_eq!(reasons(&map(&json!({"data": {}}), &mut known, &t)), ["malformed"]);
    let no_data =
        json!({"meta": {"action": "create", "entity": "deal", "entity_id": "1", "timestamp": "2026-11-26T10:00:00Z"}});
    assert_eq!(reasons(&map(&no_data, &mut known, &t)), ["missing_field"]);
}

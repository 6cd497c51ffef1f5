//! The HubSpot mapping: the story's batches one by one, then the cases each rule is about.

use serde_json::{Value, json};

use super::map;
use crate::records::Known;
use crate::testing::{json as fixture, keyed_types, reasons, tables};

#[test]
fn the_story_maps_batch_by_batch_each_event_keyed_by_its_entity() {
    let (mut known, t) = (Known::new(1_000), tables());
    let batch = |i: usize| fixture(&format!("hubspot/batch-{i}.json"));
    let m = map(&batch(1), &mut known, &t);
    let want = [
        "lead.created 7001",
        "lead.assigned 7001",
        "deal.created 9001",
        "deal.created 9002",
        "activity.logged 7001",
        "activity.logged 9001",
        "activity.logged 9002",
    ];
    assert_eq!(keyed_types(&m), want);
    assert!(m.rejects.is_empty());
    let m = map(&batch(2), &mut known, &t);
    let want = [
        "deal.created 9003",
        "lead.converted 7001",
        "deal.created 9004",
        "deal.stage_changed 9001",
        "deal.stage_changed 9002",
    ];
    assert_eq!(keyed_types(&m), want);
    let m = map(&batch(3), &mut known, &t);
    let want = [
        "lead.created 7002",
        "lead.assigned 7002",
        "deal.deleted 9004",
        "deal.owner_changed 9003",
        "lead.created 7003",
        "lead.assigned 7003",
    ];
    assert_eq!(keyed_types(&m), want);
    assert_eq!(reasons(&m), ["unmapped_stage", "unsupported"]);
    let ticket = m.rejects[1].part.as_deref().map(|p| serde_json::from_slice::<Value>(p).unwrap());
    assert_eq!(ticket.map(|v| v["objectId"].clone()), Some(json!(4401)), "the event dead-lettered alone");
    assert_eq!(keyed_types(&map(&batch(4), &mut known, &t)), ["deal.created 9004"], "restored");
    let again = map(&batch(2), &mut known, &t);
    assert!(again.out.is_empty() && again.rejects.is_empty(), "a redelivered batch gives nothing");
}

fn hook(id: u64, kind: &str, object: u64, at_ms: i64, extra: Value) -> Value {
    let mut v =
        json!({"eventId": id, "portalId": 1, "occurredAt": at_ms, "subscriptionType": kind, "objectId": object});
    for (k, f) in extra.as_object().unwrap() {
        v[k] = f.clone();
    }
    v
}

fn prop(id: u64, kind: &str, object: u64, at_ms: i64, name: &str, value: &str) -> Value {
    hook(id, kind, object, at_ms, json!({"propertyName": name, "propertyValue": value}))
}

#[test]
fn a_meeting_counts_when_completed_and_never_when_cancelled() {
    let (mut known, t) = (Known::new(100), tables());
    let meeting = |n: u64, outcome: &str| {
        let m = json!({"objectTypeId": "0-47"});
        vec![
            hook(n, "object.creation", n, 1_000, m.clone()),
            prop(n + 1, "object.propertyChange", n, 1_000, "hubspot_owner_id", "301"),
            prop(n + 2, "object.propertyChange", n, 1_000, "hs_meeting_outcome", outcome),
        ]
        .into_iter()
        .map(|mut e| {
            e["objectTypeId"] = json!("0-47");
            e
        })
        .collect::<Vec<_>>()
    };
    assert_eq!(
        keyed_types(&map(&json!(meeting(10, "COMPLETED")), &mut known, &t)),
        ["activity.logged bob"],
        "no lead nor deal: keyed by its rep"
    );
    assert!(map(&json!(meeting(20, "SCHEDULED")), &mut known, &t).out.is_empty());
    assert!(map(&json!(meeting(30, "NO_SHOW")), &mut known, &t).out.is_empty());
}

#[test]
fn an_owner_that_is_not_a_rep_owns_no_deal_and_a_lifecycle_stage_converts() {
    let (mut known, t) = (Known::new(100), tables());
    let deal = json!([
        hook(1, "deal.creation", 1, 1_000, json!({})),
        prop(2, "deal.propertyChange", 1, 1_000, "dealstage", "appointmentscheduled"),
        prop(3, "deal.propertyChange", 1, 1_000, "hubspot_owner_id", "399"),
    ]);
    assert!(map(&deal, &mut known, &t).out.is_empty(), "a queue owns it: it waits for a rep");
    let owned = json!([prop(4, "deal.propertyChange", 1, 2_000, "hubspot_owner_id", "301")]);
    assert_eq!(keyed_types(&map(&owned, &mut known, &t)), ["deal.created 1"]);
    let lead = json!([
        hook(5, "contact.creation", 7, 1_000, json!({})),
        prop(6, "contact.propertyChange", 7, 3_000, "lifecyclestage", "opportunity"),
        prop(7, "contact.propertyChange", 7, 4_000, "lifecyclestage", "customer"),
    ]);
    assert_eq!(keyed_types(&map(&lead, &mut known, &t)), ["lead.created 7", "lead.converted 7"]);
}

#[test]
fn refusals_are_per_batch_or_per_event() {
    let (mut known, t) = (Known::new(10), tables());
    assert_eq!(reasons(&map(&json!({"not": "an array"}), &mut known, &t)), ["malformed"]);
    let batch =
        json!([{"eventId": 1, "subscriptionType": "deal.creation"}, hook(2, "contact.creation", 3, 1_000, json!({}))]);
    let m = map(&batch, &mut known, &t);
    assert_eq!((reasons(&m), keyed_types(&m)), (vec!["missing_field"], vec!["lead.created 3".to_owned()]));
}

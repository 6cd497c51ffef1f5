//! The Salesforce mapping: the story's change events one by one, then the cases each
//! rule is about.

use serde_json::{Value, json};

use super::map;
use crate::records::Known;
use crate::testing::{keyed_types, lines, reasons, tables};

const LEAD1: &str = "00Q5g00000Lead1AAA";

#[test]
fn the_story_maps_change_by_change_each_event_keyed_by_its_entity() {
    let (mut known, t) = (Known::new(1_000), tables());
    let want: [(&[&str], &[&str]); 18] = [
        (&["lead.created 00Q5g00000Lead1AAA"], &[]),
        (&["deal.created 0015g00000Acc1AAAA"], &[]),
        (&["deal.created 0015g00000Acc2AAAA"], &[]),
        (&["activity.logged 00Q5g00000Lead1AAA"], &[]),
        (&["activity.logged 0015g00000Acc1AAAA"], &[]),
        (&["activity.logged 0015g00000Acc2AAAA"], &[]),
        (&["lead.converted 00Q5g00000Lead1AAA"], &[]),
        (&["deal.created 0015g00000Acc3AAAA"], &[]),
        (&["deal.created 0015g00000Acc4AAAA"], &[]),
        (&["deal.stage_changed 0015g00000Acc1AAAA", "deal.closed 0015g00000Acc1AAAA"], &[]),
        (&["deal.stage_changed 0015g00000Acc2AAAA", "deal.closed 0015g00000Acc2AAAA"], &[]),
        (&[], &["unmapped_stage"]),
        (&["lead.created 00Q5g00000Lead2AAA"], &[]),
        (&["deal.deleted 0015g00000Acc4AAAA"], &[]),
        (&["deal.owner_changed 0015g00000Acc3AAAA"], &[]),
        (&["lead.created 00Q5g00000Lead3AAA"], &[]),
        (&[], &[]),
        (&[], &["unsupported"]),
    ];
    let changes = lines("salesforce/before-restart.jsonl");
    assert_eq!(changes.len(), want.len());
    for (i, (change, (events, rejects))) in changes.iter().zip(want).enumerate() {
        let m = map(change, &mut known, &t);
        assert_eq!(keyed_types(&m), events, "change {i}");
        assert_eq!(reasons(&m), rejects, "change {i}");
    }
    let after = lines("salesforce/after-restart.jsonl");
    assert_eq!(keyed_types(&map(&after[0], &mut known, &t)), ["deal.created 0015g00000Acc4AAAA"], "restored");
    assert!(map(&after[1], &mut known, &t).out.is_empty(), "a replayed change gives nothing");
}

fn change(entity: &str, id: &str, kind: &str, seq: i64, at_ms: i64, fields: Value) -> Value {
    let mut v = json!({
        "ChangeEventHeader": {
            "entityName": entity, "recordIds": [id], "changeType": kind,
            "transactionKey": format!("tx-{seq}"), "sequenceNumber": 1, "commitTimestamp": at_ms
        }
    });
    for (k, f) in fields.as_object().unwrap() {
        v[k] = f.clone();
    }
    v
}

#[test]
fn a_planned_task_counts_once_completed_with_its_direction_and_kind() {
    let (mut known, t) = (Known::new(100), tables());
    let owner = "0055g00000AnaXXAAA";
    let planned = json!({"TaskSubtype": "Call", "Status": "Not Started", "IsClosed": false,
        "CallType": "Inbound", "WhoId": LEAD1, "OwnerId": owner});
    let m = map(&change("Task", "00T1", "CREATE", 1, 1_000, planned), &mut known, &t);
    assert!(m.out.is_empty(), "planned: not a call yet, nor a response");
    let done = json!({"Status": "Completed", "IsClosed": true, "CompletedDateTime": "2026-11-26T10:00:00Z"});
    let m = map(&change("Task", "00T1", "UPDATE", 2, 9_000, done.clone()), &mut known, &t);
    assert_eq!(keyed_types(&m), [format!("activity.logged {LEAD1}")]);
    let salespulse_events::Body::ActivityLogged(a) = &m.out[0].event.body else { panic!() };
    assert_eq!((a.kind.as_str(), a.direction.as_str()), ("call", "inbound"));
    assert_eq!(m.out[0].event.occurred_at.to_rfc3339(), "2026-11-26T10:00:00+00:00", "when it was completed");
    assert!(map(&change("Task", "00T1", "UPDATE", 3, 9_500, done), &mut known, &t).out.is_empty(), "once");
    let internal = json!({"TaskSubtype": "Call", "Status": "Completed", "CallType": "Internal", "OwnerId": owner});
    assert!(map(&change("Task", "00T2", "CREATE", 4, 1_000, internal), &mut known, &t).out.is_empty());
}

#[test]
fn a_meeting_counts_once_it_has_ended() {
    let (mut known, t) = (Known::new(100), tables());
    let meeting = |start: &str, end: &str| {
        json!({"Type": "Meeting", "StartDateTime": start, "EndDateTime": end,
               "OwnerId": "0055g00000AnaXXAAA", "WhoId": LEAD1})
    };
    let past = change(
        "Event",
        "00U1",
        "CREATE",
        1,
        1_764_158_400_000,
        meeting("2025-11-26T09:00:00Z", "2025-11-26T10:00:00Z"),
    );
    assert_eq!(keyed_types(&map(&past, &mut known, &t)), [format!("activity.logged {LEAD1}")]);
    let future = change("Event", "00U2", "CREATE", 2, 1_000, meeting("2030-01-01T09:00:00Z", "2030-01-01T10:00:00Z"));
    known.begin();
    assert!(map(&future, &mut known, &t).out.is_empty(), "not yet held");
    known.commit();
    let end: chrono::DateTime<chrono::Utc> = "2030-01-01T10:00:00Z".parse().unwrap();
    let m = crate::activities::due(end, crate::source::Source::Salesforce, &mut known, &t);
    assert_eq!(keyed_types(&m), [format!("activity.logged {LEAD1}")]);
    assert_eq!(m.out[0].event.occurred_at.to_rfc3339(), "2030-01-01T09:00:00+00:00");
}

#[test]
fn a_replayed_older_owner_change_does_not_reassign_the_lead() {
    let (mut known, t) = (Known::new(10), tables());
    let owner = |o: &str| json!({ "OwnerId": o });
    let mut types = |v: Value| keyed_types(&map(&v, &mut known, &t));
    assert_eq!(types(change("Lead", LEAD1, "CREATE", 1, 1_000, owner("0055g00000AnaXXAAA"))).len(), 1);
    assert_eq!(
        types(change("Lead", LEAD1, "UPDATE", 2, 2_000, owner("0055g00000DanXXAAA"))),
        [format!("lead.assigned {LEAD1}")]
    );
    assert!(types(change("Lead", LEAD1, "UPDATE", 3, 1_500, owner("0055g00000ZedXXAAA"))).is_empty(), "older");
    assert!(types(change("Lead", LEAD1, "UPDATE", 4, 3_000, owner("00G5g00000QueueAAA"))).is_empty(), "a queue");
}

#[test]
fn gaps_are_named_and_bad_headers_refused() {
    let (mut known, t) = (Known::new(10), tables());
    let gap = change("Opportunity", "006X", "GAP_UPDATE", 1, 1_000, json!({}));
    assert_eq!(map(&gap, &mut known, &t).gaps, ["006X"]);
    assert_eq!(reasons(&map(&json!({"x": 1}), &mut known, &t)), ["malformed"]);
    let mut no_time = change("Lead", LEAD1, "CREATE", 1, 1, json!({}));
    no_time["ChangeEventHeader"]["commitTimestamp"] = Value::Null;
    assert_eq!(reasons(&map(&no_time, &mut known, &t)), ["missing_field"]);
}

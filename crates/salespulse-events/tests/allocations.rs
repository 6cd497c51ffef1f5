//! Decoding allocates nothing for an event whose ids and names are short (up to 24 bytes,
//! as CRMs' record ids are): the fields only parsed are borrowed from the message and the
//! ids are held inline. A longer id (the bridge's event ids, which name the source, the
//! record and the change) costs one allocation.
//!
//! The allocations counted are those of the thread that decodes.

use salespulse_events::{Body, decode};

fn allocations_of<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    (out.expect("ran"), info.count_total)
}

// An unknown field costs nothing when its value is a scalar (an unknown nested object
// may cost an allocation).
const EVENTS: [&str; 4] = [
    r#"{"event_id":"hubspot:4711:stage:9","type":"deal.stage_changed","occurred_at":"2026-11-26T10:00:00Z","rep_id":"0055e00000AbCdEfGh","team_id":"emea-enterprise","account_id":"0015e00000XyZaBcDe","source":"salesforce","deal_id":"0065e00000QwErTyUi","stage":"negotiation","probability":0.6}"#,
    r#"{"event_id":"e-81723","type":"activity.logged","occurred_at":"2026-11-26T10:00:00.123+01:00","rep_id":"r7","activity_id":"a-81723","kind":"call","direction":"inbound","lead_id":"lead-77","duration_s":312,"x_custom":1}"#,
    r#"{"event_id":"e-2","type":"deal.closed","occurred_at":"2026-11-26T10:00:00Z","rep_id":"r7","deal_id":"d-9","outcome":"lost","amount":12000,"currency":"EUR","loss_reason":"price"}"#,
    r#"{"event_id":"e-3","type":"lead.created","occurred_at":"2026-11-26T10:00:00Z","lead_id":"l-1","channel":"webinar"}"#,
];

#[test]
fn an_event_with_short_ids_decodes_without_allocating() {
    for json in EVENTS {
        // Once first: a first use may set up what every later one shares.
        decode(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"));
        let (event, allocations) = allocations_of(|| decode(json.as_bytes(), 0));
        let event = event.unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(allocations, 0, "{json} decoded into {event:?}");
    }
}

#[test]
fn a_long_id_is_held_on_the_heap_and_reads_back_whole() {
    let long = "x".repeat(100);
    let json = format!(
        r#"{{"event_id":"{long}","type":"deal.reopened","occurred_at":"2026-11-26T10:00:00Z","deal_id":"{long}"}}"#
    );
    let (event, allocations) = allocations_of(|| decode(json.as_bytes(), 0));
    let event = event.expect("decodes");
    assert_eq!(event.event_id, long);
    assert_eq!(event.body, Body::DealReopened { deal_id: long.as_str().into() });
    assert!(allocations >= 2, "two long ids, {allocations} allocations");
}

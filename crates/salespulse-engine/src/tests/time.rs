//! Window edges, decay without events, too old and future events, team resolution.

use super::*;
use crate::UNASSIGNED;

const CALL: &str = r#"{"event_id":"auto","type":"activity.logged","occurred_at":"{at}","rep_id":"REP","activity_id":"a","kind":"call"}"#;

fn calls(h: &Harness, team: &str, window: &str, at: DateTime<Utc>) -> Option<f64> {
    let labels = [("team", team), ("window", window), ("kind", "call"), ("direction", "outbound")];
    h.kpi_at(at, "sales_activities", &labels)
}

#[test]
fn an_event_exactly_on_the_trailing_edge_is_out_and_one_step_inside_is_in() {
    let mut h = Harness::new();
    h.ok(&CALL.replace("REP", "ana"), &ago(60)); // exactly now - 1h
    h.ok(&CALL.replace("REP", "ana"), &ago(59)); // one resolution step (1 min) inside
    h.ok(&CALL.replace("REP", "ana"), &ago(0)); // exactly now: in
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), Some(2.0));
    assert_eq!(calls(&h, UNASSIGNED, "24h", now()), Some(3.0));
}

#[test]
fn windows_decay_to_zero_without_new_events() {
    let mut h = Harness::new();
    h.ok(&CALL.replace("REP", "ana"), &ago(30));
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), Some(1.0));
    let later = now() + Duration::minutes(30);
    assert_eq!(calls(&h, UNASSIGNED, "1h", later), Some(0.0), "30 min later the event is exactly 1h old");
    assert_eq!(calls(&h, UNASSIGNED, "24h", later), Some(1.0));
    // 88 days on, the event is more than one 90d step (36 h) inside the window: surely in.
    let much_later = now() + Duration::days(88);
    assert_eq!(calls(&h, UNASSIGNED, "30d", much_later), Some(0.0));
    assert_eq!(calls(&h, UNASSIGNED, "90d", much_later), Some(1.0));
    // With nothing left in any window, a team the roster does not name is no longer exported.
    assert_eq!(calls(&h, UNASSIGNED, "90d", now() + Duration::days(91)), None);
}

#[test]
fn out_of_order_events_land_in_their_own_slot() {
    let mut h = Harness::new();
    h.ok(&CALL.replace("REP", "ana"), &ago(5));
    h.ok(&CALL.replace("REP", "ana"), &ago(2 * 24 * 60)); // arrives after, happened 2 days earlier
    h.ok(&CALL.replace("REP", "ana"), &ago(10));
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), Some(2.0));
    assert_eq!(calls(&h, UNASSIGNED, "24h", now()), Some(2.0));
    assert_eq!(calls(&h, UNASSIGNED, "7d", now()), Some(3.0));
}

#[test]
fn too_old_and_future_events_are_rejected() {
    let mut h = Harness::new();
    assert_eq!(h.apply(&CALL.replace("REP", "ana"), &ago(90 * 24 * 60)), Err(Rejection::TooOld));
    assert!(h.apply(&CALL.replace("REP", "ana"), &ago(90 * 24 * 60 - 1)).is_ok());
    assert_eq!(h.apply(&CALL.replace("REP", "ana"), &ago(-6)), Err(Rejection::Future), "skew is 5 min");
    assert!(h.apply(&CALL.replace("REP", "ana"), &ago(-5)).is_ok());
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), Some(0.0), "a future event counts only when its time comes");
    assert_eq!(calls(&h, UNASSIGNED, "1h", now() + Duration::minutes(5)), Some(1.0));
}

#[test]
fn an_unknown_rep_is_unassigned_until_the_roster_names_them() {
    let mut h = Harness::new();
    h.ok(&CALL.replace("REP", "zoe"), &ago(10));
    let pinned = CALL.replace("REP", "zoe").replace(r#""kind""#, r#""team_id":"pinned","kind""#);
    h.ok(&pinned, &ago(9));
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), Some(1.0));
    assert_eq!(calls(&h, "pinned", "1h", now()), Some(1.0));
    h.ok(r#"{"event_id":"auto","type":"rep.updated","occurred_at":"{at}","rep_id":"zoe","team_id":"apac","active":true,"quota_carrying":false}"#, &ago(5));
    h.ok(&CALL.replace("REP", "zoe"), &ago(4));
    assert_eq!(calls(&h, "apac", "1h", now()), Some(2.0), "history and new events follow the roster");
    assert_eq!(calls(&h, UNASSIGNED, "1h", now()), None, "no data left: the team is gone");
    assert_eq!(calls(&h, "pinned", "1h", now()), Some(1.0), "an event's own team_id wins");
}

#[test]
fn roster_teams_are_exported_at_zero_before_any_event() {
    let mut h = Harness::new();
    h.ok(r#"{"event_id":"auto","type":"rep.updated","occurred_at":"{at}","rep_id":"ana","team_id":"emea","active":true,"quota_carrying":true}"#, &ago(5));
    assert_eq!(calls(&h, "emea", "90d", now()), Some(0.0));
    assert_eq!(h.kpi("sales_won_revenue", &[("team", "emea"), ("window", "24h")]), Some(0.0));
}

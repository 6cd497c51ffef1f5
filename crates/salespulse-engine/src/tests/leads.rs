//! Lead cohorts, lead response time, surveys.

use super::*;
use crate::IncompleteKpi;
use crate::kpis::Value;

const CREATED: &str =
    r#"{"event_id":"auto","type":"lead.created","occurred_at":"{at}","lead_id":"LID","rep_id":"ana"}"#;
const ASSIGNED: &str =
    r#"{"event_id":"auto","type":"lead.assigned","occurred_at":"{at}","lead_id":"LID","rep_id":"ana"}"#;
const CONVERTED: &str = r#"{"event_id":"auto","type":"lead.converted","occurred_at":"{at}","lead_id":"LID"}"#;
const TOUCH: &str = r#"{"event_id":"auto","type":"activity.logged","occurred_at":"{at}","rep_id":"ana","activity_id":"a","kind":"email","lead_id":"LID"}"#;

fn l(template: &str, id: &str) -> String {
    template.replace("LID", id)
}

fn w(window: &str) -> [(&str, &str); 2] {
    [("team", "unassigned"), ("window", window)]
}

/// Count, sum and the cumulative count at each bound of the response time histogram.
fn response(h: &Harness, window: &str) -> (u64, f64, Vec<(f64, u64)>) {
    match find(&h.families_at(now()), "sales_lead_response_seconds", &w(window)) {
        Some(Value::Histogram { count, sum, buckets }) => (count, sum, buckets),
        other => panic!("no histogram: {other:?}"),
    }
}

/// The cumulative count at bound `le`.
fn at(buckets: &[(f64, u64)], le: f64) -> u64 {
    buckets.iter().find(|(b, _)| *b == le).map(|(_, n)| *n).expect("a bound")
}

#[test]
fn conversion_is_counted_in_the_cohort_of_creation() {
    let mut h = Harness::new();
    h.ok(&l(CREATED, "old"), &ago(9 * 24 * 60)); // 9 days ago
    h.ok(&l(CREATED, "new1"), &ago(2 * 24 * 60));
    h.ok(&l(CREATED, "new2"), &ago(2 * 24 * 60));
    h.ok(&l(CONVERTED, "old"), &ago(5));
    h.ok(&l(CONVERTED, "new1"), &ago(5));
    h.ok(&l(CONVERTED, "new1"), &ago(4)); // a second conversion of the same lead counts once
    assert_eq!(h.kpi("sales_leads_created", &w("7d")), Some(2.0));
    assert_eq!(h.kpi("sales_leads_converted", &w("7d")), Some(1.0));
    assert_eq!(h.kpi("sales_lead_conversion_rate", &w("7d")), Some(0.5));
    assert_eq!(h.kpi("sales_leads_converted", &w("30d")), Some(2.0));
    assert_eq!(h.kpi("sales_lead_conversion_rate", &w("30d")), Some(2.0 / 3.0));
    assert_eq!(h.kpi("sales_lead_conversion_rate", &w("1h")), None, "no lead created in the last hour");
}

#[test]
fn conversion_before_creation_out_of_order_and_unknown_leads() {
    let mut h = Harness::new();
    let mut inc = Incomplete::default();
    inc.add(IncompleteKpi::LeadConversion);
    assert_eq!(h.apply(&l(CONVERTED, "x"), &ago(5)), Ok(Applied::Counted(inc)));
    h.ok(&l(CREATED, "x"), &ago(3 * 60)); // the creation arrives late
    assert_eq!(h.kpi("sales_leads_converted", &w("24h")), Some(1.0));
    assert_eq!(h.kpi("sales_leads_converted", &w("1h")), Some(0.0), "created 3h ago");
}

#[test]
fn response_time_from_assignment_else_creation_by_response_time() {
    let mut h = Harness::new();
    h.ok(&l(CREATED, "a"), &ago(30));
    h.ok(&l(TOUCH, "a"), &ago(29)); // 60 s after creation
    h.ok(&l(CREATED, "b"), &ago(120));
    h.ok(&l(ASSIGNED, "b"), &ago(50));
    h.ok(&l(TOUCH, "b"), &ago(40)); // 600 s after assignment
    h.ok(&l(TOUCH, "b"), &ago(39)); // not the first response
    h.ok(&l(CREATED, "c"), &ago(26 * 60));
    h.ok(&l(TOUCH, "c"), &ago(26 * 60 - 100)); // 6000 s, outside 24h? 24h40min ago: in 7d only
    let (count, sum, b) = response(&h, "1h");
    assert_eq!((count, sum), (2, 660.0));
    assert_eq!((at(&b, 60.0), at(&b, 300.0), at(&b, 900.0)), (1, 1, 2), "60 s and 600 s: {b:?}");
    let (count, sum, _) = response(&h, "7d");
    assert_eq!((count, sum), (3, 6660.0));
}

#[test]
fn automated_and_inbound_touches_are_not_responses() {
    let mut h = Harness::new();
    h.ok(&l(CREATED, "a"), &ago(30));
    h.ok(&l(TOUCH, "a").replace(r#""kind""#, r#""automated":true,"kind""#), &ago(29));
    h.ok(&l(TOUCH, "a").replace(r#""kind""#, r#""direction":"inbound","kind""#), &ago(28));
    let (count, sum, b) = response(&h, "1h");
    assert_eq!((count, sum), (0, 0.0));
    assert!(b.iter().all(|(_, n)| *n == 0), "{b:?}");
    h.ok(&l(TOUCH, "a"), &ago(20));
    assert_eq!(response(&h, "1h").0..=response(&h, "1h").1 as u64, 1..=600);
}

#[test]
fn an_earlier_response_arriving_late_replaces_the_observation() {
    let mut h = Harness::new();
    assert!(h.apply(&l(TOUCH, "a"), &ago(10)).is_ok()); // response before the creation is known
    assert_eq!(response(&h, "1h").0, 0);
    h.ok(&l(CREATED, "a"), &ago(40));
    assert_eq!(response(&h, "1h").1, 1800.0);
    h.ok(&l(TOUCH, "a"), &ago(30)); // an earlier touch shows up
    assert_eq!(response(&h, "1h"), (1, 600.0, response(&h, "1h").2));
}

#[test]
fn response_to_an_unknown_lead_is_incomplete() {
    let mut h = Harness::new();
    let mut inc = Incomplete::default();
    inc.add(IncompleteKpi::LeadResponseTime);
    assert_eq!(h.apply(&l(TOUCH, "ghost"), &ago(5)), Ok(Applied::Counted(inc)));
}

#[test]
fn nps_and_csat_with_their_parts() {
    let mut h = Harness::new();
    let nps = r#"{"event_id":"auto","type":"survey.responded","occurred_at":"{at}","response_id":"r","survey":"nps","score":S}"#;
    for s in [10, 9, 8, 3] {
        h.ok(&nps.replace('S', &s.to_string()), &ago(5));
    }
    let csat = r#"{"event_id":"auto","type":"survey.responded","occurred_at":"{at}","response_id":"r","survey":"csat","score":S}"#;
    for s in [5, 4, 2] {
        h.ok(&csat.replace('S', &s.to_string()), &ago(5));
    }
    assert_eq!(h.kpi("sales_nps", &w("1h")), Some(25.0));
    let part = |cat| h.kpi("sales_survey_responses", &[w("1h")[0], w("1h")[1], ("survey", "nps"), ("category", cat)]);
    assert_eq!((part("promoter"), part("passive"), part("detractor")), (Some(2.0), Some(1.0), Some(1.0)));
    assert_eq!(h.kpi("sales_csat", &w("1h")), Some(200.0 / 3.0));
}

#[test]
fn the_cohort_follows_the_latest_assignee_in_any_order() {
    let mut h = Harness::new();
    let roster = r#"{"event_id":"auto","type":"rep.updated","occurred_at":"{at}","rep_id":"REP","team_id":"TEAM","active":true,"quota_carrying":true}"#;
    h.ok(&roster.replace("REP", "ana").replace("TEAM", "emea"), &ago(100));
    h.ok(&roster.replace("REP", "ben").replace("TEAM", "na"), &ago(100));
    let created = r#"{"event_id":"auto","type":"lead.created","occurred_at":"{at}","lead_id":"LID"}"#;
    h.ok(&l(created, "x"), &ago(50));
    let cohort = |h: &Harness, team| {
        (
            h.kpi("sales_leads_created", &[("team", team), ("window", "1h")]),
            h.kpi("sales_leads_converted", &[("team", team), ("window", "1h")]),
        )
    };
    assert_eq!(cohort(&h, "unassigned"), (Some(1.0), Some(0.0)));
    h.ok(&l(ASSIGNED, "x"), &ago(40)); // to ana (emea)
    h.ok(&l(CONVERTED, "x"), &ago(30));
    assert_eq!(cohort(&h, "emea"), (Some(1.0), Some(1.0)));
    assert_eq!(cohort(&h, "unassigned"), (None, None), "moved away: nothing left there");
    h.ok(&l(ASSIGNED, "x").replace("ana", "ben"), &ago(20)); // reassigned to ben (na)
    h.ok(&l(ASSIGNED, "x"), &ago(45)); // an older assignment arriving late changes nothing
    assert_eq!(cohort(&h, "na"), (Some(1.0), Some(1.0)));
    assert_eq!(cohort(&h, "emea"), (Some(0.0), Some(0.0)));
}

//! Team and stage budgets: values beyond them count under `_other`, never as new series.

use super::*;
use crate::{OVERFLOW, Rejection};

const CALL: &str = r#"{"event_id":"auto","type":"activity.logged","occurred_at":"{at}","rep_id":"ana","team_id":"TEAM","activity_id":"auto","kind":"call"}"#;
const DEAL: &str = r#"{"event_id":"auto","type":"deal.created","occurred_at":"{at}","rep_id":"ana","deal_id":"DID","amount":100,"currency":"EUR","stage":"STAGE"}"#;

fn budgets(teams: usize, stages: usize) -> Harness {
    Harness::with(EngineConfig { max_teams: teams, max_stages: stages, ..EngineConfig::default() })
}

fn calls(h: &Harness, team: &str) -> Option<f64> {
    h.kpi("sales_activities", &[("team", team), ("window", "1h"), ("kind", "call"), ("direction", "outbound")])
}

#[test]
fn teams_beyond_the_budget_count_under_other() {
    let mut h = budgets(2, 100);
    for team in ["t1", "t2", "t3", "t4", "t1", "t3"] {
        h.ok(&CALL.replace("TEAM", team), &ago(5));
    }
    assert_eq!(calls(&h, "t1"), Some(2.0));
    assert_eq!(calls(&h, "t2"), Some(1.0));
    assert_eq!(calls(&h, "t3"), None, "no series for a team beyond the budget");
    assert_eq!(calls(&h, OVERFLOW), Some(3.0), "t3, t4, t3");
    assert_eq!(h.shard.folded().teams, 3);
    assert!(h.view_at(now()).teams().len() <= 3, "two teams and {OVERFLOW}");
}

#[test]
fn stages_beyond_the_budget_count_under_other_and_never_wrap() {
    let mut h = budgets(100, 3);
    for (i, stage) in ["s1", "s2", "s3", "s4", "s5"].iter().enumerate() {
        h.ok(&DEAL.replace("DID", &format!("d{i}")).replace("STAGE", stage), &ago(5));
    }
    let open = |h: &Harness, stage: &str| h.kpi("sales_pipeline_deals", &[("team", "unassigned"), ("stage", stage)]);
    assert_eq!(open(&h, "s3"), Some(1.0));
    assert_eq!(open(&h, "s4"), None);
    assert_eq!(open(&h, OVERFLOW), Some(2.0));
    assert_eq!(h.shard.folded().stages, 2);

    // 70 000 made-up stages with the default budget: ids never wrap around, the first
    // stage keeps its deal.
    let mut h = Harness::new();
    h.ok(&DEAL.replace("DID", "first").replace("STAGE", "qualification"), &ago(5));
    for i in 0..70_000 {
        h.ok(&DEAL.replace("DID", &format!("x{i}")).replace("STAGE", &format!("stage-{i}")), &ago(5));
    }
    assert_eq!(open(&h, "qualification"), Some(1.0));
    assert_eq!(h.view_at(now()).stages().len(), crate::DEFAULT_MAX_STAGES + 1);
    assert_eq!(open(&h, OVERFLOW), Some(70_000.0 - 99.0));
}

#[test]
fn reference_data_beyond_the_budget_is_refused() {
    let mut h = Harness::new();
    h.reference.set_budgets(1, 1);
    let rep = |r: &str, t: &str| {
        format!(
            r#"{{"event_id":"auto","type":"rep.updated","occurred_at":"{{at}}","rep_id":"{r}","team_id":"{t}","active":true,"quota_carrying":true}}"#
        )
    };
    let stage = |s: &str| {
        format!(
            r#"{{"event_id":"auto","type":"stage.defined","occurred_at":"{{at}}","stage":"{s}","order":1,"probability":0.5,"is_closed":false,"is_won":false}}"#
        )
    };
    h.ok(&rep("ana", "emea"), &ago(5));
    h.ok(&rep("ben", "emea"), &ago(5));
    assert_eq!(h.apply(&rep("cara", "na"), &ago(5)), Err(Rejection::OverBudget("team")));
    h.ok(&stage("s1"), &ago(5));
    h.ok(&stage("s1"), &ago(4));
    assert_eq!(h.apply(&stage("s2"), &ago(5)), Err(Rejection::OverBudget("stage")));
    assert_eq!(Rejection::OverBudget("stage").reason(), "over_budget");
}

#[test]
fn reps_beyond_the_budget_count_under_other() {
    let mut h = Harness::with(EngineConfig { max_reps: 2, ..EngineConfig::default() });
    let call = |rep: &str| CALL.replace("ana", rep).replace(r#","team_id":"TEAM""#, "");
    for rep in ["ana", "ben", "cara", "dan", "ana"] {
        h.ok(&call(rep), &ago(5));
    }
    assert_eq!(h.shard.folded().reps, 2, "cara and dan");
    let mut reps: Vec<Option<String>> =
        (0..h.shard.owners.len()).map(|o| h.shard.owners.get(o as u32).0.map(str::to_owned)).collect();
    reps.sort();
    assert_eq!(reps, [Some(OVERFLOW.to_owned()), Some("ana".to_owned()), Some("ben".to_owned())]);
    assert_eq!(calls(&h, "unassigned"), Some(5.0), "every call counted, none lost");
}

#[test]
fn an_event_that_would_hold_one_entity_too_many_is_rejected_and_known_ones_go_on() {
    let mut h = Harness::with(EngineConfig { max_entities: 3, ..EngineConfig::default() });
    for d in ["d1", "d2", "d3"] {
        h.ok(&DEAL.replace("DID", d).replace("STAGE", "s"), &ago(5));
    }
    assert_eq!(h.shard.entities(), 3);
    let fourth = DEAL.replace("DID", "d4").replace("STAGE", "s");
    let err = h.apply(&fourth, &ago(5)).unwrap_err();
    assert_eq!(err, Rejection::TooManyEntities(3));
    assert_eq!(err.reason(), "over_budget");
    let lead = r#"{"event_id":"auto","type":"lead.created","occurred_at":"{at}","lead_id":"l1"}"#;
    assert_eq!(h.apply(lead, &ago(5)), Err(Rejection::TooManyEntities(3)));
    // Events about deals it holds, and events that add no entity, still count.
    let won = r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","deal_id":"d1","outcome":"won"}"#;
    h.ok(won, &ago(4));
    h.ok(&CALL.replace("TEAM", "t1"), &ago(4));
    assert_eq!(h.kpi("sales_won_revenue", &[("team", "unassigned"), ("window", "1h")]), Some(100.0));
    assert_eq!(calls(&h, "t1"), Some(1.0));
    // The budget counts what is held: past the longest window the won deal goes, the open
    // ones stay (the pipeline needs them).
    h.shard.prune(now() + chrono::Duration::days(91));
    assert_eq!(h.shard.entities(), 2);
}

//! Won revenue, average deal size, deals closed, win rate; currency; retractions.

use super::*;
use crate::IncompleteKpi;

const WON: &str = r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","rep_id":"ana","deal_id":"DID","outcome":"won","amount":AMT,"currency":"CUR"}"#;
const LOST: &str =
    r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","rep_id":"ana","deal_id":"DID","outcome":"lost"}"#;

fn won(id: &str, amount: f64, cur: &str) -> String {
    WON.replace("DID", id).replace("AMT", &amount.to_string()).replace("CUR", cur)
}

const H1: [(&str, &str); 2] = [("team", "unassigned"), ("window", "1h")];
const D7: [(&str, &str); 2] = [("team", "unassigned"), ("window", "7d")];

#[test]
fn revenue_deal_size_closes_and_win_rate_with_currency_conversion() {
    let mut h = Harness::new();
    h.ok(&won("d1", 1000.0, "EUR"), &ago(10));
    h.ok(&won("d2", 500.0, "USD"), &ago(20)); // 450 EUR at 0.9
    h.ok(&LOST.replace("DID", "d3"), &ago(30));
    h.ok(&LOST.replace("DID", "d4").replace("lost", "no_decision"), &ago(40));
    h.ok(&won("d5", 200.0, "EUR"), &ago(3 * 24 * 60)); // 3 days ago: 7d, not 1h

    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(1450.0));
    assert_eq!(h.kpi("sales_won_revenue", &D7), Some(1650.0));
    assert_eq!(h.kpi("sales_average_deal_size", &H1), Some(725.0));
    assert_eq!(h.kpi("sales_average_deal_size", &D7), Some(550.0));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "won")]), Some(2.0));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "lost")]), Some(1.0));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "no_decision")]), Some(1.0));
    assert_eq!(h.kpi("sales_win_rate", &H1), Some(2.0 / 3.0));
    assert_eq!(h.kpi("sales_win_rate", &D7), Some(3.0 / 4.0));
}

#[test]
fn a_close_that_names_its_team_and_no_rep_counts_under_that_team() {
    let mut h = Harness::new();
    let pinned = LOST.replace(r#""rep_id":"ana""#, r#""team_id":"emea""#);
    h.ok(&pinned.replace("DID", "d1").replace("lost", "won"), &ago(10));
    h.ok(&pinned.replace("DID", "d2"), &ago(20));
    let emea = [("team", "emea"), ("window", "1h")];
    assert_eq!(h.kpi("sales_deals_closed", &[emea[0], emea[1], ("outcome", "won")]), Some(1.0));
    assert_eq!(h.kpi("sales_deals_closed", &[emea[0], emea[1], ("outcome", "lost")]), Some(1.0));
    assert_eq!(h.kpi("sales_win_rate", &emea), Some(0.5));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "won")]), None, "nothing unassigned");
    // A deal whose rep is known keeps its rep under the pinned team.
    h.ok(r#"{"event_id":"auto","type":"deal.created","occurred_at":"{at}","rep_id":"ben","deal_id":"d3","amount":10,"currency":"EUR","stage":"s1"}"#, &ago(30));
    h.ok(&pinned.replace("DID", "d3"), &ago(5));
    assert_eq!(h.kpi("sales_deals_closed", &[emea[0], emea[1], ("outcome", "lost")]), Some(2.0));
}

#[test]
fn a_won_deal_converts_at_the_rate_of_its_close_and_the_pipeline_at_the_current_one() {
    let fx = |rate: f64| {
        format!(r#"{{"event_id":"auto","type":"fx.rate","occurred_at":"{{at}}","currency":"USD","rate":{rate}}}"#)
    };
    let open = r#"{"event_id":"auto","type":"deal.created","occurred_at":"{at}","rep_id":"ana","deal_id":"d3","amount":1000,"currency":"USD","stage":"s1"}"#;
    let pipeline = [("team", "unassigned"), ("stage", "s1")];
    for dated in [true, false] {
        let mut h = Harness::new();
        h.reference.set_dated_rates(dated);
        h.ok(&fx(0.5), &ago(10 * 24 * 60));
        h.ok(&fx(0.8), &ago(60));
        h.ok(&won("d1", 1000.0, "USD"), &ago(3 * 24 * 60));
        h.ok(&won("d2", 100.0, "USD"), &ago(30));
        h.ok(open, &ago(10));
        let revenue = h.kpi("sales_won_revenue", &D7);
        if dated {
            assert_eq!(revenue, Some(580.0), "1000 USD at 0.5 three days ago, 100 USD at 0.8 since an hour");
        } else {
            assert_eq!(revenue, Some(880.0), "every amount at the latest rate");
        }
        assert_eq!(h.kpi("sales_pipeline_value", &pipeline), Some(800.0), "open deals at the current rate");
    }
}

#[test]
fn unknown_currency_is_rejected_until_its_rate_is_known() {
    let mut h = Harness::new();
    let gbp = Currency::parse("GBP").unwrap();
    assert_eq!(h.apply(&won("d1", 100.0, "GBP"), &ago(5)), Err(Rejection::UnknownCurrency(gbp)));
    assert_eq!(h.kpi("sales_won_revenue", &H1), None, "a rejected event creates nothing");
    h.ok(r#"{"event_id":"auto","type":"fx.rate","occurred_at":"{at}","currency":"GBP","rate":1.25}"#, &ago(4));
    h.ok(&won("d1", 100.0, "GBP"), &ago(3));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(125.0));
}

#[test]
fn a_duplicate_event_id_counts_once() {
    let mut h = Harness::new();
    let json = won("d1", 100.0, "EUR").replace(r#""event_id":"auto""#, r#""event_id":"same""#);
    h.ok(&json, &ago(5));
    assert_eq!(h.apply(&json, &ago(5)), Ok(Applied::Duplicate));
    assert_eq!(h.apply(&json.replace("d1", "d2"), &ago(4)), Ok(Applied::Duplicate), "the id decides, not the body");
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(100.0));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "won")]), Some(1.0));
}

#[test]
fn won_without_any_known_amount_counts_as_won_and_is_reported_incomplete() {
    let mut h = Harness::new();
    let mut inc = Incomplete::default();
    inc.add(IncompleteKpi::WonRevenue);
    inc.add(IncompleteKpi::SalesCycle);
    let bare = LOST.replace("DID", "d9").replace("lost", "won");
    assert_eq!(h.apply(&bare, &ago(5)), Ok(Applied::Counted(inc)));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "won")]), Some(1.0));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(0.0));
    assert_eq!(h.kpi("sales_average_deal_size", &H1), None);
}

#[test]
fn close_without_amount_uses_the_last_known_amount_and_the_deal_owner() {
    let mut h = Harness::new();
    h.ok(r#"{"event_id":"auto","type":"rep.updated","occurred_at":"{at}","rep_id":"ben","team_id":"emea","active":true,"quota_carrying":true}"#, &ago(100));
    h.ok(r#"{"event_id":"auto","type":"deal.created","occurred_at":"{at}","rep_id":"ana","deal_id":"d1","amount":100,"currency":"EUR","stage":"s1"}"#, &ago(50));
    h.ok(r#"{"event_id":"auto","type":"deal.amount_changed","occurred_at":"{at}","deal_id":"d1","amount":300,"currency":"USD"}"#, &ago(40));
    h.ok(
        r#"{"event_id":"auto","type":"deal.owner_changed","occurred_at":"{at}","deal_id":"d1","rep_id":"ben"}"#,
        &ago(30),
    );
    // An older amount arriving late does not overwrite the newer one.
    h.ok(r#"{"event_id":"auto","type":"deal.amount_changed","occurred_at":"{at}","deal_id":"d1","amount":1,"currency":"EUR"}"#, &ago(45));
    h.ok(r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","deal_id":"d1","outcome":"won"}"#, &ago(10));
    assert_eq!(h.kpi("sales_won_revenue", &[("team", "emea"), ("window", "1h")]), Some(270.0));
    assert_eq!(h.kpi("sales_won_revenue", &H1), None, "ana's team has nothing in any window");
}

#[test]
fn reopen_delete_and_reclose_retract_exactly() {
    let mut h = Harness::new();
    h.ok(&won("d1", 100.0, "EUR"), &ago(30));
    h.ok(&won("d2", 40.0, "EUR"), &ago(30));
    h.ok(r#"{"event_id":"auto","type":"deal.reopened","occurred_at":"{at}","deal_id":"d1"}"#, &ago(20));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(40.0));
    h.ok(&LOST.replace("DID", "d1"), &ago(10));
    assert_eq!(h.kpi("sales_win_rate", &H1), Some(0.5));
    // A close older than the reopen arrives late: superseded, ignored.
    h.ok(&won("d1", 999.0, "EUR"), &ago(25));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(40.0));
    // Closing again replaces the previous close.
    h.ok(&won("d1", 70.0, "EUR"), &ago(5));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(110.0));
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "lost")]), Some(0.0));
    h.ok(r#"{"event_id":"auto","type":"deal.deleted","occurred_at":"{at}","deal_id":"d2"}"#, &ago(2));
    h.ok(&won("d2", 40.0, "EUR"), &ago(1));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(70.0), "a deleted deal stays deleted");
    assert_eq!(h.kpi("sales_deals_closed", &[H1[0], H1[1], ("outcome", "won")]), Some(1.0));
}

#[test]
fn a_deal_created_again_after_its_deletion_is_restored_with_its_history() {
    let mut h = Harness::new();
    let created = r#"{"event_id":"auto","type":"deal.created","occurred_at":"{at}","deal_id":"d1","rep_id":"ana","amount":100,"currency":"EUR","stage":"s1"}"#;
    let deleted = r#"{"event_id":"auto","type":"deal.deleted","occurred_at":"{at}","deal_id":"d1"}"#;
    let pipeline =
        |h: &Harness| h.kpi("sales_pipeline_deals", &[("team", "unassigned"), ("stage", "s1")]).unwrap_or(0.0);
    h.ok(created, &ago(40));
    h.ok(deleted, &ago(30));
    assert_eq!(pipeline(&h), 0.0, "deleted");
    // A creation older than the deletion (a late arrival) does not restore it.
    h.ok(created, &ago(35));
    assert_eq!(pipeline(&h), 0.0);
    // The restore: created again after the deletion; the deal counts as it was.
    h.ok(created, &ago(20));
    assert_eq!(pipeline(&h), 1.0, "restored");
    h.ok(&won("d1", 100.0, "EUR"), &ago(10));
    assert_eq!(h.kpi("sales_won_revenue", &H1), Some(100.0));
    let cycle = find(&h.families_at(now()), "sales_cycle_seconds", &H1);
    let Some(Value::Histogram { sum, count: 1, .. }) = cycle else { panic!("{cycle:?}") };
    assert_eq!(sum, 30.0 * 60.0, "the cycle runs from the first creation");
    // Deleted again, later than every creation: gone again, close and all.
    h.ok(deleted, &ago(5));
    assert_eq!(h.kpi("sales_won_revenue", &H1).unwrap_or(0.0), 0.0);
    assert_eq!(pipeline(&h), 0.0);
}

#[test]
fn per_rep_series_are_opt_in_and_capped_by_the_budget() {
    let cfg = EngineConfig { per_rep: true, rep_series_budget: 250, ..EngineConfig::default() };
    let mut h = Harness::with(cfg.clone());
    h.ok(&won("d1", 100.0, "EUR"), &ago(5));
    h.ok(&won("d2", 40.0, "EUR").replace("ana", "ben"), &ago(5));
    let view = h.view_at(now());
    let k = crate::kpis::families(&view, &h.reference, &cfg, now());
    // One rep fits in a budget of 250 series (a rep needs 175, 70 of them for the response
    // time histogram); the second is cut.
    assert_eq!((k.rep_series, k.rep_series_cut), (175, 175));
    let rep = find(&k.families, "sales_rep_won_revenue", &[("rep", "ana"), ("window", "1h")]);
    assert_eq!(rep, Some(Value::Gauge(100.0)));
    assert_eq!(find(&k.families, "sales_rep_won_revenue", &[("rep", "ben"), ("window", "1h")]), None);
    let off = crate::kpis::families(&view, &h.reference, &EngineConfig::default(), now());
    assert!(off.families.iter().all(|f| !f.name.starts_with("sales_rep_")));
}

/// The series of one scrape's families, as the exposition has them.
fn exposed(families: &[crate::kpis::Family], prefix: &str) -> usize {
    families
        .iter()
        .filter(|f| f.name.starts_with(prefix))
        .flat_map(|f| &f.metrics)
        .map(|m| match &m.value {
            Value::Gauge(_) => 1,
            Value::Summary { quantiles, .. } => quantiles.len() + 2,
            Value::Histogram { buckets, .. } => buckets.len() + 3,
        })
        .sum()
}

#[test]
fn the_rep_budget_counts_the_series_exported_and_cuts_whole_reps() {
    // Two reps with activities and no close: no win rate (5 series fewer each than the
    // most a rep can have), so both fit in twice what they export.
    let per_rep = crate::kpis::MAX_SERIES_PER_REP - crate::Window::ALL.len();
    let cfg = EngineConfig { per_rep: true, rep_series_budget: 2 * per_rep, ..EngineConfig::default() };
    let mut h = Harness::with(cfg.clone());
    let call = r#"{"event_id":"auto","type":"activity.logged","occurred_at":"{at}","rep_id":"REP","activity_id":"AID","kind":"call"}"#;
    h.ok(&call.replace("REP", "ana").replace("AID", "a1"), &ago(5));
    h.ok(&call.replace("REP", "ben").replace("AID", "a2"), &ago(5));
    let view = h.view_at(now());
    let k = crate::kpis::families(&view, &h.reference, &cfg, now());
    assert_eq!((k.rep_series, k.rep_series_cut), (2 * per_rep, 0));
    assert_eq!(exposed(&k.families, "sales_rep_"), k.rep_series, "what is counted is what is exported");
    // One series short: the second rep is cut whole, and counted as it would be exported.
    let cfg = EngineConfig { rep_series_budget: 2 * per_rep - 1, ..cfg };
    let k = crate::kpis::families(&view, &h.reference, &cfg, now());
    assert_eq!((k.rep_series, k.rep_series_cut), (per_rep, per_rep));
    assert_eq!(exposed(&k.families, "sales_rep_"), per_rep);
    assert_eq!(find(&k.families, "sales_rep_won_revenue", &[("rep", "ben"), ("window", "1h")]), None);
    // A budget below one rep: no per-rep family at all, not even an empty one.
    let cfg = EngineConfig { rep_series_budget: 10, ..cfg };
    let k = crate::kpis::families(&view, &h.reference, &cfg, now());
    assert_eq!((k.rep_series, k.rep_series_cut), (0, 2 * per_rep));
    assert!(k.families.iter().all(|f| !f.name.starts_with("sales_rep_")));
}

#[test]
fn the_default_rep_budget_covers_300_reps_with_every_per_rep_family() {
    assert_eq!(crate::DEFAULT_REP_SERIES_BUDGET, 300 * crate::kpis::MAX_SERIES_PER_REP);
}

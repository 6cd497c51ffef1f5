//! The fixed reference data and settings of the property test.

use chrono::{DateTime, Utc};
use salespulse_engine::calendar::Calendar;
use salespulse_engine::{EngineConfig, Reference, RepInfo, StageInfo};
use salespulse_events::*;

pub const APPLY_NOW: &str = "2026-11-26T12:00:00Z";

pub fn apply_now() -> DateTime<Utc> {
    APPLY_NOW.parse().unwrap()
}

pub fn eur(amount: f64) -> Money {
    Money { amount, currency: Currency::parse("EUR").unwrap() }
}

/// Roster, rates, stages, quotas, market sizes and spend.
pub fn reference() -> Reference {
    let mut r = Reference::new(Currency::parse("EUR").unwrap());
    r.set_rate(Currency::parse("USD").unwrap(), 0.9);
    for (rep, team, active, carrying) in
        [("ana", "emea", true, true), ("ben", "emea", true, true), ("cara", "na", true, true)]
    {
        r.set_rep(rep, RepInfo { team: team.into(), active, quota_carrying: carrying });
    }
    for (stage, order, p) in [("s1", 1, 0.1), ("s2", 2, 0.4), ("s3", 3, 0.7)] {
        r.set_stage(stage, StageInfo::open(order, p));
    }
    // Closed stages: entering one closes the deal.
    r.set_stage("won", StageInfo { order: 9, probability: 1.0, is_closed: true, is_won: true });
    r.set_stage("lost", StageInfo { order: 9, probability: 0.0, is_closed: true, is_won: false });
    r.set_quota("ana", Period::Month { year: 2026, month: 11 }, eur(1000.0));
    r.set_quota("ben", Period::Month { year: 2026, month: 11 }, eur(500.0));
    r.set_quota("cara", Period::Quarter { year: 2026, quarter: 4 }, eur(3000.0));
    r.set_market_size(Period::Month { year: 2026, month: 11 }, eur(100_000.0));
    r.set_market_size(Period::Month { year: 2026, month: 10 }, eur(80_000.0));
    r.set_market_size(Period::Year { year: 2026 }, eur(1_000_000.0));
    for (i, (days, team, amount)) in
        [(3, "emea", 700.0), (20, "emea", 1300.0), (40, "na", 900.0)].into_iter().enumerate()
    {
        let e = Event {
            event_id: format!("spend{i}").into(),
            occurred_at: apply_now() - chrono::Duration::days(days),
            rep_id: None,
            team_id: Some(team.into()),
            account_id: None,
            source: None,
            body: Body::SpendRecorded {
                category: if i % 2 == 0 { SpendCategory::Sales } else { SpendCategory::Marketing },
                amount: eur(amount),
            },
        };
        r.apply(&e).unwrap();
    }
    r
}

/// The spend records above, as (days ago, team, category, amount).
pub const SPEND: [(i64, &str, &str, f64); 3] =
    [(3, "emea", "sales", 700.0), (20, "emea", "marketing", 1300.0), (40, "na", "sales", 900.0)];

pub fn config() -> EngineConfig {
    let mut cfg = EngineConfig {
        calendar: Calendar::new(chrono_tz::UTC, 1, false),
        stalled_default_ms: 10 * 86_400_000,
        gross_margin: 0.5,
        ..EngineConfig::default()
    };
    cfg.stalled_after_ms.insert("s3".into(), 3 * 86_400_000);
    cfg
}

/// The team of a rep in the roster above.
pub fn team(rep: Option<&str>) -> &'static str {
    match rep {
        Some("ana") | Some("ben") => "emea",
        Some("cara") => "na",
        _ => "unassigned",
    }
}

//! Calendar periods in a non-UTC zone, across DST changes, with a fiscal year starting in
//! February: the `mtd`/`qtd`/`ytd` boundaries fall at local midnight.

use chrono::{DateTime, Utc};

use super::*;
use crate::calendar::Calendar;

fn paris(fiscal_start: u32) -> EngineConfig {
    EngineConfig { calendar: Calendar::new(chrono_tz::Europe::Paris, fiscal_start, false), ..EngineConfig::default() }
}

const WON: &str = r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","rep_id":"ana","deal_id":"DID","outcome":"won","amount":AMT,"currency":"EUR"}"#;

fn won(h: &mut Harness, id: &str, amount: u32, at: &str, now: &str) {
    let json = WON.replace("DID", id).replace("AMT", &amount.to_string()).replace("{at}", at);
    let event = ev(&json.replace(r#""event_id":"auto""#, &format!(r#""event_id":"{id}""#)), at);
    let now: DateTime<Utc> = now.parse().unwrap();
    assert!(h.shard.apply(&event, &h.reference, now).is_ok(), "{json}");
}

fn period(h: &Harness, now: &str, period: &str) -> Option<f64> {
    h.kpi_at(now.parse().unwrap(), "sales_period_won_revenue", &[("team", "unassigned"), ("period", period)])
}

#[test]
fn month_to_date_starts_at_local_midnight_in_paris_summer_time() {
    let mut h = Harness::with(paris(1));
    let now = "2026-04-15T10:00:00Z";
    // Local midnight of April 1st (CEST, UTC+2) is 22:00 UTC on March 31st.
    won(&mut h, "march", 100, "2026-03-31T21:59:59Z", now);
    won(&mut h, "april", 10, "2026-03-31T22:00:00Z", now);
    assert_eq!(period(&h, now, "mtd"), Some(10.0));
    assert_eq!(period(&h, now, "qtd"), Some(10.0), "the second quarter starts on April 1st too");
    assert_eq!(period(&h, now, "ytd"), Some(110.0));
    // In UTC both would be in March.
    let mut utc = Harness::new();
    won(&mut utc, "march", 100, "2026-03-31T21:59:59Z", now);
    won(&mut utc, "april", 10, "2026-03-31T22:00:00Z", now);
    assert_eq!(period(&utc, now, "mtd"), Some(0.0));
}

#[test]
fn boundaries_follow_the_dst_change_in_both_directions() {
    let mut h = Harness::with(paris(1));
    // Summer time ends on 2026-10-25: November 1st begins at 23:00 UTC on October 31st
    // (UTC+1), while October 1st began at 22:00 UTC on September 30th (UTC+2).
    let now = "2026-11-02T12:00:00Z";
    won(&mut h, "sep", 1, "2026-09-30T21:59:00Z", now);
    won(&mut h, "oct-first", 2, "2026-09-30T22:00:00Z", now);
    won(&mut h, "oct-last", 4, "2026-10-31T22:59:00Z", now);
    won(&mut h, "nov", 8, "2026-10-31T23:00:00Z", now);
    assert_eq!(period(&h, now, "mtd"), Some(8.0));
    assert_eq!(period(&h, now, "qtd"), Some(14.0), "Q4 = October from its local midnight");
    // The whole previous month, as market-share growth reads it, is October: 2 + 4.
    let cal = h.cfg.calendar;
    let (first, last) = cal.previous(crate::time::ms(now.parse().unwrap()), crate::calendar::PeriodKind::Month);
    let mut october = 0.0;
    h.shard.agg.months.fold(first, last, |_, v| october += v.to_f64());
    assert_eq!(october, 6.0);
}

#[test]
fn a_fiscal_year_starting_in_february() {
    let mut h = Harness::with(paris(2));
    let now = "2026-01-20T12:00:00Z";
    won(&mut h, "oct", 1, "2025-10-30T12:00:00Z", now); // fiscal Q3 of FY2025 (Aug-Oct)
    won(&mut h, "nov", 2, "2025-11-15T12:00:00Z", now); // fiscal Q4 (Nov-Jan)
    won(&mut h, "jan", 4, "2026-01-10T12:00:00Z", now);
    assert_eq!(period(&h, now, "mtd"), Some(4.0));
    assert_eq!(period(&h, now, "qtd"), Some(6.0), "fiscal Q4 runs from November to January");
    assert_eq!(period(&h, now, "ytd"), Some(7.0), "FY2025 runs from February 2025");
    // On February 1st, local time, a new fiscal year starts.
    let feb = "2026-01-31T23:30:00Z"; // 00:30 on February 1st in Paris (UTC+1)
    assert_eq!(period(&h, feb, "ytd"), Some(0.0));
    assert_eq!(period(&h, "2026-01-31T22:30:00Z", "ytd"), Some(7.0));
}

#[test]
fn quotas_resolve_from_months_quarters_or_years_of_the_fiscal_calendar() {
    let mut h = Harness::with(paris(2));
    let now = "2026-01-20T12:00:00Z";
    let quota = |period: &str, amount: u32| {
        format!(
            r#"{{"event_id":"auto","type":"quota.set","occurred_at":"{{at}}","rep_id":"ana","period":"{period}","amount":{amount},"currency":"EUR"}}"#
        )
    };
    let roster = r#"{"event_id":"auto","type":"rep.updated","occurred_at":"{at}","rep_id":"ana","team_id":"emea","active":true,"quota_carrying":true}"#;
    h.ok(roster, &ago(1));
    // Fiscal Q4 of FY2025 (November to January) given month by month; the year as a whole.
    for (p, a) in [("2025-11", 10), ("2025-12", 20), ("2026-01", 30)] {
        h.ok(&quota(p, a), &ago(1));
    }
    h.ok(&quota("2025", 500), &ago(1));
    won(&mut h, "jan", 45, "2026-01-10T12:00:00Z", now);
    let at = |p| h.kpi_at(now.parse().unwrap(), "sales_quota", &[("team", "emea"), ("period", p)]);
    assert_eq!(at("mtd"), Some(30.0));
    assert_eq!(at("qtd"), Some(60.0), "the sum of the quarter's three months");
    assert_eq!(at("ytd"), Some(500.0), "the year's own quota");
    let att = h.kpi_at(now.parse().unwrap(), "sales_quota_attainment", &[("team", "emea"), ("period", "mtd")]);
    assert_eq!(att, Some(1.5));
}

#[test]
fn the_month_elapsed_runs_from_local_midnight_to_local_midnight() {
    let cal = Calendar::new(chrono_tz::Europe::Paris, 1, false);
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap().timestamp_millis();
    // April 1st starts at 22:00 UTC on March 31st (CEST); April has 30 days.
    assert_eq!(cal.month_elapsed(at("2026-03-31T22:00:00Z")), 0.0);
    assert!((cal.month_elapsed(at("2026-04-15T22:00:00Z")) - 0.5).abs() < 1e-9);
    assert!(cal.month_elapsed(at("2026-04-30T21:59:59Z")) > 0.9999);
}

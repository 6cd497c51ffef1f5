//! Calendar periods in the configured time zone and fiscal year: month, quarter and year
//! to date, the previous ones, and the months a quota or market-size period covers.
//!
//! Everything is counted per local calendar month (a month key), so period boundaries
//! fall exactly at local midnight, DST changes included. A fiscal year starts on the
//! first day of the configured month; quarters are its three-month slices. A fiscal year
//! is named by the calendar year it starts in, or ends in (`named_by_end`); months keep
//! their calendar names (`2026-11`).

use chrono::{Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use salespulse_events::Period;

use crate::time::Ms;

/// A local calendar month: `year * 12 + (month - 1)`.
pub type MonthKey = i32;

/// The kinds of calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 3] = [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year];

    /// The `period` label of the period to date.
    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Month => "mtd",
            PeriodKind::Quarter => "qtd",
            PeriodKind::Year => "ytd",
        }
    }

    fn months(self) -> i32 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        }
    }
}

/// The configured calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calendar {
    tz: Tz,
    /// First month of the fiscal year, 1..=12.
    fiscal_start: u32,
    named_by_end: bool,
}

impl Default for Calendar {
    fn default() -> Calendar {
        Calendar { tz: chrono_tz::UTC, fiscal_start: 1, named_by_end: false }
    }
}

/// `year * 12 + month0`.
pub fn month_key(year: i32, month: u32) -> MonthKey {
    year * 12 + month as i32 - 1
}

impl Calendar {
    /// A calendar; `fiscal_start_month` is clamped to 1..=12.
    pub fn new(tz: Tz, fiscal_start_month: u32, named_by_end: bool) -> Calendar {
        Calendar { tz, fiscal_start: fiscal_start_month.clamp(1, 12), named_by_end }
    }

    /// The local month of instant `t`.
    pub fn month_of(&self, t: Ms) -> MonthKey {
        let local = Utc.timestamp_millis_opt(t).single().unwrap_or_default().with_timezone(&self.tz);
        month_key(local.year(), local.month())
    }

    /// The instant local month `m` begins.
    fn month_start(&self, m: MonthKey) -> Option<Ms> {
        let (year, month0) = (m.div_euclid(12), m.rem_euclid(12));
        let month = u32::try_from(month0).ok()? + 1;
        Some(self.tz.with_ymd_and_hms(year, month, 1, 0, 0, 0).earliest()?.timestamp_millis())
    }

    /// How much of the local month holding `now` has passed, 0 to 1.
    pub fn month_elapsed(&self, now: Ms) -> f64 {
        let m = self.month_of(now);
        match (self.month_start(m), self.month_start(m + 1)) {
            #[allow(clippy::cast_precision_loss, reason = "a fraction of a month")]
            (Some(a), Some(b)) if b > a => ((now - a) as f64 / (b - a) as f64).clamp(0.0, 1.0),
            _ => 0.0,
        }
    }

    /// First month of the fiscal year holding month `m`.
    fn fiscal_year_start(&self, m: MonthKey) -> MonthKey {
        m - (m - (self.fiscal_start as i32 - 1)).rem_euclid(12)
    }

    /// First month of the period of `kind` holding month `m`.
    pub fn period_start(&self, m: MonthKey, kind: PeriodKind) -> MonthKey {
        match kind {
            PeriodKind::Month => m,
            PeriodKind::Year => self.fiscal_year_start(m),
            PeriodKind::Quarter => {
                let fy = self.fiscal_year_start(m);
                fy + (m - fy) / 3 * 3
            }
        }
    }

    /// The months of the period of `kind` to date at `now`: (first, current).
    pub fn to_date(&self, now: Ms, kind: PeriodKind) -> (MonthKey, MonthKey) {
        let m = self.month_of(now);
        (self.period_start(m, kind), m)
    }

    /// The whole period of `kind` that holds `now`: (first, last).
    pub fn current(&self, now: Ms, kind: PeriodKind) -> (MonthKey, MonthKey) {
        let first = self.period_start(self.month_of(now), kind);
        (first, first + kind.months() - 1)
    }

    /// The whole previous period of `kind` at `now`: (first, last).
    pub fn previous(&self, now: Ms, kind: PeriodKind) -> (MonthKey, MonthKey) {
        let start = self.period_start(self.month_of(now), kind) - kind.months();
        (start, start + kind.months() - 1)
    }

    /// The wire label of the period of `kind` starting at month `start`.
    pub fn label(&self, start: MonthKey, kind: PeriodKind) -> Period {
        let (year, month0) = (start.div_euclid(12), start.rem_euclid(12));
        let fy_start = self.fiscal_year_start(start);
        let fy = fy_start.div_euclid(12) + i32::from(self.named_by_end && self.fiscal_start != 1);
        match kind {
            PeriodKind::Month => Period::Month { year, month: small(month0) + 1 },
            PeriodKind::Quarter => Period::Quarter { year: fy, quarter: small((start - fy_start) / 3) + 1 },
            PeriodKind::Year => Period::Year { year: fy },
        }
    }

    /// The months a wire period covers: (first, last).
    pub fn months_of(&self, p: Period) -> (MonthKey, MonthKey) {
        let named = |fy: i32| fy - i32::from(self.named_by_end && self.fiscal_start != 1);
        match p {
            Period::Month { year, month } => (month_key(year, month.into()), month_key(year, month.into())),
            Period::Quarter { year, quarter } => {
                let s = month_key(named(year), self.fiscal_start) + 3 * (i32::from(quarter) - 1);
                (s, s + 2)
            }
            Period::Year { year } => {
                let s = month_key(named(year), self.fiscal_start);
                (s, s + 11)
            }
        }
    }
}

/// A month of the year (0..12) or a quarter of the fiscal year (0..4), as the period's
/// small number.
fn small(n: i32) -> u8 {
    u8::try_from(n.rem_euclid(12)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Ms {
        s.parse::<chrono::DateTime<Utc>>().unwrap().timestamp_millis()
    }

    #[test]
    fn local_midnight_decides_the_month_across_dst() {
        let paris = Calendar::new(chrono_tz::Europe::Paris, 1, false);
        // Summer time started on 2026-03-29: local midnight of April 1st is 22:00 UTC.
        assert_eq!(paris.month_of(at("2026-03-31T21:59:59Z")), month_key(2026, 3));
        assert_eq!(paris.month_of(at("2026-03-31T22:00:00Z")), month_key(2026, 4));
        // Winter time from 2026-10-25: local midnight of November 1st is 23:00 UTC.
        assert_eq!(paris.month_of(at("2026-10-31T22:59:59Z")), month_key(2026, 10));
        assert_eq!(paris.month_of(at("2026-10-31T23:00:00Z")), month_key(2026, 11));
        let tokyo = Calendar::new(chrono_tz::Asia::Tokyo, 1, false);
        assert_eq!(tokyo.month_of(at("2026-11-30T15:00:00Z")), month_key(2026, 12));
    }

    #[test]
    fn fiscal_year_starting_in_february() {
        let c = Calendar::new(chrono_tz::UTC, 2, false);
        let now = at("2026-01-15T12:00:00Z");
        assert_eq!(c.to_date(now, PeriodKind::Year), (month_key(2025, 2), month_key(2026, 1)));
        assert_eq!(c.to_date(now, PeriodKind::Quarter), (month_key(2025, 11), month_key(2026, 1)));
        assert_eq!(c.previous(now, PeriodKind::Quarter), (month_key(2025, 8), month_key(2025, 10)));
        assert_eq!(c.label(month_key(2025, 11), PeriodKind::Quarter), Period::Quarter { year: 2025, quarter: 4 });
        assert_eq!(c.label(month_key(2025, 2), PeriodKind::Year), Period::Year { year: 2025 });
        assert_eq!(c.months_of(Period::Quarter { year: 2025, quarter: 4 }), (month_key(2025, 11), month_key(2026, 1)));
        assert_eq!(c.months_of(Period::Year { year: 2025 }), (month_key(2025, 2), month_key(2026, 1)));
        let by_end = Calendar::new(chrono_tz::UTC, 2, true);
        assert_eq!(by_end.label(month_key(2025, 2), PeriodKind::Year), Period::Year { year: 2026 });
        assert_eq!(by_end.months_of(Period::Year { year: 2026 }), (month_key(2025, 2), month_key(2026, 1)));
    }

    #[test]
    fn calendar_year_quarters_and_previous_periods() {
        let c = Calendar::default();
        let now = at("2026-11-26T12:00:00Z");
        assert_eq!(c.to_date(now, PeriodKind::Month), (month_key(2026, 11), month_key(2026, 11)));
        assert_eq!(c.to_date(now, PeriodKind::Quarter), (month_key(2026, 10), month_key(2026, 11)));
        assert_eq!(c.previous(now, PeriodKind::Month), (month_key(2026, 10), month_key(2026, 10)));
        assert_eq!(c.previous(now, PeriodKind::Year), (month_key(2025, 1), month_key(2025, 12)));
        assert_eq!(c.label(month_key(2026, 10), PeriodKind::Quarter).to_string(), "2026-Q4");
        assert_eq!(c.label(month_key(2026, 11), PeriodKind::Month).to_string(), "2026-11");
    }
}

//! Engine tests: feed events, read KPIs at a fixed `now`, assert exact values.

#![allow(clippy::cast_possible_truncation, reason = "test figures are small")]

mod budgets;
mod deals;
mod leads;
mod periods;
mod time;

use chrono::{DateTime, Duration, Utc};
use salespulse_events::{Currency, Event, decode};

use crate::kpis::{Family, Value, families};
use crate::{Applied, EngineConfig, Incomplete, Reference, Rejection, Shard, View};

/// The fixed wall time of every test: a Thursday noon, UTC.
pub const NOW: &str = "2026-11-26T12:00:00Z";

pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// RFC 3339 text for `now - minutes`.
pub fn ago(minutes: i64) -> String {
    (now() - Duration::minutes(minutes)).to_rfc3339()
}

/// A decoded event from JSON; `{at}` is replaced by `occurred_at`.
pub fn ev(json: &str, at: &str) -> Event {
    let json = json.replace("{at}", at);
    decode(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"))
}

pub struct Harness {
    pub shard: Shard,
    pub reference: Reference,
    pub cfg: EngineConfig,
    n: u64,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with(EngineConfig::default())
    }

    pub fn with(cfg: EngineConfig) -> Harness {
        let mut reference = Reference::new(Currency::parse("EUR").unwrap());
        reference.set_rate(Currency::parse("USD").unwrap(), 0.9);
        Harness { shard: Shard::new(cfg.clone()), reference, cfg, n: 0 }
    }

    /// Applies `json` (with `"event_id":"auto"` replaced by a fresh id) at `at`.
    pub fn apply(&mut self, json: &str, at: &str) -> Result<Applied, Rejection> {
        self.n += 1;
        let json = json.replace(r#""event_id":"auto""#, &format!(r#""event_id":"e{}""#, self.n));
        let event = ev(&json, at);
        if event.event_type().is_reference() {
            return self.reference.apply(&event).map(|_| Applied::Counted(Incomplete::default()));
        }
        self.shard.apply(&event, &self.reference, now())
    }

    /// Applies and asserts the event was counted (incomplete KPIs or not).
    pub fn ok(&mut self, json: &str, at: &str) {
        let result = self.apply(json, at);
        assert!(matches!(result, Ok(Applied::Counted(_))), "{json}: {result:?}");
    }

    pub fn view_at(&self, at: DateTime<Utc>) -> View {
        self.shard.view(at, &self.reference)
    }

    pub fn families_at(&self, at: DateTime<Utc>) -> Vec<Family> {
        families(&self.view_at(at), &self.reference, &self.cfg, at).families
    }

    /// The value of a gauge (or the count of a summary or histogram) whose labels include
    /// `labels`.
    pub fn kpi_at(&self, at: DateTime<Utc>, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        find(&self.families_at(at), name, labels).map(|v| match v {
            Value::Gauge(g) => g,
            Value::Summary { count, .. } | Value::Histogram { count, .. } => count as f64,
        })
    }

    pub fn kpi(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.kpi_at(now(), name, labels)
    }
}

/// The value of the sample of `name` whose labels include every pair of `labels`.
pub fn find(fams: &[Family], name: &str, labels: &[(&str, &str)]) -> Option<Value> {
    let fam = fams.iter().find(|f| f.name == name)?;
    let hits: Vec<_> = fam
        .metrics
        .iter()
        .filter(|m| labels.iter().all(|(k, v)| m.labels.iter().any(|(mk, mv)| mk == k && mv == v)))
        .collect();
    assert!(hits.len() <= 1, "{name} {labels:?} matches {} samples", hits.len());
    hits.first().map(|m| m.value.clone())
}

#[test]
fn no_sample_is_ever_nan_and_empty_ratios_are_absent() {
    let mut h = Harness::new();
    h.ok(r#"{"event_id":"auto","type":"activity.logged","occurred_at":"{at}","rep_id":"ana","activity_id":"a","kind":"call"}"#, &ago(5));
    for fam in h.families_at(now()) {
        for m in fam.metrics {
            match m.value {
                Value::Gauge(v) => assert!(v.is_finite(), "{} {:?}", fam.name, m.labels),
                Value::Summary { sum, quantiles, .. } => assert!(sum.is_finite() && quantiles.is_empty()),
                Value::Histogram { sum, count, buckets } => {
                    assert!(sum.is_finite());
                    assert!(buckets.windows(2).all(|b| b[0].0 < b[1].0 && b[0].1 <= b[1].1), "cumulative");
                    assert!(buckets.iter().all(|(_, n)| *n <= count), "no bucket above the count");
                }
            }
        }
    }
    let t = [("team", "unassigned"), ("window", "1h")];
    for ratio in ["sales_win_rate", "sales_average_deal_size", "sales_lead_conversion_rate", "sales_nps", "sales_csat"]
    {
        assert_eq!(h.kpi(ratio, &t), None, "{ratio} has a zero denominator");
    }
    assert_eq!(h.kpi("sales_won_revenue", &t), Some(0.0), "sums are exported at zero");
}

#[test]
fn views_of_shards_merge_by_addition() {
    let deal = r#"{"event_id":"auto","type":"deal.closed","occurred_at":"{at}","rep_id":"ana","deal_id":"D","outcome":"won","amount":100,"currency":"EUR"}"#;
    let (mut a, mut b) = (Harness::new(), Harness::new());
    a.ok(deal, &ago(1));
    b.ok(&deal.replace("100", "50"), &ago(2));
    let mut merged = a.view_at(now());
    merged.merge(b.view_at(now()));
    let fams = families(&merged, &a.reference, &EngineConfig::default(), now()).families;
    assert_eq!(find(&fams, "sales_won_revenue", &[("window", "1h")]), Some(Value::Gauge(150.0)));
    assert_eq!(find(&fams, "sales_average_deal_size", &[("window", "1h")]), Some(Value::Gauge(75.0)));
}

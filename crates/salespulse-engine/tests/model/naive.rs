//! A naive recomputation of every KPI from the raw event list, written from the
//! documented rules (docs/kpis.md, docs/metrics.md) without the engine's incremental
//! state: accepted events are re-read whole for each view.

use std::collections::{BTreeMap, HashMap, HashSet};

use salespulse_engine::Window;
use salespulse_events::*;

use super::world::SPEND;

/// What a series must be: a count or sum (absent reads as 0), a ratio (absent when its
/// denominator is 0), or a histogram bucket (within the documented bounds, inclusive).
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    Zeroable(f64),
    Ratio(Option<f64>),
    Between(f64, f64),
}

pub type Expected = BTreeMap<String, Want>;

/// `name{a="1",b="2"}` with labels sorted by name.
pub fn key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut l = labels.to_vec();
    l.sort();
    let inner: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

pub const TEAMS: [&str; 3] = ["emea", "na", "unassigned"];
pub const STAGES: [&str; 6] = ["s1", "s2", "s3", "sx", "won", "lost"];
const DAY: i64 = 86_400_000;

fn ms(e: &Event) -> i64 {
    e.occurred_at.timestamp_millis()
}

/// The slot rule of docs/metrics.md: a slot counts when its start is in (now - W, now].
pub fn inw(w: Window, t: i64, now: i64) -> bool {
    let r = w.resolution_ms();
    let start = t.div_euclid(r) * r;
    start > now - w.len_ms() && start <= now
}

/// The start of the first slot that counts: the smallest slot start after `now - W`.
/// What is "at the window start" is read just before it.
pub fn window_start(w: Window, now: i64) -> i64 {
    let r = w.resolution_ms();
    let mut start = (now - w.len_ms()).div_euclid(r) * r;
    while start <= now - w.len_ms() {
        start += r;
    }
    start
}

pub fn to_base(m: Money) -> f64 {
    if m.currency.as_str() == "USD" { m.amount * 0.9 } else { m.amount }
}

pub fn div(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d)
}

/// Events that count: the first of each `event_id`, not older than 90 days, not more than
/// 5 minutes in the future (relative to when they were applied).
pub fn accepted(events: &[Event], applied_at: i64) -> Vec<Event> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| ms(e) > applied_at - 90 * DAY && ms(e) <= applied_at + 300_000)
        .filter(|e| seen.insert(e.event_id.clone()))
        .cloned()
        .collect()
}

/// Values accumulated per (series name, labels).
#[derive(Default)]
pub struct Acc {
    sums: HashMap<String, f64>,
    dists: HashMap<String, Vec<f64>>,
}

impl Acc {
    pub fn add(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        *self.sums.entry(key(name, labels)).or_default() += v;
    }

    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.sums.get(&key(name, labels)).copied().unwrap_or(0.0)
    }

    pub fn observe(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        self.dists.entry(key(name, labels)).or_default().push(v);
    }

    /// Writes a distribution's count, sum and cumulative counts at `bounds` into `out`.
    /// The documented rule: every value at or below a bound counts at it, and a value at
    /// most one log bucket (2^(1/16), 4.4%) above it may.
    pub fn histogram(&self, out: &mut Expected, name: &str, labels: &[(&str, &str)], bounds: &[f64]) {
        let values = self.dists.get(&key(name, labels)).cloned().unwrap_or_default();
        out.insert(key(&format!("{name}_count"), labels), Want::Zeroable(values.len() as f64));
        out.insert(key(&format!("{name}_sum"), labels), Want::Zeroable(values.iter().sum()));
        let width = 2f64.powf(1.0 / 16.0);
        for le in bounds {
            let at_most = |limit: f64| values.iter().filter(|v| **v <= limit).count() as f64;
            let (le_text, mut l) = (le.to_string(), labels.to_vec());
            l.push(("le", &le_text));
            out.insert(key(&format!("{name}_bucket"), &l), Want::Between(at_most(*le), at_most(le * width)));
        }
    }
}

/// Every window with its label.
pub fn windows() -> impl Iterator<Item = (Window, &'static str)> {
    Window::ALL.into_iter().map(|w| (w, w.label()))
}

/// All expected series at `now` (ms), from the events applied at `applied_at`.
pub fn expected(events: &[Event], applied_at: i64, now: i64) -> Expected {
    let ok = accepted(events, applied_at);
    let mut acc = Acc::default();
    let mut out = Expected::new();
    super::naive_deals::deals(&ok, now, &mut acc, &mut out);
    super::naive_more::leads(&ok, now, &mut acc, &mut out);
    super::naive_more::activity(&ok, now, &mut acc, &mut out);
    super::naive_more::customers(&ok, now, &mut acc, &mut out);
    for (days, t, category, amount) in SPEND {
        for (w, wl) in windows() {
            if inw(w, applied_at - days * DAY, now) {
                acc.add("sales_spend", &[("team", t), ("window", wl), ("category", category)], amount);
            }
        }
    }
    for t in TEAMS {
        for (_, wl) in windows() {
            for category in ["sales", "marketing"] {
                let l = [("team", t), ("window", wl), ("category", category)];
                out.insert(key("sales_spend", &l), Want::Zeroable(acc.get("sales_spend", &l)));
                // The generated ops record no spend on the events topic.
                out.insert(key("sales_spend_partitioned", &l), Want::Zeroable(0.0));
            }
            let spend = acc.get("sales_spend", &[("team", t), ("window", wl), ("category", "sales")])
                + acc.get("sales_spend", &[("team", t), ("window", wl), ("category", "marketing")]);
            let new = acc.get("new", &[("team", t), ("window", wl)]);
            out.insert(
                key("sales_customer_acquisition_cost", &[("team", t), ("window", wl)]),
                Want::Ratio(div(spend, new)),
            );
        }
    }
    // A team outside the roster is exported only while it has something non-zero.
    let present = |t: &str| {
        let tag = format!("team=\"{t}\"");
        out.iter().any(|(k, w)| k.contains(&tag) && matches!(w, Want::Zeroable(v) if *v != 0.0))
    };
    if !present("unassigned") {
        out.retain(|k, _| !k.contains("team=\"unassigned\""));
        out.insert("absent-team".into(), Want::Ratio(None));
    }
    out
}

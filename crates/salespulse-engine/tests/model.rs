//! Property test: the engine against a naive recomputation of every KPI.
//!
//! Random event sequences — duplicates, out-of-order and too old or future times,
//! reopens, deletes, owner changes, leads, accounts — are applied to a shard; at a random
//! later `now` every exported series must equal what `model/naive.rs` computes from the
//! accepted raw events with the documented rules, using the documented window slots.
//! Histogram buckets must be within the documented bucket accuracy.

#[path = "model/naive.rs"]
mod naive;
#[path = "model/naive_deals.rs"]
mod naive_deals;
#[path = "model/naive_more.rs"]
mod naive_more;
#[path = "model/ops.rs"]
mod ops;
#[path = "model/world.rs"]
mod world;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use proptest::prelude::*;
use salespulse_engine::Shard;
use salespulse_engine::kpis::{Value, families};

use naive::{Want, key};

/// Engine output flattened like the naive keys: summaries as `_count` and `_sum`,
/// histograms also as `_bucket{le=...}` entries.
fn flatten(fams: &[salespulse_engine::kpis::Family]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for f in fams {
        for m in &f.metrics {
            let labels: Vec<(&str, &str)> = m.labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match &m.value {
                Value::Gauge(v) => {
                    out.insert(key(f.name, &labels), *v);
                }
                Value::Summary { count, sum, .. } => {
                    out.insert(key(&format!("{}_count", f.name), &labels), *count as f64);
                    out.insert(key(&format!("{}_sum", f.name), &labels), *sum);
                }
                Value::Histogram { count, sum, buckets } => {
                    out.insert(key(&format!("{}_count", f.name), &labels), *count as f64);
                    out.insert(key(&format!("{}_sum", f.name), &labels), *sum);
                    for (le, n) in buckets {
                        let mut l = labels.clone();
                        let le = le.to_string();
                        l.push(("le", &le));
                        out.insert(key(&format!("{}_bucket", f.name), &l), *n as f64);
                    }
                }
            }
        }
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

fn family_of(k: &str) -> String {
    let name = k.split('{').next().unwrap_or_default();
    name.strip_suffix("_count")
        .or(name.strip_suffix("_sum"))
        .or(name.strip_suffix("_bucket"))
        .unwrap_or(name)
        .to_owned()
}

fn check(ops: Vec<(ops::Op, i64)>, view_after_minutes: i64) -> Result<(), TestCaseError> {
    let applied = world::apply_now();
    let events = ops::events(&ops, applied);
    let reference = world::reference();
    let cfg = world::config();
    let mut shard = Shard::new(cfg.clone());
    for e in &events {
        let _ = shard.apply(e, &reference, applied);
    }
    let now = applied + Duration::minutes(view_after_minutes);
    let fams = families(&shard.view(now, &reference), &reference, &cfg, now).families;
    let engine = flatten(&fams);
    let want = naive::expected(&events, applied.timestamp_millis(), now.timestamp_millis());
    let mut wrong = Vec::new();
    if want.contains_key("absent-team") && engine.keys().any(|k| k.contains("team=\"unassigned\"")) {
        wrong.push("team unassigned is exported but has nothing".to_owned());
    }
    for (k, w) in want.iter().filter(|(k, _)| *k != "absent-team") {
        let got = engine.get(k).copied();
        let ok = match w {
            Want::Zeroable(v) => close(got.unwrap_or(0.0), *v),
            Want::Ratio(v) => match (got, v) {
                (None, None) => true,
                (Some(a), Some(b)) => close(a, *b),
                _ => false,
            },
            Want::Between(lo, hi) => {
                let v = got.unwrap_or(0.0);
                *lo - 1e-9 <= v && v <= *hi + 1e-9
            }
        };
        if !ok {
            wrong.push(format!("{k}: engine {got:?}, naive {w:?}"));
        }
    }
    let modelled: BTreeSet<String> = want.keys().map(|k| family_of(k)).collect();
    let unmodelled: BTreeSet<String> = engine.keys().map(|k| family_of(k)).filter(|f| !modelled.contains(f)).collect();
    prop_assert!(unmodelled.is_empty(), "families the naive model does not compute: {unmodelled:?}");
    prop_assert!(wrong.is_empty(), "{} series differ:\n{}", wrong.len(), wrong.join("\n"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_a_naive_recomputation(
        ops in proptest::collection::vec((ops::op(), ops::minutes_ago()), 0..70),
        view_after in 0..20 * 1440i64,
    ) {
        check(ops, view_after)?;
    }
}

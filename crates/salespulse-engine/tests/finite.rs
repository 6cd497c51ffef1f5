//! Property test: no exported value is ever NaN or infinite, whatever the valid amounts
//! (up to the decoder's bound of 1e15, in any currency), and retracting events (deleting
//! the deals they closed) returns every series to exactly its previous presence and value,
//! bit for bit (sums are exact, see `salespulse_engine::fixed`), even after 2e15 passed
//! through cells that hold cents.

#[path = "model/ops.rs"]
mod ops;
#[path = "model/world.rs"]
#[allow(dead_code, reason = "shared with the model test")]
mod world;

use std::collections::BTreeMap;

use chrono::Duration;
use proptest::prelude::*;
use salespulse_engine::Shard;
use salespulse_engine::kpis::{Value, families};
use salespulse_events::validate::MAX_AMOUNT;
use salespulse_events::{Body, Currency, Event, Money, Outcome};

/// Valid amounts at the edges: none, a cent, large, the largest.
const AMOUNTS: [f64; 5] = [0.0, 0.01, 123_456.78, 999_999_999_999.99, MAX_AMOUNT];

/// Every amount of `e` set to one of [`AMOUNTS`], chosen by `pick`.
fn extreme(e: &mut Event, pick: usize) {
    let set = |m: &mut Money| m.amount = AMOUNTS[pick % AMOUNTS.len()];
    match &mut e.body {
        Body::DealCreated(d) => set(&mut d.amount),
        Body::DealAmountChanged { amount, .. } => set(amount),
        Body::DealClosed { amount: Some(amount), .. } => set(amount),
        Body::RevenueChanged { mrr } => set(mrr),
        Body::QuotaSet { amount, .. }
        | Body::SpendRecorded { amount, .. }
        | Body::MarketSizeRecorded { amount, .. } => {
            set(amount);
        }
        _ => {}
    }
}

/// Every exported sample, by series.
fn samples(shard: &Shard, now: chrono::DateTime<chrono::Utc>) -> BTreeMap<String, f64> {
    let (reference, cfg) = (world::reference(), world::config());
    let mut out = BTreeMap::new();
    for f in families(&shard.view(now, &reference), &reference, &cfg, now).families {
        for m in &f.metrics {
            let labels = format!("{:?}", m.labels);
            let mut put = |suffix: &str, v: f64| out.insert(format!("{}{suffix}{labels}", f.name), v);
            match &m.value {
                Value::Gauge(v) => {
                    put("", *v);
                }
                Value::Summary { count, sum, .. } => {
                    put("_count", *count as f64);
                    put("_sum", *sum);
                }
                Value::Histogram { count, sum, buckets } => {
                    put("_count", *count as f64);
                    put("_sum", *sum);
                    for (le, n) in buckets {
                        put(&format!("_bucket{le}"), *n as f64);
                    }
                }
            }
        }
    }
    out
}

/// Two deals won at the largest amount in dollars, then deleted: every close undone.
fn won_then_deleted(now: chrono::DateTime<chrono::Utc>) -> (Vec<Event>, Vec<Event>) {
    let usd = Currency::parse("USD").unwrap();
    let event = |id: String, minutes: i64, body: Body| Event {
        event_id: id.into(),
        occurred_at: now - Duration::minutes(minutes),
        rep_id: Some("ana".into()),
        team_id: None,
        account_id: None,
        source: None,
        body,
    };
    let mut won = Vec::new();
    let mut deleted = Vec::new();
    for d in ["x-1", "x-2"] {
        let amount = Some(Money { amount: MAX_AMOUNT, currency: usd });
        let close = Body::DealClosed { deal_id: d.into(), outcome: Outcome::Won, amount, loss_reason: None };
        won.push(event(format!("won-{d}"), 30, close));
        deleted.push(event(format!("del-{d}"), 20, Body::DealDeleted { deal_id: d.into() }));
    }
    (won, deleted)
}

/// The same value, bit for bit.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_value_is_ever_nan_or_infinite_and_retractions_restore_every_series(
        ops in proptest::collection::vec((ops::op(), ops::minutes_ago()), 0..60),
        picks in proptest::collection::vec(any::<usize>(), 60),
    ) {
        let now = world::apply_now();
        let reference = world::reference();
        let mut shard = Shard::new(world::config());
        let mut events = ops::events(&ops, now);
        for (e, pick) in events.iter_mut().zip(picks.iter().cycle()) {
            extreme(e, *pick);
            let _ = shard.apply(e, &reference, now);
        }
        let before = samples(&shard, now);
        let bad: Vec<_> = before.iter().filter(|(_, v)| !v.is_finite()).collect();
        prop_assert!(bad.is_empty(), "not finite: {bad:?}");

        let (won, deleted) = won_then_deleted(now);
        for e in &won {
            prop_assert!(shard.apply(e, &reference, now).is_ok());
        }
        let during = samples(&shard, now);
        let bad: Vec<_> = during.iter().filter(|(_, v)| !v.is_finite()).collect();
        prop_assert!(bad.is_empty(), "not finite with two deals of 1e15 USD: {bad:?}");
        for e in &deleted {
            prop_assert!(shard.apply(e, &reference, now).is_ok());
        }
        let after = samples(&shard, now);
        let appeared: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        let vanished: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
        prop_assert!(appeared.is_empty() && vanished.is_empty(), "appeared {appeared:?}, vanished {vanished:?}");
        let moved: Vec<_> = before.iter().filter(|(k, v)| !same(**v, after[*k])).map(|(k, v)| (k, v, after[k])).collect();
        prop_assert!(moved.is_empty(), "not restored: {moved:?}");
    }
}

//! Assignment: snapshots restored, unusable ones set aside and rebuilt, missing ones
//! started as configured.

use std::sync::atomic::Ordering;

use salespulse_engine::{EngineConfig, Reference, Shard};
use salespulse_events::Currency;
use salespulse_kafka::{Sink, Start};
use salespulse_store::{SnapshotStore, format};

use super::{call, fixture, fixture_with, key, sample, scrape};
use crate::reference_files::{Loaded, ReferenceFiles};

/// A snapshot of a shard holding `calls` calls by `ana`, next offset `next`.
fn snapshot(calls: usize, next: i64) -> Vec<u8> {
    let reference = Reference::new(Currency::parse("EUR").unwrap());
    let mut shard = Shard::new(EngineConfig::default());
    for i in 0..calls {
        shard.apply(&call(&format!("s{i}")), &reference, chrono::Utc::now()).unwrap();
    }
    format::encode(&shard, next).unwrap()
}

fn restores(f: &super::Fixture, result: &str) -> u64 {
    f.metrics.restores.with_label_values(&[result]).get()
}

#[test]
fn assignment_restores_snapshots_sets_aside_unusable_ones_and_rebuilds_the_rest() {
    let f = fixture();
    f.store.inner.save(&key(0), &snapshot(2, 7)).unwrap();
    f.store.inner.save(&key(1), b"not a snapshot at all, but long enough to have a header").unwrap();
    let mut newer = snapshot(1, 9);
    newer[8] = 99; // a format version this build does not read
    f.store.inner.save(&key(3), &newer).unwrap();
    let starts = f.node.assigned(&[0, 1, 2, 3]);
    assert_eq!(starts, [(0, Start::At(7)), (1, Start::Beginning), (2, Start::Beginning), (3, Start::Beginning)]);
    assert_eq!(f.store.inner.quarantined(), [(key(1), "corrupt".to_owned()), (key(3), "incompatible".to_owned())]);
    for (result, n) in [("restored", 1), ("corrupt", 1), ("incompatible", 1), ("missing", 1), ("error", 0)] {
        assert_eq!(restores(&f, result), n, "{result}");
    }
    let calls = sample(
        &scrape(&f.node),
        "sales_activities",
        &[("team", "unassigned"), ("window", "1h"), ("kind", "call"), ("direction", "outbound")],
    );
    assert_eq!(calls, Some(2.0), "the restored state is served");
    // A restored partition has nothing new to make durable.
    assert_eq!(f.node.flush(), [(0, 7)]);
}

#[test]
fn without_a_snapshot_a_partition_starts_where_configured() {
    let f = fixture_with(Start::Committed, ReferenceFiles::default(), Loaded::default());
    assert_eq!(f.node.assigned(&[4]), [(4, Start::Committed)]);
    assert_eq!(f.node.flush(), [], "nothing was read, so nothing is committed");
}

#[test]
fn an_unreadable_store_rebuilds_every_assigned_partition() {
    let f = fixture();
    f.store.inner.save(&key(0), &snapshot(1, 5)).unwrap();
    f.store.fail_loads.store(true, Ordering::SeqCst);
    assert_eq!(f.node.assigned(&[0]), [(0, Start::Beginning)], "never a start past what the state holds");
    assert_eq!(f.metrics.snapshot_failures.with_label_values(&["load"]).get(), 3, "three attempts");
    assert_eq!(restores(&f, "error"), 1);
    assert!(f.store.inner.quarantined().is_empty(), "a snapshot that could not be read is not set aside");
}

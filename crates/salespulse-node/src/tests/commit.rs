//! The commit rule: an offset is reported durable only once the store has acknowledged a
//! snapshot that covers it; a failed write keeps the previous durable offset; a revoke
//! writes, then releases.

use std::sync::atomic::Ordering;

use salespulse_engine::EngineConfig;
use salespulse_kafka::{Sink, Start, Verdict};
use salespulse_store::format;

use super::{call, eventually, fixture, key, sample, scrape};

/// The next offset stored in the snapshot of `partition`.
fn stored_next(store: &super::TestStore, partition: i32) -> Option<i64> {
    let bytes = store.inner.get(&key(partition))?;
    Some(format::decode(&bytes, EngineConfig::default()).expect("a valid snapshot").1)
}

#[test]
fn no_offset_is_durable_before_the_store_acknowledges_the_snapshot_that_covers_it() {
    let f = fixture();
    assert_eq!(f.node.assigned(&[0]), [(0, Start::Beginning)]);
    for offset in 0..10 {
        assert_eq!(f.node.apply(0, offset, &call(&format!("e{offset}"))), Verdict::Applied);
    }
    let held = f.store.hold.lock().unwrap();
    f.node.checkpoint();
    eventually("the writer inside save", || (f.store.saves.load(Ordering::SeqCst) == 1).then_some(()));
    assert_eq!(f.node.durable(), [], "nothing is durable while the save is unacknowledged");
    assert_eq!(f.node.apply(0, 10, &call("e10")), Verdict::Applied);
    assert_eq!(f.node.durable(), []);
    drop(held);
    let durable = eventually("the acknowledged snapshot", || Some(f.node.durable()).filter(|d| !d.is_empty()));
    assert_eq!(durable, [(0, 10)], "the snapshot covers offsets 0..10, not the event applied during the save");
    assert_eq!(stored_next(&f.store, 0), Some(10));
    assert_eq!(f.node.durable(), [], "each durable offset is reported once");
    // A later checkpoint covers the rest (one may be skipped while the writer finishes).
    let durable = eventually("the second snapshot", || {
        f.node.checkpoint();
        Some(f.node.durable()).filter(|d| !d.is_empty())
    });
    assert_eq!(durable, [(0, 11)]);
}

#[test]
fn a_failed_write_keeps_the_previous_durable_offset() {
    let f = fixture();
    f.node.assigned(&[0]);
    for offset in 0..5 {
        f.node.apply(0, offset, &call(&format!("e{offset}")));
    }
    f.node.checkpoint();
    assert_eq!(eventually("a first snapshot", || Some(f.node.durable()).filter(|d| !d.is_empty())), [(0, 5)]);
    f.store.fail_saves.store(true, Ordering::SeqCst);
    for offset in 5..8 {
        f.node.apply(0, offset, &call(&format!("e{offset}")));
    }
    f.node.checkpoint();
    let errors = || f.metrics.snapshots.with_label_values(&["error"]).get();
    eventually("the failed write", || (errors() == 1).then_some(()));
    assert_eq!(f.metrics.snapshot_failures.with_label_values(&["write"]).get(), 1);
    assert_eq!(f.node.durable(), [], "a failed write reports nothing durable");
    assert_eq!(f.node.flush(), [(0, 5)], "shutdown commits only what the last good snapshot covers");
    assert_eq!(f.node.revoked(&[0]), [(0, 5)], "so does a revoke");
    assert_eq!(stored_next(&f.store, 0), Some(5), "the good snapshot is still there");
}

#[test]
fn a_revoke_writes_the_shard_then_releases_it() {
    let f = fixture();
    f.node.assigned(&[0, 1]);
    for offset in 0..3 {
        f.node.apply(0, offset, &call(&format!("p0-{offset}")));
    }
    f.node.apply(1, 0, &call("p1-0"));
    assert_eq!(f.node.revoked(&[0]), [(0, 3)], "written now, without waiting for a checkpoint");
    assert_eq!(stored_next(&f.store, 0), Some(3));
    assert_eq!(f.node.apply(0, 3, &call("p0-3")), Verdict::NotAssigned);
    let partitions: Vec<i32> = scrape(&f.node).partitions.iter().map(|p| p.partition).collect();
    assert_eq!(partitions, [1]);
    // Given back, the partition resumes from its snapshot, state included.
    assert_eq!(f.node.assigned(&[0]), [(0, Start::At(3))]);
    let calls = sample(
        &scrape(&f.node),
        "sales_activities",
        &[("team", "unassigned"), ("window", "1h"), ("kind", "call"), ("direction", "outbound")],
    );
    assert_eq!(calls, Some(4.0), "3 calls restored on partition 0, 1 on partition 1");
}

#[test]
fn messages_that_did_not_decode_still_move_the_offset() {
    let f = fixture();
    f.node.assigned(&[0]);
    f.node.apply(0, 0, &call("e0"));
    f.node.skip(0, 1);
    f.node.skip(0, 2);
    assert_eq!(f.node.flush(), [(0, 3)]);
    assert_eq!(stored_next(&f.store, 0), Some(3));
}

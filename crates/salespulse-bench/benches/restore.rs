//! Restart-to-ready with a state of 1 M open entities (600 000 open deals and 400 000
//! leads waiting for a response): how long the consumption pauses for a snapshot (the
//! clone), how long the writer takes (encode, write, fsync), and how long a restart takes
//! to have the partition back (read and decode the snapshot).

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use salespulse_bench::big_shard;
use salespulse_engine::EngineConfig;
use salespulse_store::{FileStore, SnapshotKey, SnapshotStore, format};

fn bench(c: &mut Criterion) {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let (shard, _reference) = big_shard(now);
    let dir = std::env::temp_dir().join(format!("salespulse-bench-{}", std::process::id()));
    let store = FileStore::new(&dir).unwrap();
    let key = SnapshotKey { group: "bench".into(), topic: "crm.events".into(), partition: 0 };
    let bytes = format::encode(&shard, 1_000_000).unwrap();
    store.save(&key, &bytes).unwrap();
    eprintln!(
        "state: 1 000 000 open entities, engine estimate {:.1} MiB, snapshot {:.1} MiB",
        shard.state_bytes() as f64 / 1048576.0,
        bytes.len() as f64 / 1048576.0
    );
    let mut group = c.benchmark_group("snapshot of 1M open entities");
    group.sample_size(10);
    // The copy is dropped later, on the writer thread: its drop is not part of the pause.
    group.bench_function("pause: clone the shard", |b| b.iter_with_large_drop(|| shard.clone()));
    group.bench_function("writer: encode, write, fsync, rename", |b| {
        b.iter(|| store.save(&key, &format::encode(&shard, 1_000_000).unwrap()).unwrap())
    });
    group.bench_function("restart to ready: read and decode", |b| {
        b.iter(|| {
            let loaded = store.load(std::slice::from_ref(&key)).unwrap();
            format::decode(&loaded[&key], EngineConfig::default()).unwrap()
        })
    });
    group.finish();
    std::fs::remove_dir_all(dir).ok();
}

criterion_group!(benches, bench);
criterion_main!(benches);

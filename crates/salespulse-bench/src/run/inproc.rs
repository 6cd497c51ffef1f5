//! In-process figures, one core: decode alone, engine alone, and the snapshot of a
//! partition with 1 M open entities (pause, write, restore).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use salespulse_engine::{EngineConfig, Reference, Shard};
use salespulse_events::{Currency, decode, encode};
use salespulse_gen::{GenConfig, Generator, backfill_times};
use salespulse_store::{FileStore, SnapshotKey, SnapshotStore, format};

/// Rates in events per second.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub events: usize,
    pub decode: f64,
    pub engine: f64,
}

/// The best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Decodes and applies `n` generated events (`teams` × `reps`, over `days`), spread over
/// `partitions` shards by key as the topic would be, on this thread.
pub fn rates(n: u64, days: f64, teams: usize, reps: usize, partitions: usize) -> Rates {
    let now: DateTime<Utc> = Utc::now();
    let mut g = Generator::new(GenConfig { teams, reps_per_team: reps, ..GenConfig::default() });
    let mut reference = Reference::new(Currency::parse("EUR").expect("EUR"));
    for k in g.reference_events(now, now) {
        reference.apply(&k.event).ok();
    }
    let keyed: Vec<(usize, Vec<u8>)> = backfill_times(n, days, now, 1)
        .map(|t| g.next_at(t))
        .map(|k| {
            let mut h = DefaultHasher::new();
            k.key.hash(&mut h);
            ((h.finish() % partitions as u64) as usize, encode(&k.event))
        })
        .collect();
    let decode_time = best(3, || {
        let ok = keyed.iter().filter(|(_, p)| decode(p, 65_536).is_ok()).count();
        assert_eq!(ok, keyed.len(), "generated events decode");
    });
    let events: Vec<(usize, salespulse_events::Event)> =
        keyed.iter().filter_map(|(p, bytes)| Some((*p, decode(bytes, 65_536).ok()?))).collect();
    let apply_all = || {
        let mut shards: Vec<Shard> = (0..partitions).map(|_| Shard::new(EngineConfig::default())).collect();
        for (p, e) in &events {
            if !e.event_type().is_reference() {
                let _ = shards[*p].apply(e, &reference, now);
            }
        }
        shards
    };
    // The state is dropped after the clock stops: the service never drops it.
    let engine_time = (0..3)
        .map(|_| {
            let start = Instant::now();
            let shards = apply_all();
            let elapsed = start.elapsed();
            drop(shards);
            elapsed
        })
        .min()
        .unwrap_or_default();
    let shards = apply_all();
    let mut parts = std::collections::BTreeMap::new();
    for shard in &shards {
        for (name, bytes) in shard.state_parts() {
            *parts.entry(name).or_insert(0usize) += bytes;
        }
    }
    let parts: Vec<String> = parts.iter().map(|(n, b)| format!("{n} {:.1} MiB", *b as f64 / 1048576.0)).collect();
    super::progress::say(&format!("in process: engine state estimate by part: {}", parts.join(", ")));
    let per_s = |d: Duration| events.len() as f64 / d.as_secs_f64().max(1e-9);
    Rates { events: events.len(), decode: per_s(decode_time), engine: per_s(engine_time) }
}

/// Snapshot figures for 1 M open entities.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub state_bytes: usize,
    pub snapshot_bytes: usize,
    pub pause: Duration,
    pub write: Duration,
    pub restore: Duration,
}

/// Measures the snapshot of [`crate::fixtures::big_shard`] in `dir`.
pub fn snapshot(dir: &std::path::Path) -> Result<Snapshot, String> {
    let now: DateTime<Utc> = Utc::now();
    let (shard, _) = crate::fixtures::big_shard(now);
    let store = FileStore::new(dir).map_err(|e| e.to_string())?;
    let key = SnapshotKey { group: "bench".into(), topic: "crm.events".into(), partition: 0 };
    let mut copies = Vec::new();
    let pause = best(3, || copies.push(shard.clone()));
    drop(copies);
    let mut bytes = Vec::new();
    let write = best(3, || {
        bytes = format::encode(&shard, 1_000_000).expect("encode");
        store.save(&key, &bytes).expect("save");
    });
    let restore = best(3, || {
        let loaded = store.load(std::slice::from_ref(&key)).expect("load");
        format::decode(&loaded[&key], EngineConfig::default()).expect("decode");
    });
    Ok(Snapshot { state_bytes: shard.state_bytes(), snapshot_bytes: bytes.len(), pause, write, restore })
}

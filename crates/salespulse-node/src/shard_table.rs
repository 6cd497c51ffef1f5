//! The shards this node owns, by partition, and their durability: restore on assignment,
//! periodic snapshots on a writer thread, a last snapshot on revocation and at shutdown.
//! Offsets are reported for commit only once the snapshot that covers them is durable, so
//! a restart resumes exactly where the state ends: nothing lost, nothing counted twice.
//!
//! Taking a snapshot clones the shard under its lock (memory speed; the only pause the
//! partition sees); encoding, writing and fsync happen on the writer thread.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError, RwLock, mpsc};
use std::time::{Duration, Instant, SystemTime};

use salespulse_engine::{EngineConfig, Shard};
use salespulse_kafka::Start;
use salespulse_store::{SnapshotKey, SnapshotStore, format};
use tracing::{error, info, warn};

use crate::metrics::Metrics;
use crate::owned_shard::{OwnedShard, Saved};

/// A snapshot for the writer thread to save.
struct Job {
    partition: i32,
    owned: Arc<OwnedShard>,
    shard: Shard,
    next: i64,
    /// When the shard was copied (under its lock: no message read in between).
    taken_at: SystemTime,
}

/// Every shard this node owns, by partition.
pub struct ShardTable {
    cfg: EngineConfig,
    group: String,
    topic: String,
    store: Arc<dyn SnapshotStore>,
    shards: RwLock<BTreeMap<i32, Arc<OwnedShard>>>,
    durable: Arc<Mutex<Vec<(i32, i64)>>>,
    jobs: mpsc::Sender<Job>,
    metrics: Metrics,
    when_missing: Start,
}

impl std::fmt::Debug for ShardTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardTable").field("topic", &self.topic).field("store", &self.store).finish()
    }
}

/// Saves one snapshot unless a newer one is saved already; true when `next` is durable.
fn save(
    store: &dyn SnapshotStore,
    key: &SnapshotKey,
    owned: &OwnedShard,
    shard: &Shard,
    (next, taken_at): (i64, SystemTime),
    m: &Metrics,
) -> bool {
    let mut saved = owned.saved();
    if saved.released || saved.next >= next {
        return saved.next >= next;
    }
    let started = Instant::now();
    let result = format::encode(shard, next)
        .map_err(|e| e.to_string())
        .and_then(|bytes| store.save(key, &bytes).map(|()| bytes.len()).map_err(|e| e.to_string()));
    match result {
        Ok(len) => {
            m.snapshot_duration.observe(started.elapsed().as_secs_f64());
            m.snapshots.with_label_values(&["ok"]).inc();
            *saved = Saved { next, at: Some(SystemTime::now()), bytes: len, released: false };
            drop(saved);
            owned.current().made_durable(next, taken_at);
            true
        }
        Err(e) => {
            m.snapshots.with_label_values(&["error"]).inc();
            m.snapshot_failures.with_label_values(&["write"]).inc();
            error!(partition = key.partition, error = %e, "snapshot not saved; retried at the next checkpoint");
            false
        }
    }
}

impl ShardTable {
    /// An empty table for partitions of `topic` read by `group`, snapshotted to `store`.
    pub fn new(
        cfg: EngineConfig,
        group: &str,
        topic: &str,
        store: Arc<dyn SnapshotStore>,
        metrics: Metrics,
        when_missing: Start,
    ) -> ShardTable {
        let (jobs, rx) = mpsc::channel::<Job>();
        let durable = Arc::new(Mutex::new(Vec::new()));
        let (w_store, w_durable, w_metrics) = (store.clone(), durable.clone(), metrics.clone());
        let (w_group, w_topic) = (group.to_owned(), topic.to_owned());
        std::thread::Builder::new()
            .name("snapshot-writer".into())
            .spawn(move || {
                for job in rx {
                    let key = SnapshotKey { group: w_group.clone(), topic: w_topic.clone(), partition: job.partition };
                    if save(w_store.as_ref(), &key, &job.owned, &job.shard, (job.next, job.taken_at), &w_metrics) {
                        w_durable.lock().unwrap_or_else(PoisonError::into_inner).push((job.partition, job.next));
                    }
                    job.owned.in_flight.store(false, Ordering::Release);
                }
            })
            .expect("cannot start the snapshot writer thread");
        ShardTable {
            cfg,
            group: group.to_owned(),
            topic: topic.to_owned(),
            store,
            shards: RwLock::new(BTreeMap::new()),
            durable,
            jobs,
            metrics,
            when_missing,
        }
    }

    fn key(&self, partition: i32) -> SnapshotKey {
        SnapshotKey { group: self.group.clone(), topic: self.topic.clone(), partition }
    }

    /// The shard of `partition`, if owned.
    pub fn get(&self, partition: i32) -> Option<Arc<OwnedShard>> {
        self.shards.read().unwrap_or_else(PoisonError::into_inner).get(&partition).cloned()
    }

    /// Every owned shard, by partition.
    pub fn all(&self) -> Vec<(i32, Arc<OwnedShard>)> {
        self.shards.read().unwrap_or_else(PoisonError::into_inner).iter().map(|(p, s)| (*p, s.clone())).collect()
    }

    /// Restores newly assigned partitions; where each must start reading.
    pub fn restore(&self, partitions: &[i32]) -> Vec<(i32, Start)> {
        let started = Instant::now();
        let keys: Vec<SnapshotKey> = partitions.iter().map(|p| self.key(*p)).collect();
        let mut loaded = None;
        for attempt in 1..=3 {
            match self.store.load(&keys) {
                Ok(l) => {
                    loaded = Some(l);
                    break;
                }
                Err(e) => {
                    self.metrics.snapshot_failures.with_label_values(&["load"]).inc();
                    warn!(attempt, error = %e, "cannot read snapshots");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        let load_failed = loaded.is_none();
        let loaded = loaded.unwrap_or_default();
        let mut starts = Vec::with_capacity(partitions.len());
        let (mut restored, mut without) = (0usize, 0usize);
        for key in keys {
            let p = key.partition;
            let (owned, start, result) = match loaded.get(&key).map(|b| format::decode(b, self.cfg.clone())) {
                Some(Ok((shard, next))) => (OwnedShard::new(shard, next, next), Start::At(next), "restored"),
                Some(Err(e)) => {
                    let kind = e.kind();
                    self.metrics.snapshot_failures.with_label_values(&[kind]).inc();
                    error!(partition = p, error = %e, "snapshot unusable: set aside; rebuilding the partition from the topic");
                    if let Err(q) = self.store.quarantine(&key, kind) {
                        warn!(partition = p, error = %q, "cannot set the snapshot aside");
                    }
                    (OwnedShard::new(Shard::new(self.cfg.clone()), -1, -1), Start::Beginning, kind)
                }
                None if load_failed => {
                    error!(partition = p, "snapshots unreadable: rebuilding the partition from the topic");
                    (OwnedShard::new(Shard::new(self.cfg.clone()), -1, -1), Start::Beginning, "error")
                }
                None => (OwnedShard::new(Shard::new(self.cfg.clone()), -1, -1), self.when_missing, "missing"),
            };
            if result == "restored" {
                restored += 1;
            } else {
                without += 1;
            }
            self.metrics.restores.with_label_values(&[result]).inc();
            self.shards.write().unwrap_or_else(PoisonError::into_inner).insert(p, Arc::new(owned));
            starts.push((p, start));
        }
        self.metrics.restore_duration.observe(started.elapsed().as_secs_f64());
        let elapsed_ms = started.elapsed().as_millis() as u64;
        info!(partitions = ?partitions, restored, without_snapshot = without, elapsed_ms, "state restored");
        starts
    }

    /// Queues a snapshot of every partition that changed since its last one.
    pub fn checkpoint(&self) {
        for (partition, owned) in self.all() {
            if owned.in_flight.swap(true, Ordering::AcqRel) {
                continue;
            }
            let job = {
                let current = owned.current();
                (current.next > current.durable).then(|| (current.shard.clone(), current.next, SystemTime::now()))
            };
            match job {
                Some((shard, next, taken_at)) => {
                    let job = Job { partition, owned: owned.clone(), shard, next, taken_at };
                    if self.jobs.send(job).is_err() {
                        owned.in_flight.store(false, Ordering::Release);
                    }
                }
                None => owned.in_flight.store(false, Ordering::Release),
            }
        }
    }

    /// Offsets made durable since the last call, for owned partitions.
    pub fn durable(&self) -> Vec<(i32, i64)> {
        let done = std::mem::take(&mut *self.durable.lock().unwrap_or_else(PoisonError::into_inner));
        let shards = self.shards.read().unwrap_or_else(PoisonError::into_inner);
        let mut newest: BTreeMap<i32, i64> = BTreeMap::new();
        for (p, o) in done.into_iter().filter(|(p, _)| shards.contains_key(p)) {
            let e = newest.entry(p).or_insert(o);
            *e = (*e).max(o);
        }
        newest.into_iter().collect()
    }

    /// Saves `owned` now, in this thread; returns its durable `next` (if any).
    fn save_now(&self, partition: i32, owned: &OwnedShard) -> Option<i64> {
        let (shard, next, taken_at) = {
            let current = owned.current();
            if current.next <= current.durable {
                return (current.durable >= 0).then_some(current.durable);
            }
            (current.shard.clone(), current.next, SystemTime::now())
        };
        save(self.store.as_ref(), &self.key(partition), owned, &shard, (next, taken_at), &self.metrics);
        let durable = owned.current().durable;
        (durable >= 0).then_some(durable)
    }

    /// Makes the given partitions durable and gives them up; the offsets to commit.
    pub fn release(&self, partitions: &[i32]) -> Vec<(i32, i64)> {
        let mut out = Vec::new();
        for p in partitions {
            let Some(owned) = self.get(*p) else { continue };
            if let Some(o) = self.save_now(*p, &owned) {
                out.push((*p, o));
            }
            owned.saved().released = true;
            self.shards.write().unwrap_or_else(PoisonError::into_inner).remove(p);
        }
        out
    }

    /// Makes every partition durable now; the offsets to commit.
    pub fn flush(&self) -> Vec<(i32, i64)> {
        self.all().into_iter().filter_map(|(p, owned)| self.save_now(p, &owned).map(|o| (p, o))).collect()
    }
}

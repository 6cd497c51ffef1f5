//! The state of one instance — its shards and the global reference table — shared by the
//! consumer (as a [`Sink`]) and the exporter (as a [`KpiSource`]).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use salespulse_engine::{Applied, EngineConfig, Reference, View, kpis};
use salespulse_events::{Event, EventType};
use salespulse_exporter::{KpiSource, PartitionStatus, Scrape};
use salespulse_kafka::{Sink, Start, Verdict};
use salespulse_store::SnapshotStore;
use tracing::{info, warn};

use crate::metrics::Metrics;
use crate::reference_files::{Loaded, ReferenceFiles};
use crate::repeats::RecentIds;
use crate::shard_table::ShardTable;

/// What a node is set up with, besides its store and reference data.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub engine: EngineConfig,
    /// The consumer group and the events topic: together with a partition, the key of a
    /// shard's snapshot.
    pub group: String,
    pub topic: String,
    /// Where a partition without a snapshot starts reading.
    pub when_missing: Start,
    /// A partition is ready once it is at most this many messages behind.
    pub ready_max_lag: i64,
}

/// Every shard of this instance plus the reference table.
#[derive(Debug)]
pub struct Node {
    pub(crate) cfg: EngineConfig,
    /// The events topic and the consumer group, for the labels of partition series.
    topic: String,
    group: String,
    pub(crate) shards: ShardTable,
    pub(crate) reference: RwLock<Reference>,
    files: ReferenceFiles,
    /// What the reference files held at their last good load.
    loaded: Mutex<Loaded>,
    metrics: Metrics,
    pub(crate) ready_max_lag: i64,
    /// The consumer group has assigned partitions (possibly none) to this instance.
    joined: Arc<AtomicBool>,
    /// The reference topic has been read to its end (or there is none).
    reference_loaded: AtomicBool,
    /// Recent event ids by partition: repeats across partitions, which no shard sees.
    recent: RecentIds,
    /// Moves when partitions are assigned or revoked and when reference data changes;
    /// with the offsets read, what tells the board the state moved (see `board.rs`).
    pub(crate) generation: AtomicU64,
    /// Partitions of the events topic, once known (0: not known).
    pub(crate) partition_count: AtomicUsize,
}

impl Node {
    /// A node with no shards yet. `reference` holds the configured exchange rates; what
    /// `loaded` read from `files` is applied on top of it.
    pub fn new(
        cfg: NodeConfig,
        store: Arc<dyn SnapshotStore>,
        mut reference: Reference,
        files: ReferenceFiles,
        loaded: Loaded,
        metrics: Metrics,
    ) -> Node {
        metrics.base_currency.with_label_values(&[reference.base().as_str()]).set(1);
        if !files.paths().is_empty() {
            loaded.apply(&Loaded::default(), &mut reference);
            info!(summary = %loaded.summary(), "reference files loaded");
        }
        let shards =
            ShardTable::new(cfg.engine.clone(), &cfg.group, &cfg.topic, store, metrics.clone(), cfg.when_missing);
        Node {
            cfg: cfg.engine,
            topic: cfg.topic,
            group: cfg.group,
            shards,
            reference: RwLock::new(reference),
            files,
            loaded: Mutex::new(loaded),
            metrics,
            ready_max_lag: cfg.ready_max_lag,
            joined: Arc::new(AtomicBool::new(false)),
            reference_loaded: AtomicBool::new(false),
            recent: RecentIds::default(),
            generation: AtomicU64::new(0),
            partition_count: AtomicUsize::new(0),
        }
    }

    /// The events topic has `n` partitions (for the board's coverage).
    pub fn set_partition_count(&self, n: usize) {
        self.partition_count.store(n, Ordering::Relaxed);
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Turns true once the consumer group has assigned this instance its partitions.
    pub fn joined(&self) -> Arc<AtomicBool> {
        self.joined.clone()
    }

    /// The reference topic has been read to its end (or there is none): readiness may now
    /// depend on the partitions alone.
    pub fn mark_reference_loaded(&self) {
        self.reference_loaded.store(true, Ordering::Release);
    }

    /// Applies a reference event to the global table: `Ok(false)` if it is not reference
    /// data, `Err(reason)` if refused.
    pub fn apply_reference(&self, event: &Event) -> Result<bool, &'static str> {
        self.changed();
        self.with_reference(|r| r.apply(event)).map_err(|r| r.reason())
    }

    fn with_reference<T>(&self, f: impl FnOnce(&mut Reference) -> T) -> T {
        f(&mut self.reference.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// The reference files this node reloads.
    pub fn files(&self) -> &ReferenceFiles {
        &self.files
    }

    /// Reads the reference files again and, if every line of every file is good, applies
    /// them (removing what left them since the last load); otherwise keeps the previous
    /// data and logs every problem. Counted by result. True when applied.
    pub fn reload_files(&self, sighup: bool) -> bool {
        match self.files.read() {
            Ok(new) => {
                let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
                self.with_reference(|r| new.apply(&loaded, r));
                self.changed();
                info!(summary = %new.summary(), sighup, "reference files reloaded");
                *loaded = new;
                self.metrics.reloads.with_label_values(&["ok"]).inc();
                true
            }
            Err(errors) => {
                self.metrics.reloads.with_label_values(&["error"]).inc();
                warn!(problems = errors.len(), "reference files not reloaded; keeping the previous data");
                for e in errors {
                    warn!("{e}");
                }
                false
            }
        }
    }
}

impl Sink for Node {
    fn assigned(&self, partitions: &[i32]) -> Vec<(i32, Start)> {
        let starts = self.shards.restore(partitions);
        self.changed();
        starts
    }

    fn revoked(&self, partitions: &[i32]) -> Vec<(i32, i64)> {
        let released = self.shards.release(partitions);
        self.changed();
        released
    }

    fn apply(&self, partition: i32, offset: i64, event: &Event) -> Verdict {
        let Some(owned) = self.shards.get(partition) else { return Verdict::NotAssigned };
        // Reference data is global, except spend: recorded on the events topic, it counts
        // with its partition (snapshotted, and exact when instances are summed).
        let global = event.event_type().is_reference() && event.event_type() != EventType::SpendRecorded;
        if global {
            owned.current().read(offset);
            return match self.with_reference(|r| r.apply(event)) {
                Ok(_) => Verdict::Applied,
                Err(r) => Verdict::Rejected { reason: r.reason(), detail: r.to_string() },
            };
        }
        // Lock order everywhere: the reference table, then a shard.
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut current = owned.current();
        current.read(offset);
        match current.shard.apply(event, &reference, Utc::now()) {
            Ok(Applied::Counted(inc)) => {
                for kpi in inc.iter() {
                    self.metrics.incomplete.with_label_values(&[kpi.label()]).inc();
                }
                if self.recent.elsewhere(&event.event_id, partition) {
                    self.metrics.repeated_across_partitions.inc();
                }
                Verdict::Applied
            }
            Ok(Applied::Duplicate) => Verdict::Duplicate,
            Err(r) => Verdict::Rejected { reason: r.reason(), detail: r.to_string() },
        }
    }

    fn skip(&self, partition: i32, offset: i64) {
        if let Some(owned) = self.shards.get(partition) {
            owned.current().read(offset);
        }
    }

    fn checkpoint(&self) {
        self.shards.checkpoint();
    }

    fn durable(&self) -> Vec<(i32, i64)> {
        self.shards.durable()
    }

    fn flush(&self) -> Vec<(i32, i64)> {
        self.shards.flush()
    }

    fn high_watermark(&self, partition: i32, offset: i64) {
        if let Some(owned) = self.shards.get(partition) {
            owned.high_watermark.store(offset, Ordering::Relaxed);
        }
    }

    fn consumed(&self, partition: i32, timestamp_ms: i64) {
        if let Some(owned) = self.shards.get(partition) {
            owned.last_message_ms.store(timestamp_ms, Ordering::Relaxed);
        }
    }
}

impl Node {
    /// Messages the owned partitions are behind their high watermarks, summed; `None`
    /// while one of them is not known yet.
    pub fn messages_behind(&self) -> Option<i64> {
        self.shards.all().into_iter().map(|(_, owned)| owned.lag()).sum()
    }
}

impl KpiSource for Node {
    fn scrape(&self, now: DateTime<Utc>) -> Scrape {
        let shards = self.shards.all();
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut view = View::default();
        let mut partitions = Vec::with_capacity(shards.len());
        for (partition, owned) in shards {
            let lag = owned.lag();
            let lag_seconds = owned.lag_seconds(lag, now.timestamp_millis());
            let (age, bytes) = {
                let saved = owned.saved();
                let age = saved.at.and_then(|t| SystemTime::now().duration_since(t).ok()).map(|d| d.as_secs_f64());
                (age, saved.at.map(|_| saved.bytes))
            };
            // Read a copy: cloning shares the entity maps (copy on write), so the
            // partition's consumer waits for the clone only, not for the whole read.
            let (shard, unsnapshotted) = {
                let current = owned.current();
                (current.shard.clone(), current.unsaved_seconds(SystemTime::now()))
            };
            view.merge(shard.view(now, &reference));
            partitions.push(PartitionStatus {
                partition,
                newest_event: shard.newest_event(),
                state_bytes: shard.state_bytes(),
                lag,
                lag_seconds,
                snapshot_age_seconds: age,
                unsnapshotted_seconds: unsnapshotted,
                snapshot_bytes: bytes,
                folded_teams: shard.folded().teams,
                folded_stages: shard.folded().stages,
                folded_reps: shard.folded().reps,
            });
        }
        let k = kpis::families(&view, &reference, &self.cfg, now);
        Scrape {
            families: k.families,
            topic: self.topic.clone(),
            consumer_group: self.group.clone(),
            partitions,
            rep_series: k.rep_series,
            rep_series_cut: k.rep_series_cut,
        }
    }

    fn ready(&self) -> Result<(), String> {
        if !self.reference_loaded.load(Ordering::Acquire) {
            return Err("loading reference data".into());
        }
        if !self.joined.load(Ordering::Acquire) {
            return Err("waiting for the consumer group to assign partitions".into());
        }
        for (p, owned) in self.shards.all() {
            match owned.lag() {
                None => return Err(format!("partition {p}: high watermark not known yet")),
                Some(lag) if lag > self.ready_max_lag => {
                    return Err(format!("partition {p} is {lag} messages behind (ready at {})", self.ready_max_lag));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

//! The state of this instance — its partitions and the global reference table — shared
//! by the consumer (as a [`Sink`]) and the exporter (as a [`KpiSource`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use prometheus::IntCounterVec;
use salespulse_engine::{Applied, EngineConfig, Reference, View, kpis};
use salespulse_events::Event;
use salespulse_exporter::{KpiSource, PartitionStatus, Scrape};
use salespulse_kafka::{Sink, Start, Verdict};

use crate::state::Partitions;

/// Every partition of this instance plus the reference table.
#[derive(Debug)]
pub struct Shards {
    cfg: EngineConfig,
    parts: Partitions,
    reference: RwLock<Reference>,
    incomplete: IntCounterVec,
    /// A partition is ready once it is at most this many messages behind.
    ready_max_lag: i64,
    /// The consumer group has assigned partitions (possibly none) to this instance.
    pub joined: Arc<AtomicBool>,
    /// The reference topic has been read to its end (or there is none).
    pub reference_loaded: AtomicBool,
}

impl Shards {
    pub fn new(
        cfg: EngineConfig,
        parts: Partitions,
        reference: Reference,
        incomplete: IntCounterVec,
        ready_max_lag: i64,
    ) -> Shards {
        Shards {
            cfg,
            parts,
            reference: RwLock::new(reference),
            incomplete,
            ready_max_lag,
            joined: Arc::new(AtomicBool::new(false)),
            reference_loaded: AtomicBool::new(false),
        }
    }

    /// Applies a reference event to the global table: `Ok(false)` if it is not reference
    /// data, `Err(reason)` if refused.
    pub fn apply_reference(&self, event: &Event) -> Result<bool, &'static str> {
        self.with_reference(|r| r.apply(event)).map_err(|r| r.reason())
    }

    /// Runs `f` on the reference table (file loads and reloads).
    pub fn with_reference<T>(&self, f: impl FnOnce(&mut Reference) -> T) -> T {
        f(&mut self.reference.write().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Sink for Shards {
    fn assigned(&self, partitions: &[i32]) -> Vec<(i32, Start)> {
        self.parts.restore(partitions)
    }

    fn revoked(&self, partitions: &[i32]) -> Vec<(i32, i64)> {
        self.parts.release(partitions)
    }

    fn apply(&self, partition: i32, offset: i64, event: &Event) -> Verdict {
        let Some(part) = self.parts.get(partition) else { return Verdict::NotAssigned };
        // Reference data is global, except spend: recorded on the events topic, it counts
        // with its partition (snapshotted, and exact when instances are summed).
        let global =
            event.event_type().is_reference() && event.event_type() != salespulse_events::EventType::SpendRecorded;
        if global {
            part.live().next = offset + 1;
            return match self.with_reference(|r| r.apply(event)) {
                Ok(_) => Verdict::Applied,
                Err(r) => Verdict::Rejected { reason: r.reason(), detail: r.to_string() },
            };
        }
        // Lock order everywhere: the reference table, then a partition.
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut live = part.live();
        live.next = offset + 1;
        match live.shard.apply(event, &reference, Utc::now()) {
            Ok(Applied::Counted(inc)) => {
                for kpi in inc.iter() {
                    self.incomplete.with_label_values(&[kpi.label()]).inc();
                }
                Verdict::Applied
            }
            Ok(Applied::Duplicate) => Verdict::Duplicate,
            Err(r) => Verdict::Rejected { reason: r.reason(), detail: r.to_string() },
        }
    }

    fn skip(&self, partition: i32, offset: i64) {
        if let Some(part) = self.parts.get(partition) {
            part.live().next = offset + 1;
        }
    }

    fn checkpoint(&self) {
        self.parts.checkpoint();
    }

    fn durable(&self) -> Vec<(i32, i64)> {
        self.parts.durable()
    }

    fn flush(&self) -> Vec<(i32, i64)> {
        self.parts.flush()
    }

    fn high_watermark(&self, partition: i32, offset: i64) {
        if let Some(part) = self.parts.get(partition) {
            part.high_watermark.store(offset, Ordering::Relaxed);
        }
    }
}

impl KpiSource for Shards {
    fn scrape(&self, now: DateTime<Utc>) -> Scrape {
        let parts = self.parts.all();
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut view = View::default();
        let mut partitions = Vec::with_capacity(parts.len());
        for (partition, part) in parts {
            let lag = part.lag();
            let (age, bytes) = {
                let saved = part.saved();
                let age = saved.at.and_then(|t| SystemTime::now().duration_since(t).ok()).map(|d| d.as_secs_f64());
                (age, saved.at.map(|_| saved.bytes))
            };
            // Read a copy: cloning shares the entity maps (copy on write), so the
            // partition's consumer waits for the clone only, not for the whole read.
            let shard = part.live().shard.clone();
            view.merge(shard.view(now, &reference));
            partitions.push(PartitionStatus {
                partition,
                newest_event: shard.newest_event(),
                state_bytes: shard.state_bytes(),
                lag,
                snapshot_age_seconds: age,
                snapshot_bytes: bytes,
            });
        }
        let k = kpis::families(&view, &reference, &self.cfg, now);
        Scrape { families: k.families, partitions, rep_series: k.rep_series, rep_series_cut: k.rep_series_cut }
    }

    fn ready(&self) -> Result<(), String> {
        if !self.reference_loaded.load(Ordering::Acquire) {
            return Err("loading reference data".into());
        }
        if !self.joined.load(Ordering::Acquire) {
            return Err("waiting for the consumer group to assign partitions".into());
        }
        for (p, part) in self.parts.all() {
            match part.lag() {
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

//! The shards of this instance (one per assigned partition) and the global reference
//! table, shared by the consumer (as a [`Sink`]) and the exporter (as a [`KpiSource`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use prometheus::IntCounterVec;
use salespulse_engine::{Applied, EngineConfig, Reference, Shard, View, kpis};
use salespulse_events::Event;
use salespulse_exporter::{KpiSource, PartitionStatus, Scrape};
use salespulse_kafka::{Sink, Verdict};

/// Every shard of this instance plus the reference table.
#[derive(Debug)]
pub struct Shards {
    cfg: EngineConfig,
    shards: RwLock<BTreeMap<i32, Arc<Mutex<Shard>>>>,
    reference: RwLock<Reference>,
    incomplete: IntCounterVec,
    /// The consumer group has assigned partitions (possibly none) to this instance.
    pub joined: Arc<AtomicBool>,
    /// The reference topic has been read to its end (or there is none).
    pub reference_loaded: AtomicBool,
}

impl Shards {
    pub fn new(cfg: EngineConfig, reference: Reference, incomplete: IntCounterVec) -> Shards {
        Shards {
            cfg,
            shards: RwLock::new(BTreeMap::new()),
            reference: RwLock::new(reference),
            incomplete,
            joined: Arc::new(AtomicBool::new(false)),
            reference_loaded: AtomicBool::new(false),
        }
    }

    /// Applies a reference event to the global table: `Ok(false)` if it is not reference
    /// data, `Err(reason)` if refused.
    pub fn apply_reference(&self, event: &Event) -> Result<bool, &'static str> {
        self.reference.write().unwrap_or_else(PoisonError::into_inner).apply(event).map_err(|r| r.reason())
    }

    /// Runs `f` on the reference table (file loads and reloads).
    pub fn with_reference<T>(&self, f: impl FnOnce(&mut Reference) -> T) -> T {
        f(&mut self.reference.write().unwrap_or_else(PoisonError::into_inner))
    }

    fn shard(&self, partition: i32) -> Option<Arc<Mutex<Shard>>> {
        self.shards.read().unwrap_or_else(PoisonError::into_inner).get(&partition).cloned()
    }
}

impl Sink for Shards {
    fn assigned(&self, partitions: &[i32]) {
        let mut shards = self.shards.write().unwrap_or_else(PoisonError::into_inner);
        for p in partitions {
            shards.entry(*p).or_insert_with(|| Arc::new(Mutex::new(Shard::new(self.cfg.clone()))));
        }
    }

    fn revoked(&self, partitions: &[i32]) {
        let mut shards = self.shards.write().unwrap_or_else(PoisonError::into_inner);
        for p in partitions {
            shards.remove(p);
        }
    }

    fn apply(&self, partition: i32, event: &Event) -> Verdict {
        if event.event_type().is_reference() {
            let result = self.reference.write().unwrap_or_else(PoisonError::into_inner).apply(event);
            return match result {
                Ok(_) => Verdict::Applied,
                Err(r) => Verdict::Rejected { reason: r.reason(), detail: r.to_string() },
            };
        }
        let Some(shard) = self.shard(partition) else { return Verdict::NotAssigned };
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let result = shard.lock().unwrap_or_else(PoisonError::into_inner).apply(event, &reference, Utc::now());
        match result {
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
}

impl KpiSource for Shards {
    fn scrape(&self, now: DateTime<Utc>) -> Scrape {
        let shards: Vec<(i32, Arc<Mutex<Shard>>)> =
            self.shards.read().unwrap_or_else(PoisonError::into_inner).iter().map(|(p, s)| (*p, s.clone())).collect();
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut view = View::default();
        let mut partitions = Vec::with_capacity(shards.len());
        for (partition, shard) in shards {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            view.merge(shard.view(now, &reference));
            partitions.push(PartitionStatus {
                partition,
                newest_event: shard.newest_event(),
                state_bytes: shard.state_bytes(),
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
        Ok(())
    }
}

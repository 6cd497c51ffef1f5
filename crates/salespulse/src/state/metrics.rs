//! Service metrics of snapshots and restores.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, Opts, Registry};

/// Counters and histograms of the state's durability.
#[derive(Debug, Clone)]
pub struct StateMetrics {
    pub snapshots: IntCounterVec,
    pub failures: IntCounterVec,
    pub duration: Histogram,
    pub restores: IntCounterVec,
    pub restore_duration: Histogram,
}

const DURATION_BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

impl StateMetrics {
    /// Registers the metrics in `r`, every label value pre-created at zero.
    pub fn register(r: &Registry) -> prometheus::Result<StateMetrics> {
        let counter = |name: &str, help: &str, label: &str, values: &[&str]| -> prometheus::Result<IntCounterVec> {
            let c = IntCounterVec::new(Opts::new(name, help), &[label])?;
            for v in values {
                c.with_label_values(&[v]);
            }
            r.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let histogram = |name: &str, help: &str| -> prometheus::Result<Histogram> {
            let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(DURATION_BUCKETS.to_vec()))?;
            r.register(Box::new(h.clone()))?;
            Ok(h)
        };
        Ok(StateMetrics {
            snapshots: counter(
                "salespulse_snapshots_total",
                "Snapshots written, by result.",
                "result",
                &["ok", "error"],
            )?,
            failures: counter(
                "salespulse_snapshot_failures_total",
                "Snapshot problems, by kind: write (could not be saved), load (store unreadable), corrupt or incompatible (found unusable, set aside and rebuilt).",
                "kind",
                &["write", "load", "corrupt", "incompatible"],
            )?,
            duration: histogram(
                "salespulse_snapshot_duration_seconds",
                "Time to encode and durably save one partition's snapshot.",
            )?,
            restores: counter(
                "salespulse_restores_total",
                "Partitions assigned, by how their state started: restored from a snapshot, or rebuilt (missing, corrupt, incompatible, error).",
                "result",
                &["restored", "missing", "corrupt", "incompatible", "error"],
            )?,
            restore_duration: histogram(
                "salespulse_restore_duration_seconds",
                "Time to load and decode the snapshots of one assignment.",
            )?,
        })
    }
}

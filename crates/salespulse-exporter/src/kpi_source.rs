//! The port the exporter reads at every scrape and readiness probe, and what a scrape
//! returns.

use chrono::{DateTime, Utc};
use salespulse_engine::kpis::Family;

/// Service status of one assigned partition.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionStatus {
    pub partition: i32,
    /// The newest `occurred_at` applied on the partition.
    pub newest_event: Option<DateTime<Utc>>,
    /// The engine's estimate of the partition state's heap size.
    pub state_bytes: usize,
    /// Messages behind the broker's high watermark, when known.
    pub lag: Option<i64>,
    /// How far behind the newest message, in seconds (0 when caught up), when known.
    pub lag_seconds: Option<f64>,
    /// Age and size of the newest durable snapshot, if one was written.
    pub snapshot_age_seconds: Option<f64>,
    pub snapshot_bytes: Option<usize>,
    /// Seconds since the oldest change no durable snapshot covers yet (0 when every change
    /// is durable, as on an idle partition or one just restored).
    pub unsnapshotted_seconds: f64,
    /// Events counted under `_other` since this process holds the partition, because the
    /// team, stage or rep budget was full.
    pub folded_teams: u64,
    pub folded_stages: u64,
    pub folded_reps: u64,
}

/// One scrape's worth of KPI state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub families: Vec<Family>,
    /// The events topic and the consumer group: labels of every partition series, named
    /// as kafka_exporter names them so the two join.
    pub topic: String,
    pub consumer_group: String,
    pub partitions: Vec<PartitionStatus>,
    /// Per-rep series exported, and cut by the series budget.
    pub rep_series: usize,
    pub rep_series_cut: usize,
}

/// What the exporter reads at every scrape and readiness probe.
pub trait KpiSource: Send + Sync + 'static {
    /// The KPI families and per-partition status at `now`.
    fn scrape(&self, now: DateTime<Utc>) -> Scrape;
    /// `Ok` when the service is ready to serve meaningful KPIs, else why not.
    fn ready(&self) -> Result<(), String>;
}

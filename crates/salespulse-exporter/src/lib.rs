//! The Prometheus side of salespulse: a custom collector that reads the KPI state at
//! scrape time, and the HTTP server for `/metrics`, `/healthz` and `/readyz`.
//!
//! The exporter holds no KPI state of its own: every scrape asks a [`KpiSource`] (the
//! binary, over its shards) for the KPI families at the current wall time. Invariant:
//! what `/metrics` shows is always computed at scrape time, so windows slide even when
//! no event arrives.

mod collector;
mod http;

pub use collector::{KpiCollector, PartitionStatus, Scrape, to_metric_families};
pub use http::{ExporterError, serve};

use chrono::{DateTime, Utc};

/// What the exporter reads at every scrape and readiness probe.
pub trait KpiSource: Send + Sync + 'static {
    /// The KPI families and per-partition status at `now`.
    fn scrape(&self, now: DateTime<Utc>) -> Scrape;
    /// `Ok` when the service is ready to serve meaningful KPIs, else why not.
    fn ready(&self) -> Result<(), String>;
}

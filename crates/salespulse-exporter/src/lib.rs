//! The Prometheus side of salespulse: a custom collector that reads the KPI state at
//! scrape time, and the HTTP server for `/metrics`, `/healthz` and `/readyz`.
//!
//! The exporter holds no KPI state of its own: every scrape asks a [`KpiSource`] (the node
//! of `salespulse-node`, over its shards) for the KPI families at the current wall time. Invariant:
//! what `/metrics` shows is always computed at scrape time, so windows slide even when
//! no event arrives.

mod auth;
mod collector;
mod conn;
mod families;
mod http;
mod kpi_source;
mod live;
mod web_config;

pub use collector::KpiCollector;
pub use conn::{HttpLimits, accept as serve_app};
pub use families::to_metric_families;
pub use http::{ExporterError, serve};
pub use kpi_source::{KpiSource, PartitionStatus, Scrape};
pub use live::{LiveWeb, RELOAD_EVERY};
pub use web_config::WebConfig;

/// The TLS settings of a [`WebConfig`].
pub use rustls::ServerConfig as TlsServerConfig;

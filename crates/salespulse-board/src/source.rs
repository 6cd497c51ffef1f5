//! The port the board reads an instance through: its additive parts, the KPI families of
//! a merged view, and a counter of changes. The node implements it; the board knows no
//! Kafka.

use chrono::{DateTime, Utc};
use salespulse_engine::View;
use salespulse_engine::kpis::Family;

use crate::parts::Parts;

/// What the board needs, besides the parts, to read a merged view as the exporter does.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The KPI families of the view, as `/metrics` exports them.
    pub families: Vec<Family>,
    /// The currency every amount is in.
    pub base_currency: String,
    /// Stage names in their defined order (others after, by name).
    pub stages: Vec<String>,
    /// How much of the current calendar month has passed, 0 to 1.
    pub month_elapsed: f64,
}

/// An instance, as the board reads it.
pub trait BoardSource: Send + Sync + 'static {
    /// This instance's additive parts at `now`: the view of its partitions and their
    /// feed.
    fn parts(&self, now: DateTime<Utc>) -> Parts;
    /// The KPI families of `view` (the merge of every instance's parts) at `now`, with
    /// this instance's reference data.
    fn read(&self, view: &View, now: DateTime<Utc>) -> Reading;
    /// A number that changes whenever the state changes (an event applied, a partition
    /// assigned or revoked, reference data loaded).
    fn changes(&self) -> u64;
}

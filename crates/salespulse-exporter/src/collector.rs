//! The KPI collector: engine families → Prometheus metric families, at scrape time.

use std::sync::Arc;

use chrono::Utc;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;

use crate::families::to_metric_families;
use crate::kpi_source::KpiSource;

/// A `prometheus` collector over a [`KpiSource`], for a registry of your own; [`crate::serve`]
/// reads the source itself (after the service metrics), so do not register it there too.
pub struct KpiCollector {
    source: Arc<dyn KpiSource>,
}

impl std::fmt::Debug for KpiCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KpiCollector")
    }
}

impl KpiCollector {
    /// A collector reading `source` at every scrape.
    pub fn new(source: Arc<dyn KpiSource>) -> KpiCollector {
        KpiCollector { source }
    }
}

impl Collector for KpiCollector {
    fn desc(&self) -> Vec<&Desc> {
        // The KPI families are dynamic; they are not declared up front.
        Vec::default()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let now = Utc::now();
        to_metric_families(&self.source.scrape(now), now)
    }
}

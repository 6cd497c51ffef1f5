//! What the KPI computation produces: metric families of labelled samples, independent of
//! any exposition format (the exporter turns them into Prometheus families).

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    /// Only `_sum` and `_count` (no quantiles): the parts of an average.
    Summary,
    /// Cumulative counts at upper bounds (`le`), `_sum` and `_count`. Over a sliding
    /// window every part can fall: what OpenMetrics calls a gauge histogram.
    Histogram,
}

/// One sample's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Gauge(f64),
    /// Count, sum and (quantile, value) pairs; no quantiles when the count is 0.
    Summary {
        count: u64,
        sum: f64,
        quantiles: Vec<(f64, f64)>,
    },
    /// Count, sum and (upper bound, cumulative count) pairs, bounds increasing; the
    /// `+Inf` bucket is the count.
    Histogram {
        count: u64,
        sum: f64,
        buckets: Vec<(f64, u64)>,
    },
}

/// One labelled sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// A metric family: a name, its help and kind, and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub metrics: Vec<Metric>,
}

/// Every KPI family of one scrape, and what the per-rep budget cut.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Families {
    pub families: Vec<Family>,
    /// Per-rep series exported.
    pub rep_series: usize,
    /// Per-rep series left out because of the budget.
    pub rep_series_cut: usize,
}

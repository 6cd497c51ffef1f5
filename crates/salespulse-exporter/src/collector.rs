//! The KPI collector: engine families → Prometheus metric families, at scrape time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, LabelPair, MetricFamily, MetricType, Quantile};
use salespulse_engine::kpis::{Family, Kind, Value};

use crate::KpiSource;

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
    /// Age and size of the newest durable snapshot, if one was written.
    pub snapshot_age_seconds: Option<f64>,
    pub snapshot_bytes: Option<usize>,
}

/// One scrape's worth of KPI state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub families: Vec<Family>,
    pub partitions: Vec<PartitionStatus>,
    /// Per-rep series exported, and cut by the series budget.
    pub rep_series: usize,
    pub rep_series_cut: usize,
}

/// A `prometheus` collector over a [`KpiSource`].
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

fn labels(pairs: &[(&'static str, String)]) -> Vec<LabelPair> {
    pairs
        .iter()
        .map(|(k, v)| {
            let mut l = LabelPair::default();
            l.set_name((*k).to_owned());
            l.set_value(v.clone());
            l
        })
        .collect()
}

fn family(name: &str, help: &str, kind: MetricType, metrics: Vec<proto::Metric>) -> MetricFamily {
    let mut mf = MetricFamily::default();
    mf.set_name(name.to_owned());
    mf.set_help(help.to_owned());
    mf.set_field_type(kind);
    mf.set_metric(metrics);
    mf
}

fn gauge(pairs: &[(&'static str, String)], v: f64) -> proto::Metric {
    let mut g = proto::Gauge::default();
    g.set_value(v);
    let mut m = proto::Metric::from_gauge(g);
    m.set_label(labels(pairs));
    m
}

/// Converts a scrape into metric families: the KPIs plus per-partition service gauges.
pub fn to_metric_families(scrape: &Scrape, now: DateTime<Utc>) -> Vec<MetricFamily> {
    let mut out = Vec::with_capacity(scrape.families.len() + 3);
    for f in &scrape.families {
        let metrics = f
            .metrics
            .iter()
            .map(|m| match &m.value {
                Value::Gauge(v) => gauge(&m.labels, *v),
                Value::Summary { count, sum, quantiles } => {
                    let mut s = proto::Summary::default();
                    s.set_sample_count(*count);
                    s.set_sample_sum(*sum);
                    s.set_quantile(
                        quantiles
                            .iter()
                            .map(|(q, v)| {
                                let mut qq = Quantile::default();
                                qq.set_quantile(*q);
                                qq.set_value(*v);
                                qq
                            })
                            .collect(),
                    );
                    let mut pm = proto::Metric::default();
                    pm.set_label(labels(&m.labels));
                    pm.set_summary(s);
                    pm
                }
            })
            .collect();
        let kind = match f.kind {
            Kind::Gauge => MetricType::GAUGE,
            Kind::Summary => MetricType::SUMMARY,
        };
        out.push(family(f.name, f.help, kind, metrics));
    }
    let (mut lag, mut last, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut offsets, mut snap_age, mut snap_bytes) = (Vec::new(), Vec::new(), Vec::new());
    for p in &scrape.partitions {
        let l = [("partition", p.partition.to_string())];
        if let Some(t) = p.newest_event {
            let age = (now - t).num_milliseconds() as f64 / 1000.0;
            lag.push(gauge(&l, age.max(0.0)));
            last.push(gauge(&l, t.timestamp_millis() as f64 / 1000.0));
        }
        bytes.push(gauge(&l, p.state_bytes as f64));
        if let Some(n) = p.lag {
            offsets.push(gauge(&l, n as f64));
        }
        if let Some(a) = p.snapshot_age_seconds {
            snap_age.push(gauge(&l, a));
        }
        if let Some(b) = p.snapshot_bytes {
            snap_bytes.push(gauge(&l, b as f64));
        }
    }
    out.push(family(
        "salespulse_consumer_lag",
        "Messages between the broker's high watermark and this instance's position, per partition (clamped at 0).",
        MetricType::GAUGE,
        offsets,
    ));
    out.push(family(
        "salespulse_snapshot_age_seconds",
        "Age of the newest durable snapshot of the partition.",
        MetricType::GAUGE,
        snap_age,
    ));
    out.push(family(
        "salespulse_snapshot_bytes",
        "Size of the newest durable snapshot of the partition.",
        MetricType::GAUGE,
        snap_bytes,
    ));
    let kpi_series: usize = scrape.families.iter().map(|f| f.metrics.len()).sum();
    for (name, help, v) in [
        ("salespulse_kpi_series", "KPI samples exported by this scrape (a summary counts once).", kpi_series),
        ("salespulse_rep_series", "Per-rep series exported by this scrape.", scrape.rep_series),
        (
            "salespulse_rep_series_cut",
            "Per-rep series left out of this scrape by the series budget.",
            scrape.rep_series_cut,
        ),
    ] {
        out.push(family(name, help, MetricType::GAUGE, vec![gauge(&[], v as f64)]));
    }
    out.push(family(
        "salespulse_event_lag_seconds",
        "Wall time minus the newest event time applied, per partition.",
        MetricType::GAUGE,
        lag,
    ));
    out.push(family(
        "salespulse_last_event_timestamp_seconds",
        "Newest event time applied, per partition (Unix seconds).",
        MetricType::GAUGE,
        last,
    ));
    out.push(family(
        "salespulse_state_bytes",
        "Estimated heap bytes of the KPI state, per partition.",
        MetricType::GAUGE,
        bytes,
    ));
    out
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

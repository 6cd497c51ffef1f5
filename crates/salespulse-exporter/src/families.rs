//! A [`Scrape`] as Prometheus metric families: the KPI families as they are, then the
//! per-partition service gauges and the series counts.

use chrono::{DateTime, Utc};
use prometheus::proto::{self, LabelPair, MetricFamily, MetricType, Quantile};
use salespulse_engine::kpis::{Family, Kind, Metric, Value};

use crate::kpi_source::{PartitionStatus, Scrape};

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

fn summary(pairs: &[(&'static str, String)], count: u64, sum: f64, quantiles: &[(f64, f64)]) -> proto::Metric {
    let mut s = proto::Summary::default();
    s.set_sample_count(count);
    s.set_sample_sum(sum);
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
    let mut m = proto::Metric::default();
    m.set_label(labels(pairs));
    m.set_summary(s);
    m
}

fn histogram(pairs: &[(&'static str, String)], count: u64, sum: f64, buckets: &[(f64, u64)]) -> proto::Metric {
    let mut h = proto::Histogram::default();
    h.set_sample_count(count);
    h.set_sample_sum(sum);
    h.set_bucket(
        buckets
            .iter()
            .map(|(le, n)| {
                let mut b = proto::Bucket::default();
                b.set_upper_bound(*le);
                b.set_cumulative_count(*n);
                b
            })
            .collect(),
    );
    let mut m = proto::Metric::default();
    m.set_label(labels(pairs));
    m.set_histogram(h);
    m
}

fn sample(m: &Metric) -> proto::Metric {
    match &m.value {
        Value::Gauge(v) => gauge(&m.labels, *v),
        Value::Summary { count, sum, quantiles } => summary(&m.labels, *count, *sum, quantiles),
        Value::Histogram { count, sum, buckets } => histogram(&m.labels, *count, *sum, buckets),
    }
}

/// One KPI family, sample for sample.
fn kpi_family(f: &Family) -> MetricFamily {
    let kind = match f.kind {
        Kind::Gauge => MetricType::GAUGE,
        Kind::Summary => MetricType::SUMMARY,
        Kind::Histogram => MetricType::HISTOGRAM,
    };
    family(f.name, f.help, kind, f.metrics.iter().map(sample).collect())
}

/// The per-partition gauges: a sample per partition where the value is known, labelled
/// with the partition, the topic and the consumer group.
fn partition_families(scrape: &Scrape, now: DateTime<Utc>) -> Vec<MetricFamily> {
    type Read = fn(&PartitionStatus, DateTime<Utc>) -> Option<f64>;
    let families: [(&str, &str, Read); 8] = [
        (
            "salespulse_consumer_lag",
            "Messages between the broker's high watermark and this instance's position, per partition (clamped at 0).",
            |p, _| p.lag.map(|n| n as f64),
        ),
        (
            "salespulse_consumer_lag_seconds",
            "How far behind the newest message this instance is, in time, per partition (0 when caught up).",
            |p, _| p.lag_seconds,
        ),
        ("salespulse_snapshot_age_seconds", "Age of the newest durable snapshot of the partition.", |p, _| {
            p.snapshot_age_seconds
        }),
        (
            "salespulse_unsnapshotted_seconds",
            "Seconds since the oldest change of the partition that no durable snapshot covers (0 when all are).",
            |p, _| Some(p.unsnapshotted_seconds),
        ),
        ("salespulse_snapshot_bytes", "Size of the newest durable snapshot of the partition.", |p, _| {
            p.snapshot_bytes.map(|b| b as f64)
        }),
        ("salespulse_event_lag_seconds", "Wall time minus the newest event time applied, per partition.", |p, now| {
            p.newest_event.map(|t| ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0))
        }),
        (
            "salespulse_last_event_timestamp_seconds",
            "Newest event time applied, per partition (Unix seconds).",
            |p, _| p.newest_event.map(|t| t.timestamp_millis() as f64 / 1000.0),
        ),
        ("salespulse_state_bytes", "Estimated heap bytes of the KPI state, per partition.", |p, _| {
            Some(p.state_bytes as f64)
        }),
    ];
    let labels = |p: &PartitionStatus| {
        [
            ("partition", p.partition.to_string()),
            ("topic", scrape.topic.clone()),
            ("consumergroup", scrape.consumer_group.clone()),
        ]
    };
    families
        .iter()
        .map(|(name, help, read)| {
            let samples = scrape.partitions.iter().filter_map(|p| read(p, now).map(|v| gauge(&labels(p), v))).collect();
            family(name, help, MetricType::GAUGE, samples)
        })
        .collect()
}

/// Events counted under `_other` because a label budget was full, per partition.
fn folded_family(scrape: &Scrape) -> MetricFamily {
    let mut samples = Vec::new();
    for p in &scrape.partitions {
        for (label, n) in [("team", p.folded_teams), ("stage", p.folded_stages), ("rep", p.folded_reps)] {
            let mut c = proto::Counter::default();
            c.set_value(n as f64);
            let mut m = proto::Metric::default();
            m.set_label(labels(&[
                ("label", label.to_owned()),
                ("partition", p.partition.to_string()),
                ("topic", scrape.topic.clone()),
                ("consumergroup", scrape.consumer_group.clone()),
            ]));
            m.set_counter(c);
            samples.push(m);
        }
    }
    family(
        "salespulse_labels_folded_total",
        "Events whose team or stage counted under _other because the budget (kpis.max_teams, kpis.max_stages) was full, per partition.",
        MetricType::COUNTER,
        samples,
    )
}

/// How many series this scrape exported, and how many the per-rep budget cut.
fn series_families(scrape: &Scrape) -> Vec<MetricFamily> {
    let kpi_series: usize = scrape.families.iter().map(|f| f.metrics.len()).sum();
    [
        (
            "salespulse_kpi_series",
            "KPI samples exported by this scrape (a summary or a histogram counts once).",
            kpi_series,
        ),
        ("salespulse_rep_series", "Per-rep series exported by this scrape.", scrape.rep_series),
        (
            "salespulse_rep_series_cut",
            "Per-rep series left out of this scrape by the series budget.",
            scrape.rep_series_cut,
        ),
    ]
    .into_iter()
    .map(|(name, help, v)| family(name, help, MetricType::GAUGE, vec![gauge(&[], v as f64)]))
    .collect()
}

/// Converts a scrape into metric families: the KPIs plus per-partition service gauges.
pub fn to_metric_families(scrape: &Scrape, now: DateTime<Utc>) -> Vec<MetricFamily> {
    let mut out: Vec<MetricFamily> = scrape.families.iter().map(kpi_family).collect();
    out.extend(partition_families(scrape, now));
    out.push(folded_family(scrape));
    out.extend(series_families(scrape));
    out
}

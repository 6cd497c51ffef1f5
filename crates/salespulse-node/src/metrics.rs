//! The node's own metrics: its build, its KPI inputs, the durability of its shards and the
//! reloads of its reference files. One struct, registered in one place.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use salespulse_engine::IncompleteKpi;

/// Counters, gauges and histograms of one node.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// The base currency, as a label of an always-1 gauge.
    pub base_currency: IntGaugeVec,
    /// Events a KPI had to skip for lack of a field, by KPI.
    pub incomplete: IntCounterVec,
    /// Events applied on a partition after the same `event_id` was applied on another
    /// partition of this instance (each partition's dedup counts it once).
    pub repeated_across_partitions: IntCounter,
    pub snapshots: IntCounterVec,
    pub snapshot_failures: IntCounterVec,
    pub snapshot_duration: Histogram,
    pub restores: IntCounterVec,
    pub restore_duration: Histogram,
    pub reloads: IntCounterVec,
}

const DURATION_BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

fn counter(r: &Registry, name: &str, help: &str, label: &str, values: &[&str]) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), &[label])?;
    for v in values {
        c.with_label_values(&[v]);
    }
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn histogram(r: &Registry, name: &str, help: &str) -> prometheus::Result<Histogram> {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(DURATION_BUCKETS.to_vec()))?;
    r.register(Box::new(h.clone()))?;
    Ok(h)
}

/// `salespulse_build_info`: always 1, with the version as a label.
fn build_info(r: &Registry) -> prometheus::Result<()> {
    let info = IntGauge::with_opts(
        Opts::new("salespulse_build_info", "Build of this salespulse process (always 1).")
            .const_label("version", env!("CARGO_PKG_VERSION")),
    )?;
    info.set(1);
    r.register(Box::new(info))
}

impl Metrics {
    /// Registers every metric of the node in `r` (and the process metrics, on Linux),
    /// every label value pre-created at zero.
    pub fn register(r: &Registry) -> prometheus::Result<Metrics> {
        build_info(r)?;
        let base_currency = IntGaugeVec::new(
            Opts::new("salespulse_base_currency_info", "The currency every amount is converted to (always 1)."),
            &["currency"],
        )?;
        r.register(Box::new(base_currency.clone()))?;
        #[cfg(target_os = "linux")]
        r.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))?;
        let kpis: Vec<&str> = IncompleteKpi::ALL.iter().map(|k| k.label()).collect();
        let repeated_across_partitions = IntCounter::new(
            "salespulse_events_repeated_across_partitions_total",
            "Events applied after the same event_id was applied on another partition of this instance.",
        )?;
        r.register(Box::new(repeated_across_partitions.clone()))?;
        Ok(Metrics {
            base_currency,
            repeated_across_partitions,
            incomplete: counter(
                r,
                "salespulse_kpi_incomplete_total",
                "Events a KPI had to skip for lack of a field, by KPI.",
                "kpi",
                &kpis,
            )?,
            snapshots: counter(
                r,
                "salespulse_snapshots_total",
                "Snapshots written, by result.",
                "result",
                &["ok", "error"],
            )?,
            snapshot_failures: counter(
                r,
                "salespulse_snapshot_failures_total",
                "Snapshot problems, by kind: write (could not be saved), load (store unreadable), corrupt or incompatible (found unusable, set aside and rebuilt).",
                "kind",
                &["write", "load", "corrupt", "incompatible"],
            )?,
            snapshot_duration: histogram(
                r,
                "salespulse_snapshot_duration_seconds",
                "Time to encode and durably save one partition's snapshot.",
            )?,
            restores: counter(
                r,
                "salespulse_restores_total",
                "Partitions assigned, by how their state started: restored from a snapshot, or rebuilt (missing, corrupt, incompatible, error).",
                "result",
                &["restored", "missing", "corrupt", "incompatible", "error"],
            )?,
            restore_duration: histogram(
                r,
                "salespulse_restore_duration_seconds",
                "Time to load and decode the snapshots of one assignment.",
            )?,
            reloads: counter(
                r,
                "salespulse_reference_reloads_total",
                "Reloads of the reference files, by result.",
                "result",
                &["ok", "error"],
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::{Encoder, TextEncoder};

    #[test]
    fn every_series_is_there_at_zero_before_anything_happens() {
        let r = Registry::new();
        let m = Metrics::register(&r).unwrap();
        m.base_currency.with_label_values(&["EUR"]).set(1);
        let mut buf = Vec::new();
        TextEncoder::new().encode(&r.gather(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        for line in [
            "salespulse_base_currency_info{currency=\"EUR\"} 1",
            "salespulse_kpi_incomplete_total{kpi=\"lead_response_time\"} 0",
            "salespulse_snapshots_total{result=\"error\"} 0",
            "salespulse_snapshot_failures_total{kind=\"incompatible\"} 0",
            "salespulse_restores_total{result=\"restored\"} 0",
            "salespulse_reference_reloads_total{result=\"ok\"} 0",
            "salespulse_snapshot_duration_seconds_count 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
        }
        assert!(text.lines().any(|l| l.starts_with("salespulse_build_info{version=")), "{text}");
        assert!(Metrics::register(&r).is_err(), "registering twice is refused, not silently doubled");
    }
}

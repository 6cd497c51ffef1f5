//! The exporter writes exact Prometheus text for a known scrape.

use chrono::{DateTime, Utc};
use prometheus::{Encoder, TextEncoder};
use salespulse_engine::kpis::{Family, Kind, Metric, Value};
use salespulse_exporter::{PartitionStatus, Scrape, to_metric_families};

fn render(scrape: &Scrape, now: DateTime<Utc>) -> String {
    let mut buf = Vec::new();
    TextEncoder::new().encode(&to_metric_families(scrape, now), &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// A scrape with a gauge, a summary with and without observations, a histogram and two
/// partitions, one of which has seen no event.
fn scrape() -> Scrape {
    let l = |w: &str| vec![("team", "emea".to_owned()), ("window", w.to_owned())];
    Scrape {
        families: vec![
            Family {
                name: "sales_won_revenue",
                help: "Won revenue.",
                kind: Kind::Gauge,
                metrics: vec![Metric { labels: l("1h"), value: Value::Gauge(1450.5) }],
            },
            Family {
                name: "sales_lead_response_seconds",
                help: "Response time.",
                kind: Kind::Summary,
                metrics: vec![
                    Metric {
                        labels: l("1h"),
                        value: Value::Summary { count: 2, sum: 660.0, quantiles: vec![(0.5, 60.0), (0.9, 600.0)] },
                    },
                    Metric { labels: l("24h"), value: Value::Summary { count: 0, sum: 0.0, quantiles: vec![] } },
                ],
            },
            Family {
                name: "sales_cycle_seconds",
                help: "Sales cycle.",
                kind: Kind::Histogram,
                metrics: vec![Metric {
                    labels: l("30d"),
                    value: Value::Histogram { count: 3, sum: 1.5e6, buckets: vec![(86400.0, 1), (604800.0, 2)] },
                }],
            },
        ],
        topic: "crm.events".to_owned(),
        consumer_group: "salespulse".to_owned(),
        partitions: vec![
            PartitionStatus {
                partition: 0,
                newest_event: Some("2026-11-26T11:59:30Z".parse().unwrap()),
                state_bytes: 4096,
                lag: Some(12),
                lag_seconds: Some(4.25),
                snapshot_age_seconds: Some(3.5),
                snapshot_bytes: Some(2048),
                unsnapshotted_seconds: 1.5,
                folded_teams: 3,
                folded_stages: 0,
                folded_reps: 0,
            },
            PartitionStatus {
                partition: 1,
                newest_event: None,
                state_bytes: 0,
                lag: Some(0),
                lag_seconds: Some(0.0),
                snapshot_age_seconds: None,
                snapshot_bytes: None,
                unsnapshotted_seconds: 0.0,
                folded_teams: 0,
                folded_stages: 0,
                folded_reps: 0,
            },
        ],
        rep_series: 0,
        rep_series_cut: 7,
    }
}

#[test]
fn renders_gauges_summaries_histograms_and_partition_status() {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let text = render(&scrape(), now);
    for line in [
        "# HELP sales_won_revenue Won revenue.",
        "# TYPE sales_won_revenue gauge",
        "sales_won_revenue{team=\"emea\",window=\"1h\"} 1450.5",
        "# TYPE sales_lead_response_seconds summary",
        "sales_lead_response_seconds{team=\"emea\",window=\"1h\",quantile=\"0.5\"} 60",
        "sales_lead_response_seconds{team=\"emea\",window=\"1h\",quantile=\"0.9\"} 600",
        "sales_lead_response_seconds_sum{team=\"emea\",window=\"1h\"} 660",
        "sales_lead_response_seconds_count{team=\"emea\",window=\"1h\"} 2",
        "sales_lead_response_seconds_count{team=\"emea\",window=\"24h\"} 0",
        "# TYPE sales_cycle_seconds histogram",
        "sales_cycle_seconds_bucket{team=\"emea\",window=\"30d\",le=\"86400\"} 1",
        "sales_cycle_seconds_bucket{team=\"emea\",window=\"30d\",le=\"604800\"} 2",
        "sales_cycle_seconds_bucket{team=\"emea\",window=\"30d\",le=\"+Inf\"} 3",
        "sales_cycle_seconds_sum{team=\"emea\",window=\"30d\"} 1500000",
        "sales_cycle_seconds_count{team=\"emea\",window=\"30d\"} 3",
        "salespulse_event_lag_seconds{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 30",
        "salespulse_last_event_timestamp_seconds{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 1795694370",
        "salespulse_state_bytes{partition=\"1\",topic=\"crm.events\",consumergroup=\"salespulse\"} 0",
        "salespulse_kpi_series 4",
        "salespulse_consumer_lag{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 12",
        "salespulse_consumer_lag_seconds{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 4.25",
        "salespulse_consumer_lag_seconds{partition=\"1\",topic=\"crm.events\",consumergroup=\"salespulse\"} 0",
        "salespulse_snapshot_age_seconds{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 3.5",
        "salespulse_snapshot_bytes{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 2048",
        "salespulse_unsnapshotted_seconds{partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 1.5",
        "salespulse_unsnapshotted_seconds{partition=\"1\",topic=\"crm.events\",consumergroup=\"salespulse\"} 0",
        "salespulse_rep_series_cut 7",
        "# TYPE salespulse_labels_folded_total counter",
        "salespulse_labels_folded_total{label=\"team\",partition=\"0\",topic=\"crm.events\",consumergroup=\"salespulse\"} 3",
        "salespulse_labels_folded_total{label=\"stage\",partition=\"1\",topic=\"crm.events\",consumergroup=\"salespulse\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?} in:\n{text}");
    }
    assert!(!text.contains("salespulse_event_lag_seconds{partition=\"1\""), "no event lag without events");
    assert!(!text.contains("window=\"24h\",quantile"), "no quantiles without observations");
    assert!(!text.contains("NaN"));
}

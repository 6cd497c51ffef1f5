//! Every series documented in docs/metrics.md is exported after a generator run: the
//! generator's traffic goes through a real broker into the pipeline, per-rep series on.

use std::collections::BTreeSet;
use std::time::Duration;

use salespulse_e2e::*;

/// Metric names of the tables of docs/metrics.md (rows starting with a backticked name).
fn documented() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics.md")).expect("docs/metrics.md");
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|n| (n.starts_with("sales_") || n.starts_with("salespulse_")) && !n.contains('*'))
        // The bridge's series are its own (tests/e2e/bridge.rs checks them).
        .filter(|n| !n.starts_with("salespulse_bridge_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_documented_series_is_exported_after_a_generator_run() {
    let names = documented();
    assert!(names.len() > 80, "docs/metrics.md lists {} series", names.len());
    let (topic, reference, group) = (unique("catalogue"), unique("catalogue-ref"), unique("catalogue-group"));
    create_topic(&topic, 3);
    create_topic(&reference, 1);
    let events = 40_000u64;
    generate(
        &topic,
        &reference,
        &["--events", &events.to_string(), "--days", "80", "--seed", "11", "--bad-ratio", "0.001"],
    );
    let config = config_file(COMPARE_CONFIG);
    let svc = Service::builder().config(&config).topic(&topic).reference_topic(&reference).group(&group).start();
    let m = eventually(Duration::from_secs(120), "the whole topic consumed", || {
        let m = svc.scrape()?;
        // Per-partition gauges appear once statistics and a first snapshot are in.
        let p0 = [("partition", "0"), ("topic", topic.as_str()), ("consumergroup", group.as_str())];
        let settled = ["salespulse_consumer_lag", "salespulse_consumer_lag_seconds", "salespulse_snapshot_age_seconds"]
            .iter()
            .all(|n| m.get(n, &p0).is_some());
        match m.get("salespulse_events_consumed_total", &[]) {
            Some(n) if n >= events as f64 && settled => Ok(m),
            other => Err(format!("consumed {other:?} of {events}, statistics and snapshots in: {settled}")),
        }
    });
    let m = svc.fresh(m);
    let exported: BTreeSet<String> = m
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = names.iter().filter(|n| !exported.contains(*n)).collect();
    assert!(missing.is_empty(), "documented but not exported: {missing:?}\nlog:\n{}", svc.log_text());
    let undocumented: Vec<&String> =
        exported.iter().filter(|n| n.starts_with("sales") && !names.contains(*n)).collect();
    assert!(undocumented.is_empty(), "exported but not documented: {undocumented:?}");
    assert!(!m.text.contains("NaN"));
}

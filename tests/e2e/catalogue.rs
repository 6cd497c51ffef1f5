//! Every series documented in docs/metrics.md is exported after a generator run: the
//! generator's traffic goes through a real broker into the pipeline, per-rep series on.

use std::collections::BTreeSet;
use std::process::Command;
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
    let brokers = brokers();
    let events = 40_000u64;
    let status = Command::new(binary())
        .args(["gen", "--brokers", &brokers, "--topic", &topic, "--reference-topic", &reference])
        .args(["--events", &events.to_string(), "--days", "80", "--seed", "11", "--bad-ratio", "0.001"])
        .status()
        .expect("run the generator");
    assert!(status.success());

    let dir = std::env::temp_dir().join(unique("catalogue-cfg"));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("salespulse.toml");
    let text =
        "[kpis]\nper_rep_series = true\n[kafka]\ndead_letter_topic = \"\"\n[state]\nsnapshot_interval = \"1s\"\n";
    std::fs::write(&config, text).unwrap();
    let svc = Service::builder()
        .config(&config)
        .brokers(&brokers)
        .topic(&topic)
        .reference_topic(&reference)
        .group(&group)
        .start();
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

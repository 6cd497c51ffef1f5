//! Two instances in one consumer group, their KPI series combined the way docs/metrics.md
//! says (`sum` or `max` across instances), export what one instance reading every
//! partition exports. (`ratio` families are recomputed from such parts; the recording
//! rules that do it have their own promtool tests.)

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use salespulse_e2e::*;

/// Family → how it aggregates (`sum`, `max` or `ratio`), from the tables of docs/metrics.md.
fn across() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics.md")).expect("docs/metrics.md");
    text.lines()
        .filter(|l| l.starts_with("| `sales"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let rule = cells.get(4)?.split(':').next()?.to_owned();
            Some((cells[1].trim_matches('`').to_owned(), rule))
        })
        .collect()
}

/// The documented family of a sample (`x_bucket`, `x_sum` and `x_count` belong to `x`).
fn family<'a>(sample: &str, rules: &'a BTreeMap<String, String>) -> Option<(&'a str, &'a str)> {
    let name = sample.split('{').next().unwrap_or_default();
    let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
    [name, base].into_iter().find_map(|n| rules.get_key_value(n)).map(|(k, v)| (k.as_str(), v.as_str()))
}

/// Where the KPI series of `one` differ from those of `a` and `b` combined as documented.
fn differences(a: &Samples, b: &Samples, one: &Samples, rules: &BTreeMap<String, String>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.values.keys().chain(b.values.keys()).chain(one.values.keys()).collect();
    let mut out = Vec::new();
    for key in keys.into_iter().filter(|k| k.starts_with("sales_")) {
        let Some((name, rule)) = family(key, rules) else {
            out.push(format!("{key}: not documented"));
            continue;
        };
        let (x, y) = (a.values.get(key).copied(), b.values.get(key).copied());
        let combined = match rule {
            "sum" => x.unwrap_or(0.0) + y.unwrap_or(0.0),
            "max" => match (x, y) {
                (None, None) => continue,
                _ => x.unwrap_or(f64::MIN).max(y.unwrap_or(f64::MIN)),
            },
            _ => continue,
        };
        let want = one.values.get(key).copied().unwrap_or(0.0);
        // The age of the oldest waiting lead moves with the clock between two scrapes.
        let tolerance = if name == "sales_lead_oldest_wait_seconds" { 10.0 } else { 1e-6 * want.abs().max(1.0) };
        if (combined - want).abs() > tolerance {
            out.push(format!("{key} ({rule}): instances {x:?} + {y:?}, one instance {want}"));
        }
    }
    out
}

fn count(s: &Samples, name: &str) -> f64 {
    s.get(name, &[]).unwrap_or(0.0)
}

#[test]
fn two_instances_combined_as_documented_equal_one_reading_every_partition() {
    let rules = across();
    assert!(rules.values().filter(|r| *r == "sum").count() > 30, "{rules:?}");
    let (topic, reference) = (unique("aggregation"), unique("aggregation-ref"));
    create_topic(&topic, 4);
    create_topic(&reference, 1);
    let events = 4000.0;
    generate(&topic, &reference, &["--events", "4000", "--days", "40", "--seed", "5"]);
    let config = config_file(COMPARE_CONFIG);
    let (group, alone) = (unique("aggregation-group"), unique("aggregation-alone"));
    let start = |g: &str| Service::builder().config(&config).topic(&topic).reference_topic(&reference).group(g).start();
    let (a, b, one) = (start(&group), start(&group), start(&alone));
    eventually(Duration::from_secs(180), "two instances sharing the partitions to equal one reading all", || {
        let (x, y, z) = (a.scrape()?, b.scrape()?, one.scrape()?);
        let owned = (count(&x, "salespulse_partitions_assigned"), count(&y, "salespulse_partitions_assigned"));
        let consumed = count(&x, "salespulse_events_consumed_total") + count(&y, "salespulse_events_consumed_total");
        if owned.0 < 1.0 || owned.1 < 1.0 || owned.0 + owned.1 != 4.0 || consumed < events {
            return Err(format!("partitions {owned:?}, consumed {consumed}"));
        }
        if count(&z, "salespulse_events_consumed_total") < events {
            return Err("the single instance is still consuming".into());
        }
        let d = differences(&x, &y, &z, &rules);
        if d.is_empty() { Ok(()) } else { Err(format!("{} differences: {:?}", d.len(), &d[..d.len().min(8)])) }
    });
}

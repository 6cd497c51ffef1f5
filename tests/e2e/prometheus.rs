//! A real Prometheus server (from the `prometheus` package, like promtool) with the shipped
//! rules scrapes two salespulse instances of one consumer group, fed by the generator
//! through the broker; a second one scrapes a single instance reading every partition.
//! (a) Every recording rule and every dashboard panel query returns data from the two.
//! (b) Every KPI family, combined over the two the way docs/metrics.md says (`sum`, `max`,
//! or a ratio through its recording rule), equals what the single instance exports, and
//! every recording rule (quantiles included) gives over the two what it gives over one.
//! Required when `REQUIRE_PROMTOOL=1` (as in CI).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use salespulse_e2e::*;

const EVENTS: f64 = 8000.0;

fn count(s: &Samples, name: &str) -> f64 {
    s.sum(name)
}

/// Waits until `a` and `b` share the 4 partitions and `one` has them all, each having
/// consumed every event; returns a team with a lifetime value (so with customers, churn
/// and won deals: a team every panel has data for).
fn settled(a: &Service, b: &Service, one: &Service) -> String {
    eventually(Duration::from_secs(180), "the instances to consume the topic", || {
        let (x, y, z) = (a.scrape()?, b.scrape()?, one.scrape()?);
        let owned = (count(&x, "salespulse_partitions_assigned"), count(&y, "salespulse_partitions_assigned"));
        let consumed = count(&x, "salespulse_events_consumed_total") + count(&y, "salespulse_events_consumed_total");
        if owned.0 < 1.0 || owned.1 < 1.0 || owned.0 + owned.1 != 4.0 || consumed < EVENTS {
            return Err(format!("partitions {owned:?}, consumed {consumed}"));
        }
        if count(&z, "salespulse_events_consumed_total") < EVENTS {
            return Err("the single instance is still consuming".into());
        }
        let mut teams = z.values.keys().filter_map(|k| k.strip_prefix("sales_customer_lifetime_value{team=\""));
        teams.find_map(|rest| rest.split('"').next()).map(str::to_owned).ok_or_else(|| "no team yet".to_owned())
    })
}

/// Where two query results differ (relative 1e-6, or `tolerance` for values that move
/// with the clock). Both must have data: an empty result compares nothing.
fn compare(what: &str, two: &Vector, one: &Vector, tolerance: f64, out: &mut Vec<String>) {
    if two.is_empty() || one.is_empty() {
        out.push(format!("{what}: no data ({} series over two instances, {} over one)", two.len(), one.len()));
    }
    for key in two.keys().chain(one.keys()).collect::<BTreeSet<_>>() {
        let (x, y) = (two.get(key), one.get(key));
        let same = match (x, y) {
            (Some(x), Some(y)) => (x - y).abs() <= tolerance.max(1e-6 * x.abs().max(y.abs()).max(1.0)),
            _ => false,
        };
        if !same {
            out.push(format!("{what}{key}: two instances {x:?}, one instance {y:?}"));
        }
    }
}

/// The documented aggregation of every `sales_` series of the single instance, and every
/// recording rule, over the two instances against the single one, at one instant.
fn differences(two: &Prometheus, one: &Prometheus, names: &BTreeSet<String>) -> Result<Vec<String>, String> {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs_f64() - 2.0;
    let families = across();
    let mut out = Vec::new();
    for name in names {
        let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        let Some((family, how)) = [name.as_str(), base].into_iter().find_map(|n| families.get_key_value(n)) else {
            out.push(format!("{name}: not documented in docs/metrics.md"));
            continue;
        };
        // The age of the oldest waiting lead moves with the clock.
        let tolerance = if family == "sales_lead_oldest_wait_seconds" { 10.0 } else { 0.0 };
        let combined = match how {
            Across::Sum => format!("sum without (instance, job) ({name})"),
            Across::Max => format!("max without (instance, job) ({name})"),
            Across::Ratio(Some(rule)) => rule.clone(),
            Across::Ratio(None) => {
                out.push(format!("{name}: a ratio without its recording rule in docs/metrics.md"));
                continue;
            }
        };
        compare(&combined, &two.query(&combined, Some(at))?, &one.query(name, Some(at))?, tolerance, &mut out);
    }
    for rule in recorded(RULE_FILES[1]) {
        let tolerance = if rule.contains("oldest_wait") { 10.0 } else { 0.0 };
        compare(&rule, &two.query(&rule, Some(at))?, &one.query(&rule, Some(at))?, tolerance, &mut out);
    }
    Ok(out)
}

#[test]
fn rules_and_dashboards_work_and_aggregate_across_two_instances_as_documented() {
    let (topic, reference) = (unique("prom"), unique("prom-ref"));
    create_topic(&topic, 4);
    create_topic(&reference, 1);
    generate(&topic, &reference, &["--events", "8000", "--days", "120", "--seed", "9"]);
    let config = config_file(COMPARE_CONFIG);
    let (group, alone) = (unique("prom-group"), unique("prom-alone"));
    let start = |g: &str| Service::builder().config(&config).topic(&topic).reference_topic(&reference).group(g).start();
    let (a, b, one) = (start(&group), start(&group), start(&alone));
    let team = settled(&a, &b, &one);
    let Some(two_p) = Prometheus::start(&[&a.addr, &b.addr]) else { return };
    let Some(one_p) = Prometheus::start(&[&one.addr]) else { return };

    // (a) Every recording rule and every panel query returns data from the two instances.
    let mut all: Vec<(String, String)> =
        RULE_FILES.iter().flat_map(|f| recorded(f)).map(|r| (format!("rule {r}"), r)).collect();
    for (file, title, expr) in queries() {
        let name = Path::new(&file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(file);
        all.push((format!("{name}: {title}"), substitute(&expr, &team)));
    }
    assert!(all.len() > 80, "{} queries", all.len());
    eventually(Duration::from_secs(120), "every recording rule and panel query to return data", || {
        let empty: Vec<&str> = all
            .iter()
            .filter(|(_, q)| two_p.query(q, None).map_or(true, |v| v.is_empty()))
            .map(|(what, _)| what.as_str())
            .collect();
        if empty.is_empty() { Ok(()) } else { Err(format!("{} without data: {empty:?}", empty.len())) }
    });

    // (b) The documented aggregation over two equals one instance reading every partition.
    let scrape = one.scrape().expect("scrape the single instance");
    let names: BTreeSet<String> = scrape
        .values
        .keys()
        .filter(|k| k.starts_with("sales_"))
        .map(|k| k.split('{').next().unwrap_or_default().to_owned())
        .collect();
    assert!(names.len() > 80, "{} KPI series names", names.len());
    eventually(Duration::from_secs(60), "two instances combined as documented to equal one", || {
        let d = differences(&two_p, &one_p, &names)?;
        if d.is_empty() { Ok(()) } else { Err(format!("{} differences: {:?}", d.len(), &d[..d.len().min(10)])) }
    });
    demo_lines_exist(&scrape.text);
}

/// Every KPI line `make demo` greps for (its `grep -E` pattern, alternative by
/// alternative) is in the exposition of the generated traffic it runs on.
fn demo_lines_exist(exposition: &str) {
    let demo =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/local/demo.sh")).expect("demo.sh");
    let pattern =
        demo.split("grep -E \\").nth(1).and_then(|rest| rest.split('\'').nth(1)).expect("the demo's grep -E pattern");
    let alternatives: Vec<&str> = pattern.split("|^").collect();
    assert!(alternatives.len() >= 4, "{pattern}");
    for alternative in alternatives {
        let regex = if alternative.starts_with('^') { alternative.to_owned() } else { format!("^{alternative}") };
        let mut grep = std::process::Command::new("grep")
            .args(["-cE", &regex])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("grep");
        std::io::Write::write_all(grep.stdin.as_mut().expect("stdin"), exposition.as_bytes()).expect("write");
        let out = grep.wait_with_output().expect("grep output");
        let n: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
        assert!(n > 0, "make demo greps {regex:?}, which matches no line of the exposition");
    }
}

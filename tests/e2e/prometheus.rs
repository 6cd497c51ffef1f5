//! A real Prometheus server (from the `prometheus` package, like promtool) loads the
//! shipped rules and scrapes two salespulse instances of one consumer group, fed by the
//! generator through the broker: every recording rule and every dashboard panel query
//! returns data through the HTTP API. Required when `REQUIRE_PROMTOOL=1` (as in CI).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use salespulse_e2e::*;

const RULE_FILES: [&str; 3] = [
    "deploy/prometheus/rules/salespulse-config.rules.yml",
    "deploy/prometheus/rules/salespulse.rules.yml",
    "deploy/prometheus/rules/salespulse-alerts.rules.yml",
];

/// A Prometheus server, stopped on drop.
struct Prometheus {
    child: Child,
    addr: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Starts Prometheus with the shipped rules, scraping `targets` every second; `None` when
/// it is not installed and not required.
fn prometheus(targets: &[&str]) -> Option<Prometheus> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repository root");
    let dir = std::env::temp_dir().join(unique("prometheus"));
    std::fs::create_dir_all(&dir).expect("prometheus directory");
    let rules: Vec<String> = RULE_FILES.iter().map(|f| format!("  - {}", root.join(f).display())).collect();
    let targets: Vec<String> = targets.iter().map(|t| format!("\"{t}\"")).collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n{}\nscrape_configs:\n  - job_name: salespulse\n    static_configs:\n      - targets: [{}]\n",
        rules.join("\n"),
        targets.join(", ")
    );
    std::fs::write(dir.join("prometheus.yml"), config).expect("prometheus.yml");
    let addr = format!("127.0.0.1:{}", free_port());
    let spawned = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => Some(Prometheus { child, addr }),
        Err(e) if std::env::var("REQUIRE_PROMTOOL").as_deref() == Ok("1") => panic!("prometheus is required: {e}"),
        Err(_) => {
            eprintln!("prometheus not found: skipping");
            None
        }
    }
}

/// Percent-encodes a query for a URL.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How many series an instant query returns.
fn series(addr: &str, query: &str) -> Result<usize, String> {
    let (status, body) = http_get(addr, &format!("/api/v1/query?query={}", encode(query)))?;
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    if status != 200 || json["status"] != "success" {
        return Err(format!("{query}: {status} {body}"));
    }
    Ok(json["data"]["result"].as_array().map_or(0, Vec::len))
}

/// The names of the recording rules of the shipped rule files.
fn recorded() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    RULE_FILES
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(root.join(f)).expect("rule file").lines().map(str::to_owned).collect::<Vec<_>>()
        })
        .filter_map(|l| l.trim().strip_prefix("- record: ").map(str::to_owned))
        .collect()
}

#[test]
fn every_recording_rule_and_dashboard_query_returns_data_from_two_instances() {
    let (topic, reference, group) = (unique("prom"), unique("prom-ref"), unique("prom-group"));
    create_topic(&topic, 4);
    create_topic(&reference, 1);
    generate(&topic, &reference, &["--events", "6000", "--days", "60", "--seed", "9"]);
    let config = config_file(COMPARE_CONFIG);
    let start = || Service::builder().config(&config).topic(&topic).reference_topic(&reference).group(&group).start();
    let (a, b) = (start(), start());
    let team = eventually(Duration::from_secs(120), "both instances to share the topic", || {
        let (x, y) = (a.scrape()?, b.scrape()?);
        let owned = |s: &Samples| s.get("salespulse_partitions_assigned", &[]).unwrap_or(0.0);
        let consumed = |s: &Samples| s.get("salespulse_events_consumed_total", &[]).unwrap_or(0.0);
        if owned(&x) < 1.0 || owned(&y) < 1.0 || consumed(&x) + consumed(&y) < 6000.0 {
            return Err(format!("partitions {} + {}", owned(&x), owned(&y)));
        }
        let team = x.values.keys().filter_map(|k| k.strip_prefix("sales_won_revenue{team=\"")).find_map(|rest| {
            let team = rest.split('"').next()?;
            (team != "unassigned").then(|| team.to_owned())
        });
        team.ok_or_else(|| "no team yet".to_owned())
    });
    let Some(prom) = prometheus(&[&a.addr, &b.addr]) else { return };
    let mut queries: Vec<(String, String)> = recorded().into_iter().map(|r| (format!("rule {r}"), r)).collect();
    for (file, title, expr) in salespulse_e2e::queries() {
        let name = Path::new(&file).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or(file);
        queries.push((format!("{name}: {title}"), substitute(&expr, &team)));
    }
    assert!(queries.len() > 80, "{} queries", queries.len());
    eventually(Duration::from_secs(120), "every recording rule and panel query to return data", || {
        let empty: Vec<&str> = queries
            .iter()
            .filter(|(_, q)| series(&prom.addr, q).map_or(true, |n| n == 0))
            .map(|(what, _)| what.as_str())
            .collect();
        if empty.is_empty() { Ok(()) } else { Err(format!("{} without data: {empty:?}", empty.len())) }
    });
}

//! A real Prometheus server (the `prometheus` package, like promtool) with the shipped
//! rules, and its HTTP query API, for the tests that check rules and dashboards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::{free_port, http_get, unique};

/// The shipped rule files, from the repository root.
pub const RULE_FILES: [&str; 3] = [
    "deploy/prometheus/rules/salespulse-config.rules.yml",
    "deploy/prometheus/rules/salespulse.rules.yml",
    "deploy/prometheus/rules/salespulse-alerts.rules.yml",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repository root")
}

/// A Prometheus server, stopped on drop.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    pub addr: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// An instant query's result: labels (without `__name__`, `instance` and `job`) → value.
pub type Vector = BTreeMap<String, f64>;

impl Prometheus {
    /// Starts Prometheus with the shipped rules, scraping `targets` every second; `None`
    /// when it is not installed and not required (`REQUIRE_PROMTOOL=1`, as in CI).
    pub fn start(targets: &[&str]) -> Option<Prometheus> {
        let dir = std::env::temp_dir().join(unique("prometheus"));
        std::fs::create_dir_all(&dir).expect("prometheus directory");
        let rules: Vec<String> = RULE_FILES.iter().map(|f| format!("  - {}", root().join(f).display())).collect();
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

    /// An instant query, at `time` (Unix seconds) when given.
    pub fn query(&self, query: &str, time: Option<f64>) -> Result<Vector, String> {
        let at = time.map(|t| format!("&time={t:.3}")).unwrap_or_default();
        let (status, body) = http_get(&self.addr, &format!("/api/v1/query?query={}{at}", encode(query)))?;
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        if status != 200 || json["status"] != "success" {
            return Err(format!("{query}: {status} {body}"));
        }
        let mut out = Vector::new();
        for sample in json["data"]["result"].as_array().into_iter().flatten() {
            let labels: Vec<String> = sample["metric"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !matches!(k.as_str(), "__name__" | "instance" | "job"))
                .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or_default()))
                .collect();
            let value = sample["value"][1].as_str().and_then(|v| v.parse().ok()).ok_or(format!("{query}: {sample}"))?;
            out.insert(format!("{{{}}}", labels.join(",")), value);
        }
        Ok(out)
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

/// The names of the recording rules of `file` (one of [`RULE_FILES`]).
pub fn recorded(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).expect("rule file");
    text.lines().filter_map(|l| l.trim().strip_prefix("- record: ").map(str::to_owned)).collect()
}

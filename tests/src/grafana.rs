//! The queries of the shipped Grafana dashboards, for the tests that check them.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Every dashboard of `deploy/grafana/dashboards`, parsed, by file name.
pub fn dashboards() -> Vec<(PathBuf, Value)> {
    dashboards_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy"))
}

/// Every dashboard of `grafana/dashboards` under `deploy` (laid out like `deploy/`).
pub fn dashboards_in(deploy: &Path) -> Vec<(PathBuf, Value)> {
    let dir = deploy.join("grafana/dashboards");
    let mut out: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .expect("deploy/grafana/dashboards")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable dashboard");
            let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, json)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The string at a JSON pointer ("" when absent).
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// A panel query with its template variables replaced: the deployment by `job` (no
/// cluster, no namespace, every instance), `team` by `team`, the window and the period by
/// `30d` and `qtd`, the rate interval by `5m`.
pub fn substitute(expr: &str, job: &str, team: &str) -> String {
    expr.replace("$__rate_interval", "5m")
        .replace("$cluster", "")
        .replace("$namespace", "")
        .replace("$job", job)
        .replace("$instance", ".*")
        .replace("$team", team)
        .replace("$window", "30d")
        .replace("$period", "qtd")
}

/// Every query of every shipped panel: (dashboard file, panel title, expression as written).
pub fn queries() -> Vec<(String, String, String)> {
    queries_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy"))
}

/// Every query of every panel of the dashboards under `deploy`.
pub fn queries_in(deploy: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, d) in dashboards_in(deploy) {
        for panel in d["panels"].as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                let title = str_at(panel, "/title").to_owned();
                out.push((path.display().to_string(), title, str_at(target, "/expr").to_owned()));
            }
        }
    }
    out
}

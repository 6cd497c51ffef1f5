//! The shipped Prometheus rules: valid (`promtool check rules`), every alert tested where it
//! fires and where it does not (`promtool test rules`), fully annotated, and documented in
//! docs/alerts.md. promtool is required when `REQUIRE_PROMTOOL=1` (as in CI).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use salespulse_e2e::RULE_FILES as RULES;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The alert tests: with the thresholds loaded, and without them (an alert says so).
const TESTS: [&str; 2] =
    ["deploy/prometheus/tests/salespulse-alerts.test.yml", "deploy/prometheus/tests/salespulse-unconfigured.test.yml"];
const RULE_TESTS: &str = "deploy/prometheus/tests/salespulse-rules.test.yml";

/// Runs promtool with `args` in the repository root; `None` when it is not installed and
/// not required.
fn promtool(args: &[&str]) -> Option<(bool, String)> {
    match Command::new("promtool").args(args).current_dir(root()).output() {
        Ok(out) => {
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            Some((out.status.success(), text))
        }
        Err(e) if std::env::var("REQUIRE_PROMTOOL").as_deref() == Ok("1") => panic!("promtool is required: {e}"),
        Err(_) => {
            eprintln!("promtool not found: skipping");
            None
        }
    }
}

/// The names of the alerts of the alert rules file, with the text of each rule.
fn alerts() -> Vec<(String, String)> {
    let text = read(RULES[2]);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.trim().strip_prefix("- alert: ") {
            out.push((name.to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn the_rules_and_the_shipped_prometheus_config_are_valid() {
    let mut args = vec!["check", "rules"];
    args.extend(RULES);
    if let Some((ok, text)) = promtool(&args) {
        assert!(ok, "promtool check rules failed:\n{text}");
    }
    // The config loads the same three files (paths relative to it).
    if let Some((ok, text)) = promtool(&["check", "config", "deploy/prometheus/prometheus.yml"]) {
        assert!(ok, "promtool check config failed:\n{text}");
        for rules in RULES {
            assert!(text.contains(rules), "prometheus.yml does not load {rules}:\n{text}");
        }
    }
}

#[test]
fn every_alert_and_team_value_passes_its_promtool_tests() {
    if let Some((ok, text)) = promtool(&["test", "rules", TESTS[0], TESTS[1], RULE_TESTS]) {
        assert!(ok, "promtool test rules failed:\n{text}");
    }
}

#[test]
fn every_alert_has_a_test_where_it_fires_and_one_where_it_does_not() {
    let tests = TESTS.map(read).join("\n");
    let lines: Vec<&str> = tests.lines().map(str::trim).collect();
    let (mut fires, mut silent) = (BTreeSet::new(), BTreeSet::new());
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = line.strip_prefix("alertname: ") else { continue };
        match lines.get(i + 1).copied() {
            Some("exp_alerts: []") => silent.insert(name.to_owned()),
            Some("exp_alerts:") => fires.insert(name.to_owned()),
            other => panic!("{name}: expected exp_alerts after alertname, found {other:?}"),
        };
    }
    let names: Vec<String> = alerts().into_iter().map(|(n, _)| n).collect();
    assert!(names.len() >= 13, "{names:?}");
    for name in &names {
        assert!(fires.contains(name), "{name} has no test where it fires");
        assert!(silent.contains(name), "{name} has no test where it stays silent");
    }
}

#[test]
fn every_alert_is_annotated_and_has_a_runbook_entry() {
    let runbook = read("docs/alerts.md");
    for (name, body) in alerts() {
        for field in ["severity: ", "summary: ", "description: ", "runbook_url: "] {
            assert!(body.contains(field), "{name} has no {field:?}");
        }
        assert!(body.contains("$value"), "{name}: the description should give the value");
        let anchor = format!("docs/alerts.md#{}", name.to_lowercase());
        assert!(body.contains(&anchor), "{name}: runbook_url should point at {anchor}");
        assert!(runbook.contains(&format!("### {name}\n")), "docs/alerts.md has no entry for {name}");
    }
}

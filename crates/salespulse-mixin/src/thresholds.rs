//! The alerts' thresholds: the `salespulse:config:*` series of the thresholds template,
//! set to the configured values.

use std::collections::BTreeMap;

/// The thresholds rule template.
pub const TEMPLATE: &str = include_str!("../templates/rules/salespulse-config.rules.yml");

const THRESHOLD: &str = "- record: salespulse:config:";

/// The names of the thresholds the alerts compare with, from the thresholds template.
fn threshold_names() -> Vec<&'static str> {
    TEMPLATE.lines().filter_map(|l| l.trim().strip_prefix(THRESHOLD)).collect()
}

/// Thresholds missing, unknown or not finite.
pub fn problems(thresholds: &BTreeMap<String, f64>) -> Vec<String> {
    let known = threshold_names();
    let mut out = Vec::new();
    for name in &known {
        match thresholds.get(*name) {
            None => out.push(format!("thresholds: {name} is missing")),
            Some(v) if !v.is_finite() => out.push(format!("thresholds: {name} must be a finite number")),
            Some(_) => {}
        }
    }
    for name in thresholds.keys().filter(|n| !known.contains(&n.as_str())) {
        out.push(format!("thresholds: {name} is not a threshold (known: {})", known.join(", ")));
    }
    out
}

/// The thresholds template with each `vector(...)` set to the configured value.
pub fn set(template: &str, values: &BTreeMap<String, f64>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut current: Option<f64> = None;
    for line in template.lines() {
        if let Some(name) = line.trim().strip_prefix(THRESHOLD) {
            current = values.get(name).copied();
        }
        match (line.split_once("expr: vector("), current.take()) {
            (Some((indent, _)), Some(value)) => out.push_str(&format!("{indent}expr: vector({value})")),
            (_, value) => {
                current = current.or(value);
                out.push_str(line);
            }
        }
        out.push('\n');
    }
    out
}

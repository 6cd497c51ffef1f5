//! The Prometheus rules, the Kubernetes PrometheusRule and the Grafana dashboards of one
//! salespulse deployment, written from one configuration ([`Mixin`]).
//!
//! The templates (in `templates/`, embedded) are written for a Prometheus that scrapes one
//! deployment. [`generate`] scopes them with the configuration: every series the rules
//! read gets the deployment's selector, every aggregation and join keeps the labels that
//! tell deployments apart (so two deployments in one Prometheus never add up), the
//! thresholds become the `salespulse:config:*` series, and every dashboard gets a variable
//! per deployment label and links to the others. `salespulse mixin` writes the result;
//! the files under `deploy/` are its output for `mixin.toml`, checked by a test.

mod dashboards;
mod promql;
mod rules;
mod selector;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use promql::{Scope, scope};

/// The configuration the shipped files are generated from (`mixin.toml` of this crate).
pub const DEFAULT: &str = include_str!("../mixin.toml");

/// What the rules and dashboards select, keep apart and alert on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mixin {
    /// Label matchers of the service's series, e.g. `job="salespulse"`.
    pub selector: String,
    /// Label matchers of the bridge's series, e.g. `job="salespulse-bridge"`.
    pub bridge_selector: String,
    /// The labels that tell deployments apart, kept by every rule and a variable of every
    /// dashboard (absent labels are harmless: they group as one).
    pub deployment_labels: Vec<String>,
    /// The alerts' thresholds, as `salespulse:config:<name>` series.
    pub thresholds: BTreeMap<String, f64>,
}

/// One generated file: its path under the output directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub path: String,
    pub text: String,
}

impl Mixin {
    /// Parses a configuration; every problem at once, each a line.
    pub fn parse(text: &str) -> Result<Mixin, Vec<String>> {
        let mixin: Mixin = toml::from_str(text).map_err(|e| vec![e.to_string().trim().replace('\n', " ")])?;
        let problems = mixin.problems();
        if problems.is_empty() { Ok(mixin) } else { Err(problems) }
    }

    /// The configuration of the shipped files.
    pub fn shipped() -> Mixin {
        Mixin::parse(DEFAULT).expect("the shipped mixin.toml is valid")
    }

    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in [("selector", &self.selector), ("bridge_selector", &self.bridge_selector)] {
            if let Err(e) = selector::check(value) {
                out.push(format!("{key}: {e}"));
            }
        }
        for label in &self.deployment_labels {
            if !selector::is_label_name(label) {
                out.push(format!("deployment_labels: {label:?} is not a label name"));
            }
        }
        out.extend(rules::threshold_problems(&self.thresholds));
        out
    }
}

/// Every file the configuration gives, in a fixed order.
pub fn generate(mixin: &Mixin) -> Vec<Generated> {
    let mut out = rules::files(mixin);
    out.push(rules::prometheus_rule(&out));
    out.extend(dashboards::files(mixin));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_configuration_generates_every_file() {
        let files = generate(&Mixin::shipped());
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"prometheus/rules/salespulse.rules.yml"), "{paths:?}");
        assert!(paths.contains(&"k8s/base/prometheusrule.yaml"), "{paths:?}");
        assert_eq!(paths.iter().filter(|p| p.starts_with("grafana/dashboards/")).count(), 7, "{paths:?}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = DEFAULT
            .replace("selector = 'job=\"salespulse\"'", "selector = 'job=salespulse'")
            .replace("\"namespace\",", "\"name space\",")
            .replace("win_rate_min_deals = 20", "win_rate_min_deals = nan");
        let problems = Mixin::parse(&text).expect_err("three problems");
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}

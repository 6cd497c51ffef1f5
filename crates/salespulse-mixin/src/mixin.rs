//! The configuration: what the rules and dashboards select, keep apart and alert on.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{selector, thresholds};

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
        out.extend(thresholds::problems(&self.thresholds));
        out
    }
}

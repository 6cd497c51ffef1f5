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
mod mixin;
mod promql;
mod rules;
mod selector;
mod thresholds;

pub use mixin::{DEFAULT, Generated, Mixin};
pub use promql::{Scope, scope};

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

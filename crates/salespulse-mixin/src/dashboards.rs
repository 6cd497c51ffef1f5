//! The Grafana dashboards: every query scoped to the deployment the variables pick.

use serde_json::{Value, json};

use crate::mixin::{Generated, Mixin};
use crate::promql::{Scope, scope};

/// The dashboard templates: (file name, text).
const TEMPLATES: [(&str, &str); 7] = [
    ("salespulse-overview.json", include_str!("../templates/dashboards/salespulse-overview.json")),
    ("salespulse-team.json", include_str!("../templates/dashboards/salespulse-team.json")),
    ("salespulse-pipeline.json", include_str!("../templates/dashboards/salespulse-pipeline.json")),
    ("salespulse-leads.json", include_str!("../templates/dashboards/salespulse-leads.json")),
    ("salespulse-reps.json", include_str!("../templates/dashboards/salespulse-reps.json")),
    ("salespulse-customers.json", include_str!("../templates/dashboards/salespulse-customers.json")),
    ("salespulse-service.json", include_str!("../templates/dashboards/salespulse-service.json")),
];

/// The dashboard whose panels are per instance: it also has an `instance` variable.
const PER_INSTANCE: &str = "salespulse-service";

/// The series every deployment exports once per instance, for the variables' values.
const PRESENCE: &str = "salespulse_build_info";

/// Every dashboard, under `grafana/dashboards/`.
pub fn files(mixin: &Mixin) -> Vec<Generated> {
    TEMPLATES
        .iter()
        .map(|(name, template)| {
            let mut dashboard: Value = serde_json::from_str(template).expect("a dashboard template is JSON");
            scoped(&mut dashboard, mixin);
            let text = serde_json::to_string_pretty(&dashboard).expect("JSON") + "\n";
            Generated { path: format!("grafana/dashboards/{name}"), text }
        })
        .collect()
}

/// `label="$label"` for each of `labels`, comma-separated.
fn matchers(labels: &[String]) -> String {
    labels.iter().map(|l| format!("{l}=\"${l}\"")).collect::<Vec<_>>().join(",")
}

/// Adds the deployment variables and the links, and scopes every query with them.
fn scoped(dashboard: &mut Value, mixin: &Mixin) {
    let per_instance = dashboard["uid"] == PER_INSTANCE;
    let mut labels = mixin.deployment_labels.clone();
    let mut variables = Vec::new();
    for (i, label) in mixin.deployment_labels.iter().enumerate() {
        let before = [mixin.selector.clone(), matchers(&labels[..i])];
        let filter: Vec<&str> = before.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
        let query = format!("label_values({PRESENCE}{{{}}}, {label})", filter.join(","));
        variables.push(variable(label, &query, false));
    }
    if per_instance {
        let filter: Vec<String> =
            [mixin.selector.clone(), matchers(&labels)].into_iter().filter(|s| !s.is_empty()).collect();
        variables.push(variable(
            "instance",
            &format!("label_values({PRESENCE}{{{}}}, instance)", filter.join(",")),
            true,
        ));
    }
    let mut own = matchers(&labels);
    if per_instance {
        labels.push("instance".into());
        own =
            [own, "instance=~\"$instance\"".into()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(",");
    }
    let scope_with = Scope { matchers: &own, recorded_too: true, keep: &[] };
    if let Some(list) = dashboard["templating"]["list"].as_array_mut() {
        for v in list.iter_mut() {
            if v["type"] == "query" {
                let query = label_values(v["definition"].as_str().unwrap_or_default(), &scope_with);
                v["definition"] = json!(query);
                v["query"]["query"] = json!(query);
            }
        }
        let at = list.iter().position(|v| v["type"] == "datasource").map_or(0, |p| p + 1);
        list.splice(at..at, variables);
    }
    for panel in dashboard["panels"].as_array_mut().into_iter().flatten() {
        for target in panel["targets"].as_array_mut().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                target["expr"] = json!(scope(expr, &scope_with));
            }
        }
    }
    dashboard["links"] = json!([{
        "title": "salespulse",
        "type": "dashboards",
        "tags": ["salespulse"],
        "asDropdown": false,
        "includeVars": true,
        "keepTime": true,
    }]);
}

/// A variable's `label_values(series, label)` query with its series scoped.
fn label_values(query: &str, scope_with: &Scope<'_>) -> String {
    let inner = query.strip_prefix("label_values(").and_then(|q| q.strip_suffix(')'));
    match inner.and_then(|q| q.rsplit_once(',')) {
        Some((series, label)) => format!("label_values({},{label})", scope(series, scope_with)),
        None => query.to_owned(),
    }
}

/// A query variable over `query`; `all` for a multi-value one with "All".
fn variable(name: &str, query: &str, all: bool) -> Value {
    let mut v = json!({
        "name": name,
        "label": name,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": name},
        "definition": query,
        "refresh": 2,
        "includeAll": all,
        "multi": all,
        "current": {},
        "sort": 1,
        "hide": 0,
    });
    if all {
        v["allValue"] = json!(".*");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_is_scoped_and_every_dashboard_has_the_variables() {
        let mixin = Mixin::shipped();
        for file in files(&mixin) {
            let d: Value = serde_json::from_str(&file.text).unwrap();
            let names: Vec<&str> =
                d["templating"]["list"].as_array().unwrap().iter().filter_map(|v| v["name"].as_str()).collect();
            for label in &mixin.deployment_labels {
                assert!(names.contains(&label.as_str()), "{}: {names:?}", file.path);
            }
            assert_eq!(d["links"][0]["keepTime"], true);
            for panel in d["panels"].as_array().unwrap() {
                for target in panel["targets"].as_array().unwrap() {
                    let expr = target["expr"].as_str().unwrap();
                    assert!(expr.contains("job=\"$job\""), "{}: {expr}", file.path);
                }
            }
        }
    }

    #[test]
    fn variable_queries_chain_and_team_values_come_from_the_picked_deployment() {
        let service = files(&Mixin::shipped()).into_iter().find(|f| f.path.ends_with("service.json")).unwrap();
        assert!(service.text.contains("label_values(salespulse_build_info{job=\\\"salespulse\\\",cluster=\\\"$cluster\\\",namespace=\\\"$namespace\\\"}, job)"), "{}", service.text);
        assert!(service.text.contains("instance=~\\\"$instance\\\""));
        let team = files(&Mixin::shipped()).into_iter().find(|f| f.path.ends_with("team.json")).unwrap();
        assert!(team.text.contains("label_values(sales_won_revenue{cluster=\\\"$cluster\\\",namespace=\\\"$namespace\\\",job=\\\"$job\\\"}, team)"), "{}", team.text);
    }
}

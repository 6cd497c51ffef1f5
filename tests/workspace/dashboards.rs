//! The shipped Grafana dashboards: valid JSON, unique panel ids, the data source chosen by
//! a variable, a deployment chosen by variables and kept by links, every panel titled,
//! described and with a unit, and every query valid
//! PromQL once its template variables are substituted (checked by promtool, required
//! when `REQUIRE_PROMTOOL=1`).

use std::process::Command;

use salespulse_e2e::{dashboards, queries, str_at, substitute};

#[test]
fn the_dashboards_are_complete_and_wired_to_a_data_source_variable() {
    let all = dashboards();
    let uids: Vec<&str> = all.iter().map(|(_, d)| str_at(d, "/uid")).collect();
    for want in ["overview", "team", "pipeline", "leads", "reps", "customers", "service"] {
        assert!(uids.contains(&format!("salespulse-{want}").as_str()), "no salespulse-{want} dashboard: {uids:?}");
    }
    for (path, d) in &all {
        let name = path.display();
        let vars = d["templating"]["list"].as_array().expect("templating.list");
        assert!(
            vars.iter().any(|v| str_at(v, "/name") == "datasource" && str_at(v, "/type") == "datasource"),
            "{name}: no datasource variable"
        );
        // One deployment at a time: a variable per deployment label, every query scoped
        // by them; links to the other dashboards keep the time range and the variables.
        let mut scope = Vec::new();
        for label in ["cluster", "namespace", "job"] {
            assert!(vars.iter().any(|v| str_at(v, "/name") == label), "{name}: no {label} variable");
            scope.push(format!("{label}=\"${label}\""));
        }
        if str_at(d, "/uid") == "salespulse-service" {
            assert!(vars.iter().any(|v| str_at(v, "/name") == "instance"), "{name}: no instance variable");
        }
        let link = &d["links"][0];
        assert!(link["keepTime"] == true && link["includeVars"] == true, "{name}: no link keeping time and variables");
        let panels = d["panels"].as_array().expect("panels");
        assert!(!panels.is_empty(), "{name}: no panel");
        let mut ids: Vec<i64> = panels.iter().map(|p| p["id"].as_i64().expect("panel id")).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), panels.len(), "{name}: panel ids are not unique");
        for p in panels {
            let title = str_at(p, "/title");
            assert!(
                !title.is_empty() && !str_at(p, "/description").is_empty(),
                "{name}: a panel without title or description"
            );
            assert_eq!(str_at(p, "/datasource/uid"), "${datasource}", "{name}: {title}: data source not by variable");
            assert!(!str_at(p, "/fieldConfig/defaults/unit").is_empty(), "{name}: {title}: no unit");
            let targets = p["targets"].as_array().filter(|t| !t.is_empty()).expect("targets");
            for t in targets {
                assert_eq!(str_at(t, "/datasource/uid"), "${datasource}", "{name}: {title}: a query not by variable");
                let expr = str_at(t, "/expr");
                assert!(!expr.is_empty(), "{name}: {title}: an empty query");
                for matcher in &scope {
                    assert!(expr.contains(matcher.as_str()), "{name}: {title}: {expr} does not select {matcher}");
                }
            }
        }
    }
}

#[test]
fn every_panel_query_is_valid_promql() {
    let queries = queries();
    assert!(queries.len() > 40, "{} queries", queries.len());
    let mut rules = String::from("groups:\n  - name: dashboard-queries\n    rules:\n");
    for (i, (_, _, expr)) in queries.iter().enumerate() {
        rules.push_str(&format!(
            "      - record: dashboard:query:{i}\n        expr: {}\n",
            serde_json::json!(substitute(expr, "salespulse", "emea"))
        ));
    }
    let file = std::env::temp_dir().join(format!("salespulse-dashboard-queries-{}.yml", std::process::id()));
    std::fs::write(&file, rules).unwrap();
    let out = match Command::new("promtool").arg("check").arg("rules").arg(&file).output() {
        Ok(out) => out,
        Err(e) if std::env::var("REQUIRE_PROMTOOL").as_deref() == Ok("1") => panic!("promtool is required: {e}"),
        Err(_) => return eprintln!("promtool not found: skipping"),
    };
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(&file).ok();
    assert!(out.status.success(), "a dashboard query does not parse:\n{text}");
}

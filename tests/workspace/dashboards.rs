//! The shipped Grafana dashboards: valid JSON, unique panel ids, the data source chosen by
//! a variable, a deployment chosen by variables and kept by links, every panel titled,
//! described and with a unit, and every query valid
//! PromQL once its template variables are substituted (checked by promtool, required
//! when `REQUIRE_PROMTOOL=1`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use salespulse_e2e::{Across, RULE_FILES, across, dashboards, queries, str_at, substitute};

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

/// The names a PromQL expression mentions (series, recorded rules, functions alike).
fn names(expr: &str) -> BTreeSet<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map(str::to_owned)
        .collect()
}

/// Every recording rule of the team rules: name → expression.
fn rules() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(RULE_FILES[1]))
        .expect("the team rules");
    let mut out = BTreeMap::new();
    for rule in text.split("- record: ").skip(1) {
        let (name, body) = rule.split_once('\n').unwrap_or((rule, ""));
        out.insert(name.trim().to_owned(), body.to_owned());
    }
    out
}

#[test]
fn every_kpi_family_of_the_catalogue_is_on_a_dashboard() {
    let rules = rules();
    let mut seen: BTreeSet<String> = queries().iter().flat_map(|(_, _, e)| names(e)).collect();
    // A recorded rule a panel reads shows the families it reads.
    let mut todo: Vec<String> = seen.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for read in rules.get(&name).map(|e| names(e)).unwrap_or_default() {
            if seen.insert(read.clone()) {
                todo.push(read);
            }
        }
    }
    let families: BTreeMap<String, Across> = across().into_iter().filter(|(f, _)| f.starts_with("sales_")).collect();
    assert!(families.len() > 60, "{} families", families.len());
    let missing: Vec<&String> = families
        .iter()
        .filter(|(family, how)| {
            let parts = ["", "_bucket", "_sum", "_count"].map(|s| format!("{family}{s}"));
            let rule = match how {
                Across::Ratio(Some(rule)) => seen.contains(rule),
                _ => false,
            };
            !rule && !parts.iter().any(|p| seen.contains(p))
        })
        .map(|(family, _)| family)
        .collect();
    assert!(missing.is_empty(), "on no dashboard: {missing:?}");
}

#[test]
fn money_is_shown_in_the_base_currency_and_the_leaderboard_is_an_instant_table_of_every_rep() {
    for (path, d) in dashboards() {
        let name = path.display();
        let vars = d["templating"]["list"].as_array().expect("templating.list");
        for p in d["panels"].as_array().expect("panels") {
            let (title, unit) = (str_at(p, "/title"), str_at(p, "/fieldConfig/defaults/unit"));
            assert!(!unit.starts_with("currency"), "{name}: {title}: a fixed currency ({unit})");
            if title.contains("${currency}") {
                let var = vars.iter().find(|v| str_at(v, "/name") == "currency").expect("a currency variable");
                assert!(str_at(var, "/definition").contains("salespulse_base_currency_info"), "{name}: {var}");
            }
        }
    }
    let reps = dashboards().into_iter().find(|(_, d)| str_at(d, "/uid") == "salespulse-reps").expect("reps").1;
    let board = &reps["panels"][0];
    assert_eq!(str_at(board, "/type"), "table");
    for t in board["targets"].as_array().expect("targets") {
        assert!(t["instant"] == true && t["format"] == "table", "{t}");
    }
}

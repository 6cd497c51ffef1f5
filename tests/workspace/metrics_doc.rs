//! docs/metrics.md says, for every exported family, how it aggregates across instances:
//! `sum`, `max`, or a `ratio` of parts that are themselves documented families.

use std::collections::BTreeSet;

use salespulse_e2e::{Across, RULE_FILES, across, metric_rows, recorded};

#[test]
fn every_family_says_how_it_aggregates_across_instances() {
    let rows = metric_rows();
    assert!(rows.len() > 90, "{} rows", rows.len());
    let names: BTreeSet<String> = rows.iter().map(|r| r[0].trim_matches('`').to_owned()).collect();
    for row in &rows {
        let (name, across) = (&row[0], &row[3]);
        assert!(row.len() == 5, "{name}: expected metric | type | labels | across instances | meaning: {row:?}");
        let ok = across == "sum" || across == "max" || across.starts_with("ratio: ");
        assert!(ok, "{name}: 'across instances' must be sum, max or ratio: ..., not {across:?}");
        if let Some(parts) = across.strip_prefix("ratio: ") {
            // Every family a ratio names is documented (so exported: the catalogue test).
            for part in parts.split('`').skip(1).step_by(2) {
                let family = part.split('{').next().unwrap_or_default();
                let family = family.strip_suffix("_sum").or(family.strip_suffix("_count")).unwrap_or(family);
                let known = !family.starts_with("sales") || names.contains(family);
                assert!(known, "{name}: its part {family} is not a documented family");
            }
        }
    }
}

#[test]
fn every_ratio_family_names_the_recording_rule_that_aggregates_it() {
    let rules: BTreeSet<String> = recorded(RULE_FILES[1]).into_iter().collect();
    let ratios: Vec<(String, Across)> = across().into_iter().filter(|(_, a)| matches!(a, Across::Ratio(_))).collect();
    assert!(ratios.len() > 20, "{ratios:?}");
    for (family, how) in ratios {
        let Across::Ratio(Some(rule)) = how else {
            panic!("{family}: a ratio without '; rule `...`' in docs/metrics.md")
        };
        assert!(rules.contains(&rule), "{family}: its rule {rule} is not in {}", RULE_FILES[1]);
    }
}

//! docs/metrics.md says, for every exported family, how it aggregates across instances:
//! `sum`, `max`, or a `ratio` of parts that are themselves documented families.

use std::collections::BTreeSet;

fn rows() -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics.md")).expect("docs/metrics.md");
    let mut out = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("| metric |") {
            in_table = line.contains("| across instances |");
            assert!(in_table, "a metrics table without an 'across instances' column: {line}");
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if in_table && line.starts_with("| `") {
            // A `|` escaped as `\|` inside a cell is part of the cell.
            let line = line.replace("\\|", "¦");
            let cells: Vec<&str> = line.split('|').collect();
            // The text before the first `|` and after the last one is not a cell.
            out.push(cells[1..cells.len() - 1].iter().map(|c| c.trim().replace('¦', "|")).collect());
        }
    }
    out
}

#[test]
fn every_family_says_how_it_aggregates_across_instances() {
    let rows = rows();
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

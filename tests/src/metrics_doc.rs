//! The tables of docs/metrics.md, for the tests that hold the code and the rules to them.

use std::collections::BTreeMap;

/// The rows of every metrics table of docs/metrics.md, cells trimmed (a `\|` inside a
/// cell is a `|` of the cell). Panics on a table without an *across instances* column.
pub fn metric_rows() -> Vec<Vec<String>> {
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
            let line = line.replace("\\|", "¦");
            let cells: Vec<&str> = line.split('|').collect();
            // The text before the first `|` and after the last one is not a cell.
            out.push(cells[1..cells.len() - 1].iter().map(|c| c.trim().replace('¦', "|")).collect());
        }
    }
    out
}

/// How a KPI family combines across instances (the *across instances* column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Across {
    Sum,
    Max,
    /// A ratio of summed parts, computed by this recording rule.
    Ratio(Option<String>),
}

/// Every documented `sales_` family and how it combines across instances.
pub fn across() -> BTreeMap<String, Across> {
    metric_rows()
        .into_iter()
        .filter(|row| row[0].starts_with("`sales") && row.len() > 3)
        .map(|row| {
            let cell = &row[3];
            let how = match cell.as_str() {
                "sum" => Across::Sum,
                "max" => Across::Max,
                _ => Across::Ratio(cell.split("; rule `").nth(1).and_then(|r| r.split('`').next()).map(str::to_owned)),
            };
            (row[0].trim_matches('`').to_owned(), how)
        })
        .collect()
}

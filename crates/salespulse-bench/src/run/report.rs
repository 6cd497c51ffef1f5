//! The report: one markdown table, every figure next to what it is compared with.

use std::fmt::Write as _;

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub result: String,
    pub compared_with: String,
    pub target: String,
}

impl Row {
    pub fn new(what: &str, result: String, compared_with: String, target: &str) -> Row {
        Row { what: what.to_owned(), result, compared_with, target: target.to_owned() }
    }
}

/// Thousands of events per second, or millions.
pub fn rate(per_s: f64) -> String {
    if per_s >= 1e6 { format!("{:.2} M/s", per_s / 1e6) } else { format!("{:.0} k/s", per_s / 1e3) }
}

pub fn mib(bytes: f64) -> String {
    format!("{:.0} MiB", bytes / 1048576.0)
}

pub fn ms(d: std::time::Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The `q` quantile of `v` (nearest rank).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return 0.0;
    }
    let i = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
    s[i]
}

/// The table in markdown, with a header naming the run.
pub fn render(title: &str, rows: &[Row]) -> String {
    let mut out = format!("## {title}\n\n| what | result | compared with (same run) | target |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", r.what, r.result, r.compared_with, r.target);
    }
    out
}

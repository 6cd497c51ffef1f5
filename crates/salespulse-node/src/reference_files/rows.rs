//! Rows of the reference files, read from CSV (with a header line) or TOML (an array of
//! tables named `reps`, `quotas`, `stages` or `rates`).

use std::path::Path;

use super::problems::Problems;

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// `rep_id,team_id,active,quota_carrying`; `active` and `quota_carrying` default to true.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepRow {
    pub rep_id: String,
    pub team_id: String,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub quota_carrying: Option<bool>,
}

/// `rep_id,period,amount,currency`; period `2026-11`, `2026-Q4` or `2026`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaRow {
    pub rep_id: String,
    pub period: String,
    pub amount: f64,
    pub currency: String,
}

/// `stage,order,probability[,is_closed,is_won]`; a closed stage closes the deals that
/// enter it (won when `is_won`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRow {
    pub stage: String,
    pub order: i64,
    pub probability: f64,
    #[serde(default)]
    pub is_closed: Option<bool>,
    #[serde(default)]
    pub is_won: Option<bool>,
}

/// `currency,rate`: units of base currency per unit of `currency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateRow {
    pub currency: String,
    pub rate: f64,
}

/// Largest reference file read, in bytes: a larger one is refused whole.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads every row of `path` (CSV, or TOML when the name ends in `.toml`, whose rows are
/// in the array `table`): the rows that parse; an error (naming the file and the line or
/// row) for each that does not goes to `errors`. A file larger than [`MAX_FILE_BYTES`] is
/// not read.
pub fn read<T: DeserializeOwned>(path: &Path, table: &str, errors: &mut Problems) -> Vec<T> {
    let name = path.display();
    let mut out = Vec::new();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            errors.push(format!("{name}: {} bytes, more than the limit of {MAX_FILE_BYTES}", m.len()));
            return out;
        }
        Ok(_) => {}
        Err(e) => {
            errors.push(format!("{name}: {e}"));
            return out;
        }
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(format!("{name}: {e}"));
            return out;
        }
    };
    if path.extension().is_some_and(|e| e == "toml") {
        let rows = match toml::from_str::<toml::Table>(&text).map(|mut d| d.remove(table)) {
            Ok(Some(toml::Value::Array(rows))) => rows,
            Ok(None) => Vec::new(),
            Ok(Some(_)) => {
                errors.push(format!("{name}: expected an array of tables [[{table}]]"));
                return out;
            }
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                return out;
            }
        };
        for (i, row) in rows.into_iter().enumerate() {
            match row.try_into::<T>() {
                Ok(r) => out.push(r),
                Err(e) => errors.push(format!("{name}: [[{table}]] #{}: {}", i + 1, e.to_string().trim_end())),
            }
        }
        return out;
    }
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    for row in reader.deserialize::<T>() {
        match row {
            Ok(r) => out.push(r),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    out
}

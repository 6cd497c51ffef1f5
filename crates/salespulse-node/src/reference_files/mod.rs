//! Reference data from files — roster, quotas, stages, exchange rates — loaded at startup
//! and reloaded when a file changes or on SIGHUP, without a restart.
//!
//! A reload reads every file whole; if any line of any file is bad, nothing changes and
//! the problems are logged (the first [`MAX_PROBLEMS`], then how many more). So is a file
//! larger than [`rows::MAX_FILE_BYTES`], and a file with no rows (empty, or a header
//! only: a truncated file would otherwise remove every rep) unless empty files are
//! allowed. Otherwise what the files hold is upserted into the reference table and what
//! disappeared from a file since the last load is removed from it.

mod problems;
mod rows;

use std::collections::BTreeMap;
use std::path::PathBuf;

use salespulse_engine::{Reference, RepInfo, StageInfo};
use salespulse_events::{Currency, Money, Period, validate};

use rows::{QuotaRow, RateRow, RepRow, StageRow, read};

pub use problems::{MAX_PROBLEMS, Problems};
pub use rows::MAX_FILE_BYTES;

/// The configured reference files.
#[derive(Debug, Clone, Default)]
pub struct ReferenceFiles {
    pub roster: Option<PathBuf>,
    pub quotas: Option<PathBuf>,
    pub stages: Option<PathBuf>,
    pub fx: Option<PathBuf>,
    /// Whether a file with no rows is loaded (removing what it held) rather than refused.
    pub allow_empty: bool,
}

/// What the files held at one load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    pub reps: BTreeMap<String, RepInfo>,
    pub quotas: BTreeMap<(String, Period), Money>,
    pub stages: BTreeMap<String, StageInfo>,
    pub rates: BTreeMap<Currency, f64>,
}

fn currency(code: &str, at: &str, errors: &mut Problems) -> Option<Currency> {
    let c = Currency::parse(code);
    if c.is_none() {
        errors.push(format!("{at}: currency {code:?} is not an ISO 4217 code"));
    }
    c
}

impl ReferenceFiles {
    /// Every configured path.
    pub fn paths(&self) -> Vec<&PathBuf> {
        [&self.roster, &self.quotas, &self.stages, &self.fx].into_iter().flatten().collect()
    }

    /// Reads and checks every file; the problems of all files at once.
    pub fn read(&self) -> Result<Loaded, Vec<String>> {
        let (mut out, mut errors) = (Loaded::default(), Problems::default());
        let allow_empty = self.allow_empty;
        each::<RepRow>(&self.roster, "reps", allow_empty, &mut errors, |r, at, errors: &mut Problems| {
            if r.rep_id.is_empty() || r.team_id.is_empty() {
                return errors.push(format!("{at}: rep_id and team_id must not be empty"));
            }
            let (active, quota_carrying) = (r.active.unwrap_or(true), r.quota_carrying.unwrap_or(true));
            out.reps.insert(r.rep_id, RepInfo { team: r.team_id, active, quota_carrying });
        });
        each::<QuotaRow>(&self.quotas, "quotas", allow_empty, &mut errors, |r, at, errors: &mut Problems| {
            let at = format!("{at}: quota of {} for {}", r.rep_id, r.period);
            let period = Period::parse(&r.period);
            if period.is_none() {
                errors.push(format!("{at}: period must be YYYY, YYYY-MM or YYYY-Qn"));
            }
            if let Err(e) = validate::amount(r.amount) {
                errors.push(format!("{at}: amount {e}"));
            }
            if let (Some(period), Some(c)) = (period, currency(&r.currency, &at, errors)) {
                out.quotas.insert((r.rep_id, period), Money { amount: r.amount, currency: c });
            }
        });
        each::<StageRow>(&self.stages, "stages", allow_empty, &mut errors, |r, at, errors: &mut Problems| {
            if let Err(e) = validate::unit_interval(r.probability) {
                errors.push(format!("{at}: stage {}: probability {e}", r.stage));
            }
            let (is_closed, is_won) = (r.is_closed.unwrap_or(false), r.is_won.unwrap_or(false));
            if is_won && !is_closed {
                errors.push(format!("{at}: stage {}: is_won without is_closed", r.stage));
            }
            out.stages.insert(r.stage, StageInfo { order: r.order, probability: r.probability, is_closed, is_won });
        });
        each::<RateRow>(&self.fx, "rates", allow_empty, &mut errors, |r, at, errors: &mut Problems| {
            let at = format!("{at}: rate of {}", r.currency);
            if let Err(e) = validate::rate(r.rate) {
                errors.push(format!("{at}: {e}"));
            }
            if let Some(c) = currency(&r.currency, &at, errors) {
                out.rates.insert(c, r.rate);
            }
        });
        if errors.is_empty() { Ok(out) } else { Err(errors.into_lines()) }
    }
}

/// Reads the rows of an optional file and hands each to `f` (with the file name for
/// messages); read errors go to `errors`.
fn each<T: serde::de::DeserializeOwned>(
    path: &Option<PathBuf>,
    table: &str,
    allow_empty: bool,
    errors: &mut Problems,
    mut f: impl FnMut(T, &str, &mut Problems),
) {
    let Some(path) = path else { return };
    let before = errors.count();
    let rows = read::<T>(path, table, errors);
    let name = path.display().to_string();
    if rows.is_empty() && !allow_empty && errors.count() == before {
        errors.push(format!(
            "{name}: no rows (empty, or a header only); refusing it rather than removing every {} it held \
             (set reference.allow_empty_files = true to allow it)",
            table.trim_end_matches('s')
        ));
    }
    for row in rows {
        f(row, &name, errors);
    }
}

impl Loaded {
    /// Applies `self` to the table, removing what `previous` had and `self` has not.
    pub fn apply(&self, previous: &Loaded, reference: &mut Reference) {
        for rep in previous.reps.keys().filter(|k| !self.reps.contains_key(*k)) {
            reference.remove_rep(rep);
        }
        for (rep, period) in previous.quotas.keys().filter(|k| !self.quotas.contains_key(*k)) {
            reference.remove_quota(rep, *period);
        }
        for stage in previous.stages.keys().filter(|k| !self.stages.contains_key(*k)) {
            reference.remove_stage(stage);
        }
        for c in previous.rates.keys().filter(|k| !self.rates.contains_key(*k)) {
            reference.remove_rate(*c);
        }
        for (rep, info) in &self.reps {
            reference.set_rep(rep, info.clone());
        }
        for ((rep, period), m) in &self.quotas {
            reference.set_quota(rep, *period, *m);
        }
        for (stage, info) in &self.stages {
            reference.set_stage(stage, *info);
        }
        for (c, rate) in &self.rates {
            reference.set_rate(*c, *rate);
        }
    }

    /// A one-line summary for logs.
    pub fn summary(&self) -> String {
        format!(
            "{} reps, {} quotas, {} stages, {} rates",
            self.reps.len(),
            self.quotas.len(),
            self.stages.len(),
            self.rates.len()
        )
    }
}

#[cfg(test)]
mod tests;

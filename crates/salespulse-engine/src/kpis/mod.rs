//! The KPI families computed from a merged [`View`]: names, help, labels and values.
//!
//! Every team known to the roster or present in the view gets every count and sum in
//! every window, zero included, so a quiet team decays to 0 instead of vanishing. A ratio
//! whose denominator is zero is left out: never NaN, never a made-up 0. Ratios are
//! exported next to their additive parts.
//!
//! One file per group of families (`sales`, `activity`, `customers`, `periods`, `reps`),
//! each writing through the shared [`builder`]; names and help live in the [`catalogue`].

mod activity;
mod builder;
pub mod catalogue;
mod customers;
mod family;
mod periods;
mod reps;
mod sales;

pub use family::{Families, Family, Kind, Metric, Value};
pub use reps::MAX_SERIES_PER_REP;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::config::EngineConfig;
use crate::reference::Reference;
use crate::time::ms;
use crate::view::View;
use builder::Builder;

/// Computes every KPI family from a merged view at `now`.
pub fn families(view: &View, reference: &Reference, cfg: &EngineConfig, now: DateTime<Utc>) -> Families {
    let mut teams: BTreeSet<String> = reference.teams().into_iter().map(str::to_owned).collect();
    teams.extend(view.teams().into_iter().map(str::to_owned));
    let mut stages: BTreeSet<String> = view.stages().into_iter().map(str::to_owned).collect();
    stages.extend(reference.stage_names().map(str::to_owned));
    let mut b = Builder::new(view, reference, cfg, ms(now), teams.into_iter().collect(), stages.into_iter().collect());
    sales::closes(&mut b);
    sales::pipeline(&mut b);
    sales::stages(&mut b);
    activity::leads(&mut b);
    activity::activities(&mut b);
    activity::voice(&mut b);
    customers::customers(&mut b);
    periods::periods(&mut b);
    let (rep_series, rep_series_cut) = if cfg.per_rep { reps::reps(&mut b) } else { (0, 0) };
    Families { families: b.finish(), rep_series, rep_series_cut }
}

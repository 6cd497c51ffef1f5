//! The KPI families computed from a merged [`View`]: names, help, labels and values.
//!
//! Every team known to the roster or present in the view gets every count and sum in
//! every window, zero included, so a quiet team decays to 0 instead of vanishing. A ratio
//! whose denominator is zero is left out: never NaN, never a made-up 0. Ratios are
//! exported next to their additive parts.

mod activity;
mod customers;
pub mod names;
mod periods;
mod reps;
mod sales;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::config::EngineConfig;
use crate::hist;
use crate::reference::Reference;
use crate::stat::{Dist, Stat};
use crate::time::{Ms, Window, ms};
use crate::view::{Cell, Scope, View};

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Summary,
}

/// One sample's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Gauge(f64),
    /// Count, sum and (quantile, value) pairs; no quantiles when the count is 0.
    Summary {
        count: u64,
        sum: f64,
        quantiles: Vec<(f64, f64)>,
    },
}

/// One labelled sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// A metric family: a name, its help and kind, and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub metrics: Vec<Metric>,
}

/// Every KPI family of one scrape, and what the per-rep budget cut.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kpis {
    pub families: Vec<Family>,
    /// Per-rep series exported.
    pub rep_series: usize,
    /// Per-rep series left out because of the budget.
    pub rep_series_cut: usize,
}

/// Quantiles exported for every distribution.
pub const QUANTILES: [f64; 2] = [0.5, 0.9];

/// `num / den`, or `None` when the denominator is not positive.
pub(crate) fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den).filter(|v| v.is_finite())
}

/// A family's name and help.
pub type Def = (&'static str, &'static str);

/// Labels of one sample.
pub(crate) type Labels = Vec<(&'static str, String)>;

pub(crate) fn labels(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// Coordinates of a distribution in the view.
pub(crate) struct At<'a> {
    pub scope: Scope,
    pub team: &'a str,
    pub rep: Option<&'a str>,
    pub stage: Option<&'a str>,
}

/// Everything the family builders read, and where they write.
pub(crate) struct Ctx<'a> {
    pub view: &'a View,
    pub reference: &'a Reference,
    pub cfg: &'a EngineConfig,
    pub now: Ms,
    pub teams: Vec<String>,
    /// Stages with data or a definition.
    pub stages: Vec<String>,
    out: Vec<Family>,
    index: HashMap<&'static str, usize>,
}

impl Ctx<'_> {
    /// A window statistic of a team.
    pub fn ws(&self, team: &str, w: Window, stat: Stat) -> f64 {
        self.view.get(Scope::Window(w), team, None, None, Cell::Stat(stat))
    }

    /// A window statistic of a team for one stage.
    pub fn wstage(&self, team: &str, w: Window, stage: &str, stat: Stat) -> f64 {
        self.view.get(Scope::Window(w), team, None, Some(stage), Cell::Stat(stat))
    }

    /// Any cell of a team.
    pub fn cell(&self, scope: Scope, team: &str, cell: Cell) -> f64 {
        self.view.get(scope, team, None, None, cell)
    }

    fn family(&mut self, name: &'static str, help: &'static str, kind: Kind) -> &mut Vec<Metric> {
        let i = *self.index.entry(name).or_insert_with(|| {
            self.out.push(Family { name, help, kind, metrics: Vec::new() });
            self.out.len() - 1
        });
        &mut self.out[i].metrics
    }

    /// Adds a gauge sample; `None` (a ratio without denominator) adds nothing.
    pub fn gauge(&mut self, (name, help): Def, labels: Labels, value: Option<f64>) {
        let metrics = self.family(name, help, Kind::Gauge);
        if let Some(v) = value.filter(|v| v.is_finite()) {
            metrics.push(Metric { labels, value: Value::Gauge(v) });
        }
    }

    /// Adds a summary sample with only a count and a sum (no quantiles).
    pub fn totals(&mut self, (name, help): Def, labels: Labels, count: f64, sum: f64) {
        let count = count.round().max(0.0) as u64;
        let value = Value::Summary { count, sum: if count == 0 { 0.0 } else { sum }, quantiles: Vec::new() };
        self.family(name, help, Kind::Summary).push(Metric { labels, value });
    }

    /// Adds a summary sample for `dist` at the given coordinates.
    pub fn summary(&mut self, (name, help): Def, labels: Labels, at: At<'_>, dist: Dist) {
        let (mut count, mut sum, mut buckets) = (0.0, 0.0, Vec::new());
        for (s, cell, v) in self.view.cells(at.scope, at.team, at.rep) {
            if s != at.stage {
                continue;
            }
            match cell {
                Cell::Stat(Stat::DistCount(d)) if d == dist => count += v,
                Cell::Stat(Stat::DistSum(d)) if d == dist => sum += v,
                Cell::Stat(Stat::DistBucket(d, b)) if d == dist => buckets.push((b, v)),
                _ => {}
            }
        }
        buckets.sort_by_key(|(b, _)| *b);
        let count = count.round().max(0.0) as u64;
        let sum = if count == 0 { 0.0 } else { sum };
        let quantiles = QUANTILES.iter().filter_map(|&q| hist::quantile(&buckets, q).map(|v| (q, v))).collect();
        let metrics = self.family(name, help, Kind::Summary);
        metrics.push(Metric { labels, value: Value::Summary { count, sum, quantiles } });
    }
}

/// Computes every KPI family from a merged view at `now`.
pub fn families(view: &View, reference: &Reference, cfg: &EngineConfig, now: DateTime<Utc>) -> Kpis {
    let mut teams: BTreeSet<String> = reference.teams().into_iter().map(str::to_owned).collect();
    teams.extend(view.teams().into_iter().map(str::to_owned));
    let mut stages: BTreeSet<String> = view.stages().into_iter().map(str::to_owned).collect();
    stages.extend(reference.stage_names().map(str::to_owned));
    let mut ctx = Ctx {
        view,
        reference,
        cfg,
        now: ms(now),
        teams: teams.into_iter().collect(),
        stages: stages.into_iter().collect(),
        out: Vec::new(),
        index: HashMap::new(),
    };
    sales::closes(&mut ctx);
    sales::pipeline(&mut ctx);
    sales::stages(&mut ctx);
    activity::leads(&mut ctx);
    activity::activities(&mut ctx);
    activity::voice(&mut ctx);
    customers::customers(&mut ctx);
    periods::periods(&mut ctx);
    let (rep_series, rep_series_cut) = if cfg.per_rep { reps::reps(&mut ctx) } else { (0, 0) };
    Kpis { families: ctx.out, rep_series, rep_series_cut }
}

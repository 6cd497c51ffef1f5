//! The [`Builder`] every family section writes through: the merged view and reference
//! data it reads, the families it fills, and the label and ratio helpers they share.

use std::collections::HashMap;

use super::catalogue::Def;
use super::family::{Family, Kind, Metric, Value};
use crate::config::EngineConfig;
use crate::hist;
use crate::reference::Reference;
use crate::stat::{Dist, Stat};
use crate::time::{Ms, Window};
use crate::view::{Cell, Scope, View};

/// `num / den`, or `None` when the denominator is not positive.
pub(crate) fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den).filter(|v| v.is_finite())
}

/// Labels of one sample.
pub(crate) type Labels = Vec<(&'static str, String)>;

pub(crate) fn labels(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// `team` and `window` labels, then `extra`.
pub(crate) fn team_window(team: &str, w: Window, extra: &[(&'static str, &str)]) -> Labels {
    let mut l = labels(&[("team", team), ("window", w.label())]);
    l.extend(labels(extra));
    l
}

/// Coordinates of a distribution in the view.
pub(crate) struct At<'a> {
    pub scope: Scope,
    pub team: &'a str,
    pub rep: Option<&'a str>,
    pub stage: Option<&'a str>,
}

/// Everything the family sections read, and the families they fill.
pub(crate) struct Builder<'a> {
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

impl<'a> Builder<'a> {
    /// A builder over a merged view; `teams` and `stages` are those every family covers.
    pub fn new(
        view: &'a View,
        reference: &'a Reference,
        cfg: &'a EngineConfig,
        now: Ms,
        teams: Vec<String>,
        stages: Vec<String>,
    ) -> Builder<'a> {
        Builder { view, reference, cfg, now, teams, stages, out: Vec::new(), index: HashMap::new() }
    }

    /// The families built, in the order they were first written.
    pub fn finish(self) -> Vec<Family> {
        self.out
    }

    /// Where the families stand (their samples so far), to count or take back what follows.
    pub fn mark(&self) -> Vec<usize> {
        self.out.iter().map(|f| f.metrics.len()).collect()
    }

    /// Series written since `mark`, as the exposition has them: a gauge is one, a summary
    /// its quantiles, `_sum` and `_count`, a histogram its buckets, `+Inf`, `_sum` and
    /// `_count`.
    pub fn series_since(&self, mark: &[usize]) -> usize {
        let samples = self.out.iter().enumerate().flat_map(|(i, f)| &f.metrics[mark.get(i).copied().unwrap_or(0)..]);
        samples
            .map(|m| match &m.value {
                Value::Gauge(_) => 1,
                Value::Summary { quantiles, .. } => quantiles.len() + 2,
                Value::Histogram { buckets, .. } => buckets.len() + 3,
            })
            .sum()
    }

    /// Takes back every sample (and family) written since `mark`.
    pub fn take_back(&mut self, mark: &[usize]) {
        self.out.truncate(mark.len());
        self.index.retain(|_, i| *i < mark.len());
        for (f, &len) in self.out.iter_mut().zip(mark) {
            f.metrics.truncate(len);
        }
    }

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
        let count = whole(count);
        let value = Value::Summary { count, sum: if count == 0 { 0.0 } else { sum }, quantiles: Vec::new() };
        self.family(name, help, Kind::Summary).push(Metric { labels, value });
    }

    /// Adds a histogram sample for `dist` at the given coordinates: cumulative counts at
    /// each of `bounds` (increasing), then the sum and the count.
    pub fn histogram(&mut self, (name, help): Def, labels: Labels, at: At<'_>, dist: Dist, bounds: &[f64]) {
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
        let count = whole(count);
        let buckets = bounds.iter().map(|&le| (le, whole(hist::cumulative(&buckets, le)))).collect();
        let value = Value::Histogram { count, sum: if count == 0 { 0.0 } else { sum }, buckets };
        self.family(name, help, Kind::Histogram).push(Metric { labels, value });
    }
}

/// A count summed from floating-point slots, as the whole number it is.
fn whole(count: f64) -> u64 {
    // Saturating: counts are far below 2^53, where floats stop being whole numbers.
    #[allow(clippy::cast_possible_truncation, reason = "rounded, non-negative, saturating")]
    let whole = count.round().max(0.0) as u64;
    whole
}

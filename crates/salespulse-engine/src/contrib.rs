//! Contributions: what an entity (a deal, a lead, an account) currently adds to the
//! aggregates. Entities recompute their contributions from their facts after every event
//! about them, and the aggregates swap the old set for the new one. This is what makes
//! retractions exact (a reopen or delete removes exactly what the close added, in the
//! slot where it was added) and makes the result independent of arrival order.

use std::collections::BTreeMap;

use crate::calendar::MonthKey;
use crate::hist;
use crate::stat::{Dist, Stat};
use crate::time::Ms;
use crate::windows::{OwnerId, Windows};

/// One thing an entity adds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Contribution {
    /// `value` of `stat` at event time `t`, in every window.
    Window { t: Ms, owner: OwnerId, stat: Stat, value: f64 },
    /// Won revenue in local month `month` (calendar periods).
    MonthRevenue { month: MonthKey, owner: OwnerId, value: f64 },
}

/// Builds a contribution list.
#[derive(Debug, Default)]
pub struct Contribs(pub Vec<Contribution>);

impl Contribs {
    /// Adds `value` of `stat` at `t`.
    pub fn add(&mut self, t: Ms, owner: OwnerId, stat: Stat, value: f64) {
        self.0.push(Contribution::Window { t, owner, stat, value });
    }

    /// Adds one observation of a distribution (count, sum and bucket).
    pub fn observe(&mut self, t: Ms, owner: OwnerId, dist: Dist, value: f64) {
        self.add(t, owner, Stat::DistCount(dist), 1.0);
        self.add(t, owner, Stat::DistSum(dist), value);
        self.add(t, owner, Stat::DistBucket(dist, hist::bucket(value)), 1.0);
    }
}

/// Won revenue per (local month, owner), kept for the current and previous fiscal year.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Months {
    map: BTreeMap<(MonthKey, OwnerId), f64>,
}

impl Months {
    fn add(&mut self, month: MonthKey, owner: OwnerId, delta: f64) {
        let v = self.map.entry((month, owner)).or_insert(0.0);
        *v += delta;
        if v.abs() < 1e-6 {
            self.map.remove(&(month, owner));
        }
    }

    /// Calls `f(owner, value)` for every entry in months `first..=last`.
    pub fn fold(&self, first: MonthKey, last: MonthKey, mut f: impl FnMut(OwnerId, f64)) {
        for (&(_, owner), &v) in self.map.range((first, 0)..(last + 1, 0)) {
            f(owner, v);
        }
    }

    /// Drops months before `first`.
    pub fn prune(&mut self, first: MonthKey) {
        if self.map.first_key_value().is_some_and(|((m, _), _)| *m < first) {
            self.map = self.map.split_off(&(first, 0));
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// Everything contributions go to.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Aggregates {
    pub windows: Windows,
    pub months: Months,
}

impl Aggregates {
    fn apply(&mut self, c: &Contribution, sign: f64) {
        match *c {
            Contribution::Window { t, owner, stat, value } => self.windows.add(t, owner, stat, sign * value),
            Contribution::MonthRevenue { month, owner, value } => self.months.add(month, owner, sign * value),
        }
    }

    /// Replaces an entity's contributions `old` by `new`.
    pub fn replace(&mut self, old: &[Contribution], new: &[Contribution]) {
        if old == new {
            return;
        }
        for c in old {
            self.apply(c, -1.0);
        }
        for c in new {
            self.apply(c, 1.0);
        }
    }
}

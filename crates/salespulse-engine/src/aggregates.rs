//! The aggregates of one shard: rolling-window statistics ([`Windows`]) and won revenue
//! per calendar month ([`Months`]). Entities change them only through
//! [`Aggregates::replace`], swapping their old contributions for new ones.

use std::collections::BTreeMap;

use crate::calendar::MonthKey;
use crate::contrib::Contribution;
use crate::windows::{OwnerId, Windows};

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

    /// Replaces an entity's contributions `old` by `new`, touching only what differs: a
    /// contribution in both lists (counted with multiplicity) is left in place.
    pub fn replace(&mut self, old: &[Contribution], new: &[Contribution]) {
        if old == new {
            return;
        }
        // Lists are short (a deal or lead has tens of contributions): a quadratic match
        // costs less than the map writes it saves.
        let mut kept = vec![false; new.len()];
        for c in old {
            match (0..new.len()).find(|&i| !kept[i] && new[i] == *c) {
                Some(i) => kept[i] = true,
                None => self.apply(c, -1.0),
            }
        }
        for (c, kept) in new.iter().zip(kept) {
            if !kept {
                self.apply(c, 1.0);
            }
        }
    }
}

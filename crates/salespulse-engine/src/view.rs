//! A shard's windows read at `now`, summed per team: the mergeable input of the KPIs.
//!
//! Views hold only additive numbers, so the views of several shards (or instances) add up
//! to the view of their union; ratios are computed after merging, in [`crate::kpis`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::reference::Reference;
use crate::shard::Shard;
use crate::stat::Stat;
use crate::time::{Window, ms};

/// Window totals per team at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    cells: BTreeMap<(Window, String, Stat), f64>,
}

impl Shard {
    /// Reads every window at `now`, resolving owners to teams with `reference`.
    pub fn view(&self, now: DateTime<Utc>, reference: &Reference) -> View {
        let now = ms(now);
        let teams: Vec<&str> = (0..self.owners.len() as u32)
            .map(|o| {
                let (rep, team) = self.owners.get(o);
                reference.team_of(rep, team)
            })
            .collect();
        let mut acc: HashMap<(Window, &str, Stat), f64> = HashMap::new();
        for w in Window::ALL {
            self.windows.fold(w, now, |owner, stat, v| *acc.entry((w, teams[owner as usize], stat)).or_default() += v);
        }
        View { cells: acc.into_iter().map(|((w, team, stat), v)| ((w, team.to_owned(), stat), v)).collect() }
    }
}

impl View {
    /// Adds another view into this one.
    pub fn merge(&mut self, other: View) {
        for (k, v) in other.cells {
            *self.cells.entry(k).or_default() += v;
        }
    }

    /// The total of `stat` for `team` in window `w` (0 when nothing was counted).
    pub fn get(&self, w: Window, team: &str, stat: Stat) -> f64 {
        // Counts are whole; sums of retracted amounts may carry float dust.
        self.cells.get(&(w, team.to_owned(), stat)).copied().unwrap_or(0.0)
    }

    /// Every (stat, value) of `team` in window `w`, in stat order.
    pub fn stats(&self, w: Window, team: &str) -> impl Iterator<Item = (Stat, f64)> + '_ {
        let team = team.to_owned();
        self.cells.iter().filter(move |((cw, ct, _), _)| *cw == w && *ct == team).map(|((_, _, s), v)| (*s, *v))
    }

    /// Teams that have anything in any window.
    pub fn teams(&self) -> BTreeSet<&str> {
        self.cells.keys().map(|(_, t, _)| t.as_str()).collect()
    }
}

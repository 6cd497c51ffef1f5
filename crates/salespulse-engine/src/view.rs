//! A shard read at `now`, summed per team (and per rep where asked): the mergeable input
//! of the KPIs.
//!
//! Views hold additive numbers (one exception: the oldest waiting lead, merged by
//! minimum), so the views of several shards add up to the view of their union; ratios are
//! computed after merging, in [`crate::kpis`].

use std::collections::{BTreeMap, BTreeSet};

use crate::calendar::PeriodKind;
use crate::stat::Stat;
use crate::time::Window;

/// What a value is about in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// A rolling window.
    Window(Window),
    /// The calendar period to date.
    ToDate(PeriodKind),
    /// The whole previous calendar period.
    Previous(PeriodKind),
    /// The state now.
    State,
}

/// What a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cell {
    /// A window statistic.
    Stat(Stat),
    /// Won revenue in the period.
    PeriodRevenue,
    /// Open deals: base-currency amount, count, amount x probability, count stalled.
    PipelineValue,
    PipelineDeals,
    PipelineWeighted,
    Stalled,
    /// Open leads with no response yet, and the earliest clock start among them (ms).
    LeadsAwaiting,
    OldestWaitStart,
    /// Current MRR (base currency) and customers.
    Mrr,
    Customers,
    /// Customers at the window start, and the MRR movements of that cohort.
    CustomersAtStart,
    MrrStart,
    MrrExpansion,
    MrrContraction,
    MrrChurn,
}

/// One value's coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub scope: Scope,
    pub team: String,
    /// `None`: the team total; `Some`: one rep's part of it.
    pub rep: Option<String>,
    pub stage: Option<String>,
    pub cell: Cell,
}

/// Values of one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub(crate) cells: BTreeMap<Key, f64>,
}

impl View {
    /// Adds `v` at `key` (keeps the minimum for [`Cell::OldestWaitStart`]).
    pub fn add(&mut self, key: Key, v: f64) {
        let min = key.cell == Cell::OldestWaitStart;
        self.cells.entry(key).and_modify(|x| if min { *x = x.min(v) } else { *x += v }).or_insert(v);
    }

    /// Adds another view into this one.
    pub fn merge(&mut self, other: View) {
        for (k, v) in other.cells {
            self.add(k, v);
        }
    }

    /// The value at the given coordinates (0 when absent).
    pub fn get(&self, scope: Scope, team: &str, rep: Option<&str>, stage: Option<&str>, cell: Cell) -> f64 {
        self.find(scope, team, rep, stage, cell).unwrap_or(0.0)
    }

    /// The value at the given coordinates, if any was recorded.
    pub fn find(&self, scope: Scope, team: &str, rep: Option<&str>, stage: Option<&str>, cell: Cell) -> Option<f64> {
        let key =
            Key { scope, team: team.to_owned(), rep: rep.map(str::to_owned), stage: stage.map(str::to_owned), cell };
        self.cells.get(&key).copied()
    }

    /// Every (stage, cell, value) of `team` (and `rep`) in `scope`.
    pub fn cells<'a>(
        &'a self,
        scope: Scope,
        team: &'a str,
        rep: Option<&'a str>,
    ) -> impl Iterator<Item = (Option<&'a str>, Cell, f64)> + 'a {
        // Keys sort by (scope, team, rep, ...): the slice is one range.
        let from =
            Key { scope, team: team.to_owned(), rep: rep.map(str::to_owned), stage: None, cell: Cell::Stat(Stat::MIN) };
        self.cells
            .range(from..)
            .take_while(move |(k, _)| k.scope == scope && k.team == team && k.rep.as_deref() == rep)
            .map(|(k, v)| (k.stage.as_deref(), k.cell, *v))
    }

    /// Teams that have anything.
    pub fn teams(&self) -> BTreeSet<&str> {
        self.cells.keys().map(|k| k.team.as_str()).collect()
    }

    /// (team, rep) pairs that have anything of their own.
    pub fn reps(&self) -> BTreeSet<(&str, &str)> {
        self.cells.keys().filter_map(|k| k.rep.as_deref().map(|r| (k.team.as_str(), r))).collect()
    }

    /// Stages that appear in `scope`.
    pub fn stages(&self) -> BTreeSet<&str> {
        self.cells.keys().filter_map(|k| k.stage.as_deref()).collect()
    }
}

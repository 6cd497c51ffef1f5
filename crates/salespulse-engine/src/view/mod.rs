//! A shard read at `now`, summed per team (and per rep where asked): the mergeable input
//! of the KPIs.
//!
//! Views hold additive numbers (one exception: the oldest waiting lead, merged by
//! minimum), so the views of several shards add up to the view of their union; ratios are
//! computed after merging, in [`crate::kpis`]. The numbers are [`Fixed`], so a sum does not
//! depend on the order of its parts; they are read as `f64`.
//!
//! Team, rep and stage names are interned: cells are grouped by (scope, team, rep) in hash
//! maps of small ids, so a lookup hashes each name once and never compares strings
//! along a tree.

mod wire;

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use crate::calendar::PeriodKind;
use crate::fixed::Fixed;
use crate::stat::Stat;
use crate::time::Window;

/// What a value is about in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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

/// The id of "no rep" and "no stage".
const NONE: u32 = u32::MAX;

/// Interned names.
#[derive(Clone, Default)]
struct Names {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = crate::interner::next_id(self.names.len());
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn intern_opt(&mut self, name: Option<&str>) -> u32 {
        name.map_or(NONE, |n| self.intern(n))
    }

    /// The id of a known name; `Some(NONE)` for `None`; `None` for an unknown name.
    fn find(&self, name: Option<&str>) -> Option<u32> {
        match name {
            None => Some(NONE),
            Some(n) => self.ids.get(n).copied(),
        }
    }

    fn name(&self, id: u32) -> Option<&str> {
        (id != NONE).then(|| &*self.names[id as usize])
    }
}

/// The cells of one (scope, team, rep), by (stage, cell).
type Group = FxHashMap<(u32, Cell), Fixed>;

/// Values of one instant.
#[derive(Clone, Default)]
pub struct View {
    names: Names,
    groups: FxHashMap<(Scope, u32, u32), Group>,
}

impl View {
    /// Adds `v` at `key` (keeps the minimum for [`Cell::OldestWaitStart`]).
    pub fn add(&mut self, key: Key, v: f64) {
        self.add_at(key.scope, &key.team, key.rep.as_deref(), key.stage.as_deref(), key.cell, Fixed::from(v));
    }

    /// Adds `v` at the given coordinates (keeps the minimum for [`Cell::OldestWaitStart`]).
    pub fn add_at(&mut self, scope: Scope, team: &str, rep: Option<&str>, stage: Option<&str>, cell: Cell, v: Fixed) {
        let (t, r, s) = (self.names.intern(team), self.names.intern_opt(rep), self.names.intern_opt(stage));
        self.add_ids(scope, t, r, s, cell, v);
    }

    /// The id of a name (or of `None`) in this view, for [`View::add_ids`].
    pub(crate) fn id(&mut self, name: Option<&str>) -> u32 {
        self.names.intern_opt(name)
    }

    /// [`View::add_at`] with names given by their [`View::id`].
    pub(crate) fn add_ids(&mut self, scope: Scope, team: u32, rep: u32, stage: u32, cell: Cell, v: Fixed) {
        let min = cell == Cell::OldestWaitStart;
        self.groups
            .entry((scope, team, rep))
            .or_default()
            .entry((stage, cell))
            .and_modify(|x| if min { *x = (*x).min(v) } else { *x += v })
            .or_insert(v);
    }

    /// Adds another view into this one.
    pub fn merge(&mut self, other: View) {
        // Its names, translated to this view's ids once.
        let ids: Vec<u32> = other.names.names.iter().map(|n| self.names.intern(n)).collect();
        let id = |i: u32| if i == NONE { NONE } else { ids[i as usize] };
        for ((scope, t, r), group) in other.groups {
            for ((s, cell), v) in group {
                self.add_ids(scope, id(t), id(r), id(s), cell, v);
            }
        }
    }

    /// The value at the given coordinates (0 when absent).
    pub fn get(&self, scope: Scope, team: &str, rep: Option<&str>, stage: Option<&str>, cell: Cell) -> f64 {
        self.find(scope, team, rep, stage, cell).unwrap_or(0.0)
    }

    /// The value at the given coordinates, if any was recorded.
    pub fn find(&self, scope: Scope, team: &str, rep: Option<&str>, stage: Option<&str>, cell: Cell) -> Option<f64> {
        let (t, r, s) = (self.names.find(Some(team))?, self.names.find(rep)?, self.names.find(stage)?);
        self.groups.get(&(scope, t, r))?.get(&(s, cell)).map(|v| v.to_f64())
    }

    /// Every (stage, cell, value) of `team` (and `rep`) in `scope`, in no particular order.
    pub fn cells<'a>(
        &'a self,
        scope: Scope,
        team: &'a str,
        rep: Option<&'a str>,
    ) -> impl Iterator<Item = (Option<&'a str>, Cell, f64)> + 'a {
        let group = (|| Some((self.names.find(Some(team))?, self.names.find(rep)?)))()
            .and_then(|(t, r)| self.groups.get(&(scope, t, r)));
        group.into_iter().flatten().map(|(&(s, cell), &v)| (self.names.name(s), cell, v.to_f64()))
    }

    /// Teams that have anything.
    pub fn teams(&self) -> BTreeSet<&str> {
        self.groups.keys().filter_map(|&(_, t, _)| self.names.name(t)).collect()
    }

    /// (team, rep) pairs that have anything of their own.
    pub fn reps(&self) -> BTreeSet<(&str, &str)> {
        self.groups.keys().filter_map(|&(_, t, r)| Some((self.names.name(t)?, self.names.name(r)?))).collect()
    }

    /// Stages that appear in any scope.
    pub fn stages(&self) -> BTreeSet<&str> {
        self.groups.values().flat_map(|g| g.keys()).filter_map(|&(s, _)| self.names.name(s)).collect()
    }

    /// Every value by its named coordinates, in order: what two views are compared by.
    pub fn entries(&self) -> BTreeMap<Key, f64> {
        let mut out = BTreeMap::new();
        for (&(scope, t, r), group) in &self.groups {
            for (&(s, cell), &v) in group {
                let team = self.names.name(t).unwrap_or_default().to_owned();
                let (rep, stage) = (self.names.name(r).map(str::to_owned), self.names.name(s).map(str::to_owned));
                out.insert(Key { scope, team, rep, stage, cell }, v.to_f64());
            }
        }
        out
    }
}

impl PartialEq for View {
    fn eq(&self, other: &View) -> bool {
        self.entries() == other.entries()
    }
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.entries()).finish()
    }
}

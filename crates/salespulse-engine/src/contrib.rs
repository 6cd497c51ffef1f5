//! Contributions: what an entity (a deal, a lead, an account) currently adds to the
//! aggregates. Entities recompute their contributions from their facts after every event
//! about them, and the aggregates swap the old set for the new one. This is what makes
//! retractions exact (a reopen or delete removes exactly what the close added, in the
//! slot where it was added) and makes the result independent of arrival order.

use crate::calendar::MonthKey;
use crate::hist;
use crate::stat::{Dist, Stat};
use crate::time::Ms;
use crate::windows::OwnerId;

/// One thing an entity adds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Contribution {
    /// `value` of `stat` at event time `t`, in every window.
    Window { t: Ms, owner: OwnerId, stat: Stat, value: f64 },
    /// Won revenue in local month `month` (calendar periods).
    MonthRevenue { month: MonthKey, owner: OwnerId, value: f64 },
}

/// Builds a contribution list.
#[derive(Debug, Clone, Default)]
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

//! Deal state: the facts known about each deal, and what they add to the aggregates.
//!
//! Facts are kept by event time, so the result does not depend on arrival order:
//! the newest amount and owner win (ties: the later arrival), and the close that counts is
//! the newest one, unless a reopen is as new or newer, or the deal is deleted: its newest
//! `deal.deleted` is as new as its newest `deal.created` or newer (a creation after the
//! deletion restores the deal, with every fact known of it). From the
//! facts, `derive` computes the deal's contributions — creation cohort, close, revenue,
//! sales cycle, stage visits — and the shard swaps them for the previous ones.

use salespulse_events::{DealType, Money, Outcome};

use crate::calendar::Calendar;
use crate::contrib::{Contribs, Contribution};
use crate::entities::Touched;
use crate::interner::Interner;
use crate::reference::Reference;
use crate::stat::{Dist, StageId, Stat};
use crate::time::Ms;
use crate::windows::OwnerId;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Close {
    pub t: Ms,
    pub outcome: Outcome,
    pub amount: Option<Money>,
    /// The closing event's own rep, if it named one.
    pub owner: Option<OwnerId>,
}

/// Everything known about one deal.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Deal {
    /// Creation time and deal type.
    pub created: Option<(Ms, DealType)>,
    /// Newest amount.
    pub amount: Option<(Ms, Money)>,
    /// Owner changes (creation included), by time.
    pub owners: Vec<(Ms, OwnerId)>,
    /// Stage entries (creation included) with the probability given with them, by time.
    pub stages: Vec<(Ms, StageId, Option<f64>)>,
    /// Newest close.
    pub close: Option<Close>,
    pub last_reopen: Option<Ms>,
    /// Its newest deletion and newest creation: which of the two is newer.
    pub deletion: Deletion,
    /// The account the deal is for.
    pub account: Option<String>,
    pub touched: Ms,
    /// What the deal currently adds to the aggregates.
    pub contrib: Vec<Contribution>,
}

impl Touched for Deal {
    fn touched(&mut self) -> &mut Ms {
        &mut self.touched
    }
}

/// Whether a deal is deleted: its newest `deal.deleted` against its newest `deal.created`
/// (both by event time, so arrival order does not matter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deletion {
    pub deleted: Option<Ms>,
    pub created: Option<Ms>,
}

/// Stands for the unknown time of a deletion read from a snapshot of format 1 or 2 (which
/// kept a flag): later than any creation, so such a deal stays deleted, as it was.
const DELETED_BEFORE_FORMAT_3: Ms = Ms::MAX;

impl Deletion {
    /// A `deal.deleted` at `t`.
    pub fn delete(&mut self, t: Ms) {
        self.deleted = self.deleted.max(Some(t));
    }

    /// A `deal.created` at `t`.
    pub fn create(&mut self, t: Ms) {
        self.created = self.created.max(Some(t));
    }

    /// Deleted: the newest deletion is as new as the newest creation, or newer.
    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some_and(|d| self.created.is_none_or(|c| d >= c))
    }
}

impl<'de> serde::Deserialize<'de> for Deletion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Deletion, D::Error> {
        #[derive(serde::Deserialize)]
        struct Times {
            deleted: Option<Ms>,
            created: Option<Ms>,
        }
        if crate::legacy::before(3) {
            let deleted = bool::deserialize(d)?;
            return Ok(Deletion { deleted: deleted.then_some(DELETED_BEFORE_FORMAT_3), created: None });
        }
        let Times { deleted, created } = Times::deserialize(d)?;
        Ok(Deletion { deleted, created })
    }
}

/// An open deal, as the pipeline KPIs read it.
#[derive(Debug, Clone, Copy)]
pub struct OpenDeal {
    pub owner: OwnerId,
    pub stage: StageId,
    pub entered: Ms,
    pub amount: Option<Money>,
    pub probability: Option<f64>,
}

/// Inserts `(t, v)` keeping time order; equal times keep arrival order.
pub fn insert_by_time<T>(v: &mut Vec<(Ms, T)>, t: Ms, x: T) {
    let at = v.partition_point(|(u, _)| *u <= t);
    v.insert(at, (t, x));
}

/// The tables a deal's derivation looks things up in, besides the deal itself.
pub struct Lookups<'a> {
    pub reference: &'a Reference,
    pub calendar: &'a Calendar,
    pub stages: &'a Interner,
}

impl Lookups<'_> {
    /// Whether `stage` is defined as closed.
    fn closing(&self, stage: StageId) -> bool {
        self.stages.get(u32::from(stage)).and_then(|n| self.reference.stage(n)).is_some_and(|i| i.is_closed)
    }

    /// Whether moving from stage `a` to `b` is progress: a higher order, or any move when
    /// either stage has no definition.
    fn forward(&self, a: StageId, b: StageId) -> bool {
        let order = |s: StageId| self.stages.get(u32::from(s)).and_then(|n| self.reference.stage(n)).map(|i| i.order);
        match (order(a), order(b)) {
            (Some(x), Some(y)) => y > x,
            _ => true,
        }
    }
}

impl Deal {
    /// The close that counts now, if any: the newest of the last `deal.closed` and of the
    /// entry into a closed stage when that is the deal's current stage (moving on to an
    /// open stage reopens a deal closed that way), unless a reopen is as new or newer, or
    /// the deal was deleted.
    pub fn effective_close(&self, reference: &Reference, stages: &Interner) -> Option<Close> {
        let by_stage = self.stages.last().and_then(|&(t, stage, _)| {
            let outcome = stages.get(u32::from(stage)).and_then(|n| reference.stage(n))?.closes()?;
            Some(Close { t, outcome, amount: None, owner: None })
        });
        let newest = match (self.close, by_stage) {
            (Some(c), Some(s)) => Some(if s.t > c.t { s } else { c }),
            (c, s) => c.or(s),
        };
        newest.filter(|c| !self.is_deleted() && self.last_reopen.is_none_or(|r| c.t > r))
    }

    /// Whether the deal is deleted now (see [`Deletion`]).
    pub fn is_deleted(&self) -> bool {
        self.deletion.is_deleted()
    }

    /// Whether the deal was counted closed when its contributions were last derived.
    pub fn counted_closed(&self) -> bool {
        self.contrib.iter().any(|c| matches!(c, Contribution::Window { stat: Stat::Closed(_), .. }))
    }

    /// The current owner.
    pub fn owner(&self) -> Option<OwnerId> {
        self.owners.last().map(|o| o.1)
    }

    /// The owner at `t` (the first one before any).
    pub fn owner_at(&self, t: Ms) -> Option<OwnerId> {
        self.owners.iter().rev().find(|(u, _)| *u <= t).or(self.owners.first()).map(|o| o.1)
    }

    /// The base-currency revenue of the effective close (its own amount, else the newest),
    /// at the rate in force at the close.
    pub fn revenue(&self, close: &Close, reference: &Reference) -> Option<f64> {
        close.amount.or(self.amount.map(|a| a.1)).and_then(|m| reference.to_base_at(m, close.t))
    }

    /// The deal as the pipeline sees it, when it is open.
    pub fn open(&self, reference: &Reference, stages: &Interner) -> Option<OpenDeal> {
        if self.created.is_none() || self.is_deleted() || self.effective_close(reference, stages).is_some() {
            return None;
        }
        // The current visit: the trailing entries of the current stage. It began at the
        // first of them; its probability is the newest one given with them.
        let (_, stage, _) = *self.stages.last()?;
        let visit = self.stages.iter().rev().take_while(|s| s.1 == stage);
        let (mut entered, mut own) = (Ms::MAX, None);
        for &(t, _, p) in visit {
            entered = t;
            own = own.or(p);
        }
        let defined = stages.get(u32::from(stage)).and_then(|n| reference.stage(n)).map(|i| i.probability);
        Some(OpenDeal {
            owner: self.owner()?,
            stage,
            entered,
            amount: self.amount.map(|a| a.1),
            probability: own.or(defined),
        })
    }

    /// The deal's contributions, from its facts.
    pub fn derive(&self, lookups: &Lookups<'_>, default_owner: OwnerId, c: &mut Contribs) {
        if self.is_deleted() {
            return;
        }
        let owner = self.owner().unwrap_or(default_owner);
        if let Some((t, _)) = self.created {
            c.add(t, owner, Stat::DealsCreated, 1.0);
        }
        let close = self.effective_close(lookups.reference, lookups.stages);
        if let Some(cl) = close {
            let closer = cl.owner.or(self.owner_at(cl.t)).unwrap_or(default_owner);
            c.add(cl.t, closer, Stat::Closed(cl.outcome), 1.0);
            if cl.outcome == Outcome::Won {
                let ty = self.created.map_or(DealType::NewBusiness, |(_, ty)| ty);
                c.add(cl.t, closer, Stat::WonOfType(ty), 1.0);
                if let Some(r) = self.revenue(&cl, lookups.reference) {
                    c.add(cl.t, closer, Stat::WonRevenue, r);
                    c.add(cl.t, closer, Stat::WonValued, 1.0);
                    c.add(cl.t, closer, Stat::WonRevenueOfType(ty), r);
                    c.0.push(Contribution::MonthRevenue {
                        month: lookups.calendar.month_of(cl.t),
                        owner: closer,
                        value: r,
                    });
                }
                if let Some((created, _)) = self.created {
                    c.add(created, owner, Stat::DealsCreatedWon, 1.0);
                    c.observe(cl.t, closer, Dist::SalesCycle, (cl.t - created).max(0) as f64 / 1000.0);
                }
            }
        }
        // Stage visits: consecutive entries of the same stage are one visit.
        let mut visits = self
            .stages
            .iter()
            .enumerate()
            .filter(|&(i, s)| i == 0 || self.stages[i - 1].1 != s.1)
            .map(|(_, &(t, s, _))| (t, s))
            .peekable();
        while let Some((entered, stage)) = visits.next() {
            c.add(entered, owner, Stat::StageEntered(stage), 1.0);
            // A closed stage is where a deal ends: no advance from it, no time spent in it.
            if lookups.closing(stage) {
                continue;
            }
            let next = visits.peek();
            let closed_after = close.filter(|cl| cl.t >= entered);
            let advanced = match next {
                Some(&(_, n)) => lookups.forward(stage, n),
                None => closed_after.is_some_and(|cl| cl.outcome == Outcome::Won),
            };
            if advanced {
                c.add(entered, owner, Stat::StageAdvanced(stage), 1.0);
            }
            if let Some(exit) = next.map(|n| n.0).or(closed_after.map(|cl| cl.t)) {
                c.observe(exit, owner, Dist::StageDuration(stage), (exit - entered).max(0) as f64 / 1000.0);
            }
        }
    }
}

/// Every deal of a shard that is open, or was touched within the longest window.
pub type Deals = crate::entities::Entities<Deal>;

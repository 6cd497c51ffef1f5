//! Deal state and the closes it has put in the windows.
//!
//! A close is counted in the slot of its `occurred_at` for the owner at that time, and
//! remembered so that a later reopen, delete or newer close retracts exactly what it
//! added. The newest fact by event time wins: a close counts only if it is not older than
//! the deal's current close and last reopen, whatever order they arrive in.

use std::collections::HashMap;

use salespulse_events::{Money, Outcome};

use crate::entities::{Touched, entry};
use crate::outcome::{Incomplete, Kpi};
use crate::reference::Reference;
use crate::stat::Stat;
use crate::time::Ms;
use crate::windows::{OwnerId, Windows};

#[derive(Debug, Clone, Copy, PartialEq)]
struct Close {
    t: Ms,
    owner: OwnerId,
    outcome: Outcome,
    /// Base-currency amount, when known.
    revenue: Option<f64>,
}

#[derive(Debug, Clone, Default)]
struct Deal {
    /// Last known amount and when it was set.
    amount: Option<(Ms, Money)>,
    /// Current owner and when it was set.
    owner: Option<(Ms, OwnerId)>,
    close: Option<Close>,
    last_reopen: Option<Ms>,
    deleted: bool,
    touched: Ms,
}

/// Every deal of a shard that is open, or was closed within the longest window.
#[derive(Debug, Clone, Default)]
pub struct Deals {
    map: HashMap<String, Deal>,
}

fn count(w: &mut Windows, c: &Close, sign: f64) {
    w.add(c.t, c.owner, Stat::Closed(c.outcome), sign);
    if let (Outcome::Won, Some(r)) = (c.outcome, c.revenue) {
        w.add(c.t, c.owner, Stat::WonRevenue, sign * r);
        w.add(c.t, c.owner, Stat::WonValued, sign);
    }
}

fn newer<T: Copy>(slot: &mut Option<(Ms, T)>, t: Ms, v: T) {
    if slot.is_none_or(|(old, _)| t >= old) {
        *slot = Some((t, v));
    }
}

impl Touched for Deal {
    fn touched(&mut self) -> &mut Ms {
        &mut self.touched
    }
}

impl Deals {
    /// `deal.created` and `deal.amount_changed`: the amount (and owner) as of `t`.
    pub fn set(&mut self, id: &str, t: Ms, amount: Option<Money>, owner: Option<OwnerId>) {
        let deal = entry(&mut self.map, id, t);
        if let Some(m) = amount {
            newer(&mut deal.amount, t, m);
        }
        if let Some(o) = owner {
            newer(&mut deal.owner, t, o);
        }
    }

    /// The deal's current owner, if known.
    pub fn owner(&self, id: &str) -> Option<OwnerId> {
        self.map.get(id).and_then(|d| d.owner).map(|(_, o)| o)
    }

    /// `deal.closed`. `owner` is the event's own rep, else the deal's current owner.
    #[allow(clippy::too_many_arguments)]
    pub fn close(
        &mut self,
        w: &mut Windows,
        reference: &Reference,
        id: &str,
        t: Ms,
        owner: OwnerId,
        outcome: Outcome,
        amount: Option<Money>,
        inc: &mut Incomplete,
    ) {
        let deal = entry(&mut self.map, id, t);
        let superseded = deal.close.is_some_and(|c| t < c.t) || deal.last_reopen.is_some_and(|r| t < r);
        if deal.deleted || superseded {
            return;
        }
        let money = amount.or(deal.amount.map(|(_, m)| m));
        let revenue = money.and_then(|m| reference.to_base(m));
        if outcome == Outcome::Won && revenue.is_none() {
            inc.add(Kpi::WonRevenue);
        }
        if let Some(old) = deal.close.take() {
            count(w, &old, -1.0);
        }
        let close = Close { t, owner, outcome, revenue };
        count(w, &close, 1.0);
        deal.close = Some(close);
    }

    /// `deal.reopened`: retracts the close it follows.
    pub fn reopen(&mut self, w: &mut Windows, id: &str, t: Ms) {
        let deal = entry(&mut self.map, id, t);
        if deal.last_reopen.is_none_or(|r| t > r) {
            deal.last_reopen = Some(t);
        }
        if let Some(c) = deal.close.filter(|c| t >= c.t) {
            count(w, &c, -1.0);
            deal.close = None;
        }
    }

    /// `deal.deleted`: retracts any close; later events about the deal are ignored.
    pub fn delete(&mut self, w: &mut Windows, id: &str, t: Ms) {
        let deal = entry(&mut self.map, id, t);
        if let Some(c) = deal.close.take() {
            count(w, &c, -1.0);
        }
        deal.deleted = true;
    }

    /// Forgets deals untouched since `horizon`, unless they are open (pipeline is state).
    pub fn prune(&mut self, horizon: Ms) {
        self.map.retain(|_, d| d.touched >= horizon || !(d.deleted || d.close.is_some() || d.owner.is_none()));
    }

    /// Number of deals held.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

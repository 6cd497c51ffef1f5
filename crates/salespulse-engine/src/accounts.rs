//! Customer accounts: status and MRR histories, and who owns the account.
//!
//! An account's owner is the rep of its newest won deal (or of its own events, when they
//! name one); its customer KPIs count for that rep's team. Status changes to `customer`
//! from anything else are new (or won-back) logos, `customer` → `churned` is churn; both
//! are window contributions. Retention and revenue retention read the histories at the
//! window start when the view is built.

use salespulse_events::{CustomerStatus, Money};

use crate::contrib::{Contribs, Contribution};
use crate::entities::Touched;
use crate::stat::Stat;
use crate::time::Ms;
use crate::windows::OwnerId;

/// Everything known about one account.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub statuses: Vec<(Ms, CustomerStatus)>,
    pub mrr: Vec<(Ms, Money)>,
    pub owner: Option<(Ms, OwnerId)>,
    pub touched: Ms,
    pub contrib: Vec<Contribution>,
}

impl Touched for Account {
    fn touched(&mut self) -> &mut Ms {
        &mut self.touched
    }
}

fn at<T: Copy>(history: &[(Ms, T)], t: Ms) -> Option<T> {
    history.iter().rev().find(|(u, _)| *u <= t).map(|(_, v)| *v)
}

impl Account {
    /// Whether the account was a customer at `t`.
    pub fn customer_at(&self, t: Ms) -> bool {
        at(&self.statuses, t) == Some(CustomerStatus::Customer)
    }

    /// The account's MRR at `t` (none recorded: 0).
    pub fn mrr_at(&self, t: Ms) -> Option<Money> {
        at(&self.mrr, t)
    }

    /// Sets the owner as of `t` (newest wins).
    pub fn set_owner(&mut self, t: Ms, owner: OwnerId) {
        if self.owner.is_none_or(|(u, _)| t >= u) {
            self.owner = Some((t, owner));
        }
    }

    /// The account's contributions: new and churned logos, from `horizon` on (older ones
    /// are out of every window, and their history may already be trimmed).
    pub fn derive(&self, default_owner: OwnerId, horizon: Ms, c: &mut Contribs) {
        let owner = self.owner.map_or(default_owner, |o| o.1);
        let mut before = None;
        for &(t, status) in &self.statuses {
            if t < horizon {
                before = Some(status);
                continue;
            }
            match (before, status) {
                (Some(CustomerStatus::Customer), CustomerStatus::Churned) => {
                    c.add(t, owner, Stat::ChurnedCustomers, 1.0)
                }
                (b, CustomerStatus::Customer) if b != Some(CustomerStatus::Customer) => {
                    c.add(t, owner, Stat::NewCustomers, 1.0)
                }
                _ => {}
            }
            before = Some(status);
        }
    }

    /// Whether the account can be dropped whole: not a customer, no MRR, untouched since
    /// `horizon`.
    pub fn droppable(&self, horizon: Ms) -> bool {
        let live = self.statuses.last().is_some_and(|s| s.1 == CustomerStatus::Customer)
            || self.mrr.last().is_some_and(|m| m.1.amount > 0.0);
        !live && self.touched < horizon
    }

    /// Whether it holds history or contributions no window can use any more.
    pub fn stale(&self, horizon: Ms, old: Ms) -> bool {
        let deep = |n: usize| n >= 2;
        (deep(self.statuses.partition_point(|(t, _)| *t <= horizon))
            || deep(self.mrr.partition_point(|(t, _)| *t <= horizon)))
            || self.contrib.iter().any(|c| matches!(c, Contribution::Window { t, .. } if *t < old))
    }

    /// Forgets history older than `horizon` (keeping the last entry before it: the state
    /// at the start of every window) and contributions older than `old`.
    pub fn trim(&mut self, horizon: Ms, old: Ms) {
        fn trim<T>(h: &mut Vec<(Ms, T)>, horizon: Ms) {
            let keep_from = h.partition_point(|(t, _)| *t <= horizon).saturating_sub(1);
            h.drain(..keep_from);
        }
        trim(&mut self.statuses, horizon);
        trim(&mut self.mrr, horizon);
        self.contrib.retain(|c| !matches!(c, Contribution::Window { t, .. } if *t < old));
    }
}

/// Every account of a shard that is a customer or was touched within the longest window.
pub type Accounts = crate::entities::Entities<Account>;

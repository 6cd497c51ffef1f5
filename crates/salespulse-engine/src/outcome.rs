//! What [`crate::Shard::apply`] reports: applied (maybe with incomplete KPIs), duplicate,
//! or rejected with a bounded reason.

use salespulse_events::Currency;
use thiserror::Error;

/// A KPI that had to skip an event because a field it needs is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncompleteKpi {
    /// A won deal with no known amount: counted as won, not in revenue.
    WonRevenue,
    /// A conversion of a lead whose creation was never seen.
    LeadConversion,
    /// A response to a lead whose creation and assignment were never seen.
    LeadResponseTime,
    /// A won deal whose creation was never seen: no sales cycle.
    SalesCycle,
}

impl IncompleteKpi {
    /// Every KPI that can be incomplete.
    pub const ALL: [IncompleteKpi; 4] = [
        IncompleteKpi::WonRevenue,
        IncompleteKpi::LeadConversion,
        IncompleteKpi::LeadResponseTime,
        IncompleteKpi::SalesCycle,
    ];

    /// The `kpi` label value.
    pub fn label(self) -> &'static str {
        match self {
            IncompleteKpi::WonRevenue => "won_revenue",
            IncompleteKpi::LeadConversion => "lead_conversion",
            IncompleteKpi::LeadResponseTime => "lead_response_time",
            IncompleteKpi::SalesCycle => "sales_cycle",
        }
    }
}

/// A set of [`IncompleteKpi`]s, without allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Incomplete(u8);

impl Incomplete {
    /// Adds a KPI to the set.
    pub fn add(&mut self, kpi: IncompleteKpi) {
        self.0 |= 1 << kpi as u8;
    }

    /// The KPIs in the set.
    pub fn iter(self) -> impl Iterator<Item = IncompleteKpi> {
        IncompleteKpi::ALL.into_iter().filter(move |k| self.0 & (1 << *k as u8) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// An event the engine accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied to the state; the listed KPIs had to skip it.
    Counted(Incomplete),
    /// Its `event_id` was seen within the dedup horizon: nothing changed.
    Duplicate,
}

/// An event the engine refuses; it goes to the dead-letter topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Rejection {
    /// Older than the longest window.
    #[error("occurred_at is older than the longest window (90d)")]
    TooOld,
    /// Further in the future than the allowed clock skew.
    #[error("occurred_at is further in the future than max_future_skew")]
    Future,
    /// An amount in a currency with no known exchange rate.
    #[error("no exchange rate is known for currency {0}")]
    UnknownCurrency(Currency),
    /// Reference data naming a new team or stage when the budget is full.
    #[error("a new {0} beyond the budget of the reference data (max_{0}s)")]
    OverBudget(&'static str),
    /// An event that would add a deal, lead or account to a partition that holds its
    /// budget of them.
    #[error("a new deal, lead or account beyond the partition's budget of {0} (engine.max_entities)")]
    TooManyEntities(usize),
}

impl Rejection {
    /// Every reason label the engine can produce.
    pub const REASONS: [&'static str; 4] = ["too_old", "future", "unknown_currency", "over_budget"];

    /// The bounded `reason` label.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::TooOld => "too_old",
            Rejection::Future => "future",
            Rejection::UnknownCurrency(_) => "unknown_currency",
            Rejection::OverBudget(_) | Rejection::TooManyEntities(_) => "over_budget",
        }
    }
}

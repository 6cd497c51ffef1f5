//! What the windows count. Every statistic is an additive number per slot, so a window
//! is a sum, shards merge by addition and a retraction is the same addition negated.

use salespulse_events::{ActivityKind, Direction, Outcome};

/// A distribution kept as log-bucket counts plus sum and count (see [`crate::hist`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dist {
    /// First human response to a lead, seconds, by response time.
    LeadResponse,
}

/// Survey answer categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SurveyCat {
    NpsPromoter,
    NpsPassive,
    NpsDetractor,
    /// CSAT answer in the top two of its scale.
    CsatSatisfied,
    CsatOther,
}

impl SurveyCat {
    /// Every category with its `survey` and `category` label values.
    pub const ALL: [(SurveyCat, &'static str, &'static str); 5] = [
        (SurveyCat::NpsPromoter, "nps", "promoter"),
        (SurveyCat::NpsPassive, "nps", "passive"),
        (SurveyCat::NpsDetractor, "nps", "detractor"),
        (SurveyCat::CsatSatisfied, "csat", "satisfied"),
        (SurveyCat::CsatOther, "csat", "other"),
    ];
}

/// One additive statistic of a window slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stat {
    /// Base-currency amount of deals closed won.
    WonRevenue,
    /// Deals closed won whose amount is known (denominator of the average deal size).
    WonValued,
    /// Deals closed, by outcome.
    Closed(Outcome),
    /// Leads, in the slot of their creation.
    LeadsCreated,
    /// Leads converted, in the slot of their creation (cohort).
    LeadsConverted,
    /// Logged activities.
    Activities(ActivityKind, Direction),
    /// Survey responses.
    Survey(SurveyCat),
    /// Number of observations of a distribution.
    DistCount(Dist),
    /// Sum of observations of a distribution.
    DistSum(Dist),
    /// Observations of a distribution in one log bucket.
    DistBucket(Dist, u16),
}

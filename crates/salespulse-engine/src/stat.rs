//! What the windows count. Every statistic is an additive number per slot, so a window
//! is a sum, shards merge by addition and a retraction is the same addition negated.

use salespulse_events::{ActivityKind, DealType, Direction, Outcome, SentimentChannel, SocialAction, SpendCategory};

/// A stage name interned per shard; views translate it back to the name.
pub type StageId = u16;

/// A distribution kept as log-bucket counts plus sum and count (see [`crate::hist`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Dist {
    /// First human response to a lead, seconds, by response time.
    LeadResponse,
    /// Closed-won time minus created time, seconds, by close time.
    SalesCycle,
    /// Time a deal spent in a stage, seconds, by exit time (completed visits).
    StageDuration(StageId),
}

/// Survey answer categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Stat {
    /// Base-currency amount of deals closed won.
    WonRevenue,
    /// Deals closed won whose amount is known (denominator of the average deal size).
    WonValued,
    /// Deals closed, by outcome.
    Closed(Outcome),
    /// Deals closed won, by deal type.
    WonOfType(DealType),
    /// Base-currency amount of deals closed won, by deal type.
    WonRevenueOfType(DealType),
    /// Deals, in the slot of their creation (cohort).
    DealsCreated,
    /// Deals won, in the slot of their creation (cohort).
    DealsCreatedWon,
    /// Stage visits, in the slot they began.
    StageEntered(StageId),
    /// Stage visits followed by a later stage or a win, in the slot they began.
    StageAdvanced(StageId),
    /// Leads, in the slot of their creation.
    LeadsCreated,
    /// Leads converted, in the slot of their creation (cohort).
    LeadsConverted,
    /// Logged activities.
    Activities(ActivityKind, Direction),
    /// Social-selling actions.
    Social(SocialAction),
    /// Survey responses.
    Survey(SurveyCat),
    /// Sentiment scores, count by channel.
    SentimentCount(SentimentChannel),
    /// Sentiment scores, sum by channel.
    SentimentSum(SentimentChannel),
    /// Trainings completed.
    Trainings,
    /// Trainings completed with a score.
    TrainingsScored,
    /// Sum of training scores.
    TrainingScoreSum,
    /// Accounts that became customers (new or won back).
    NewCustomers,
    /// Customers that churned.
    ChurnedCustomers,
    /// Base-currency spend recorded on the events topic, by category.
    Spend(SpendCategory),
    /// Number of observations of a distribution.
    DistCount(Dist),
    /// Sum of observations of a distribution.
    DistSum(Dist),
    /// Observations of a distribution in one log bucket.
    DistBucket(Dist, u16),
}

impl Stat {
    /// The smallest value, for range scans.
    pub const MIN: Stat = Stat::WonRevenue;

    /// The stage this statistic is about, if any.
    pub fn stage(self) -> Option<StageId> {
        match self {
            Stat::StageEntered(s) | Stat::StageAdvanced(s) => Some(s),
            Stat::DistCount(Dist::StageDuration(s))
            | Stat::DistSum(Dist::StageDuration(s))
            | Stat::DistBucket(Dist::StageDuration(s), _) => Some(s),
            _ => None,
        }
    }

    /// The same statistic with its stage replaced by `to` (views key stages by name).
    pub fn with_stage(self, to: StageId) -> Stat {
        let d = |d: Dist| match d {
            Dist::StageDuration(_) => Dist::StageDuration(to),
            other => other,
        };
        match self {
            Stat::StageEntered(_) => Stat::StageEntered(to),
            Stat::StageAdvanced(_) => Stat::StageAdvanced(to),
            Stat::DistCount(x) => Stat::DistCount(d(x)),
            Stat::DistSum(x) => Stat::DistSum(d(x)),
            Stat::DistBucket(x, b) => Stat::DistBucket(d(x), b),
            other => other,
        }
    }

    /// Whether the per-rep series (opt-in) carry this statistic: revenue, closes,
    /// activities and lead response time.
    pub fn per_rep(self) -> bool {
        matches!(
            self,
            Stat::WonRevenue
                | Stat::WonValued
                | Stat::Closed(_)
                | Stat::Activities(..)
                | Stat::DistCount(Dist::LeadResponse)
                | Stat::DistSum(Dist::LeadResponse)
                | Stat::DistBucket(Dist::LeadResponse, _)
        )
    }
}

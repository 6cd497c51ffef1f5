//! The typed event model: one [`Event`] envelope around a [`Body`] per event type.

use chrono::{DateTime, Utc};

use crate::period::Period;

/// The text of an event: its ids, names and reasons. Up to 24 bytes are held inline (ids
/// from CRMs are shorter: Salesforce's 18 characters, HubSpot's and Pipedrive's numbers),
/// so decoding an event allocates nothing for them; longer ones go to the heap.
pub type Id = compact_str::CompactString;

/// One CRM event, validated. Field names follow the wire contract (docs/events.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique per logical event; a repeat is a duplicate.
    pub event_id: Id,
    /// Event time; every window is assigned on it.
    pub occurred_at: DateTime<Utc>,
    /// The rep (owner) at event time.
    pub rep_id: Option<Id>,
    /// Overrides the roster's team for this event.
    pub team_id: Option<Id>,
    /// The customer account.
    pub account_id: Option<Id>,
    /// The system the event came from (`salesforce`, `hubspot`...).
    pub source: Option<Id>,
    /// The type-specific part.
    pub body: Body,
}

/// The type-specific part of an event. Variant names mirror the `type` strings.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `activity.logged`
    ActivityLogged(Activity),
    /// `social.action`
    SocialAction { action: SocialAction },
    /// `lead.created`
    LeadCreated { lead_id: Id, channel: Option<Id> },
    /// `lead.assigned` (the rep is the envelope's `rep_id`)
    LeadAssigned { lead_id: Id },
    /// `lead.converted`
    LeadConverted { lead_id: Id, deal_id: Option<Id> },
    /// `lead.disqualified`
    LeadDisqualified { lead_id: Id, reason: Option<Id> },
    /// `deal.created`
    DealCreated(DealCreated),
    /// `deal.stage_changed`
    DealStageChanged { deal_id: Id, stage: Id, probability: Option<f64> },
    /// `deal.amount_changed`
    DealAmountChanged { deal_id: Id, amount: Money },
    /// `deal.owner_changed` (the new owner is the envelope's `rep_id`)
    DealOwnerChanged { deal_id: Id },
    /// `deal.closed`
    DealClosed { deal_id: Id, outcome: Outcome, amount: Option<Money>, loss_reason: Option<Id> },
    /// `deal.reopened`
    DealReopened { deal_id: Id },
    /// `deal.deleted`
    DealDeleted { deal_id: Id },
    /// `customer.status_changed` (the account is the envelope's `account_id`)
    CustomerStatusChanged { status: CustomerStatus },
    /// `revenue.changed` (the account is the envelope's `account_id`)
    RevenueChanged { mrr: Money },
    /// `survey.responded`
    SurveyResponded { response_id: Id, survey: Survey },
    /// `sentiment.scored`
    SentimentScored { score: f64, channel: SentimentChannel },
    /// `training.completed`
    TrainingCompleted { course_id: Id, score: Option<f64> },
    /// `rep.updated` (reference data; the rep is the envelope's `rep_id`)
    RepUpdated { team_id: Id, active: bool, quota_carrying: bool },
    /// `quota.set` (reference data)
    QuotaSet { period: Period, amount: Money },
    /// `stage.defined` (reference data)
    StageDefined(StageDefinition),
    /// `spend.recorded` (reference data, counted at `occurred_at`)
    SpendRecorded { category: SpendCategory, amount: Money },
    /// `market.size_recorded` (reference data)
    MarketSizeRecorded { period: Period, amount: Money },
    /// `fx.rate` (reference data)
    FxRate { currency: Currency, rate: f64 },
}

/// Body of `activity.logged`.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub activity_id: Id,
    pub kind: ActivityKind,
    pub direction: Direction,
    pub lead_id: Option<Id>,
    pub deal_id: Option<Id>,
    pub duration_s: Option<f64>,
    /// Automated touches never count as a human response.
    pub automated: bool,
}

/// Body of `deal.created`.
#[derive(Debug, Clone, PartialEq)]
pub struct DealCreated {
    pub deal_id: Id,
    pub amount: Money,
    pub stage: Id,
    pub deal_type: DealType,
    pub lead_id: Option<Id>,
    pub probability: Option<f64>,
}

/// Body of `stage.defined`.
#[derive(Debug, Clone, PartialEq)]
pub struct StageDefinition {
    pub stage: Id,
    pub order: i64,
    pub probability: f64,
    pub is_closed: bool,
    pub is_won: bool,
}

/// A survey answer; the score range depends on the survey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Survey {
    /// Net promoter score, integer 0..=10.
    Nps { score: u8 },
    /// Customer satisfaction, integer 1..=scale_max.
    Csat { score: u8, scale_max: u8 },
}

/// A non-negative, finite amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Money {
    pub amount: f64,
    pub currency: Currency,
}

/// An ISO 4217 code: three ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Currency([u8; 3]);

impl Currency {
    /// The US dollar.
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a three-capital-letter code; `None` otherwise.
    pub fn parse(code: &str) -> Option<Currency> {
        let b = code.as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_uppercase)).then(|| Currency([b[0], b[1], b[2]]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only built from ASCII capitals by `parse`.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl std::fmt::Debug for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares a closed set of wire strings as a Rust enum with `parse` and `as_str`.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire string of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value for a wire string, if it is one.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted wire strings, for error messages.
            pub fn expected() -> &'static str {
                concat!($($text, " "),+)
            }
        }
    };
}

wire_enum!(
    /// What kind of touch an activity was.
    ActivityKind { Call = "call", Email = "email", Meeting = "meeting", Demo = "demo", Sms = "sms",
        LinkedinMessage = "linkedin_message", Inmail = "inmail", Note = "note" }
);
wire_enum!(
    /// Who started the touch.
    Direction { Outbound = "outbound", Inbound = "inbound" }
);
wire_enum!(
    /// A social-selling action.
    SocialAction { ConnectionRequestSent = "connection_request_sent",
        ConnectionAccepted = "connection_accepted", MessageSent = "message_sent",
        MessageReplied = "message_replied", PostPublished = "post_published",
        ContentInteraction = "content_interaction" }
);
wire_enum!(
    /// The kind of business a deal is.
    DealType { NewBusiness = "new_business", Upsell = "upsell", CrossSell = "cross_sell", Renewal = "renewal" }
);
wire_enum!(
    /// How a deal closed.
    Outcome { Won = "won", Lost = "lost", NoDecision = "no_decision" }
);
wire_enum!(
    /// The status an account moved to.
    CustomerStatus { Customer = "customer", Churned = "churned" }
);
wire_enum!(
    /// Where a sentiment score was measured.
    SentimentChannel { Call = "call", Email = "email", Social = "social" }
);
wire_enum!(
    /// What money was spent on.
    SpendCategory { Sales = "sales", Marketing = "marketing" }
);
wire_enum!(
    /// The survey kinds on the wire.
    SurveyKind { Nps = "nps", Csat = "csat" }
);
wire_enum!(
    /// Every event type of schema v1.
    EventType {
        ActivityLogged = "activity.logged", SocialAction = "social.action",
        LeadCreated = "lead.created", LeadAssigned = "lead.assigned",
        LeadConverted = "lead.converted", LeadDisqualified = "lead.disqualified",
        DealCreated = "deal.created", DealStageChanged = "deal.stage_changed",
        DealAmountChanged = "deal.amount_changed", DealOwnerChanged = "deal.owner_changed",
        DealClosed = "deal.closed", DealReopened = "deal.reopened", DealDeleted = "deal.deleted",
        CustomerStatusChanged = "customer.status_changed", RevenueChanged = "revenue.changed",
        SurveyResponded = "survey.responded", SentimentScored = "sentiment.scored",
        TrainingCompleted = "training.completed", RepUpdated = "rep.updated",
        QuotaSet = "quota.set", StageDefined = "stage.defined", SpendRecorded = "spend.recorded",
        MarketSizeRecorded = "market.size_recorded", FxRate = "fx.rate",
    }
);

impl EventType {
    /// Reference data is a global table, applied to every instance whatever partition it came on.
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            EventType::RepUpdated
                | EventType::QuotaSet
                | EventType::StageDefined
                | EventType::SpendRecorded
                | EventType::MarketSizeRecorded
                | EventType::FxRate
        )
    }
}

impl Body {
    /// The wire `type` of this body.
    pub fn event_type(&self) -> EventType {
        use EventType as T;
        match self {
            Body::ActivityLogged(_) => T::ActivityLogged,
            Body::SocialAction { .. } => T::SocialAction,
            Body::LeadCreated { .. } => T::LeadCreated,
            Body::LeadAssigned { .. } => T::LeadAssigned,
            Body::LeadConverted { .. } => T::LeadConverted,
            Body::LeadDisqualified { .. } => T::LeadDisqualified,
            Body::DealCreated(_) => T::DealCreated,
            Body::DealStageChanged { .. } => T::DealStageChanged,
            Body::DealAmountChanged { .. } => T::DealAmountChanged,
            Body::DealOwnerChanged { .. } => T::DealOwnerChanged,
            Body::DealClosed { .. } => T::DealClosed,
            Body::DealReopened { .. } => T::DealReopened,
            Body::DealDeleted { .. } => T::DealDeleted,
            Body::CustomerStatusChanged { .. } => T::CustomerStatusChanged,
            Body::RevenueChanged { .. } => T::RevenueChanged,
            Body::SurveyResponded { .. } => T::SurveyResponded,
            Body::SentimentScored { .. } => T::SentimentScored,
            Body::TrainingCompleted { .. } => T::TrainingCompleted,
            Body::RepUpdated { .. } => T::RepUpdated,
            Body::QuotaSet { .. } => T::QuotaSet,
            Body::StageDefined(_) => T::StageDefined,
            Body::SpendRecorded { .. } => T::SpendRecorded,
            Body::MarketSizeRecorded { .. } => T::MarketSizeRecorded,
            Body::FxRate { .. } => T::FxRate,
        }
    }
}

impl Body {
    /// The deal a `deal.*` event is about.
    pub fn deal_id(&self) -> Option<&str> {
        match self {
            Body::DealCreated(d) => Some(&d.deal_id),
            Body::DealStageChanged { deal_id, .. }
            | Body::DealAmountChanged { deal_id, .. }
            | Body::DealOwnerChanged { deal_id }
            | Body::DealClosed { deal_id, .. }
            | Body::DealReopened { deal_id }
            | Body::DealDeleted { deal_id } => Some(deal_id),
            _ => None,
        }
    }

    /// The amount the event carries, if any.
    pub fn money(&self) -> Option<Money> {
        match self {
            Body::DealCreated(d) => Some(d.amount),
            Body::DealAmountChanged { amount, .. } => Some(*amount),
            Body::DealClosed { amount, .. } => *amount,
            Body::RevenueChanged { mrr } => Some(*mrr),
            Body::QuotaSet { amount, .. }
            | Body::SpendRecorded { amount, .. }
            | Body::MarketSizeRecorded { amount, .. } => Some(*amount),
            _ => None,
        }
    }
}

impl Event {
    /// The wire `type` of this event.
    pub fn event_type(&self) -> EventType {
        self.body.event_type()
    }
}

//! The flat JSON shape of an event: every field of every type, all optional.
//!
//! Decoding goes through this struct rather than a tagged serde enum so that a missing or
//! out-of-range field gets a precise, typed error (see `decode.rs`) and so that unknown
//! fields, which the contract allows, cost nothing. Encoding uses it too, so the generator
//! and the tests write exactly what the decoder reads.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::model::{Activity, Body, DealCreated, Event, Id, Money, StageDefinition, Survey, SurveyKind};

/// A field read only to be parsed (a type, a time, a choice): borrowed from the message
/// unless it holds an escape, so reading it allocates nothing.
pub(crate) type Text<'a> = Cow<'a, str>;

/// Every wire field. `None` means absent (or JSON null).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Id>,
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "integral")]
    pub schema_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<Id>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub direction: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<bool>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub action: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub currency: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Id>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub deal_type: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_reason: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Id>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub status: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrr: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<Id>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub survey: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "integral")]
    pub scale_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_carrying: Option<bool>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub period: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "integral")]
    pub order: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_closed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_won: Option<bool>,
    #[serde(default, borrow, deserialize_with = "borrowed", skip_serializing_if = "Option::is_none")]
    pub category: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
}

/// A text field, borrowed from the message unless it holds an escape. (serde's own
/// `borrow` does not reach inside an `Option`: it would copy every such field.)
fn borrowed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Text<'de>>, D::Error> {
    struct MaybeText;
    struct Borrowing;
    impl<'de> serde::de::Visitor<'de> for MaybeText {
        type Value = Option<Text<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(Borrowing).map(Some)
        }
    }
    impl<'de> serde::de::Visitor<'de> for Borrowing {
        type Value = Text<'de>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    d.deserialize_option(MaybeText)
}

/// Largest integer field magnitude: integers are read through `f64`, exact up to here.
pub(crate) const MAX_INTEGER: f64 = 9_007_199_254_740_991.0;

/// An integer field: any JSON number without a fractional part (`1` and `1.0` alike, as
/// JSON Schema's `integer`), within ±2^53.
fn integral<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(v) = Option::<f64>::deserialize(d)? else { return Ok(None) };
    if v.fract() != 0.0 || v.abs() > MAX_INTEGER {
        return Err(serde::de::Error::custom(format!("{v} is not an integer")));
    }
    #[allow(clippy::cast_possible_truncation)] // integral and within ±2^53
    Ok(Some(v as i64))
}

impl Wire<'_> {
    fn money(&mut self, money: &Money) {
        self.amount = Some(money.amount);
        self.currency = text(money.currency.to_string());
    }
}

fn owned(s: &Option<Id>) -> Option<Id> {
    s.clone()
}

impl From<&Event> for Wire<'static> {
    fn from(e: &Event) -> Wire<'static> {
        let mut w = Wire {
            event_id: Some(e.event_id.clone()),
            event_type: text(e.event_type().as_str().to_owned()),
            occurred_at: text(e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            rep_id: owned(&e.rep_id),
            team_id: owned(&e.team_id),
            account_id: owned(&e.account_id),
            source: owned(&e.source),
            ..Wire::default()
        };
        match &e.body {
            Body::ActivityLogged(a) => w.activity(a),
            b @ (Body::SocialAction { .. }
            | Body::LeadCreated { .. }
            | Body::LeadAssigned { .. }
            | Body::LeadConverted { .. }
            | Body::LeadDisqualified { .. }) => w.lead_or_social(b),
            b @ (Body::DealCreated(_)
            | Body::DealStageChanged { .. }
            | Body::DealAmountChanged { .. }
            | Body::DealOwnerChanged { .. }
            | Body::DealReopened { .. }
            | Body::DealDeleted { .. }
            | Body::DealClosed { .. }) => w.deal(b),
            b @ (Body::CustomerStatusChanged { .. }
            | Body::RevenueChanged { .. }
            | Body::SurveyResponded { .. }
            | Body::SentimentScored { .. }
            | Body::TrainingCompleted { .. }) => w.customer(b),
            b => w.reference(b),
        }
        w
    }
}

/// The type-specific fields, one function per family of event types (as in decoding).
impl Wire<'_> {
    fn activity(&mut self, a: &Activity) {
        let Activity { activity_id, kind, direction, lead_id, deal_id, duration_s, automated } = a;
        self.activity_id = Some(activity_id.clone());
        self.kind = Some(kind.as_str().into());
        self.direction = Some(direction.as_str().into());
        self.lead_id = owned(lead_id);
        self.deal_id = owned(deal_id);
        self.duration_s = *duration_s;
        self.automated = Some(*automated);
    }

    fn lead_or_social(&mut self, b: &Body) {
        match b {
            Body::SocialAction { action } => self.action = Some(action.as_str().into()),
            Body::LeadCreated { lead_id, channel } => {
                self.lead_id = Some(lead_id.clone());
                self.channel = owned(channel);
            }
            Body::LeadAssigned { lead_id } => self.lead_id = Some(lead_id.clone()),
            Body::LeadConverted { lead_id, deal_id } => {
                self.lead_id = Some(lead_id.clone());
                self.deal_id = owned(deal_id);
            }
            Body::LeadDisqualified { lead_id, reason } => {
                self.lead_id = Some(lead_id.clone());
                self.reason = owned(reason);
            }
            _ => {}
        }
    }

    fn deal(&mut self, b: &Body) {
        if let Some(deal_id) = b.deal_id() {
            self.deal_id = Some(deal_id.into());
        }
        match b {
            Body::DealCreated(DealCreated { amount, stage, deal_type, lead_id, probability, .. }) => {
                self.money(amount);
                self.stage = Some(stage.clone());
                self.deal_type = Some(deal_type.as_str().into());
                self.lead_id = owned(lead_id);
                self.probability = *probability;
            }
            Body::DealStageChanged { stage, probability, .. } => {
                self.stage = Some(stage.clone());
                self.probability = *probability;
            }
            Body::DealAmountChanged { amount, .. } => self.money(amount),
            Body::DealClosed { outcome, amount, loss_reason, .. } => {
                self.outcome = Some(outcome.as_str().into());
                if let Some(m) = amount {
                    self.money(m);
                }
                self.loss_reason = owned(loss_reason);
            }
            _ => {}
        }
    }

    fn customer(&mut self, b: &Body) {
        match b {
            Body::CustomerStatusChanged { status } => self.status = Some(status.as_str().into()),
            Body::RevenueChanged { mrr } => {
                self.mrr = Some(mrr.amount);
                self.currency = text(mrr.currency.to_string());
            }
            Body::SurveyResponded { response_id, survey } => {
                self.response_id = Some(response_id.clone());
                let (kind, score) = match *survey {
                    Survey::Nps { score } => (SurveyKind::Nps, score),
                    Survey::Csat { score, scale_max } => {
                        self.scale_max = Some(i64::from(scale_max));
                        (SurveyKind::Csat, score)
                    }
                };
                self.survey = Some(kind.as_str().into());
                self.score = Some(f64::from(score));
            }
            Body::SentimentScored { score, channel } => {
                self.score = Some(*score);
                self.channel = Some(channel.as_str().into());
            }
            Body::TrainingCompleted { course_id, score } => {
                self.course_id = Some(course_id.clone());
                self.score = *score;
            }
            _ => {}
        }
    }

    fn reference(&mut self, b: &Body) {
        match b {
            Body::RepUpdated { team_id, active, quota_carrying } => {
                self.team_id = Some(team_id.clone());
                self.active = Some(*active);
                self.quota_carrying = Some(*quota_carrying);
            }
            Body::QuotaSet { period, amount } | Body::MarketSizeRecorded { period, amount } => {
                self.period = text(period.to_string());
                self.money(amount);
            }
            Body::StageDefined(StageDefinition { stage, order, probability, is_closed, is_won }) => {
                self.stage = Some(stage.clone());
                self.order = Some(*order);
                self.probability = Some(*probability);
                self.is_closed = Some(*is_closed);
                self.is_won = Some(*is_won);
            }
            Body::SpendRecorded { category, amount } => {
                self.category = Some(category.as_str().into());
                self.money(amount);
            }
            Body::FxRate { currency, rate } => {
                self.currency = text(currency.to_string());
                self.rate = Some(*rate);
            }
            _ => {}
        }
    }
}

/// An owned text field (encoding: the field is built from the event).
fn text(s: impl Into<String>) -> Option<Text<'static>> {
    Some(Cow::Owned(s.into()))
}

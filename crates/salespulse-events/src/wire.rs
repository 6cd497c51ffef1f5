//! The flat JSON shape of an event: every field of every type, all optional.
//!
//! Decoding goes through this struct rather than a tagged serde enum so that a missing or
//! out-of-range field gets a precise, typed error (see `decode.rs`) and so that unknown
//! fields, which the contract allows, cost nothing. Encoding uses it too, so the generator
//! and the tests write exactly what the decoder reads.

use serde::{Deserialize, Serialize};

use crate::model::{Activity, Body, DealCreated, Event, Money, StageDefinition, Survey, SurveyKind};

/// Every wire field. `None` means absent (or JSON null).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Wire {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrr: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_max: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_carrying: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_closed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_won: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
}

impl Wire {
    fn money(&mut self, money: &Money) {
        self.amount = Some(money.amount);
        self.currency = Some(money.currency.to_string());
    }
}

fn owned(s: &Option<String>) -> Option<String> {
    s.clone()
}

impl From<&Event> for Wire {
    fn from(e: &Event) -> Wire {
        let mut w = Wire {
            event_id: Some(e.event_id.clone()),
            event_type: Some(e.event_type().as_str().to_owned()),
            occurred_at: Some(e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            rep_id: owned(&e.rep_id),
            team_id: owned(&e.team_id),
            account_id: owned(&e.account_id),
            source: owned(&e.source),
            ..Wire::default()
        };
        match &e.body {
            Body::ActivityLogged(Activity {
                activity_id,
                kind,
                direction,
                lead_id,
                deal_id,
                duration_s,
                automated,
            }) => {
                w.activity_id = Some(activity_id.clone());
                w.kind = Some(kind.as_str().into());
                w.direction = Some(direction.as_str().into());
                w.lead_id = owned(lead_id);
                w.deal_id = owned(deal_id);
                w.duration_s = *duration_s;
                w.automated = Some(*automated);
            }
            Body::SocialAction { action } => w.action = Some(action.as_str().into()),
            Body::LeadCreated { lead_id, channel } => {
                w.lead_id = Some(lead_id.clone());
                w.channel = owned(channel);
            }
            Body::LeadAssigned { lead_id } => w.lead_id = Some(lead_id.clone()),
            Body::LeadConverted { lead_id, deal_id } => {
                w.lead_id = Some(lead_id.clone());
                w.deal_id = owned(deal_id);
            }
            Body::LeadDisqualified { lead_id, reason } => {
                w.lead_id = Some(lead_id.clone());
                w.reason = owned(reason);
            }
            Body::DealCreated(DealCreated { deal_id, amount, stage, deal_type, lead_id, probability }) => {
                w.deal_id = Some(deal_id.clone());
                w.money(amount);
                w.stage = Some(stage.clone());
                w.deal_type = Some(deal_type.as_str().into());
                w.lead_id = owned(lead_id);
                w.probability = *probability;
            }
            Body::DealStageChanged { deal_id, stage, probability } => {
                w.deal_id = Some(deal_id.clone());
                w.stage = Some(stage.clone());
                w.probability = *probability;
            }
            Body::DealAmountChanged { deal_id, amount } => {
                w.deal_id = Some(deal_id.clone());
                w.money(amount);
            }
            Body::DealOwnerChanged { deal_id } | Body::DealReopened { deal_id } | Body::DealDeleted { deal_id } => {
                w.deal_id = Some(deal_id.clone())
            }
            Body::DealClosed { deal_id, outcome, amount, loss_reason } => {
                w.deal_id = Some(deal_id.clone());
                w.outcome = Some(outcome.as_str().into());
                if let Some(m) = amount {
                    w.money(m);
                }
                w.loss_reason = owned(loss_reason);
            }
            Body::CustomerStatusChanged { status } => w.status = Some(status.as_str().into()),
            Body::RevenueChanged { mrr } => {
                w.mrr = Some(mrr.amount);
                w.currency = Some(mrr.currency.to_string());
            }
            Body::SurveyResponded { response_id, survey } => {
                w.response_id = Some(response_id.clone());
                let (kind, score) = match *survey {
                    Survey::Nps { score } => (SurveyKind::Nps, score),
                    Survey::Csat { score, scale_max } => {
                        w.scale_max = Some(i64::from(scale_max));
                        (SurveyKind::Csat, score)
                    }
                };
                w.survey = Some(kind.as_str().into());
                w.score = Some(f64::from(score));
            }
            Body::SentimentScored { score, channel } => {
                w.score = Some(*score);
                w.channel = Some(channel.as_str().into());
            }
            Body::TrainingCompleted { course_id, score } => {
                w.course_id = Some(course_id.clone());
                w.score = *score;
            }
            Body::RepUpdated { team_id, active, quota_carrying } => {
                w.team_id = Some(team_id.clone());
                w.active = Some(*active);
                w.quota_carrying = Some(*quota_carrying);
            }
            Body::QuotaSet { period, amount } | Body::MarketSizeRecorded { period, amount } => {
                w.period = Some(period.to_string());
                w.money(amount);
            }
            Body::StageDefined(StageDefinition { stage, order, probability, is_closed, is_won }) => {
                w.stage = Some(stage.clone());
                w.order = Some(*order);
                w.probability = Some(*probability);
                w.is_closed = Some(*is_closed);
                w.is_won = Some(*is_won);
            }
            Body::SpendRecorded { category, amount } => {
                w.category = Some(category.as_str().into());
                w.money(amount);
            }
            Body::FxRate { currency, rate } => {
                w.currency = Some(currency.to_string());
                w.rate = Some(*rate);
            }
        }
        w
    }
}

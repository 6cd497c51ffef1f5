//! The type-specific part of an event, one function per family of event types.

use super::fields::{Fields, Need, currency, integer_score, invalid, one_of, period, probability};
use crate::error::DecodeError;
use crate::model::*;
use crate::validate;

/// The body of an event of type `ty`; `team_id` is the envelope's.
pub(super) fn body(ty: EventType, f: &mut Fields, team_id: Option<&str>) -> Result<Body, DecodeError> {
    use EventType as T;
    let lead_id = f.w.lead_id.take();
    let deal_id = f.w.deal_id.take();
    match ty {
        T::ActivityLogged => activity(f, lead_id, deal_id),
        T::SocialAction => {
            let action = Need(f.ty).req(f.w.action.take(), "action")?;
            Ok(Body::SocialAction { action: one_of("action", &action, SocialAction::parse, SocialAction::expected())? })
        }
        T::LeadCreated | T::LeadAssigned | T::LeadConverted | T::LeadDisqualified => lead(ty, f, lead_id, deal_id),
        T::DealCreated
        | T::DealStageChanged
        | T::DealAmountChanged
        | T::DealOwnerChanged
        | T::DealClosed
        | T::DealReopened
        | T::DealDeleted => deal(ty, f, lead_id, deal_id),
        T::CustomerStatusChanged => {
            let status = Need(f.ty).req(f.w.status.take(), "status")?;
            Ok(Body::CustomerStatusChanged {
                status: one_of("status", &status, CustomerStatus::parse, CustomerStatus::expected())?,
            })
        }
        T::RevenueChanged => Ok(Body::RevenueChanged { mrr: f.required_money("mrr")? }),
        T::SurveyResponded => survey(f),
        T::SentimentScored | T::TrainingCompleted => scored(ty, f),
        T::RepUpdated | T::QuotaSet | T::MarketSizeRecorded | T::StageDefined | T::SpendRecorded | T::FxRate => {
            reference(ty, f, team_id)
        }
    }
}

fn activity(f: &mut Fields, lead_id: Option<Id>, deal_id: Option<Id>) -> Result<Body, DecodeError> {
    let n = Need(f.ty);
    let kind = one_of("kind", &n.req(f.w.kind.take(), "kind")?, ActivityKind::parse, ActivityKind::expected())?;
    let direction = match f.w.direction.take() {
        Some(d) => one_of("direction", &d, Direction::parse, Direction::expected())?,
        None => Direction::Outbound,
    };
    let duration_s = f.w.duration_s.map(validate::duration).transpose().map_err(|e| invalid("duration_s", e))?;
    Ok(Body::ActivityLogged(Activity {
        activity_id: n.req(f.w.activity_id.take(), "activity_id")?,
        kind,
        direction,
        lead_id,
        deal_id,
        duration_s,
        automated: f.w.automated.unwrap_or(false),
    }))
}

fn lead(ty: EventType, f: &mut Fields, lead_id: Option<Id>, deal_id: Option<Id>) -> Result<Body, DecodeError> {
    let lead_id = Need(f.ty).req(lead_id, "lead_id")?;
    Ok(match ty {
        EventType::LeadCreated => Body::LeadCreated { lead_id, channel: f.w.channel.take() },
        EventType::LeadAssigned => Body::LeadAssigned { lead_id },
        EventType::LeadConverted => Body::LeadConverted { lead_id, deal_id },
        _ => Body::LeadDisqualified { lead_id, reason: f.w.reason.take() },
    })
}

fn deal(ty: EventType, f: &mut Fields, lead_id: Option<Id>, deal_id: Option<Id>) -> Result<Body, DecodeError> {
    use EventType as T;
    let n = Need(f.ty);
    if ty == T::DealCreated {
        let deal_type = match f.w.deal_type.take() {
            Some(t) => one_of("deal_type", &t, DealType::parse, DealType::expected())?,
            None => DealType::NewBusiness,
        };
        return Ok(Body::DealCreated(DealCreated {
            deal_id: n.req(deal_id, "deal_id")?,
            amount: f.required_money("amount")?,
            stage: n.req(f.w.stage.take(), "stage")?,
            deal_type,
            lead_id,
            probability: probability(f.w.probability)?,
        }));
    }
    let deal_id = n.req(deal_id, "deal_id")?;
    Ok(match ty {
        T::DealStageChanged => Body::DealStageChanged {
            deal_id,
            stage: n.req(f.w.stage.take(), "stage")?,
            probability: probability(f.w.probability)?,
        },
        T::DealAmountChanged => Body::DealAmountChanged { deal_id, amount: f.required_money("amount")? },
        T::DealOwnerChanged => Body::DealOwnerChanged { deal_id },
        T::DealClosed => Body::DealClosed {
            deal_id,
            outcome: one_of("outcome", &n.req(f.w.outcome.take(), "outcome")?, Outcome::parse, Outcome::expected())?,
            amount: f.money("amount", false)?,
            loss_reason: f.w.loss_reason.take(),
        },
        T::DealReopened => Body::DealReopened { deal_id },
        _ => Body::DealDeleted { deal_id },
    })
}

fn survey(f: &mut Fields) -> Result<Body, DecodeError> {
    let n = Need(f.ty);
    let kind = one_of("survey", &n.req(f.w.survey.take(), "survey")?, SurveyKind::parse, SurveyKind::expected())?;
    let raw = n.req(f.w.score, "score")?;
    let survey = match kind {
        SurveyKind::Nps => Survey::Nps { score: integer_score(raw, 0, 10)? },
        SurveyKind::Csat => {
            let scale_max = match f.w.scale_max.unwrap_or(5) {
                m @ 2..=100 => m as u8,
                m => return Err(invalid("scale_max", format!("{m} is outside 2..100"))),
            };
            Survey::Csat { score: integer_score(raw, 1, scale_max)?, scale_max }
        }
    };
    Ok(Body::SurveyResponded { response_id: n.req(f.w.response_id.take(), "response_id")?, survey })
}

/// `sentiment.scored` and `training.completed`.
fn scored(ty: EventType, f: &mut Fields) -> Result<Body, DecodeError> {
    let n = Need(f.ty);
    if ty == EventType::SentimentScored {
        let score = n.req(f.w.score, "score")?;
        if !(-1.0..=1.0).contains(&score) {
            return Err(invalid("score", format!("{score} is outside -1..1")));
        }
        let channel = n.req(f.w.channel.take(), "channel")?;
        let channel = one_of("channel", &channel, SentimentChannel::parse, SentimentChannel::expected())?;
        return Ok(Body::SentimentScored { score, channel });
    }
    if let Some(s) = f.w.score.filter(|s| !(0.0..=100.0).contains(s)) {
        return Err(invalid("score", format!("{s} is outside 0..100")));
    }
    Ok(Body::TrainingCompleted { course_id: n.req(f.w.course_id.take(), "course_id")?, score: f.w.score })
}

/// Reference data: roster, quotas, market sizes, stages, spend and exchange rates.
fn reference(ty: EventType, f: &mut Fields, team_id: Option<&str>) -> Result<Body, DecodeError> {
    use EventType as T;
    let n = Need(f.ty);
    Ok(match ty {
        T::QuotaSet | T::MarketSizeRecorded => {
            let period = period(&n.req(f.w.period.take(), "period")?)?;
            let amount = f.required_money("amount")?;
            if ty == T::QuotaSet {
                Body::QuotaSet { period, amount }
            } else {
                Body::MarketSizeRecorded { period, amount }
            }
        }
        T::StageDefined => Body::StageDefined(StageDefinition {
            stage: n.req(f.w.stage.take(), "stage")?,
            order: n.req(f.w.order, "order")?,
            probability: probability(Some(n.req(f.w.probability, "probability")?))?.unwrap_or(0.0),
            is_closed: n.req(f.w.is_closed, "is_closed")?,
            is_won: n.req(f.w.is_won, "is_won")?,
        }),
        T::SpendRecorded => {
            let category = n.req(f.w.category.take(), "category")?;
            Body::SpendRecorded {
                category: one_of("category", &category, SpendCategory::parse, SpendCategory::expected())?,
                amount: f.required_money("amount")?,
            }
        }
        T::FxRate => {
            let rate = validate::rate(n.req(f.w.rate, "rate")?).map_err(|e| invalid("rate", e))?;
            Body::FxRate { currency: currency(&n.req(f.w.currency.take(), "currency")?)?, rate }
        }
        _ => Body::RepUpdated {
            team_id: n.req(team_id, "team_id")?.into(),
            active: n.req(f.w.active, "active")?,
            quota_carrying: n.req(f.w.quota_carrying, "quota_carrying")?,
        },
    })
}

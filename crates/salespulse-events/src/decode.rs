//! Bytes → [`Event`], with a typed error for every way a message can be bad.

use chrono::{DateTime, Utc};

use crate::error::DecodeError;
use crate::model::*;
use crate::period::Period;
use crate::wire::Wire;

/// Longest accepted `event_id`, in characters.
pub const MAX_EVENT_ID_CHARS: usize = 128;

/// Decodes one message payload. `max_bytes` is the size limit (0: none).
pub fn decode(payload: &[u8], max_bytes: usize) -> Result<Event, DecodeError> {
    if payload.is_empty() {
        return Err(DecodeError::Empty);
    }
    if max_bytes > 0 && payload.len() > max_bytes {
        return Err(DecodeError::TooLarge { size: payload.len(), limit: max_bytes });
    }
    let text = std::str::from_utf8(payload).map_err(|e| DecodeError::NotUtf8 { valid_up_to: e.valid_up_to() })?;
    let wire: Wire = serde_json::from_str(text).map_err(|e| {
        let detail = e.to_string();
        if e.is_data() { DecodeError::WrongType { detail } } else { DecodeError::InvalidJson { detail } }
    })?;
    Event::try_from(wire)
}

/// Encodes an event as the canonical JSON the decoder reads.
pub fn encode(event: &Event) -> Vec<u8> {
    // A struct of strings, numbers and booleans always serialises.
    serde_json::to_vec(&Wire::from(event)).unwrap_or_default()
}

/// Field access that names the field and the event type in its errors.
struct Fields {
    w: Wire,
    ty: &'static str,
}

/// Builds "missing field" errors for one event type; `Copy`, so it borrows nothing.
#[derive(Clone, Copy)]
struct Need(&'static str);

impl Need {
    fn missing(self, field: &'static str) -> DecodeError {
        DecodeError::MissingField { field, event_type: self.0 }
    }

    fn req<T>(self, v: Option<T>, field: &'static str) -> Result<T, DecodeError> {
        v.ok_or_else(|| self.missing(field))
    }
}

impl Fields {
    fn missing(&self, field: &'static str) -> DecodeError {
        Need(self.ty).missing(field)
    }

    fn money(&mut self, field: &'static str, required: bool) -> Result<Option<Money>, DecodeError> {
        let amount = if field == "mrr" { self.w.mrr } else { self.w.amount };
        match (amount, self.w.currency.take()) {
            (None, None) if !required => Ok(None),
            (None, _) => Err(self.missing(field)),
            (Some(_), None) => Err(self.missing("currency")),
            (Some(a), Some(c)) => {
                if !a.is_finite() || a < 0.0 {
                    return Err(invalid(field, format!("{a} is not a finite number >= 0")));
                }
                Ok(Some(Money { amount: a, currency: currency(&c)? }))
            }
        }
    }
}

fn invalid(field: &'static str, detail: String) -> DecodeError {
    DecodeError::InvalidValue { field, detail }
}

fn currency(code: &str) -> Result<Currency, DecodeError> {
    Currency::parse(code)
        .ok_or_else(|| invalid("currency", format!("{code:?} is not an ISO 4217 code (three capital letters)")))
}

fn one_of<T>(field: &'static str, text: &str, parse: fn(&str) -> Option<T>, expected: &str) -> Result<T, DecodeError> {
    parse(text).ok_or_else(|| invalid(field, format!("{text:?} is not one of: {}", expected.trim_end())))
}

fn unit_interval(field: &'static str, v: Option<f64>) -> Result<Option<f64>, DecodeError> {
    match v {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(invalid(field, format!("{p} is outside 0..1"))),
        other => Ok(other),
    }
}

fn integer_score(v: f64, lo: u8, hi: u8) -> Result<u8, DecodeError> {
    if v.fract() != 0.0 || v < f64::from(lo) || v > f64::from(hi) {
        return Err(invalid("score", format!("{v} is not an integer in {lo}..{hi}")));
    }
    Ok(v as u8)
}

fn period(text: &str) -> Result<Period, DecodeError> {
    Period::parse(text).ok_or_else(|| invalid("period", format!("{text:?} is not YYYY, YYYY-MM or YYYY-Qn")))
}

fn timestamp(text: &str) -> Result<DateTime<Utc>, DecodeError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| invalid("occurred_at", format!("{text:?} is not an RFC 3339 timestamp with offset ({e})")))
}

impl TryFrom<Wire> for Event {
    type Error = DecodeError;

    fn try_from(mut w: Wire) -> Result<Event, DecodeError> {
        let type_text =
            w.event_type.take().ok_or(DecodeError::MissingField { field: "type", event_type: "every event" })?;
        let ty = EventType::parse(&type_text).ok_or(DecodeError::UnknownType { event_type: type_text })?;
        if let Some(version) = w.schema_version.filter(|v| *v != 1) {
            return Err(DecodeError::UnsupportedVersion { version });
        }
        let n = Need(ty.as_str());
        let mut f = Fields { ty: ty.as_str(), w: Wire::default() };
        let event_id = n.req(w.event_id.take(), "event_id")?;
        let chars = event_id.chars().count();
        if chars == 0 || chars > MAX_EVENT_ID_CHARS {
            return Err(invalid("event_id", format!("length {chars} is outside 1..{MAX_EVENT_ID_CHARS}")));
        }
        let occurred_at = timestamp(&n.req(w.occurred_at.take(), "occurred_at")?)?;
        let (rep_id, team_id, account_id, source) =
            (w.rep_id.take(), w.team_id.take(), w.account_id.take(), w.source.take());
        f.w = w;
        let needs_rep = matches!(
            ty,
            EventType::ActivityLogged
                | EventType::SocialAction
                | EventType::LeadAssigned
                | EventType::DealCreated
                | EventType::DealOwnerChanged
                | EventType::TrainingCompleted
                | EventType::RepUpdated
                | EventType::QuotaSet
        );
        if needs_rep && rep_id.is_none() {
            return Err(n.missing("rep_id"));
        }
        let needs_account = matches!(ty, EventType::CustomerStatusChanged | EventType::RevenueChanged);
        if needs_account && account_id.is_none() {
            return Err(n.missing("account_id"));
        }
        let body = body(ty, &mut f, team_id.as_deref())?;
        Ok(Event { event_id, occurred_at, rep_id, team_id, account_id, source, body })
    }
}

fn body(ty: EventType, f: &mut Fields, team_id: Option<&str>) -> Result<Body, DecodeError> {
    use EventType as T;
    let n = Need(f.ty);
    let lead_id = f.w.lead_id.take();
    let deal_id = f.w.deal_id.take();
    Ok(match ty {
        T::ActivityLogged => {
            let kind = one_of("kind", &n.req(f.w.kind.take(), "kind")?, ActivityKind::parse, ActivityKind::expected())?;
            let direction = match f.w.direction.take() {
                Some(d) => one_of("direction", &d, Direction::parse, Direction::expected())?,
                None => Direction::Outbound,
            };
            if let Some(d) = f.w.duration_s.filter(|d| !d.is_finite() || *d < 0.0) {
                return Err(invalid("duration_s", format!("{d} is not a finite number >= 0")));
            }
            Body::ActivityLogged(Activity {
                activity_id: n.req(f.w.activity_id.take(), "activity_id")?,
                kind,
                direction,
                lead_id,
                deal_id,
                duration_s: f.w.duration_s,
                automated: f.w.automated.unwrap_or(false),
            })
        }
        T::SocialAction => Body::SocialAction {
            action: one_of(
                "action",
                &n.req(f.w.action.take(), "action")?,
                SocialAction::parse,
                SocialAction::expected(),
            )?,
        },
        T::LeadCreated => Body::LeadCreated { lead_id: n.req(lead_id, "lead_id")?, channel: f.w.channel.take() },
        T::LeadAssigned => Body::LeadAssigned { lead_id: n.req(lead_id, "lead_id")? },
        T::LeadConverted => Body::LeadConverted { lead_id: n.req(lead_id, "lead_id")?, deal_id },
        T::LeadDisqualified => {
            Body::LeadDisqualified { lead_id: n.req(lead_id, "lead_id")?, reason: f.w.reason.take() }
        }
        T::DealCreated => {
            let deal_type = match f.w.deal_type.take() {
                Some(t) => one_of("deal_type", &t, DealType::parse, DealType::expected())?,
                None => DealType::NewBusiness,
            };
            Body::DealCreated(DealCreated {
                deal_id: n.req(deal_id, "deal_id")?,
                amount: f.money("amount", true)?.ok_or_else(|| n.missing("amount"))?,
                stage: n.req(f.w.stage.take(), "stage")?,
                deal_type,
                lead_id,
                probability: unit_interval("probability", f.w.probability)?,
            })
        }
        T::DealStageChanged => Body::DealStageChanged {
            deal_id: n.req(deal_id, "deal_id")?,
            stage: n.req(f.w.stage.take(), "stage")?,
            probability: unit_interval("probability", f.w.probability)?,
        },
        T::DealAmountChanged => Body::DealAmountChanged {
            deal_id: n.req(deal_id, "deal_id")?,
            amount: f.money("amount", true)?.ok_or_else(|| n.missing("amount"))?,
        },
        T::DealOwnerChanged => Body::DealOwnerChanged { deal_id: n.req(deal_id, "deal_id")? },
        T::DealClosed => Body::DealClosed {
            deal_id: n.req(deal_id, "deal_id")?,
            outcome: one_of("outcome", &n.req(f.w.outcome.take(), "outcome")?, Outcome::parse, Outcome::expected())?,
            amount: f.money("amount", false)?,
            loss_reason: f.w.loss_reason.take(),
        },
        T::DealReopened => Body::DealReopened { deal_id: n.req(deal_id, "deal_id")? },
        T::DealDeleted => Body::DealDeleted { deal_id: n.req(deal_id, "deal_id")? },
        T::CustomerStatusChanged => Body::CustomerStatusChanged {
            status: one_of(
                "status",
                &n.req(f.w.status.take(), "status")?,
                CustomerStatus::parse,
                CustomerStatus::expected(),
            )?,
        },
        T::RevenueChanged => Body::RevenueChanged { mrr: f.money("mrr", true)?.ok_or_else(|| n.missing("mrr"))? },
        T::SurveyResponded => survey(f)?,
        T::SentimentScored => {
            let score = n.req(f.w.score, "score")?;
            if !(-1.0..=1.0).contains(&score) {
                return Err(invalid("score", format!("{score} is outside -1..1")));
            }
            let channel = one_of(
                "channel",
                &n.req(f.w.channel.take(), "channel")?,
                SentimentChannel::parse,
                SentimentChannel::expected(),
            )?;
            Body::SentimentScored { score, channel }
        }
        T::TrainingCompleted => {
            if let Some(s) = f.w.score.filter(|s| !(0.0..=100.0).contains(s)) {
                return Err(invalid("score", format!("{s} is outside 0..100")));
            }
            Body::TrainingCompleted { course_id: n.req(f.w.course_id.take(), "course_id")?, score: f.w.score }
        }
        T::QuotaSet | T::MarketSizeRecorded => {
            let period = period(&n.req(f.w.period.take(), "period")?)?;
            let amount = f.money("amount", true)?.ok_or_else(|| n.missing("amount"))?;
            if ty == T::QuotaSet {
                Body::QuotaSet { period, amount }
            } else {
                Body::MarketSizeRecorded { period, amount }
            }
        }
        T::StageDefined => Body::StageDefined(StageDefinition {
            stage: n.req(f.w.stage.take(), "stage")?,
            order: n.req(f.w.order, "order")?,
            probability: unit_interval("probability", Some(n.req(f.w.probability, "probability")?))?.unwrap_or(0.0),
            is_closed: n.req(f.w.is_closed, "is_closed")?,
            is_won: n.req(f.w.is_won, "is_won")?,
        }),
        T::SpendRecorded => Body::SpendRecorded {
            category: one_of(
                "category",
                &n.req(f.w.category.take(), "category")?,
                SpendCategory::parse,
                SpendCategory::expected(),
            )?,
            amount: f.money("amount", true)?.ok_or_else(|| n.missing("amount"))?,
        },
        T::FxRate => {
            let rate = n.req(f.w.rate, "rate")?;
            if !rate.is_finite() || rate <= 0.0 {
                return Err(invalid("rate", format!("{rate} is not a finite number > 0")));
            }
            Body::FxRate { currency: currency(&n.req(f.w.currency.take(), "currency")?)?, rate }
        }
        T::RepUpdated => Body::RepUpdated {
            team_id: n.req(team_id, "team_id")?.to_owned(),
            active: n.req(f.w.active, "active")?,
            quota_carrying: n.req(f.w.quota_carrying, "quota_carrying")?,
        },
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

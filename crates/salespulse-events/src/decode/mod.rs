//! Bytes → [`Event`], with a typed error for every way a message can be bad: the envelope
//! here, the type-specific body in `body`, field access and value parsers in `fields`.

mod body;
mod check;
mod fields;

use crate::error::DecodeError;
use crate::model::{Event, EventType};
use crate::wire::Wire;
use fields::{Fields, Need, timestamp};

pub use check::MAX_ID_CHARS;

/// Decodes one message payload. `max_bytes` is the size limit (0: none).
pub fn decode(payload: &[u8], max_bytes: usize) -> Result<Event, DecodeError> {
    if payload.is_empty() {
        return Err(DecodeError::Empty);
    }
    if max_bytes > 0 && payload.len() > max_bytes {
        return Err(DecodeError::TooLarge { size: payload.len(), limit: max_bytes });
    }
    let text = std::str::from_utf8(payload).map_err(|e| DecodeError::NotUtf8 { valid_up_to: e.valid_up_to() })?;
    // An event is a JSON object: serde would also read a struct from an array, by position.
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => DecodeError::WrongType { detail: "the message is JSON but not an object".into() },
            Err(e) => DecodeError::InvalidJson { detail: e.to_string() },
        });
    }
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

impl TryFrom<Wire<'_>> for Event {
    type Error = DecodeError;

    fn try_from(mut w: Wire<'_>) -> Result<Event, DecodeError> {
        let type_text =
            w.event_type.take().ok_or(DecodeError::MissingField { field: "type", event_type: "every event" })?;
        let ty = EventType::parse(&type_text)
            .ok_or_else(|| DecodeError::UnknownType { event_type: type_text.into_owned() })?;
        if let Some(version) = w.schema_version.filter(|v| *v != 1) {
            return Err(DecodeError::UnsupportedVersion { version });
        }
        let n = Need(ty.as_str());
        let mut f = Fields { ty: ty.as_str(), w: Wire::default() };
        let event_id = n.req(w.event_id.take(), "event_id")?;
        check::id("event_id", &event_id)?;
        let occurred_at = timestamp(&n.req(w.occurred_at.take(), "occurred_at")?)?;
        check::fields(&w)?;
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
        let body = body::body(ty, &mut f, team_id.as_deref())?;
        Ok(Event { event_id, occurred_at, rep_id, team_id, account_id, source, body })
    }
}

//! HubSpot webhooks: a JSON array of subscription events, legacy (`deal.creation`,
//! `contact.propertyChange`...) or generic (`object.creation` with an `objectTypeId`),
//! each naming one object and at most one property, with values as strings. Deals are
//! announced once a rep owns them and their stage is known, whatever order the events
//! come in; contacts are leads; calls, emails, meetings, notes and tasks are activities,
//! counted once done, with the contact and deal they are associated with. An event that
//! cannot be mapped is dead-lettered alone, not its batch.

mod association;
mod contact;
mod deal;
mod engagement;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::activities::count_if_ready;
use crate::mapped::{Mapped, Reason, Reject};
use crate::records::Known;
use crate::source::Source;
use crate::tables::Tables;
use crate::values::{id_of, time_of};

const SOURCE: Source = Source::HubSpot;

/// The most events one request may carry (HubSpot sends at most 100).
pub const MAX_BATCH: usize = 1_000;

/// The CRM objects the bridge reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Contact,
    Company,
    Deal,
    Call,
    Email,
    Meeting,
    Note,
    Task,
}

impl Object {
    /// An object by its type id (`0-3`) or legacy name (`deal`).
    fn parse(s: &str) -> Option<Object> {
        Some(match s {
            "0-1" | "contact" | "CONTACT" => Object::Contact,
            "0-2" | "company" | "COMPANY" => Object::Company,
            "0-3" | "deal" | "DEAL" => Object::Deal,
            "0-48" | "call" | "CALL" => Object::Call,
            "0-49" | "email" | "EMAIL" => Object::Email,
            "0-47" | "meeting" | "MEETING" | "meeting_event" => Object::Meeting,
            "0-46" | "note" | "NOTE" => Object::Note,
            "0-27" | "task" | "TASK" => Object::Task,
            _ => return None,
        })
    }

    fn is_engagement(self) -> bool {
        matches!(self, Object::Call | Object::Email | Object::Meeting | Object::Note | Object::Task)
    }
}

/// One subscription event, read.
struct Hook<'a> {
    raw: &'a Value,
    object: Object,
    /// `creation`, `propertyChange`, `deletion`, `restore`, `associationChange`, `merge`...
    action: &'a str,
    id: String,
    at: DateTime<Utc>,
    /// `portal:eventId`: what makes it unique (event ids derive from it).
    unique: String,
    property: &'a str,
    value: Option<&'a Value>,
}

impl Hook<'_> {
    fn ms(&self) -> i64 {
        self.at.timestamp_millis()
    }
}

/// Maps one webhook request body.
pub fn map(body: &Value, known: &mut Known, t: &Tables) -> Mapped {
    let Some(events) = body.as_array() else {
        return Mapped::rejected(Reason::Malformed, "the body is not a JSON array of events");
    };
    if events.len() > MAX_BATCH {
        let detail = format!("{} events in one request (at most {MAX_BATCH})", events.len());
        return Mapped::rejected(Reason::Malformed, detail);
    }
    let mut mapped = Mapped::default();
    // Activities touched by the batch count at its end, once all its events (their
    // properties and associations) are known.
    let mut activities: Vec<(String, DateTime<Utc>)> = Vec::new();
    for e in events {
        match read(e) {
            Ok(hook) => {
                if hook.object.is_engagement() || hook.action == "associationChange" {
                    activities.extend(association::activity_of(&hook).map(|id| (id, hook.at)));
                }
                let before = mapped.rejects.len();
                one(&hook, known, t, &mut mapped);
                // What one event could not map is dead-lettered alone, not with its batch.
                for r in &mut mapped.rejects[before..] {
                    if r.part.is_none() {
                        *r = r.clone().of_part(e);
                    }
                }
            }
            Err(r) => mapped.rejects.push(r.of_part(e)),
        }
    }
    activities.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    activities.dedup_by(|a, b| a.0 == b.0);
    for (id, at) in activities {
        count_if_ready(SOURCE, &id, at, known, t, &mut mapped);
    }
    mapped
}

fn read(e: &Value) -> Result<Hook<'_>, Reject> {
    let field = |k: &str| e.get(k);
    let kind = field("subscriptionType")
        .and_then(Value::as_str)
        .ok_or_else(|| Reject::new(Reason::MissingField, "subscriptionType"))?;
    let (object, action) = kind.split_once('.').unwrap_or((kind, ""));
    let object = match object {
        "object" => {
            field("objectTypeId").and_then(Value::as_str).or_else(|| field("fromObjectTypeId").and_then(Value::as_str))
        }
        named => Some(named),
    };
    let object = object.and_then(Object::parse).ok_or_else(|| {
        Reject::new(Reason::Unsupported, format!("subscriptionType {kind:?} of an object not mapped"))
    })?;
    let event_id = id_of(field("eventId")).ok_or_else(|| Reject::new(Reason::MissingField, "eventId"))?;
    let id = id_of(field("objectId"))
        .or_else(|| id_of(field("fromObjectId")))
        .ok_or_else(|| Reject::new(Reason::MissingField, "objectId"))?;
    let at = time_of(field("occurredAt")).ok_or_else(|| Reject::new(Reason::MissingField, "occurredAt"))?;
    let portal = id_of(field("portalId")).unwrap_or_default();
    Ok(Hook {
        raw: e,
        object,
        action,
        id,
        at,
        unique: format!("{portal}:{event_id}"),
        property: field("propertyName").and_then(Value::as_str).unwrap_or_default(),
        value: field("propertyValue"),
    })
}

fn one(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    match (h.object, h.action) {
        (_, "associationChange") => association::map(h, known, t, mapped),
        (Object::Deal, _) => deal::map(h, known, t, mapped),
        (Object::Contact, _) => contact::map(h, known, t, mapped),
        (Object::Company, _) => mapped.ignored += 1,
        (_, _) => engagement::map(h, known, mapped),
    }
}

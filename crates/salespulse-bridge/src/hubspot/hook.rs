//! One HubSpot subscription event, read: the object it names (legacy name or generic type
//! id), the action, the property and its value, when, and what makes it unique.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::mapped::{Reason, Reject};
use crate::source::Source;
use crate::values::{id_of, time_of};

pub(super) const SOURCE: Source = Source::HubSpot;

/// The CRM objects the bridge reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Object {
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
    pub fn parse(s: &str) -> Option<Object> {
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

    pub fn is_engagement(self) -> bool {
        matches!(self, Object::Call | Object::Email | Object::Meeting | Object::Note | Object::Task)
    }
}

/// One subscription event, read.
pub(super) struct Hook<'a> {
    pub raw: &'a Value,
    pub object: Object,
    /// `creation`, `propertyChange`, `deletion`, `restore`, `associationChange`, `merge`...
    pub action: &'a str,
    pub id: String,
    pub at: DateTime<Utc>,
    /// `portal:eventId`: what makes it unique (event ids derive from it).
    pub unique: String,
    pub property: &'a str,
    pub value: Option<&'a Value>,
}

impl Hook<'_> {
    pub fn ms(&self) -> i64 {
        self.at.timestamp_millis()
    }
}

/// Reads one event of a batch.
pub(super) fn read(e: &Value) -> Result<Hook<'_>, Reject> {
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

//! Canonical events as the bridge writes them: JSON objects of docs/events.md, with a
//! deterministic `event_id` (the same CRM change always gives the same id, so a redelivery
//! is a duplicate downstream) and the message key docs/events.md requires.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// Which topic a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Events,
    Reference,
}

/// One message to produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    pub topic: Topic,
    pub key: String,
    pub event: Map<String, Value>,
}

impl Out {
    /// The event's `type`.
    pub fn event_type(&self) -> &str {
        self.event.get("type").and_then(Value::as_str).unwrap_or_default()
    }

    /// The JSON bytes.
    pub fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(&self.event).unwrap_or_default()
    }
}

/// Builds one event.
#[derive(Debug)]
pub struct Canon {
    event: Map<String, Value>,
}

impl Canon {
    /// An event of `kind` from `source`, with the id made of `id_parts`, at `at`.
    pub fn new(source: &str, id_parts: &[&str], kind: &str, at: DateTime<Utc>) -> Canon {
        let mut event = Map::new();
        event.insert("event_id".into(), event_id(source, id_parts).into());
        event.insert("type".into(), kind.into());
        event.insert("occurred_at".into(), at.to_rfc3339_opts(SecondsFormat::Millis, true).into());
        event.insert("source".into(), source.into());
        Canon { event }
    }

    /// Sets a field (nothing for `None`).
    pub fn set(mut self, key: &str, value: Option<impl Into<Value>>) -> Canon {
        if let Some(v) = value {
            self.event.insert(key.into(), v.into());
        }
        self
    }

    /// The message, keyed by account, else by deal, lead or activity id, else by event id.
    pub fn to(self, topic: Topic) -> Out {
        let key = ["account_id", "deal_id", "lead_id", "activity_id", "rep_id", "stage", "event_id"]
            .iter()
            .find_map(|k| self.event.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        Out { topic, key, event: self.event }
    }

    /// [`Canon::to`] the events topic.
    pub fn event(self) -> Out {
        self.to(Topic::Events)
    }
}

/// `source:part:part...`, cut to the 128 characters an id may have (a long tail is
/// replaced by its hash, so distinct ids stay distinct).
pub fn event_id(source: &str, parts: &[&str]) -> String {
    let id = std::iter::once(source).chain(parts.iter().copied()).collect::<Vec<_>>().join(":");
    bounded(id)
}

fn bounded(id: String) -> String {
    const MAX: usize = 128;
    if id.chars().count() <= MAX {
        return id;
    }
    use sha2::Digest;
    let hash = sha2::Sha256::digest(id.as_bytes());
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let head: String = id.chars().take(MAX - hex.len() - 1).collect();
    format!("{head}~{hex}")
}

/// A CRM id as a canonical id: a non-empty string or integer, at most 128 characters,
/// no control character. `None` otherwise.
pub fn id_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        _ => return None,
    };
    let ok = !s.is_empty() && s.chars().count() <= 128 && !s.chars().any(char::is_control);
    ok.then_some(s)
}

/// A number sent as a JSON number or a string (HubSpot sends strings). Empty: `None`.
pub fn number_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.trim().is_empty() => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// A time sent as epoch milliseconds, epoch seconds (below 1e11) or RFC 3339.
pub fn time_of(v: Option<&Value>) -> Option<DateTime<Utc>> {
    match v? {
        Value::Number(n) => {
            let n = n.as_i64()?;
            if n.abs() < 100_000_000_000 { DateTime::from_timestamp(n, 0) } else { DateTime::from_timestamp_millis(n) }
        }
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_bounded() {
        assert_eq!(event_id("hubspot", &["7", "100", "deal.created"]), "hubspot:7:100:deal.created");
        let long = "x".repeat(300);
        let (a, b) = (event_id("s", &[&long, "1"]), event_id("s", &[&long, "2"]));
        assert_eq!(a.chars().count(), 128);
        assert_ne!(a, b);
        assert_eq!(a, event_id("s", &[&long, "1"]));
    }

    #[test]
    fn ids_numbers_and_times_accept_what_crms_send() {
        assert_eq!(id_of(Some(&Value::from(42))), Some("42".into()));
        assert_eq!(id_of(Some(&Value::from(" 006A "))), Some("006A".into()));
        assert_eq!(id_of(Some(&Value::from(""))), None);
        assert_eq!(id_of(Some(&Value::from("a\u{0}b"))), None);
        assert_eq!(id_of(Some(&Value::from(1.5))), None);
        assert_eq!(number_of(Some(&Value::from("1200.50"))), Some(1200.5));
        assert_eq!(number_of(Some(&Value::from(""))), None);
        let t = time_of(Some(&Value::from(1_732_600_000_000i64))).unwrap();
        assert_eq!(t, time_of(Some(&Value::from(1_732_600_000i64))).unwrap());
        assert_eq!(t, time_of(Some(&Value::from("2024-11-26T05:46:40Z"))).unwrap());
    }

    #[test]
    fn messages_are_keyed_by_account_then_entity() {
        let at = DateTime::from_timestamp(0, 0).unwrap();
        let out = Canon::new("s", &["1"], "deal.stage_changed", at)
            .set("deal_id", Some("d1"))
            .set("account_id", Some("a1"))
            .event();
        assert_eq!(out.key, "a1");
        let out = Canon::new("s", &["1"], "deal.stage_changed", at).set("deal_id", Some("d1")).event();
        assert_eq!(out.key, "d1");
        assert_eq!(out.event["occurred_at"], "1970-01-01T00:00:00.000Z");
    }
}

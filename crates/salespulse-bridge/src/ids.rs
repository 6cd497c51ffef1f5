//! Deterministic event ids: the same CRM change always gives the same `event_id`, so a
//! redelivered webhook or a replayed change event is a duplicate the service counts once.

use chrono::{DateTime, Utc};
use salespulse_events::{Body, Event};

use crate::source::Source;

/// `prefix:part:part...`, cut to the 128 characters an id may have (a long tail is
/// replaced by its hash, so distinct ids stay distinct).
pub fn event_id(prefix: &str, parts: &[&str]) -> String {
    let id = std::iter::once(prefix).chain(parts.iter().copied()).collect::<Vec<_>>().join(":");
    bounded(id)
}

fn bounded(id: String) -> String {
    const MAX: usize = salespulse_events::MAX_ID_CHARS;
    if id.chars().count() <= MAX {
        return id;
    }
    use sha2::Digest;
    let hash = sha2::Sha256::digest(id.as_bytes());
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let head: String = id.chars().take(MAX - hex.len() - 1).collect();
    format!("{head}~{hex}")
}

/// An event from `source`, with the id made of `parts`, at `at`; rep, team and account
/// unset.
pub fn new_event(source: Source, parts: &[&str], at: DateTime<Utc>, body: Body) -> Event {
    Event {
        event_id: event_id(source.as_str(), parts).into(),
        occurred_at: at,
        rep_id: None,
        team_id: None,
        account_id: None,
        source: Some(source.as_str().into()),
        body,
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
}

//! Building the tests' messages: event times relative to now, keyed payloads, roster
//! entries.

use chrono::{Duration, Utc};

/// An RFC 3339 time `minutes_ago` minutes before now.
pub fn at(minutes_ago: i64) -> String {
    (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339()
}

/// A `(key, payload)` message.
pub fn msg(key: &str, json: String) -> (String, Vec<u8>) {
    (key.to_owned(), json.into_bytes())
}

/// A `rep.updated` putting `rep` in `team` (active, quota-carrying), ten hours ago, keyed
/// by the rep.
pub fn roster_entry(rep: &str, team: &str) -> (String, Vec<u8>) {
    msg(
        rep,
        format!(
            r#"{{"event_id":"ref-{rep}","type":"rep.updated","occurred_at":"{}","rep_id":"{rep}","team_id":"{team}","active":true,"quota_carrying":true}}"#,
            at(600)
        ),
    )
}

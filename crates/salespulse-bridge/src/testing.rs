//! What the bridge's unit tests share: the tables of the story the fixtures tell, a fixed
//! `now`, and readers of what a mapping gave.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::fixtures;
use crate::mapped::Mapped;
use crate::tables::Tables;

/// The story's tables (tests/fixtures/bridge/story.toml).
pub fn tables() -> Tables {
    Tables::new(&fixtures::story_config())
}

pub fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// A fixture as JSON, its times filled in relative to [`now`].
pub fn json(relative: &str) -> Value {
    serde_json::from_str(&fixtures::fixture(relative, now())).unwrap()
}

/// The lines of a JSON-lines fixture.
pub fn lines(relative: &str) -> Vec<Value> {
    fixtures::fixture(relative, now()).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// `type key` of every event, in order.
pub fn keyed_types(m: &Mapped) -> Vec<String> {
    m.out.iter().map(|o| format!("{} {}", o.event_type(), o.key)).collect()
}

/// Reasons of the rejects, in order.
pub fn reasons(m: &Mapped) -> Vec<&'static str> {
    m.rejects.iter().map(|r| r.reason.as_str()).collect()
}

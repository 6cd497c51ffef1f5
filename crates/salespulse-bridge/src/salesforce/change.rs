//! One Salesforce change event, read: its changed and nulled fields, its change type and
//! time, and what makes it unique.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::source::Source;
use crate::values::id_of;

pub(super) const SOURCE: Source = Source::Salesforce;

/// One change event, read.
pub(super) struct Change<'a> {
    pub value: &'a Value,
    pub nulled: Vec<String>,
    pub change: &'a str,
    pub at: DateTime<Utc>,
    /// What makes this change unique (event ids derive from it).
    pub unique: &'a str,
}

impl Change<'_> {
    /// A changed field: `Some(Some(v))` set, `Some(None)` nulled, `None` unchanged.
    pub fn field(&self, name: &str) -> Option<Option<&Value>> {
        if self.nulled.iter().any(|n| n == name) {
            return Some(None);
        }
        self.value.get(name).filter(|v| !v.is_null()).map(Some)
    }

    pub fn id(&self, name: &str) -> Option<String> {
        self.field(name).flatten().and_then(|v| id_of(Some(v)))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.field(name).flatten().and_then(Value::as_str)
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        self.field(name).flatten().and_then(Value::as_bool)
    }

    pub fn ms(&self) -> i64 {
        self.at.timestamp_millis()
    }
}

/// What makes a change event unique: its transaction and sequence, else its replay id.
pub(super) fn unique_of(value: &Value, header: &Value) -> String {
    let tx = header.get("transactionKey").and_then(Value::as_str);
    let seq = header.get("sequenceNumber").and_then(Value::as_i64);
    match (tx, seq) {
        (Some(tx), Some(seq)) => format!("{tx}:{seq}"),
        _ => id_of(value.get("ReplayId")).unwrap_or_else(|| {
            format!(
                "{}:{}",
                header.get("commitTimestamp").unwrap_or(&Value::Null),
                header.get("commitNumber").unwrap_or(&Value::Null)
            )
        }),
    }
}

pub(super) fn nulled(header: &Value) -> Vec<String> {
    let list = header.get("nulledFields").and_then(Value::as_array);
    list.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// A Salesforce user id (`005…`): a record owned by a queue (`00G…`) has no rep.
pub(super) fn is_user(id: &str) -> bool {
    id.starts_with("005")
}

//! Salesforce Change Data Capture, as the Kafka Connect Salesforce CDC source connector
//! writes it (JSON, with or without the converter's `schema`/`payload` envelope): the
//! changed fields of a record plus a `ChangeEventHeader` naming the object, the change
//! type and the record ids. Opportunities become deal events, leads lead events, tasks
//! and events activities (once done).

mod activity;
mod lead;
mod opportunity;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::mapped::{Mapped, Reason, Reject};
use crate::records::Known;
use crate::source::Source;
use crate::tables::Tables;
use crate::values::{id_of, time_of};

const SOURCE: Source = Source::Salesforce;

/// Maps one change event, updating what is known of its records.
pub fn map(value: &Value, known: &mut Known, t: &Tables) -> Mapped {
    let mut mapped = Mapped::default();
    let value = value.get("payload").filter(|p| p.is_object()).unwrap_or(value);
    let Some(header) = value.get("ChangeEventHeader").filter(|h| h.is_object()) else {
        return Mapped::rejected(Reason::Malformed, "no ChangeEventHeader object");
    };
    let entity = header.get("entityName").and_then(Value::as_str).unwrap_or_default();
    let change = header.get("changeType").and_then(Value::as_str).unwrap_or_default();
    let Some(at) = time_of(header.get("commitTimestamp")) else {
        return Mapped::rejected(Reason::MissingField, "ChangeEventHeader.commitTimestamp");
    };
    let ids: Vec<String> = header
        .get("recordIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| id_of(Some(v)))
        .collect();
    if change.starts_with("GAP_") {
        let entity = if entity.is_empty() { "record" } else { entity };
        mapped.gaps = if ids.is_empty() { vec![format!("{entity} (no id)")] } else { ids };
        return mapped;
    }
    if ids.is_empty() {
        return Mapped::rejected(Reason::MissingField, "ChangeEventHeader.recordIds");
    }
    let unique = unique_of(value, header);
    let event = Change { value, nulled: nulled(header), change, at, unique: &unique };
    for id in &ids {
        match entity {
            "Opportunity" => opportunity::map(&event, id, known, t, &mut mapped),
            "Lead" => lead::map(&event, id, known, t, &mut mapped),
            "Task" | "Event" => activity::map(&event, entity, id, known, t, &mut mapped),
            other => {
                mapped.rejects.push(Reject::new(Reason::Unsupported, format!("entity {other:?}")));
                return mapped;
            }
        }
    }
    mapped
}

/// One change event, read.
struct Change<'a> {
    value: &'a Value,
    nulled: Vec<String>,
    change: &'a str,
    at: DateTime<Utc>,
    /// What makes this change unique (event ids derive from it).
    unique: &'a str,
}

impl Change<'_> {
    /// A changed field: `Some(Some(v))` set, `Some(None)` nulled, `None` unchanged.
    fn field(&self, name: &str) -> Option<Option<&Value>> {
        if self.nulled.iter().any(|n| n == name) {
            return Some(None);
        }
        self.value.get(name).filter(|v| !v.is_null()).map(Some)
    }

    fn id(&self, name: &str) -> Option<String> {
        self.field(name).flatten().and_then(|v| id_of(Some(v)))
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.field(name).flatten().and_then(Value::as_str)
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.field(name).flatten().and_then(Value::as_bool)
    }

    fn ms(&self) -> i64 {
        self.at.timestamp_millis()
    }
}

/// What makes a change event unique: its transaction and sequence, else its replay id.
fn unique_of(value: &Value, header: &Value) -> String {
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

fn nulled(header: &Value) -> Vec<String> {
    let list = header.get("nulledFields").and_then(Value::as_array);
    list.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// A Salesforce user id (`005…`): a record owned by a queue (`00G…`) has no rep.
fn is_user(id: &str) -> bool {
    id.starts_with("005")
}

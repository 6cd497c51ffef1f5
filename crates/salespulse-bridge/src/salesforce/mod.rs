//! Salesforce Change Data Capture, as the Kafka Connect Salesforce CDC source connector
//! writes it (JSON, with or without the converter's `schema`/`payload` envelope): the
//! changed fields of a record plus a `ChangeEventHeader` naming the object, the change
//! type and the record ids. Opportunities become deal events, leads lead events, tasks
//! and events activities (once done).

mod activity;
mod change;
mod lead;
mod opportunity;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::mapped::{Mapped, Reason, Reject};
use crate::records::Known;
use crate::tables::Tables;
use crate::values::{id_of, time_of};
use change::{Change, nulled, unique_of};

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

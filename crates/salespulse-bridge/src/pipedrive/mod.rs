//! Pipedrive webhooks v2: one JSON object per request, `meta` (action `create`, `change`
//! or `delete`, entity, entity id, time), `data` (the object as it is now) and `previous`
//! (the changed fields before). Deals are compared with what is known of them, so a
//! redelivered webhook changes nothing; an activity counts once, when it is done; a lead
//! converts when Pipedrive moves it to a deal (its activities move with it).

mod activity;
mod deal;
mod hook;
mod lead;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::mapped::{Mapped, Reason, Reject};
use crate::records::Known;
use crate::tables::Tables;
use crate::values::{id_of, time_of};
use hook::Hook;

/// Maps one webhook request body.
pub fn map(body: &Value, known: &mut Known, t: &Tables) -> Mapped {
    let mut mapped = Mapped::default();
    if let Err(r) = one(body, known, t, &mut mapped) {
        mapped.rejects.push(r);
    }
    mapped
}

fn one(body: &Value, known: &mut Known, t: &Tables, mapped: &mut Mapped) -> Result<(), Reject> {
    let meta =
        body.get("meta").filter(|v| v.is_object()).ok_or_else(|| Reject::new(Reason::Malformed, "no meta object"))?;
    let text = |k: &str| meta.get(k).and_then(Value::as_str);
    let action = text("action").ok_or_else(|| Reject::new(Reason::MissingField, "meta.action"))?;
    let entity = text("entity").ok_or_else(|| Reject::new(Reason::MissingField, "meta.entity"))?;
    let data = body.get("data").filter(|d| d.is_object());
    let id = id_of(meta.get("entity_id"))
        .or_else(|| data.and_then(|d| id_of(d.get("id"))))
        .ok_or_else(|| Reject::new(Reason::MissingField, "meta.entity_id"))?;
    let at = time_of(meta.get("timestamp")).ok_or_else(|| Reject::new(Reason::MissingField, "meta.timestamp"))?;
    let unique = id_of(meta.get("id")).unwrap_or_else(|| format!("{entity}:{id}:{}", at.timestamp_millis()));
    if action != "delete" && data.is_none() && matches!(entity, "deal" | "activity" | "lead") {
        return Err(Reject::new(Reason::MissingField, "data"));
    }
    let previous = body.get("previous").filter(|d| d.is_object());
    let hook = Hook { action, id, at, unique, data, previous };
    match (entity, action) {
        ("deal", _) => deal::map(&hook, known, t, mapped),
        ("activity", _) => activity::map(&hook, known, t, mapped),
        ("lead", "create" | "change") => lead::map(&hook, known, t, mapped),
        ("lead", "delete") | ("person" | "organization" | "user" | "note" | "product", _) => mapped.ignored += 1,
        (other, action) => return Err(Reject::new(Reason::Unsupported, format!("{action} of {other:?}"))),
    }
    Ok(())
}

//! HubSpot webhooks: a JSON array of subscription events (`deal.creation`,
//! `deal.propertyChange`, `deal.deletion`, `contact.creation`...), each naming one object
//! and at most one property, with values as strings. A deal is announced
//! (`deal.created`) once its owner and stage are known, whatever order the events come
//! in; closes follow from stages defined closed (`[[bridge.stages]]`).

use serde_json::Value;

use crate::canonical::{Canon, id_of, number_of, time_of};
use crate::known::Known;
use crate::mapping::{Change, Mapped, Mapping, Reject, deal_events};

const SOURCE: &str = "hubspot";

/// The most events one request may carry (HubSpot sends at most 100).
pub const MAX_BATCH: usize = 1_000;

/// Maps one webhook request body.
pub fn map(body: &Value, known: &mut Known, m: &Mapping) -> Mapped {
    let mut mapped = Mapped::default();
    let Some(events) = body.as_array() else {
        mapped.rejects.push(Reject::new("malformed", "the body is not a JSON array of events"));
        return mapped;
    };
    if events.len() > MAX_BATCH {
        mapped
            .rejects
            .push(Reject::new("malformed", format!("{} events in one request (at most {MAX_BATCH})", events.len())));
        return mapped;
    }
    for e in events {
        if let Err(r) = one(e, known, m, &mut mapped) {
            mapped.rejects.push(r);
        }
    }
    mapped
}

fn one(e: &Value, known: &mut Known, m: &Mapping, mapped: &mut Mapped) -> Result<(), Reject> {
    let field = |k: &str| e.get(k);
    let event_id = id_of(field("eventId")).ok_or_else(|| Reject::new("missing_field", "eventId"))?;
    let object = id_of(field("objectId")).ok_or_else(|| Reject::new("missing_field", "objectId"))?;
    let at = time_of(field("occurredAt")).ok_or_else(|| Reject::new("missing_field", "occurredAt"))?;
    let portal = id_of(field("portalId")).unwrap_or_default();
    let kind = subscription(e).ok_or_else(|| Reject::new("missing_field", "subscriptionType"))?;
    let property = field("propertyName").and_then(Value::as_str).unwrap_or_default();
    let value = field("propertyValue");
    let parts = [portal.as_str(), event_id.as_str()];
    match kind.as_str() {
        "deal.creation" | "deal.propertyChange" | "deal.deletion" | "deal.restore" => {
            let record = known.entry(&format!("{SOURCE}:deal:{object}"));
            let before = record.clone();
            // A property changes only if this event is not older than the one that set it.
            let field = if property.is_empty() { kind.as_str() } else { property };
            let field = if kind == "deal.restore" { "deal.deletion" } else { field };
            if !record.fresh(field, at.timestamp_millis()) {
                mapped.ignored += 1;
                return Ok(());
            }
            match (kind.as_str(), property) {
                ("deal.creation", _) => record.created_at = Some(at.timestamp_millis()),
                ("deal.deletion", _) => record.deleted = true,
                ("deal.restore", _) => record.deleted = false,
                (_, "dealstage") => record.stage = id_of(value),
                (_, "amount") => record.amount = number_of(value),
                (_, "hubspot_owner_id") => record.owner = id_of(value),
                (_, "deal_currency_code") => record.currency = value.and_then(Value::as_str).map(str::to_owned),
                _ => {
                    mapped.ignored += 1;
                    return Ok(());
                }
            }
            let change = Change { source: SOURCE, id: &parts, deal_id: &object, at };
            mapped.out.extend(deal_events(change, &before, record, m));
        }
        "contact.creation" | "contact.propertyChange" => {
            let record = known.entry(&format!("{SOURCE}:lead:{object}"));
            if !property.is_empty() && !record.fresh(property, at.timestamp_millis()) {
                mapped.ignored += 1;
                return Ok(());
            }
            let canon =
                |t: &str| Canon::new(SOURCE, &[&portal, &event_id, t], t, at).set("lead_id", Some(object.as_str()));
            if kind == "contact.creation" {
                record.announced = true;
                mapped.out.push(
                    canon("lead.created").set("rep_id", record.owner.as_deref().map(|o| m.rep(SOURCE, o))).event(),
                );
            } else if property == "hubspot_owner_id" {
                let owner = id_of(value);
                if owner.is_some() && owner != record.owner {
                    let rep = owner.as_deref().map(|o| m.rep(SOURCE, o));
                    record.owner = owner;
                    mapped.out.push(canon("lead.assigned").set("rep_id", rep).event());
                }
            } else {
                mapped.ignored += 1;
            }
        }
        "contact.deletion" | "company.creation" | "company.propertyChange" | "company.deletion" => mapped.ignored += 1,
        other => return Err(Reject::new("unsupported", format!("subscriptionType {other:?}"))),
    }
    Ok(())
}

/// The subscription type, with the generic `object.*` form of deals (0-3) and contacts
/// (0-1) read as the named one.
fn subscription(e: &Value) -> Option<String> {
    let kind = e.get("subscriptionType")?.as_str()?;
    let Some(action) = kind.strip_prefix("object.") else { return Some(kind.to_owned()) };
    let object = match e.get("objectTypeId").and_then(Value::as_str) {
        Some("0-3") => "deal",
        Some("0-1") => "contact",
        Some("0-2") => "company",
        _ => "object",
    };
    Some(format!("{object}.{action}"))
}

//! Salesforce Change Data Capture, as the Kafka Connect Salesforce CDC source connector
//! writes it (JSON, with or without the converter's `schema`/`payload` envelope): the
//! changed fields of a record plus a `ChangeEventHeader` naming the object, the change
//! type and the record ids. Opportunities become deal events, leads lead events, tasks
//! and events activities.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::canonical::{Canon, id_of, number_of, time_of};
use crate::known::{Known, Status};
use crate::mapping::{Change, Mapped, Mapping, Reject, deal_events};

const SOURCE: &str = "salesforce";

/// Maps one change event, updating what is known of its records.
pub fn map(value: &Value, known: &mut Known, m: &Mapping) -> Mapped {
    let mut mapped = Mapped::default();
    let value = value.get("payload").filter(|p| p.is_object()).unwrap_or(value);
    let Some(header) = value.get("ChangeEventHeader").filter(|h| h.is_object()) else {
        mapped.rejects.push(Reject::new("malformed", "no ChangeEventHeader object"));
        return mapped;
    };
    let entity = header.get("entityName").and_then(Value::as_str).unwrap_or_default();
    let change = header.get("changeType").and_then(Value::as_str).unwrap_or_default();
    let Some(at) = time_of(header.get("commitTimestamp")) else {
        mapped.rejects.push(Reject::new("missing_field", "ChangeEventHeader.commitTimestamp"));
        return mapped;
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
        mapped.rejects.push(Reject::new("missing_field", "ChangeEventHeader.recordIds"));
        return mapped;
    }
    let unique = unique_of(value, header);
    let event = Event { value, nulled: nulled(header), change, at, unique: &unique };
    for id in &ids {
        match entity {
            "Opportunity" => opportunity(&event, id, known, m, &mut mapped),
            "Lead" => lead(&event, id, known, m, &mut mapped),
            "Task" | "Event" => activity(&event, entity, id, known, m, &mut mapped),
            other => {
                mapped.rejects.push(Reject::new("unsupported", format!("entity {other:?}")));
                return mapped;
            }
        }
    }
    mapped
}

/// One change event, read.
struct Event<'a> {
    value: &'a Value,
    nulled: Vec<String>,
    change: &'a str,
    at: DateTime<Utc>,
    unique: &'a str,
}

impl Event<'_> {
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

    fn flag(&self, name: &str) -> Option<bool> {
        self.field(name).flatten().and_then(Value::as_bool)
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

fn opportunity(e: &Event<'_>, id: &str, known: &mut Known, m: &Mapping, mapped: &mut Mapped) {
    let record = known.entry(&format!("{SOURCE}:deal:{id}"));
    let before = record.clone();
    let ms = e.at.timestamp_millis();
    // A field changes only if this change is not older than the one that set it (a
    // replayed change event is not applied over a newer one).
    if matches!(e.change, "DELETE" | "UNDELETE") && record.fresh("IsDeleted", ms) {
        record.deleted = e.change == "DELETE";
    }
    if let Some(v) = e.field("AccountId").filter(|_| record.fresh("AccountId", ms)) {
        record.account = v.and_then(|v| id_of(Some(v)));
    }
    if let Some(owner) = e.id("OwnerId").filter(|_| record.fresh("OwnerId", ms)) {
        record.owner = Some(owner);
    }
    if let Some(v) = e.field("Amount").filter(|_| record.fresh("Amount", ms)) {
        record.amount = v.and_then(|v| number_of(Some(v)));
    }
    let currency = e.field("CurrencyIsoCode").flatten().and_then(Value::as_str);
    if let Some(c) = currency.filter(|_| record.fresh("CurrencyIsoCode", ms)) {
        record.currency = Some(c.to_owned());
    }
    if let Some(stage) = e.id("StageName").filter(|_| record.fresh("StageName", ms)) {
        record.stage = Some(stage);
    }
    let (closed, won) = (e.flag("IsClosed"), e.flag("IsWon"));
    if (closed.is_some() || won.is_some()) && record.fresh("IsClosed", ms) {
        let closed = closed.unwrap_or(record.status != Status::Open);
        let won = won.unwrap_or(record.status == Status::Won);
        record.status = match (closed, won) {
            (false, _) => Status::Open,
            (true, true) => Status::Won,
            (true, false) => Status::Lost,
        };
    }
    let parts = [e.unique, id];
    let change = Change { source: SOURCE, id: &parts, deal_id: id, at: e.at };
    let out = deal_events(change, &before, record, m);
    if out.is_empty() && e.change == "UPDATE" {
        mapped.ignored += 1;
    }
    mapped.out.extend(out);
}

fn lead(e: &Event<'_>, id: &str, known: &mut Known, m: &Mapping, mapped: &mut Mapped) {
    let record = known.entry(&format!("{SOURCE}:lead:{id}"));
    // An owner older than the one applied (a replay) is not applied over it.
    let owner = e.id("OwnerId").filter(|o| is_user(o) && record.fresh("OwnerId", e.at.timestamp_millis()));
    let rep = owner.as_deref().map(|o| m.rep(SOURCE, o));
    let canon = |kind: &str| Canon::new(SOURCE, &[e.unique, id, kind], kind, e.at).set("lead_id", Some(id));
    let mut any = false;
    if e.change == "CREATE" && !record.announced {
        record.announced = true;
        let channel = e.field("LeadSource").flatten().and_then(Value::as_str).and_then(channel_of);
        mapped.out.push(canon("lead.created").set("rep_id", rep.clone()).set("channel", channel).event());
        any = true;
    } else if let Some(rep) = rep.clone().filter(|_| owner != record.owner) {
        mapped.out.push(canon("lead.assigned").set("rep_id", Some(rep)).event());
        any = true;
    }
    if owner.is_some() {
        record.owner = owner;
    }
    if e.flag("IsConverted") == Some(true) && record.status == Status::Open {
        record.status = Status::Won;
        mapped.out.push(canon("lead.converted").set("deal_id", e.id("ConvertedOpportunityId")).event());
        any = true;
    }
    if !any {
        mapped.ignored += 1;
    }
}

fn activity(e: &Event<'_>, entity: &str, id: &str, known: &mut Known, m: &Mapping, mapped: &mut Mapped) {
    let record = known.entry(&format!("{SOURCE}:activity:{id}"));
    if e.change != "CREATE" || record.announced {
        mapped.ignored += 1;
        return;
    }
    let kind = if entity == "Event" {
        Some(if e.field("Type").flatten().and_then(Value::as_str) == Some("Demo") { "demo" } else { "meeting" })
    } else {
        let subtype = e.field("TaskSubtype").flatten().and_then(Value::as_str).unwrap_or_default();
        let kind = e.field("Type").flatten().and_then(Value::as_str).unwrap_or_default();
        task_kind(subtype).or_else(|| task_kind(kind))
    };
    let Some(kind) = kind else {
        mapped.ignored += 1;
        return;
    };
    let Some(owner) = e.id("OwnerId") else {
        mapped.rejects.push(Reject::new("missing_field", format!("{entity} {id} has no OwnerId")));
        return;
    };
    record.announced = true;
    let (who, what) = (e.id("WhoId"), e.id("WhatId"));
    let duration = match entity {
        "Event" => e.field("DurationInMinutes").flatten().and_then(|v| number_of(Some(v))).map(|m| m * 60.0),
        _ => e.field("CallDurationInSeconds").flatten().and_then(|v| number_of(Some(v))),
    };
    let activity = Canon::new(SOURCE, &[e.unique, id, "activity.logged"], "activity.logged", e.at)
        .set("activity_id", Some(id))
        .set("rep_id", Some(m.rep(SOURCE, &owner)))
        .set("kind", Some(kind))
        .set("lead_id", who.filter(|w| w.starts_with("00Q")))
        .set("deal_id", what.filter(|w| w.starts_with("006")))
        .set("account_id", e.id("AccountId"))
        .set("duration_s", duration);
    mapped.out.push(activity.event());
}

/// A Salesforce user id (a lead owned by a queue has no rep).
fn is_user(id: &str) -> bool {
    id.starts_with("005")
}

fn task_kind(s: &str) -> Option<&'static str> {
    Some(match s {
        "Call" => "call",
        "Email" | "ListEmail" => "email",
        "LinkedIn" => "linkedin_message",
        "Meeting" => "meeting",
        "Demo" => "demo",
        _ => return None,
    })
}

/// The canonical channel of a `LeadSource`, when it has one.
fn channel_of(source: &str) -> Option<&'static str> {
    Some(match source {
        "Web" | "Website" => "inbound",
        "Phone Inquiry" => "inbound",
        "Partner Referral" | "Partner" => "partner",
        "Purchased List" | "Cold Call" => "outbound",
        "Referral" | "Employee Referral" | "External Referral" => "referral",
        "Event" | "Trade Show" | "Seminar - Internal" | "Seminar - Partner" => "event",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lead_change(change: &str, seq: i64, at_ms: i64, owner: &str) -> Value {
        json!({
            "ChangeEventHeader": {
                "entityName": "Lead", "recordIds": ["00Q000000000001AAA"], "changeType": change,
                "transactionKey": format!("tx-{seq}"), "sequenceNumber": 1, "commitTimestamp": at_ms
            },
            "OwnerId": owner
        })
    }

    #[test]
    fn a_replayed_older_owner_change_does_not_reassign_the_lead() {
        let (mut known, m) = (Known::new(10), Mapping::default());
        let types = |v: &Value, known: &mut Known| -> Vec<String> {
            map(v, known, &m).out.iter().map(|o| o.event_type().to_owned()).collect()
        };
        assert_eq!(types(&lead_change("CREATE", 1, 1_000, "005A"), &mut known), ["lead.created"]);
        assert_eq!(types(&lead_change("UPDATE", 2, 2_000, "005B"), &mut known), ["lead.assigned"]);
        let older = lead_change("UPDATE", 3, 1_500, "005C");
        assert!(types(&older, &mut known).is_empty(), "an owner older than the one applied");
        assert_eq!(known.get("salesforce:lead:00Q000000000001AAA").and_then(|r| r.owner.as_deref()), Some("005B"));
    }
}

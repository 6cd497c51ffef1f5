//! Pipedrive webhooks v2: one JSON object per request, `meta` (action `create`, `change`
//! or `delete`, entity, entity id, time), `data` (the object as it is now) and `previous`
//! (the changed fields before). Deals are compared with what is known of them, so a
//! redelivered webhook changes nothing; an activity counts once, when it is done.

use serde_json::Value;

use crate::canonical::{Canon, id_of, number_of, time_of};
use crate::known::{Known, Status};
use crate::mapping::{Change, Mapped, Mapping, Reject, deal_events};

const SOURCE: &str = "pipedrive";

/// Maps one webhook request body.
pub fn map(body: &Value, known: &mut Known, m: &Mapping) -> Mapped {
    let mut mapped = Mapped::default();
    if let Err(r) = one(body, known, m, &mut mapped) {
        mapped.rejects.push(r);
    }
    mapped
}

fn one(body: &Value, known: &mut Known, m: &Mapping, mapped: &mut Mapped) -> Result<(), Reject> {
    let meta = body.get("meta").filter(|v| v.is_object()).ok_or_else(|| Reject::new("malformed", "no meta object"))?;
    let action =
        meta.get("action").and_then(Value::as_str).ok_or_else(|| Reject::new("missing_field", "meta.action"))?;
    let entity =
        meta.get("entity").and_then(Value::as_str).ok_or_else(|| Reject::new("missing_field", "meta.entity"))?;
    let data = body.get("data").filter(|d| d.is_object());
    let id = id_of(meta.get("entity_id"))
        .or_else(|| data.and_then(|d| id_of(d.get("id"))))
        .ok_or_else(|| Reject::new("missing_field", "meta.entity_id"))?;
    let at = time_of(meta.get("timestamp")).ok_or_else(|| Reject::new("missing_field", "meta.timestamp"))?;
    let unique = id_of(meta.get("id")).unwrap_or_else(|| format!("{entity}:{id}:{}", at.timestamp_millis()));
    let get = |k: &str| data.and_then(|d| d.get(k)).filter(|v| !v.is_null());
    let owner = id_of(get("owner_id")).or_else(|| id_of(get("user_id")));
    if action != "delete" && data.is_none() && matches!(entity, "deal" | "activity" | "lead") {
        return Err(Reject::new("missing_field", "data"));
    }
    match (entity, action) {
        ("deal", _) => {
            let record = known.entry(&format!("{SOURCE}:deal:{id}"));
            let before = record.clone();
            // `data` is the whole deal: one older than the last applied would undo changes.
            if !record.fresh("deal", at.timestamp_millis()) {
                mapped.ignored += 1;
                return Ok(());
            }
            if action == "delete" {
                record.deleted = true;
            } else {
                record.account = id_of(get("org_id")).or(record.account.take());
                record.owner = owner.or(record.owner.take());
                record.amount = number_of(get("value")).or(record.amount);
                record.currency = get("currency").and_then(Value::as_str).map(str::to_owned).or(record.currency.take());
                record.stage = id_of(get("stage_id")).or(record.stage.take());
                record.status = match get("status").and_then(Value::as_str) {
                    Some("won") => Status::Won,
                    Some("lost") => Status::Lost,
                    Some("open") => Status::Open,
                    _ => record.status,
                };
            }
            let parts = [unique.as_str()];
            let out = deal_events(Change { source: SOURCE, id: &parts, deal_id: &id, at }, &before, record, m);
            if out.is_empty() {
                mapped.ignored += 1;
            }
            mapped.out.extend(out);
        }
        ("activity", "create" | "change") => {
            let record = known.entry(&format!("{SOURCE}:activity:{id}"));
            let kind = get("type").and_then(Value::as_str).and_then(activity_kind);
            let done = get("done").and_then(Value::as_bool) == Some(true);
            let (Some(kind), true, false) = (kind, done, record.announced) else {
                mapped.ignored += 1;
                return Ok(());
            };
            let owner = owner.ok_or_else(|| Reject::new("missing_field", "data.owner_id"))?;
            record.announced = true;
            let logged = Canon::new(SOURCE, &["activity", &id, "logged"], "activity.logged", at)
                .set("activity_id", Some(id.as_str()))
                .set("rep_id", Some(m.rep(SOURCE, &owner)))
                .set("kind", Some(kind))
                .set("deal_id", id_of(get("deal_id")))
                .set("lead_id", id_of(get("lead_id")))
                .set("account_id", id_of(get("org_id")))
                .set("duration_s", get("duration").and_then(duration_s));
            mapped.out.push(logged.event());
        }
        ("lead", "create" | "change") => lead(Lead { id: &id, unique: &unique, at, data }, owner, known, m, mapped),
        ("activity" | "lead", "delete") | ("person" | "organization" | "user" | "note" | "product", _) => {
            mapped.ignored += 1
        }
        (other, action) => return Err(Reject::new("unsupported", format!("{action} of {other:?}"))),
    }
    Ok(())
}

/// One lead change, as the webhook gives it.
struct Lead<'a> {
    id: &'a str,
    unique: &'a str,
    at: chrono::DateTime<chrono::Utc>,
    data: Option<&'a Value>,
}

/// A lead's events, keyed by its organisation like the activities about it.
fn lead(l: Lead<'_>, owner: Option<String>, known: &mut Known, m: &Mapping, mapped: &mut Mapped) {
    let Lead { id, unique, at, data } = l;
    let get = |k: &str| data.and_then(|d| d.get(k)).filter(|v| !v.is_null());
    let record = known.entry(&format!("{SOURCE}:lead:{id}"));
    // `data` is the whole lead: one older than the last applied would undo changes.
    if !record.fresh("lead", at.timestamp_millis()) {
        mapped.ignored += 1;
        return;
    }
    if let Some(org) = id_of(get("organization_id")) {
        record.account = Some(org);
    }
    let account = record.account.clone();
    let canon =
        |t: &str| Canon::new(SOURCE, &[unique, t], t, at).set("lead_id", Some(id)).set("account_id", account.clone());
    let rep = owner.as_deref().map(|o| m.rep(SOURCE, o));
    let before = record.clone();
    if !record.announced {
        record.announced = true;
        mapped.out.push(canon("lead.created").set("rep_id", rep).event());
    } else if owner.is_some() && owner != before.owner {
        mapped.out.push(canon("lead.assigned").set("rep_id", rep).event());
    }
    if owner.is_some() {
        record.owner = owner;
    }
    if get("is_archived").and_then(Value::as_bool) == Some(true) && record.status == Status::Open {
        record.status = Status::Lost;
        mapped.out.push(canon("lead.disqualified").set("reason", Some("archived")).event());
    }
    if mapped.out.is_empty() {
        mapped.ignored += 1;
    }
}

fn activity_kind(t: &str) -> Option<&'static str> {
    Some(match t {
        "call" => "call",
        "meeting" | "lunch" => "meeting",
        "email" => "email",
        "demo" => "demo",
        _ => return None,
    })
}

/// `"HH:MM"` (or a number of seconds) as seconds.
fn duration_s(v: &Value) -> Option<f64> {
    if let Some(s) = v.as_str() {
        let (h, m) = s.split_once(':')?;
        return Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0);
    }
    number_of(Some(v))
}

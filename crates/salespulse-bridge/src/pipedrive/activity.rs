//! Activities: counted once done (`done`, at `marked_as_done_time`), with the lead and
//! deal they are on. Pipedrive has no direction: an activity type whose key starts with
//! `inbound_` (a custom type such as `inbound_call`) is inbound, any other outbound. When
//! Pipedrive converts a lead into a deal it moves the lead's activities to the deal: an
//! activity whose `previous` lead is replaced by a deal marks that lead converted into it.

use salespulse_events::{ActivityKind, Body, Direction};
use serde_json::Value;

use crate::activities::count_if_ready;
use crate::ids::new_event;
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, LeadStatus, record_key};
use crate::tables::Tables;
use crate::values::{flag_of, id_of, number_of, time_of};

use super::hook::{Hook, SOURCE};

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    converted_lead(h, known, mapped);
    let r = known.entry(&record_key(SOURCE, Kind::Activity, &h.id));
    if h.action == "delete" {
        r.activity.void = true;
        mapped.ignored += 1;
        return;
    }
    if !r.fresh("activity", h.ms()) {
        mapped.ignored += 1;
        return;
    }
    let a = &mut r.activity;
    if let Some(kind) = h.get("type").and_then(Value::as_str) {
        let inbound = kind.strip_prefix("inbound_");
        a.kind = activity_kind(inbound.unwrap_or(kind));
        a.direction = Some(if inbound.is_some() { Direction::Inbound } else { Direction::Outbound });
    }
    if let Some(t) = time_of(h.get("marked_as_done_time")) {
        a.at = Some(t.timestamp_millis());
    }
    a.done = flag_of(h.get("done")) == Some(true);
    // Counted on the lead it was logged on, even once moved to a deal.
    a.lead = id_of(h.get("lead_id")).or(a.lead.take());
    a.deal = id_of(h.get("deal_id")).or(a.deal.take());
    if let Some(d) = h.get("duration").and_then(duration_s) {
        a.duration_s = Some(d);
    }
    r.owner = h.owner().or(r.owner.take());
    r.account = id_of(h.get("org_id")).or(r.account.take());
    if !count_if_ready(SOURCE, &h.id, h.at, known, t, mapped) {
        mapped.ignored += 1;
    }
}

/// The lead an activity left for a deal, converted into it.
fn converted_lead(h: &Hook<'_>, known: &mut Known, mapped: &mut Mapped) {
    let (Some(lead), Some(deal)) = (id_of(h.before("lead_id")), id_of(h.get("deal_id"))) else { return };
    if id_of(h.get("lead_id")).is_some() {
        return;
    }
    let record = known.entry(&record_key(SOURCE, Kind::Lead, &lead));
    if record.lead != LeadStatus::Open {
        return;
    }
    record.lead = LeadStatus::Converted;
    let body = Body::LeadConverted { lead_id: lead.into(), deal_id: Some(deal.into()) };
    let e = new_event(SOURCE, &[&h.unique, "lead.converted"], h.at, body);
    mapped.out.push(route(e, SOURCE, known));
}

fn activity_kind(t: &str) -> Option<ActivityKind> {
    Some(match t {
        "call" => ActivityKind::Call,
        "meeting" | "lunch" => ActivityKind::Meeting,
        "email" => ActivityKind::Email,
        "demo" => ActivityKind::Demo,
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

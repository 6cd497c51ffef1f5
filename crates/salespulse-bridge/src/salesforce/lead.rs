//! Leads: created (with the channel of their `LeadSource`), assigned to a user, converted
//! (with the opportunity they became) or closed unconverted. Keyed by the lead, for its
//! whole life, its conversion included.

use salespulse_events::{Body, Event};
use serde_json::Value;

use crate::ids::new_event;
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, LeadStatus, record_key};
use crate::tables::Tables;

use super::change::{Change, SOURCE, is_user};

/// Lead statuses that close a lead without converting it (Salesforce's defaults, old and
/// new).
const UNQUALIFIED: [&str; 3] = ["Closed - Not Converted", "Unqualified", "Disqualified"];

pub(super) fn map(e: &Change<'_>, id: &str, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Lead, id));
    // An owner older than the one applied (a replay) is not applied over it; a queue
    // (`00G…`) is not a user.
    let owner = e.id("OwnerId").filter(|o| is_user(o) && record.fresh("OwnerId", e.ms()));
    let rep = owner.as_deref().and_then(|o| t.rep(SOURCE, o));
    let event = |body: Body| -> Event {
        let kind = body.event_type().as_str();
        new_event(SOURCE, &[e.unique, id, kind], e.at, body)
    };
    let mut events = Vec::new();
    if e.change == "CREATE" && !record.announced {
        record.announced = true;
        let channel = e.text("LeadSource").and_then(channel_of).map(str::to_owned);
        let mut created = event(Body::LeadCreated { lead_id: id.into(), channel: channel.map(Into::into) });
        created.rep_id = rep.as_deref().map(Into::into);
        events.push(created);
    } else if let Some(rep) = rep.clone().filter(|_| owner != record.owner) {
        let mut assigned = event(Body::LeadAssigned { lead_id: id.into() });
        assigned.rep_id = Some(rep.into());
        events.push(assigned);
    }
    if owner.is_some() {
        record.owner = owner;
    }
    if e.flag("IsConverted") == Some(true) && record.lead != LeadStatus::Converted {
        record.lead = LeadStatus::Converted;
        let mut converted =
            event(Body::LeadConverted { lead_id: id.into(), deal_id: e.id("ConvertedOpportunityId").map(Into::into) });
        converted.account_id = e.id("ConvertedAccountId").map(Into::into);
        events.push(converted);
    }
    let status = e.field("Status").flatten().and_then(Value::as_str);
    if let Some(status) = status.filter(|s| UNQUALIFIED.contains(s))
        && record.lead == LeadStatus::Open
    {
        record.lead = LeadStatus::Disqualified;
        events.push(event(Body::LeadDisqualified { lead_id: id.into(), reason: Some(status.into()) }));
    }
    if events.is_empty() {
        mapped.ignored += 1;
    }
    for event in events {
        mapped.out.push(route(event, SOURCE, known));
    }
}

/// The canonical channel of a `LeadSource`, when it has one.
fn channel_of(source: &str) -> Option<&'static str> {
    Some(match source {
        "Web" | "Website" | "Phone Inquiry" => "inbound",
        "Partner Referral" | "Partner" => "partner",
        "Purchased List" | "Cold Call" => "outbound",
        "Referral" | "Employee Referral" | "External Referral" => "referral",
        "Event" | "Trade Show" | "Seminar - Internal" | "Seminar - Partner" => "event",
        _ => return None,
    })
}

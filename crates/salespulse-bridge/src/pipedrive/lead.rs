//! Leads: `data` is the whole lead; created, assigned, archived (disqualified). Keyed by
//! the lead, like every activity on it.

use salespulse_events::{Body, Event};

use crate::ids::new_event;
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, LeadStatus, record_key};
use crate::tables::Tables;
use crate::values::{flag_of, id_of};

use super::hook::{Hook, SOURCE};

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Lead, &h.id));
    // `data` is the whole lead: one older than the last applied would undo changes.
    if !record.fresh("lead", h.ms()) {
        mapped.ignored += 1;
        return;
    }
    if let Some(org) = id_of(h.get("organization_id")) {
        record.account = Some(org);
    }
    let account = record.account.clone();
    let event = |body: Body| -> Event {
        let kind = body.event_type().as_str();
        let mut e = new_event(SOURCE, &[&h.unique, kind], h.at, body);
        e.account_id = account.as_deref().map(Into::into);
        e
    };
    let owner = h.owner();
    let rep = owner.as_deref().and_then(|o| t.rep(SOURCE, o));
    let mut events = Vec::new();
    if !record.announced {
        let mut e = event(Body::LeadCreated { lead_id: h.id.clone().into(), channel: None });
        e.rep_id = rep.map(Into::into);
        events.push(e);
    } else if owner.is_some() && owner != record.owner && rep.is_some() {
        let mut e = event(Body::LeadAssigned { lead_id: h.id.clone().into() });
        e.rep_id = rep.map(Into::into);
        events.push(e);
    }
    if flag_of(h.get("is_archived")) == Some(true) && record.lead == LeadStatus::Open {
        events.push(event(Body::LeadDisqualified { lead_id: h.id.clone().into(), reason: Some("archived".into()) }));
        record.lead = LeadStatus::Disqualified;
    }
    record.announced = true;
    if owner.is_some() {
        record.owner = owner;
    }
    if events.is_empty() {
        mapped.ignored += 1;
    }
    for e in events {
        mapped.out.push(route(e, SOURCE, known));
    }
}

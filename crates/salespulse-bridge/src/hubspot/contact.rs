//! Contacts are leads: created, assigned (`hubspot_owner_id`), converted — associated
//! with a deal, or moved to the `opportunity` or `customer` lifecycle stage, whichever
//! comes first — or disqualified (`hs_lead_status` `UNQUALIFIED`). Keyed by the contact.

use salespulse_events::{Body, Event};

use crate::ids::new_event;
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, LeadStatus, record_key};
use crate::tables::Tables;
use crate::values::{id_of, text_of};

use super::hook::{Hook, SOURCE};

fn event(h: &Hook<'_>, body: Body) -> Event {
    let kind = body.event_type().as_str();
    new_event(SOURCE, &[&h.unique, kind], h.at, body)
}

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Lead, &h.id));
    if !h.property.is_empty() && !record.fresh(h.property, h.ms()) {
        mapped.ignored += 1;
        return;
    }
    let lead_id = h.id.clone();
    let mut out = None;
    match (h.action, h.property) {
        ("creation", _) if !record.announced => {
            record.announced = true;
            let mut e = event(h, Body::LeadCreated { lead_id: lead_id.into(), channel: None });
            e.rep_id = record.owner.as_deref().and_then(|o| t.rep(SOURCE, o)).map(Into::into);
            out = Some(e);
        }
        ("propertyChange", "hubspot_owner_id") => {
            let owner = id_of(h.value);
            let rep = owner.as_deref().and_then(|o| t.rep(SOURCE, o));
            if owner.is_some() && owner != record.owner && rep.is_some() {
                let mut e = event(h, Body::LeadAssigned { lead_id: lead_id.into() });
                e.rep_id = rep.map(Into::into);
                out = Some(e);
            }
            record.owner = owner.or(record.owner.take());
        }
        ("propertyChange", "lifecyclestage") if matches!(text_of(h.value), Some("opportunity" | "customer")) => {
            return converted(h, &h.id, None, known, t, mapped);
        }
        ("propertyChange", "hs_lead_status")
            if text_of(h.value) == Some("UNQUALIFIED") && record.lead == LeadStatus::Open =>
        {
            record.lead = LeadStatus::Disqualified;
            out =
                Some(event(h, Body::LeadDisqualified { lead_id: lead_id.into(), reason: Some("UNQUALIFIED".into()) }));
        }
        _ => {}
    }
    match out {
        Some(e) => mapped.out.push(route(e, SOURCE, known)),
        None => mapped.ignored += 1,
    }
}

/// The contact `id` converted (into `deal`, when known), if it is still an open lead.
pub(super) fn converted(h: &Hook<'_>, id: &str, deal: Option<String>, known: &mut Known, _t: &Tables, m: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Lead, id));
    if record.lead != LeadStatus::Open {
        m.ignored += 1;
        return;
    }
    record.lead = LeadStatus::Converted;
    let e = new_event(
        SOURCE,
        &[&h.unique, "lead.converted"],
        h.at,
        Body::LeadConverted { lead_id: id.into(), deal_id: deal.map(Into::into) },
    );
    m.out.push(route(e, SOURCE, known));
}

//! Deals: created, changed property by property, deleted and restored; closes follow from
//! stages defined closed (`[[bridge.stages]]`).

use crate::deals::{Change, deal_events};
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, record_key};
use crate::tables::Tables;
use crate::values::{id_of, number_of, text_of};

use super::hook::{Hook, SOURCE};

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Deal, &h.id));
    let before = record.clone();
    // A property changes only if this event is not older than the one that set it; a
    // deletion and a restore are one field.
    let field = match h.action {
        "deletion" | "restore" => "deleted",
        "propertyChange" => h.property,
        other => other,
    };
    if !record.fresh(field, h.ms()) {
        mapped.ignored += 1;
        return;
    }
    match (h.action, h.property) {
        ("creation", _) => record.created_at = Some(h.ms()),
        ("deletion", _) => record.deleted = true,
        ("restore", _) => record.deleted = false,
        ("propertyChange", "dealstage") => record.deal.stage = id_of(h.value),
        ("propertyChange", "amount") => record.deal.amount = number_of(h.value),
        ("propertyChange", "hubspot_owner_id") => record.owner = id_of(h.value),
        ("propertyChange", "deal_currency_code") => record.deal.currency = text_of(h.value).map(str::to_owned),
        _ => {
            mapped.ignored += 1;
            return;
        }
    }
    let parts = [h.unique.as_str()];
    let change = Change { source: SOURCE, id: &parts, deal_id: &h.id, at: h.at };
    for event in deal_events(change, &before, record, t, mapped) {
        mapped.out.push(route(event, SOURCE, known));
    }
}

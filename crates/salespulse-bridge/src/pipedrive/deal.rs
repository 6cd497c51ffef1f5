//! Deals: `data` is the whole deal, compared with what is known of it; a webhook older
//! than the last applied is not applied over it. `is_deleted` going back to false (or a
//! change after a delete) restores a deleted deal.

use serde_json::Value;

use crate::deals::{Change, deal_events};
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{DealStatus, Kind, Known, record_key};
use crate::tables::Tables;
use crate::values::{flag_of, id_of, number_of};

use super::hook::{Hook, SOURCE};

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Deal, &h.id));
    let before = record.clone();
    if !record.fresh("deal", h.ms()) {
        mapped.ignored += 1;
        return;
    }
    if h.action == "delete" || flag_of(h.get("is_deleted")) == Some(true) {
        record.deleted = true;
    } else {
        record.deleted = false;
        record.account = id_of(h.get("org_id")).or(record.account.take());
        record.owner = h.owner().or(record.owner.take());
        record.deal.amount = number_of(h.get("value")).or(record.deal.amount);
        record.deal.currency =
            h.get("currency").and_then(Value::as_str).map(str::to_owned).or(record.deal.currency.take());
        record.deal.stage = id_of(h.get("stage_id")).or(record.deal.stage.take());
        record.deal.status = match h.get("status").and_then(Value::as_str) {
            Some("won") => DealStatus::Won,
            Some("lost") => DealStatus::Lost,
            Some("open") => DealStatus::Open,
            _ => record.deal.status,
        };
    }
    let parts = [h.unique.as_str()];
    let change = Change { source: SOURCE, id: &parts, deal_id: &h.id, at: h.at };
    let events = deal_events(change, &before, record, t, mapped);
    if events.is_empty() {
        mapped.ignored += 1;
    }
    for event in events {
        mapped.out.push(route(event, SOURCE, known));
    }
}

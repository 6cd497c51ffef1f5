//! Opportunities: deal events, each field applied only if its change is not older than
//! the one that set it (a replayed change event is not applied over a newer one).

use crate::deals::{Change as DealChange, deal_events};
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{DealStatus, Kind, Known, record_key};
use crate::tables::Tables;
use crate::values::{id_of, number_of};

use super::change::{Change, SOURCE, is_user};

pub(super) fn map(e: &Change<'_>, id: &str, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let record = known.entry(&record_key(SOURCE, Kind::Deal, id));
    let before = record.clone();
    let ms = e.ms();
    if matches!(e.change, "DELETE" | "UNDELETE") && record.fresh("IsDeleted", ms) {
        record.deleted = e.change == "DELETE";
    }
    if let Some(v) = e.field("AccountId").filter(|_| record.fresh("AccountId", ms)) {
        record.account = v.and_then(|v| id_of(Some(v)));
    }
    // An opportunity owned by a queue keeps its last user owner.
    if let Some(owner) = e.id("OwnerId").filter(|o| is_user(o) && record.fresh("OwnerId", ms)) {
        record.owner = Some(owner);
    }
    if let Some(v) = e.field("Amount").filter(|_| record.fresh("Amount", ms)) {
        record.deal.amount = v.and_then(|v| number_of(Some(v)));
    }
    if let Some(c) = e.text("CurrencyIsoCode").filter(|_| record.fresh("CurrencyIsoCode", ms)) {
        record.deal.currency = Some(c.to_owned());
    }
    if let Some(stage) = e.id("StageName").filter(|_| record.fresh("StageName", ms)) {
        record.deal.stage = Some(stage);
    }
    let (closed, won) = (e.flag("IsClosed"), e.flag("IsWon"));
    if (closed.is_some() || won.is_some()) && record.fresh("IsClosed", ms) {
        let closed = closed.unwrap_or(record.deal.status != DealStatus::Open);
        let won = won.unwrap_or(record.deal.status == DealStatus::Won);
        record.deal.status = match (closed, won) {
            (false, _) => DealStatus::Open,
            (true, true) => DealStatus::Won,
            (true, false) => DealStatus::Lost,
        };
    }
    let parts = [e.unique, id];
    let change = DealChange { source: SOURCE, id: &parts, deal_id: id, at: e.at };
    let events = deal_events(change, &before, record, t, mapped);
    if events.is_empty() && e.change == "UPDATE" {
        mapped.ignored += 1;
    }
    for event in events {
        mapped.out.push(route(event, SOURCE, known));
    }
}

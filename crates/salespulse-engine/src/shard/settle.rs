//! Settling an entity: after an event changes a lead's, deal's or account's facts, its
//! contributions are derived again and swapped for the previous ones in the aggregates.

use super::Shard;
use crate::aggregates::Aggregates;
use crate::deals::Lookups;
use crate::leads::Lead;
use crate::reference::Reference;
use crate::time::Window;
use crate::windows::OwnerId;

impl Shard {
    /// The owner id of events that name no rep and no team.
    pub(super) fn nobody(&mut self) -> OwnerId {
        self.owners.id(None, None)
    }

    pub(super) fn settle_deal(&mut self, id: &str, reference: &Reference) {
        let nobody = self.nobody();
        let lookups = Lookups { reference, calendar: &self.cfg.calendar, stages: &self.stages };
        if let Some(deal) = self.deals.get_mut(id) {
            let new = deal.derive(&lookups, nobody).0;
            self.agg.replace(&deal.contrib, &new);
            deal.contrib = new;
        }
    }

    pub(super) fn settle_account(&mut self, id: &str) {
        let nobody = self.nobody();
        let horizon = self.newest.unwrap_or(0) - Window::LONGEST.len_ms() - Window::LONGEST.resolution_ms();
        if let Some(account) = self.accounts.get_mut(id) {
            let new = account.derive(nobody, horizon).0;
            self.agg.replace(&account.contrib, &new);
            account.contrib = new;
        }
    }
}

/// Swaps a lead's contributions for those of its facts (a function of the two parts, so
/// the caller keeps the lead it just wrote instead of looking it up again).
pub(super) fn settle_lead(agg: &mut Aggregates, lead: &mut Lead) {
    let new = lead.derive().0;
    agg.replace(&lead.contrib, &new);
    lead.contrib = new;
}

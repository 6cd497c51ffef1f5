//! Settling an entity: after an event changes a lead's, deal's or account's facts, its
//! contributions are derived again and swapped for the previous ones in the aggregates.
//! Derivations write to the shard's scratch list, so settling allocates nothing once
//! lists have grown.

use super::Shard;
use crate::aggregates::Aggregates;
use crate::contrib::{Contribs, Contribution};
use crate::deals::{Deal, Lookups};
use crate::leads::Lead;
use crate::time::Window;
use crate::windows::OwnerId;

impl Shard {
    /// The owner id of events that name no rep and no team.
    pub(super) fn nobody(&mut self) -> OwnerId {
        self.owners.id(None, None)
    }

    pub(super) fn settle_account(&mut self, id: &str) {
        let nobody = self.nobody();
        let horizon = self.newest.unwrap_or(0) - Window::LONGEST.len_ms() - Window::LONGEST.resolution_ms();
        if let Some(account) = self.accounts.get_mut(id) {
            self.scratch.0.clear();
            account.derive(nobody, horizon, &mut self.scratch);
            swap(&mut self.agg, &mut account.contrib, &self.scratch);
        }
    }
}

/// Swaps a lead's contributions for those of its facts (a function of the two parts, so
/// the caller keeps the lead it just wrote instead of looking it up again).
pub(super) fn settle_lead(agg: &mut Aggregates, scratch: &mut Contribs, lead: &mut Lead) {
    scratch.0.clear();
    lead.derive(scratch);
    swap(agg, &mut lead.contrib, scratch);
}

/// Swaps a deal's contributions for those of its facts; events that name no owner count
/// for `nobody`.
pub(super) fn settle_deal(
    agg: &mut Aggregates,
    scratch: &mut Contribs,
    deal: &mut Deal,
    lookups: &Lookups<'_>,
    nobody: OwnerId,
) {
    scratch.0.clear();
    deal.derive(lookups, nobody, scratch);
    swap(agg, &mut deal.contrib, scratch);
}

/// Replaces the contributions `held` by `new` in the aggregates and in the entity (whose
/// list keeps its allocation: derivations are written to one scratch list per shard).
fn swap(agg: &mut Aggregates, held: &mut Vec<Contribution>, new: &Contribs) {
    agg.replace(held, &new.0);
    held.clone_from(&new.0);
}

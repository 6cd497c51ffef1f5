//! The feed of a shard: a key recorded for every close and stage move applied, the keys
//! rebuilt from the deals when a shard is restored, and moments read from the deals'
//! state with the team, rep and base-currency amount the KPIs give them.

use salespulse_events::{Body, Event};

use super::Shard;
use crate::feed::{Fact, Feed, Moment, moved};
use crate::reference::Reference;
use crate::time::Ms;

impl Shard {
    /// Records the fact `e` (applied at event time `t`) adds to the feed, if any.
    pub(super) fn note(&mut self, e: &Event, t: Ms) {
        match &e.body {
            Body::DealClosed { deal_id, .. } => self.feed.record(t, deal_id, Fact::Close),
            Body::DealStageChanged { deal_id, stage, .. } => {
                let (Some(deal), Some(id)) = (self.deals.get(deal_id), self.stages.find(stage)) else { return };
                if let (true, Ok(id)) = (moved(deal, t), u16::try_from(id)) {
                    self.feed.record(t, deal_id, Fact::Stage(id));
                }
            }
            _ => {}
        }
    }

    /// The feed, rebuilt from the deals (after a restore).
    pub(super) fn rebuild_feed(&mut self) {
        self.feed = Feed::rebuilt(self.deals.iter());
    }

    /// The latest closes and stage moves, newest first, at most [`crate::feed::FEED_LEN`].
    pub fn moments(&self, reference: &Reference) -> Vec<Moment> {
        self.feed
            .keys()
            .filter_map(|(t, deal, fact)| self.moment(t.0, deal, *fact, reference))
            .take(crate::feed::FEED_LEN)
            .collect()
    }

    fn moment(&self, t: Ms, deal_id: &str, fact: Fact, reference: &Reference) -> Option<Moment> {
        let deal = self.deals.get(deal_id).filter(|d| !d.is_deleted())?;
        let (outcome, stage, own, closer) = match fact {
            Fact::Close => {
                let close = deal.close.filter(|c| c.t == t)?;
                (Some(close.outcome.into()), None, close.amount, close.owner)
            }
            Fact::Stage(id) => {
                let name = self.stages.get(u32::from(id))?;
                let entered = deal.stages.iter().any(|&(u, s, _)| u == t && s == id);
                if !entered {
                    return None;
                }
                (reference.stage(name).and_then(|i| i.closes()).map(Into::into), Some(name.to_owned()), None, None)
            }
        };
        let (rep, team) = closer.or(deal.owner_at(t)).map_or((None, None), |o| self.owners.get(o));
        Some(Moment {
            at: chrono::DateTime::from_timestamp_millis(t)?,
            deal_id: deal_id.to_owned(),
            team: reference.team_of(rep, team).to_owned(),
            rep: rep.map(str::to_owned),
            outcome,
            stage,
            amount: own.or(deal.amount.map(|a| a.1)).and_then(|m| reference.to_base_at(m, t)),
        })
    }
}

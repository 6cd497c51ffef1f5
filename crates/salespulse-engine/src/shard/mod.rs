//! One shard per Kafka partition: dedup, entity state and aggregates, fed by `apply`.
//!
//! `impl Shard` is split by what it does: this file holds the state, `apply` and pruning;
//! `dispatch` routes each event to the state it changes; `settle` swaps an entity's
//! contributions after a change; `moments` records closes and stage moves in the feed;
//! `view` reads the shard at a given `now`.

mod dispatch;
mod moments;
mod settle;
mod view;

use chrono::{DateTime, Utc};
use salespulse_events::Event;

use crate::accounts::Accounts;
use crate::aggregates::Aggregates;
use crate::calendar::PeriodKind;
use crate::config::EngineConfig;
use crate::contrib::Contribs;
use crate::deals::Deals;
use crate::dedup::Dedup;
use crate::feed::Feed;
use crate::interner::Interner;
use crate::leads::Leads;
use crate::outcome::{Applied, Incomplete, Rejection};
use crate::owners::Owners;
use crate::reference::Reference;
use crate::time::{Ms, Window, ms};

/// Prune expired state at most this often (wall time). Pruning walks every entity, so it
/// is amortised over many events; state older than 90 days lingers at most this long.
const PRUNE_EVERY: Ms = 3_600_000;

/// The KPI state of one partition.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// Settings come from the configuration, not from a snapshot.
    #[serde(skip)]
    pub(crate) cfg: EngineConfig,
    pub(crate) owners: Owners,
    pub(crate) stages: Interner,
    pub(crate) agg: Aggregates,
    dedup: Dedup,
    pub(crate) leads: Leads,
    pub(crate) deals: Deals,
    pub(crate) accounts: Accounts,
    pub(crate) newest: Option<Ms>,
    pruned_at: Ms,
    /// Events whose team or stage went to [`crate::OVERFLOW`] since this process holds
    /// the shard (a counter: not in snapshots).
    #[serde(skip)]
    folded: Folded,
    /// The keys of the latest closes and stage moves (not in snapshots: rebuilt from the
    /// deals on restore).
    #[serde(skip)]
    feed: Feed,
    /// Where entities' contributions are derived (kept to reuse its allocation).
    #[serde(skip)]
    scratch: Contribs,
}

/// Events counted under [`crate::OVERFLOW`] because a budget was full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folded {
    pub teams: u64,
    pub stages: u64,
    pub reps: u64,
}

impl Shard {
    /// An empty shard.
    pub fn new(cfg: EngineConfig) -> Shard {
        let dedup = Dedup::new(cfg.dedup_horizon_ms, cfg.dedup_max_ids);
        Shard {
            cfg,
            owners: Owners::default(),
            stages: Interner::default(),
            agg: Aggregates::default(),
            dedup,
            leads: Leads::default(),
            deals: Deals::default(),
            accounts: Accounts::default(),
            newest: None,
            pruned_at: Ms::MIN,
            folded: Folded::default(),
            feed: Feed::default(),
            scratch: Contribs::default(),
        }
    }

    /// A shard read back from a snapshot: takes the current settings and rebuilds what
    /// is derived.
    pub fn restored(mut self, cfg: EngineConfig) -> Shard {
        self.dedup.horizon_from(&cfg);
        self.dedup.rebuild();
        self.owners.rebuild();
        self.rebuild_feed();
        self.cfg = cfg;
        self
    }

    /// Events counted under [`crate::OVERFLOW`] so far.
    pub fn folded(&self) -> Folded {
        self.folded
    }

    /// The newest `occurred_at` applied, if any.
    pub fn newest_event(&self) -> Option<DateTime<Utc>> {
        self.newest.and_then(DateTime::from_timestamp_millis)
    }

    /// Applies one event at wall time `now`. Routing reference data to the global
    /// [`Reference`] is the caller's job; a `spend.recorded` applied here counts with this
    /// shard, like any event, and other reference types only take part in dedup.
    pub fn apply(&mut self, event: &Event, reference: &Reference, now: DateTime<Utc>) -> Result<Applied, Rejection> {
        let (t, now) = (ms(event.occurred_at), ms(now));
        if t <= now - Window::LONGEST.len_ms() {
            return Err(Rejection::TooOld);
        }
        if t > now + self.cfg.max_future_skew_ms {
            return Err(Rejection::Future);
        }
        if let Some(m) = event.body.money().filter(|m| !reference.knows(m.currency)) {
            return Err(Rejection::UnknownCurrency(m.currency));
        }
        if self.entities() >= self.cfg.max_entities && self.adds_entity(event) {
            return Err(Rejection::TooManyEntities(self.cfg.max_entities));
        }
        if !self.dedup.insert(&event.event_id, now) {
            return Ok(Applied::Duplicate);
        }
        self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
        let mut inc = Incomplete::default();
        // Window slots follow the clock at every event (cheap); the walk over every entity
        // is amortised.
        self.agg.windows.prune(now);
        self.dispatch(event, t, reference, &mut inc);
        self.note(event, t);
        if now.saturating_sub(self.pruned_at) >= PRUNE_EVERY {
            self.prune_ms(now);
        }
        Ok(Applied::Counted(inc))
    }

    /// Deals, leads and accounts held.
    pub fn entities(&self) -> usize {
        self.deals.len() + self.leads.len() + self.accounts.len()
    }

    /// Whether `e` may add a deal, lead or account this shard does not hold.
    fn adds_entity(&self, e: &Event) -> bool {
        use salespulse_events::Body;
        let unknown_account = e.account_id.as_deref().is_some_and(|a| self.accounts.get(a).is_none());
        match &e.body {
            Body::ActivityLogged(a) => a.lead_id.as_deref().is_some_and(|l| self.leads.get(l).is_none()),
            Body::LeadCreated { lead_id, .. }
            | Body::LeadAssigned { lead_id }
            | Body::LeadConverted { lead_id, .. }
            | Body::LeadDisqualified { lead_id, .. } => self.leads.get(lead_id).is_none(),
            Body::CustomerStatusChanged { .. } | Body::RevenueChanged { .. } => unknown_account,
            // A close may make its account a customer.
            body => body.deal_id().is_some_and(|d| self.deals.get(d).is_none() || unknown_account),
        }
    }

    /// Drops window slots, months and entities that no KPI can count any more.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        self.prune_ms(ms(now));
    }

    fn prune_ms(&mut self, now: Ms) {
        self.agg.windows.prune(now);
        let cal = self.cfg.calendar;
        let (prev_year, _) = cal.previous(now, PeriodKind::Year);
        self.agg.months.prune(prev_year);
        let horizon = now - Window::LONGEST.len_ms();
        self.leads.retain(|l| l.touched >= horizon);
        self.deals.retain(|d| d.touched >= horizon || !d.counted_closed() && !d.is_deleted() && d.created.is_some());
        let old = horizon - Window::LONGEST.resolution_ms();
        self.accounts.update_where(|a| a.stale(horizon, old), |a| a.trim(horizon, old));
        self.accounts.retain(|a| !a.droppable(horizon));
        self.dedup.expire(now);
        self.pruned_at = now;
    }

    /// Estimated heap bytes held by this shard (aggregates, entities, dedup, names).
    pub fn state_bytes(&self) -> usize {
        self.state_parts().iter().map(|(_, b)| b).sum()
    }

    /// [`Shard::state_bytes`] by part: where the memory goes.
    pub fn state_parts(&self) -> [(&'static str, usize); 6] {
        let contribs = |n: usize| n * std::mem::size_of::<crate::contrib::Contribution>();
        let deals: usize = self
            .deals
            .iter()
            .map(|(k, d)| 200 + k.len() + d.stages.len() * 24 + d.owners.len() * 16 + contribs(d.contrib.len()))
            .sum();
        let leads: usize = self.leads.iter().map(|(k, l)| 150 + k.len() + contribs(l.contrib.len())).sum();
        let accounts: usize = self
            .accounts
            .iter()
            .map(|(k, a)| 150 + k.len() + (a.statuses.len() + a.mrr.len()) * 32 + contribs(a.contrib.len()))
            .sum();
        [
            ("windows", self.agg.windows.entries() * 48 + self.agg.windows.totals() * 40 + self.agg.months.len() * 40),
            ("deals", deals),
            ("leads", leads),
            ("accounts", accounts),
            ("dedup", self.dedup.len() * 24),
            ("names", self.owners.bytes() + self.stages.bytes()),
        ]
    }
}

//! One shard per Kafka partition: dedup, entity state and windows, fed by `apply`.

use chrono::{DateTime, Utc};
use salespulse_events::{Body, Event, Money};

use crate::deals::Deals;
use crate::dedup::Dedup;
use crate::leads::Leads;
use crate::outcome::{Applied, Incomplete, Rejection};
use crate::owners::Owners;
use crate::reference::Reference;
use crate::stat::{Stat, SurveyCat};
use crate::time::{Ms, Window, ms};
use crate::windows::Windows;

/// Engine settings; [`EngineConfig::default`] is what the service ships with.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long an `event_id` is remembered after its event is applied.
    pub dedup_horizon_ms: Ms,
    /// How many `event_id`s a shard remembers at most.
    pub dedup_max_ids: usize,
    /// How far in the future an `occurred_at` may be before it is rejected.
    pub max_future_skew_ms: Ms,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig { dedup_horizon_ms: 7 * 86_400_000, dedup_max_ids: 1_000_000, max_future_skew_ms: 300_000 }
    }
}

/// Prune expired state at most this often (wall time).
const PRUNE_EVERY: Ms = 60_000;

/// The KPI state of one partition.
#[derive(Debug, Clone)]
pub struct Shard {
    cfg: EngineConfig,
    pub(crate) owners: Owners,
    pub(crate) windows: Windows,
    dedup: Dedup,
    leads: Leads,
    deals: Deals,
    newest: Option<Ms>,
    pruned_at: Ms,
}

fn money_of(body: &Body) -> Option<Money> {
    match body {
        Body::DealCreated(d) => Some(d.amount),
        Body::DealAmountChanged { amount, .. } => Some(*amount),
        Body::DealClosed { amount, .. } => *amount,
        Body::RevenueChanged { mrr } => Some(*mrr),
        Body::QuotaSet { amount, .. }
        | Body::SpendRecorded { amount, .. }
        | Body::MarketSizeRecorded { amount, .. } => Some(*amount),
        _ => None,
    }
}

impl Shard {
    /// An empty shard.
    pub fn new(cfg: EngineConfig) -> Shard {
        let dedup = Dedup::new(cfg.dedup_horizon_ms, cfg.dedup_max_ids);
        Shard {
            cfg,
            owners: Owners::default(),
            windows: Windows::default(),
            dedup,
            leads: Leads::default(),
            deals: Deals::default(),
            newest: None,
            pruned_at: Ms::MIN,
        }
    }

    /// The newest `occurred_at` applied, if any.
    pub fn newest_event(&self) -> Option<DateTime<Utc>> {
        self.newest.and_then(DateTime::from_timestamp_millis)
    }

    /// Applies one event at wall time `now`. Reference events are the caller's to route to
    /// the [`Reference`]; here they only take part in dedup.
    pub fn apply(&mut self, event: &Event, reference: &Reference, now: DateTime<Utc>) -> Result<Applied, Rejection> {
        let (t, now) = (ms(event.occurred_at), ms(now));
        if t <= now - Window::LONGEST.len_ms() {
            return Err(Rejection::TooOld);
        }
        if t > now + self.cfg.max_future_skew_ms {
            return Err(Rejection::Future);
        }
        if let Some(m) = money_of(&event.body).filter(|m| !reference.knows(m.currency)) {
            return Err(Rejection::UnknownCurrency(m.currency));
        }
        if !self.dedup.insert(&event.event_id, now) {
            return Ok(Applied::Duplicate);
        }
        self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
        let mut inc = Incomplete::default();
        self.dispatch(event, t, reference, &mut inc);
        if now.saturating_sub(self.pruned_at) >= PRUNE_EVERY {
            self.prune_ms(now);
        }
        Ok(Applied::Counted(inc))
    }

    fn dispatch(&mut self, e: &Event, t: Ms, reference: &Reference, inc: &mut Incomplete) {
        let owner = self.owners.id(e.rep_id.as_deref(), e.team_id.as_deref());
        let w = &mut self.windows;
        match &e.body {
            Body::ActivityLogged(a) => {
                w.add(t, owner, Stat::Activities(a.kind, a.direction), 1.0);
                let human_outbound = a.direction == salespulse_events::Direction::Outbound && !a.automated;
                if let (Some(lead), true) = (&a.lead_id, human_outbound) {
                    self.leads.respond(w, lead, t, owner, inc);
                }
            }
            Body::LeadCreated { lead_id, .. } => self.leads.create(w, lead_id, t, owner),
            Body::LeadAssigned { lead_id } => self.leads.assign(w, lead_id, t, owner),
            Body::LeadConverted { lead_id, .. } => self.leads.convert(w, lead_id, t, inc),
            Body::LeadDisqualified { lead_id, .. } => self.leads.disqualify(lead_id, t),
            Body::DealCreated(d) => self.deals.set(&d.deal_id, t, Some(d.amount), Some(owner)),
            Body::DealAmountChanged { deal_id, amount } => self.deals.set(deal_id, t, Some(*amount), None),
            Body::DealOwnerChanged { deal_id } => self.deals.set(deal_id, t, None, Some(owner)),
            Body::DealStageChanged { deal_id, .. } => self.deals.set(deal_id, t, None, None),
            Body::DealClosed { deal_id, outcome, amount, .. } => {
                let owner = match e.rep_id {
                    Some(_) => owner,
                    None => self.deals.owner(deal_id).unwrap_or(owner),
                };
                self.deals.close(w, reference, deal_id, t, owner, *outcome, *amount, inc);
            }
            Body::DealReopened { deal_id } => self.deals.reopen(w, deal_id, t),
            Body::DealDeleted { deal_id } => self.deals.delete(w, deal_id, t),
            Body::SurveyResponded { survey, .. } => w.add(t, owner, Stat::Survey(survey_cat(*survey)), 1.0),
            _ => {}
        }
    }

    /// Drops window slots, leads and closed deals that no window can count any more.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        self.prune_ms(ms(now));
    }

    fn prune_ms(&mut self, now: Ms) {
        self.windows.prune(now);
        let horizon = now - Window::LONGEST.len_ms();
        self.leads.prune(horizon);
        self.deals.prune(horizon);
        self.dedup.expire(now);
        self.pruned_at = now;
    }

    /// Estimated heap bytes held by this shard (windows, entities, dedup, owners).
    pub fn state_bytes(&self) -> usize {
        self.windows.entries() * 48
            + self.leads.len() * 120
            + self.deals.len() * 160
            + self.dedup.len() * 40
            + self.owners.bytes()
    }
}

fn survey_cat(s: salespulse_events::Survey) -> SurveyCat {
    use salespulse_events::Survey;
    match s {
        Survey::Nps { score: 9..=10 } => SurveyCat::NpsPromoter,
        Survey::Nps { score: 7..=8 } => SurveyCat::NpsPassive,
        Survey::Nps { .. } => SurveyCat::NpsDetractor,
        Survey::Csat { score, scale_max } if score + 1 >= scale_max => SurveyCat::CsatSatisfied,
        Survey::Csat { .. } => SurveyCat::CsatOther,
    }
}

//! Routing each event to the state it changes: window statistics directly, entity facts
//! through `settle`.

use salespulse_events::{Body, Direction, Event, Outcome, Survey};

use super::Shard;
use super::settle::{settle_deal, settle_lead};
use crate::deals::{Close, Deal, Lookups, insert_by_time};
use crate::entities::entry;
use crate::outcome::{Incomplete, IncompleteKpi};
use crate::owners::Role;
use crate::reference::{OVERFLOW, Reference};
use crate::stat::{StageId, Stat, SurveyCat};
use crate::time::Ms;
use crate::windows::OwnerId;

fn survey_cat(s: Survey) -> SurveyCat {
    match s {
        Survey::Nps { score: 9..=10 } => SurveyCat::NpsPromoter,
        Survey::Nps { score: 7..=8 } => SurveyCat::NpsPassive,
        Survey::Nps { .. } => SurveyCat::NpsDetractor,
        Survey::Csat { score, scale_max } if score + 1 >= scale_max => SurveyCat::CsatSatisfied,
        Survey::Csat { .. } => SurveyCat::CsatOther,
    }
}

impl Shard {
    /// The name id of the event's team override (0: none), or of [`OVERFLOW`] once the
    /// partition has `max_teams`.
    fn team(&mut self, e: &Event) -> u32 {
        let Some(team) = e.team_id.as_deref() else { return 0 };
        self.owners.admit(team, Role::Team, self.cfg.max_teams).unwrap_or_else(|| {
            self.folded.teams += 1;
            self.owners.name(OVERFLOW)
        })
    }

    /// The name id of the event's rep (0: none), or of [`OVERFLOW`] once the partition has
    /// `max_reps`.
    fn rep(&mut self, e: &Event) -> u32 {
        let Some(rep) = e.rep_id.as_deref() else { return 0 };
        self.owners.admit(rep, Role::Rep, self.cfg.max_reps).unwrap_or_else(|| {
            self.folded.reps += 1;
            self.owners.name(OVERFLOW)
        })
    }

    /// The id of a stage, or of [`OVERFLOW`] once the partition has `max_stages` (at most
    /// [`crate::MAX_STAGE_BUDGET`], so ids fit a [`StageId`]).
    fn stage_id(&mut self, stage: &str) -> StageId {
        let room = self.stages.count() < self.cfg.max_stages;
        let id = self.stages.find(stage).or_else(|| room.then(|| self.stages.id(Some(stage))));
        if let Some(id) = id.and_then(|id| StageId::try_from(id).ok()) {
            return id;
        }
        self.folded.stages += 1;
        // Only a state restored from a build without the budget can hold 2^16 stages.
        StageId::try_from(self.stages.id(Some(OVERFLOW))).unwrap_or(StageId::MAX)
    }

    pub(super) fn dispatch(&mut self, e: &Event, t: Ms, reference: &Reference, inc: &mut Incomplete) {
        let (team, rep) = (self.team(e), self.rep(e));
        let owner = self.owners.pair(rep, team);
        let w = &mut self.agg.windows;
        match &e.body {
            Body::ActivityLogged(a) => {
                w.add(t, owner, Stat::Activities(a.kind, a.direction), 1.0);
                if let (Some(id), Direction::Outbound, false) = (&a.lead_id, a.direction, a.automated) {
                    let lead = entry(&mut self.leads, id, t);
                    let first = lead.response.is_none();
                    if lead.response.is_none_or(|(r, _)| t < r) {
                        lead.response = Some((t, owner));
                    }
                    if first && lead.clock_start().is_none() {
                        inc.add(IncompleteKpi::LeadResponseTime);
                    }
                    settle_lead(&mut self.agg, &mut self.scratch, lead);
                }
            }
            Body::SocialAction { action } => w.add(t, owner, Stat::Social(*action), 1.0),
            Body::SurveyResponded { survey, .. } => w.add(t, owner, Stat::Survey(survey_cat(*survey)), 1.0),
            Body::SentimentScored { score, channel } => {
                w.add(t, owner, Stat::SentimentCount(*channel), 1.0);
                w.add(t, owner, Stat::SentimentSum(*channel), *score);
            }
            Body::TrainingCompleted { score, .. } => {
                w.add(t, owner, Stat::Trainings, 1.0);
                if let Some(s) = score {
                    w.add(t, owner, Stat::TrainingsScored, 1.0);
                    w.add(t, owner, Stat::TrainingScoreSum, *s);
                }
            }
            Body::SpendRecorded { category, amount } => {
                if let Some(v) = reference.to_base(*amount) {
                    w.add(t, owner, Stat::Spend(*category), v);
                }
            }
            Body::LeadCreated { lead_id, .. } => {
                let lead = entry(&mut self.leads, lead_id, t);
                if lead.created.is_none_or(|(c, _)| t < c) {
                    lead.created = Some((t, owner));
                }
                settle_lead(&mut self.agg, &mut self.scratch, lead);
            }
            Body::LeadAssigned { lead_id } => {
                let lead = entry(&mut self.leads, lead_id, t);
                if lead.owner.is_none_or(|(u, _)| t >= u) {
                    lead.owner = Some((t, owner));
                }
                if lead.assigned.is_none_or(|a| t < a) {
                    lead.assigned = Some(t);
                }
                settle_lead(&mut self.agg, &mut self.scratch, lead);
            }
            Body::LeadConverted { lead_id, .. } => {
                let lead = entry(&mut self.leads, lead_id, t);
                if !lead.converted && lead.created.is_none() {
                    inc.add(IncompleteKpi::LeadConversion);
                }
                lead.converted = true;
                settle_lead(&mut self.agg, &mut self.scratch, lead);
            }
            Body::LeadDisqualified { lead_id, .. } => {
                let lead = entry(&mut self.leads, lead_id, t);
                lead.disqualified = true;
                settle_lead(&mut self.agg, &mut self.scratch, lead);
            }
            _ => self.dispatch_deal_or_account(e, t, (owner, team), reference, inc),
        }
    }

    fn dispatch_deal_or_account(
        &mut self,
        e: &Event,
        t: Ms,
        (owner, team): (OwnerId, u32),
        reference: &Reference,
        inc: &mut Incomplete,
    ) {
        let nobody = self.nobody();
        // The deal written, and whether this event may make it won now. The deal is looked
        // up once: what follows borrows the shard's other parts beside it.
        let (deal, may_win) = match &e.body {
            Body::DealCreated(d) => {
                let stage = self.stage_id(&d.stage);
                let deal = entry(&mut self.deals, &d.deal_id, t);
                if deal.created.is_none_or(|(c, _)| t < c) {
                    deal.created = Some((t, d.deal_type));
                }
                deal.deletion.create(t);
                if deal.amount.is_none_or(|(u, _)| t >= u) {
                    deal.amount = Some((t, d.amount));
                }
                insert_by_time(&mut deal.owners, t, owner);
                let at = deal.stages.partition_point(|s| s.0 <= t);
                deal.stages.insert(at, (t, stage, d.probability));
                (deal, true)
            }
            Body::DealStageChanged { deal_id, stage, probability } => {
                let stage = self.stage_id(stage);
                let deal = entry(&mut self.deals, deal_id, t);
                let at = deal.stages.partition_point(|s| s.0 <= t);
                deal.stages.insert(at, (t, stage, *probability));
                // Into a stage defined as closed and won: as a `deal.closed` won.
                (deal, true)
            }
            Body::DealAmountChanged { deal_id, amount } => {
                let deal = entry(&mut self.deals, deal_id, t);
                if deal.amount.is_none_or(|(u, _)| t >= u) {
                    deal.amount = Some((t, *amount));
                }
                (deal, false)
            }
            Body::DealOwnerChanged { deal_id } => {
                let deal = entry(&mut self.deals, deal_id, t);
                insert_by_time(&mut deal.owners, t, owner);
                (deal, false)
            }
            Body::DealClosed { deal_id, outcome, amount, .. } => {
                let deal = entry(&mut self.deals, deal_id, t);
                let own = match (&e.rep_id, team) {
                    (Some(_), _) => Some(owner),
                    (None, 0) => None,
                    // A close that names its team and not its rep counts under that team,
                    // with the deal's rep when known.
                    (None, team) => Some(self.owners.pair(deal.owner().map_or(0, |o| self.owners.rep_of(o)), team)),
                };
                if deal.close.is_none_or(|c| t >= c.t) {
                    deal.close = Some(Close { t, outcome: *outcome, amount: *amount, owner: own });
                }
                (deal, true)
            }
            Body::DealReopened { deal_id } => {
                let deal = entry(&mut self.deals, deal_id, t);
                deal.last_reopen = deal.last_reopen.max(Some(t));
                (deal, false)
            }
            Body::DealDeleted { deal_id } => {
                let deal = entry(&mut self.deals, deal_id, t);
                deal.deletion.delete(t);
                (deal, false)
            }
            Body::CustomerStatusChanged { .. } | Body::RevenueChanged { .. } => {
                self.account_event(e, t, owner);
                return;
            }
            _ => return,
        };
        if let (None, Some(a)) = (&deal.account, &e.account_id) {
            deal.account = Some(a.as_str().to_owned());
        }
        let lookups = Lookups { reference, calendar: &self.cfg.calendar, stages: &self.stages };
        let closer = if may_win { won_now(deal, t, &lookups, inc) } else { None };
        settle_deal(&mut self.agg, &mut self.scratch, deal, &lookups, nobody);
        if let Some((account, closer)) = closer {
            entry(&mut self.accounts, &account, t).set_owner(t, closer);
            self.settle_account(&account);
        }
    }
}

/// When the deal's close that counts is a win at `t` (this event's time): the KPIs that
/// must skip it, and the account that the closer now owns.
fn won_now(deal: &Deal, t: Ms, lookups: &Lookups<'_>, inc: &mut Incomplete) -> Option<(String, OwnerId)> {
    let won = deal.effective_close(lookups.reference, lookups.stages).filter(|c| c.t == t && c.outcome == Outcome::Won);
    let cl = won?;
    if deal.revenue(&cl, lookups.reference).is_none() {
        inc.add(IncompleteKpi::WonRevenue);
    }
    if deal.created.is_none() {
        inc.add(IncompleteKpi::SalesCycle);
    }
    Some((deal.account.clone()?, cl.owner.or(deal.owner())?))
}

impl Shard {
    /// `customer.status_changed` and `revenue.changed` (the decoder guarantees the account).
    fn account_event(&mut self, e: &Event, t: Ms, owner: OwnerId) {
        let Some(id) = e.account_id.as_deref() else { return };
        let account = entry(&mut self.accounts, id, t);
        match &e.body {
            Body::RevenueChanged { mrr } => insert_by_time(&mut account.mrr, t, *mrr),
            Body::CustomerStatusChanged { status } => insert_by_time(&mut account.statuses, t, *status),
            _ => return,
        }
        if e.rep_id.is_some() {
            account.set_owner(t, owner);
        }
        self.settle_account(id);
    }
}

//! The generator's state machine: open stories (a lead and what follows) and everyday
//! events, one emitted per time slot.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, Utc};
use salespulse_events::*;

use crate::model::*;
use crate::random::Rng;

/// Where a story stands: the next thing that happens to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step {
    Assign,
    AutoTouch,
    FirstTouch,
    Decide,
    CreateDeal,
    Stage(usize),
    Close,
    Reopen,
    Onboard,
    FirstInvoice,
    Survey,
    Expand,
    Churn,
    Churned,
}

#[derive(Debug, Clone)]
pub(crate) struct Story {
    pub(crate) account: String,
    pub(crate) lead: String,
    pub(crate) rep: usize,
    pub(crate) step: Step,
    pub(crate) deal: Option<Deal>,
    pub(crate) mrr: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Deal {
    pub(crate) id: String,
    pub(crate) amount: f64,
    pub(crate) currency: &'static str,
}

/// The traffic generator. See the crate docs.
#[derive(Debug)]
pub struct Generator {
    pub(crate) cfg: GenConfig,
    pub(crate) rng: Rng,
    pub(crate) ids: Ids,
    pub(crate) reps: Vec<(String, String)>,
    due: BinaryHeap<Reverse<(i64, u64)>>,
    stories: HashMap<u64, Story>,
    next_story: u64,
    pub(crate) last_everyday: Option<Keyed>,
}

/// Every rep's monthly quota, in EUR.
const QUOTA_PER_MONTH: f64 = 60_000.0;

pub(crate) const MIN: f64 = 60_000.0;
pub(crate) const HOUR: f64 = 60.0 * MIN;
pub(crate) const DAY: f64 = 24.0 * HOUR;

impl Generator {
    pub fn new(cfg: GenConfig) -> Generator {
        let reps = (0..cfg.teams.max(1))
            .flat_map(|t| {
                (0..cfg.reps_per_team.max(1)).map(move |r| (format!("rep-{}-{}", team_name(t), r + 1), team_name(t)))
            })
            .collect();
        Generator {
            rng: Rng::new(cfg.seed),
            ids: Ids::new(cfg.seed),
            cfg,
            reps,
            due: BinaryHeap::new(),
            stories: HashMap::new(),
            next_story: 0,
            last_everyday: None,
        }
    }

    /// The roster, exchange rates, stage definitions, and monthly quotas and market sizes
    /// for the calendar years from the one before `at` to the one of `through`, as of `at`.
    pub fn reference_events(&mut self, at: DateTime<Utc>, through: DateTime<Utc>) -> Vec<Keyed> {
        use chrono::Datelike;
        let mut out = Vec::new();
        for year in at.year() - 1..=through.year() {
            for month in 1..=12u8 {
                let period = Period::Month { year, month };
                let size = Money { amount: 10_000_000.0, currency: currency("EUR") };
                let e = self.ids.event(at, Body::MarketSizeRecorded { period, amount: size });
                out.push(Keyed { key: format!("market-{period}"), event: e });
                for (rep, _) in self.reps.clone() {
                    let quota = Money { amount: QUOTA_PER_MONTH, currency: currency("EUR") };
                    let e = self.ids.event(at, Body::QuotaSet { period, amount: quota });
                    out.push(keyed(e, Some(&rep), &rep));
                }
            }
        }
        for (rep, team) in self.reps.clone() {
            let e = self
                .ids
                .event(at, Body::RepUpdated { team_id: team.clone().into(), active: true, quota_carrying: true });
            let mut k = keyed(e, Some(&rep), &rep);
            k.event.team_id = Some(team.into());
            out.push(k);
        }
        for (code, rate) in CURRENCIES.iter().filter(|(c, _)| *c != "EUR") {
            let e = self.ids.event(at, Body::FxRate { currency: currency(code), rate: *rate });
            out.push(Keyed { key: format!("fx-{code}"), event: e });
        }
        for (order, (stage, probability)) in STAGES.iter().enumerate() {
            let def = StageDefinition {
                stage: (*stage).into(),
                order: order as i64 + 1,
                probability: *probability,
                is_closed: false,
                is_won: false,
            };
            out.push(Keyed { key: format!("stage-{stage}"), event: self.ids.event(at, Body::StageDefined(def)) });
        }
        out
    }

    /// Number of stories still open.
    pub fn open_stories(&self) -> usize {
        self.stories.len()
    }

    /// The event of the slot at `t` (slots must not go back in time).
    pub fn next_at(&mut self, t: DateTime<Utc>) -> Keyed {
        let now = t.timestamp_millis();
        if let Some(&Reverse((due, id))) = self.due.peek()
            && due <= now
        {
            self.due.pop();
            if let Some(mut story) = self.stories.remove(&id) {
                let (event, next) = self.advance(&mut story, t);
                if let Some(delay) = next {
                    self.due.push(Reverse((now + delay as i64, id)));
                    self.stories.insert(id, story);
                }
                return event;
            }
        }
        if self.rng.chance(0.2) { self.new_lead(t) } else { self.everyday(t) }
    }

    fn schedule(&mut self, story: Story, at_ms: i64) {
        let id = self.next_story;
        self.next_story += 1;
        self.stories.insert(id, story);
        self.due.push(Reverse((at_ms, id)));
    }

    fn new_lead(&mut self, t: DateTime<Utc>) -> Keyed {
        let account = format!("acc-{:05}", self.rng.below(self.cfg.accounts));
        let lead = format!("lead-{}", self.ids.event_id());
        let rep = self.rng.below(self.reps.len());
        let channel = *self.rng.pick(&["website", "webinar", "referral", "outbound", "event", "partner"]);
        let body = Body::LeadCreated { lead_id: lead.clone().into(), channel: Some(channel.into()) };
        let event = keyed(self.ids.event(t, body), None, &account);
        let first = if self.rng.chance(0.15) { Step::AutoTouch } else { Step::Assign };
        let story = Story { account, lead, rep, step: first, deal: None, mrr: 0.0 };
        let delay = self.rng.exp(10.0 * MIN);
        self.schedule(story, t.timestamp_millis() + delay as i64);
        event
    }

    pub(crate) fn rep(&self, i: usize) -> &str {
        &self.reps[i].0
    }

    pub(crate) fn touch(
        &mut self,
        s: &Story,
        t: DateTime<Utc>,
        kind: ActivityKind,
        automated: bool,
        deal: bool,
    ) -> Keyed {
        let activity = Activity {
            activity_id: format!("act-{}", self.ids.event_id()).into(),
            kind,
            direction: Direction::Outbound,
            lead_id: (!deal).then(|| s.lead.clone()).map(Into::into),
            deal_id: s.deal.as_ref().filter(|_| deal).map(|d| d.id.clone()).map(Into::into),
            duration_s: matches!(kind, ActivityKind::Call | ActivityKind::Meeting | ActivityKind::Demo)
                .then(|| (self.rng.lognormal(900.0, 0.6)).round()),
            automated,
        };
        keyed(self.ids.event(t, Body::ActivityLogged(activity)), Some(&self.reps[s.rep].0.clone()), &s.account)
    }

    /// Emits the story's current step at `t`; returns the delay (ms) to its next step.
    fn advance(&mut self, s: &mut Story, t: DateTime<Utc>) -> (Keyed, Option<f64>) {
        match s.step {
            Step::AutoTouch | Step::Assign | Step::FirstTouch | Step::Decide => self.lead_step(s, t),
            Step::CreateDeal => self.create_deal(s, t),
            Step::Stage(i) => self.stage(s, t, i),
            Step::Close => self.close(s, t),
            Step::Reopen => {
                s.step = Step::Close;
                let deal_id = s.deal.as_ref().map(|d| d.id.clone()).unwrap_or_default();
                let e = self.ids.event(t, Body::DealReopened { deal_id: deal_id.into() });
                (keyed(e, None, &s.account), Some(self.rng.lognormal(3.0 * DAY, 0.5)))
            }
            Step::Onboard | Step::FirstInvoice | Step::Survey | Step::Expand | Step::Churn | Step::Churned => {
                self.customer_step(s, t)
            }
        }
    }

    /// The steps of a lead: touches, assignment, and the decision about it.
    fn lead_step(&mut self, s: &mut Story, t: DateTime<Utc>) -> (Keyed, Option<f64>) {
        let rep = self.rep(s.rep).to_owned();
        let ev = |g: &mut Generator, body: Body| g.ids.event(t, body);
        match s.step {
            Step::AutoTouch => {
                s.step = Step::Assign;
                (self.touch(s, t, ActivityKind::Email, true, false), Some(self.rng.exp(5.0 * MIN)))
            }
            Step::Assign => {
                s.step = Step::FirstTouch;
                let e = ev(self, Body::LeadAssigned { lead_id: s.lead.clone().into() });
                (keyed(e, Some(&rep), &s.account), Some(self.rng.lognormal(40.0 * MIN, 1.2)))
            }
            Step::FirstTouch => {
                s.step = Step::Decide;
                let kind = if self.rng.chance(0.6) { ActivityKind::Email } else { ActivityKind::Call };
                (self.touch(s, t, kind, false, false), Some(self.rng.lognormal(2.0 * DAY, 0.8)))
            }
            Step::Decide => match self.rng.weighted(&[0.35, 0.35, 0.30]) {
                0 => {
                    s.step = Step::CreateDeal;
                    let e = ev(self, Body::LeadConverted { lead_id: s.lead.clone().into(), deal_id: None });
                    (keyed(e, Some(&rep), &s.account), Some(self.rng.exp(30.0 * MIN)))
                }
                1 => {
                    let reason = self.rng.pick(&["no budget", "no fit", "unreachable", "competitor"]).to_string();
                    let e = ev(
                        self,
                        Body::LeadDisqualified { lead_id: s.lead.clone().into(), reason: Some(reason.into()) },
                    );
                    (keyed(e, Some(&rep), &s.account), None)
                }
                _ => (self.touch(s, t, ActivityKind::Email, false, false), None),
            },
            _ => unreachable!("not a lead step: {:?}", s.step),
        }
    }

    /// The deal a converted lead becomes.
    fn create_deal(&mut self, s: &mut Story, t: DateTime<Utc>) -> (Keyed, Option<f64>) {
        let rep = self.rep(s.rep).to_owned();
        let ev = |g: &mut Generator, body: Body| g.ids.event(t, body);
        let currency = CURRENCIES[self.rng.weighted(&[0.6, 0.3, 0.1])].0;
        let amount = (self.rng.lognormal(18_000.0, 0.9) / 100.0).round() * 100.0 + 100.0;
        let deal = Deal { id: format!("deal-{}", self.ids.event_id()), amount, currency };
        let deal_type = *self.rng.pick(&[
            DealType::NewBusiness,
            DealType::NewBusiness,
            DealType::NewBusiness,
            DealType::Upsell,
            DealType::CrossSell,
        ]);
        let body = Body::DealCreated(DealCreated {
            deal_id: deal.id.clone().into(),
            amount: Money { amount, currency: crate::model::currency(currency) },
            stage: STAGES[0].0.into(),
            deal_type,
            lead_id: Some(s.lead.clone().into()),
            probability: None,
        });
        s.deal = Some(deal);
        s.step = Step::Stage(1);
        (keyed(ev(self, body), Some(&rep), &s.account), Some(self.rng.lognormal(5.0 * DAY, 0.7)))
    }

    /// The life of a customer after a won deal: onboarding, invoices, a survey, expansion
    /// or churn.
    fn customer_step(&mut self, s: &mut Story, t: DateTime<Utc>) -> (Keyed, Option<f64>) {
        let rep = self.rep(s.rep).to_owned();
        let ev = |g: &mut Generator, body: Body| g.ids.event(t, body);
        match s.step {
            Step::Onboard => {
                s.step = Step::FirstInvoice;
                let e = ev(self, Body::CustomerStatusChanged { status: CustomerStatus::Customer });
                (keyed(e, None, &s.account), Some(self.rng.exp(HOUR)))
            }
            Step::FirstInvoice => {
                let d = s.deal.clone().expect("a won story has a deal");
                s.mrr = (d.amount / 12.0).round();
                s.step = Step::Survey;
                let body =
                    Body::RevenueChanged { mrr: Money { amount: s.mrr, currency: crate::model::currency(d.currency) } };
                (keyed(ev(self, body), None, &s.account), Some(self.rng.lognormal(14.0 * DAY, 0.4)))
            }
            Step::Survey => {
                s.step = if self.rng.chance(0.1) { Step::Churn } else { Step::Expand };
                let score = (self.rng.weighted(&[0.02, 0.02, 0.03, 0.03, 0.05, 0.05, 0.1, 0.15, 0.2, 0.2, 0.15])) as u8;
                let body = Body::SurveyResponded {
                    response_id: format!("r-{}", self.ids.event_id()).into(),
                    survey: Survey::Nps { score },
                };
                (keyed(ev(self, body), Some(&rep), &s.account), Some(self.rng.lognormal(30.0 * DAY, 0.5)))
            }
            Step::Expand | Step::Churn => {
                let d = s.deal.clone().expect("a customer story has a deal");
                let churn = s.step == Step::Churn;
                s.mrr = if churn { 0.0 } else { (s.mrr * (1.1 + 0.2 * self.rng.unit())).round() };
                s.step = Step::Churned;
                let body =
                    Body::RevenueChanged { mrr: Money { amount: s.mrr, currency: crate::model::currency(d.currency) } };
                (keyed(ev(self, body), None, &s.account), churn.then(|| self.rng.exp(HOUR)))
            }
            Step::Churned => {
                let e = ev(self, Body::CustomerStatusChanged { status: CustomerStatus::Churned });
                (keyed(e, None, &s.account), None)
            }
            _ => unreachable!("not a customer step: {:?}", s.step),
        }
    }
}

//! The global reference table: roster, exchange rates, stage definitions, quotas, market
//! sizes and recorded spend.
//!
//! Every shard reads it; it is filled from the reference topic, from files, and from
//! reference events that arrive on the events topic. Updates are upserts (spend is
//! deduplicated on `event_id`), so replaying the reference topic is always safe.

use std::collections::BTreeSet;

use salespulse_events::{Body, Currency, Event, Money, Period, StageDefinition};

use crate::calendar::{Calendar, MonthKey, PeriodKind};
use crate::outcome::Rejection;
use crate::spend::Spend;
use crate::time::{Ms, ms};

/// Keys come from input (names, currencies): a keyed hash, cheaper than the default one.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Dated rates kept per currency (a rate a day for 27 years); the oldest go first.
const MAX_DATED_RATES: usize = 10_000;

/// The team label of events whose rep is not in the roster.
pub const UNASSIGNED: &str = "unassigned";

/// The team or stage label of values beyond their budget (`max_teams`, `max_stages`).
pub const OVERFLOW: &str = "_other";

/// What the roster knows of a rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepInfo {
    pub team: String,
    pub active: bool,
    pub quota_carrying: bool,
}

/// A stage's definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageInfo {
    pub order: i64,
    pub probability: f64,
    /// A closed stage: a deal that enters it is closed (won when `is_won`, else lost).
    pub is_closed: bool,
    pub is_won: bool,
}

impl StageInfo {
    /// An open stage.
    pub fn open(order: i64, probability: f64) -> StageInfo {
        StageInfo { order, probability, is_closed: false, is_won: false }
    }

    /// How a deal that enters this stage closes, if it does.
    pub fn closes(&self) -> Option<salespulse_events::Outcome> {
        use salespulse_events::Outcome;
        self.is_closed.then_some(if self.is_won { Outcome::Won } else { Outcome::Lost })
    }
}

/// The global reference data.
#[derive(Debug, Clone)]
pub struct Reference {
    base: Currency,
    /// Undated rates (configuration, rates file), and the rates of `fx.rate` events when
    /// rates are not dated.
    fx: HashMap<Currency, f64>,
    /// Rates of `fx.rate` events by the time they apply from, when rates are dated.
    dated: HashMap<Currency, Vec<(Ms, f64)>>,
    dated_rates: bool,
    roster: HashMap<String, RepInfo>,
    stages: HashMap<String, StageInfo>,
    quotas: HashMap<(String, Period), Money>,
    market: HashMap<Period, Money>,
    pub(crate) spend: Spend,
    /// Most distinct teams in the roster and stages defined, from reference events.
    budgets: (usize, usize),
}

impl Reference {
    /// An empty table with the given base currency (whose rate is 1).
    pub fn new(base: Currency) -> Reference {
        Reference {
            base,
            fx: HashMap::default(),
            dated: HashMap::default(),
            dated_rates: true,
            roster: HashMap::default(),
            stages: HashMap::default(),
            quotas: HashMap::default(),
            market: HashMap::default(),
            spend: Spend::default(),
            budgets: (crate::config::DEFAULT_MAX_TEAMS, crate::config::DEFAULT_MAX_STAGES),
        }
    }

    /// Most distinct roster teams and defined stages that reference events may add
    /// (`max_teams`, `max_stages`); beyond them a new one is refused.
    pub fn set_budgets(&mut self, teams: usize, stages: usize) {
        self.budgets = (teams, stages);
    }

    /// Whether a reference event may add `team` to the roster.
    fn admits_team(&self, team: &str) -> bool {
        let teams = self.teams();
        teams.contains(team) || teams.len() < self.budgets.0
    }

    /// The base currency every amount is converted to.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// Sets the undated rate of `currency`: units of base currency per unit.
    pub fn set_rate(&mut self, currency: Currency, rate: f64) {
        self.fx.insert(currency, rate);
    }

    /// Whether `fx.rate` events apply from their `occurred_at` (a won deal converts at the
    /// rate in force at its close), or each replaces the rate for every amount (`false`).
    pub fn set_dated_rates(&mut self, dated: bool) {
        self.dated_rates = dated;
    }

    /// The rate of `currency` from time `t` on (an `fx.rate` event).
    pub fn set_rate_from(&mut self, currency: Currency, rate: f64, t: Ms) {
        if !self.dated_rates {
            return self.set_rate(currency, rate);
        }
        let rates = self.dated.entry(currency).or_default();
        match rates.binary_search_by_key(&t, |r| r.0) {
            Ok(i) => rates[i].1 = rate,
            Err(i) => rates.insert(i, (t, rate)),
        }
        if rates.len() > MAX_DATED_RATES {
            rates.remove(0);
        }
    }

    /// The rate of `currency` now: the newest dated rate, else the undated one.
    fn rate(&self, currency: Currency) -> Option<f64> {
        self.dated.get(&currency).and_then(|r| r.last()).map(|r| r.1).or_else(|| self.fx.get(&currency).copied())
    }

    /// The rate of `currency` in force at `t`: the dated rate applying then, else the
    /// undated one, else the earliest dated one.
    fn rate_at(&self, currency: Currency, t: Ms) -> Option<f64> {
        let dated = self.dated.get(&currency).filter(|r| !r.is_empty());
        let at = dated.and_then(|r| r.partition_point(|(u, _)| *u <= t).checked_sub(1).map(|i| r[i].1));
        at.or_else(|| self.fx.get(&currency).copied()).or_else(|| dated.map(|r| r[0].1))
    }

    /// Upserts a rep.
    pub fn set_rep(&mut self, rep: &str, info: RepInfo) {
        self.roster.insert(rep.to_owned(), info);
    }

    /// Upserts a stage definition.
    pub fn set_stage(&mut self, stage: &str, info: StageInfo) {
        self.stages.insert(stage.to_owned(), info);
    }

    /// Sets a rep's quota for a period.
    pub fn set_quota(&mut self, rep: &str, period: Period, amount: Money) {
        self.quotas.insert((rep.to_owned(), period), amount);
    }

    /// Sets the market size of a period.
    pub fn set_market_size(&mut self, period: Period, amount: Money) {
        self.market.insert(period, amount);
    }

    /// Removes a rate (the base currency keeps its rate of 1).
    pub fn remove_rate(&mut self, currency: Currency) {
        self.fx.remove(&currency);
    }

    /// Removes a rep from the roster.
    pub fn remove_rep(&mut self, rep: &str) {
        self.roster.remove(rep);
    }

    /// Removes a stage definition.
    pub fn remove_stage(&mut self, stage: &str) {
        self.stages.remove(stage);
    }

    /// Removes a quota.
    pub fn remove_quota(&mut self, rep: &str, period: Period) {
        self.quotas.remove(&(rep.to_owned(), period));
    }

    /// The amount in base currency at the current rate, or `None` when the currency has no
    /// known rate.
    pub fn to_base(&self, money: Money) -> Option<f64> {
        if money.currency == self.base {
            return Some(money.amount);
        }
        self.rate(money.currency).map(|rate| money.amount * rate)
    }

    /// The amount in base currency at the rate in force at `t` (the current rate when
    /// rates are not dated).
    pub fn to_base_at(&self, money: Money, t: Ms) -> Option<f64> {
        if money.currency == self.base {
            return Some(money.amount);
        }
        self.rate_at(money.currency, t).map(|rate| money.amount * rate)
    }

    /// Whether amounts in `currency` can be converted.
    pub fn knows(&self, currency: Currency) -> bool {
        currency == self.base || self.fx.contains_key(&currency) || self.dated.contains_key(&currency)
    }

    /// The roster entry of a rep.
    pub fn rep(&self, rep: &str) -> Option<&RepInfo> {
        self.roster.get(rep)
    }

    /// Every rep of the roster.
    pub fn reps(&self) -> impl Iterator<Item = (&str, &RepInfo)> {
        self.roster.iter().map(|(r, i)| (r.as_str(), i))
    }

    /// The definition of a stage.
    pub fn stage(&self, stage: &str) -> Option<StageInfo> {
        self.stages.get(stage).copied()
    }

    /// Every defined stage.
    pub fn stage_names(&self) -> impl Iterator<Item = &str> {
        self.stages.keys().map(String::as_str)
    }

    /// The team of an owner: the event's own team, else the rep's roster team, else
    /// [`UNASSIGNED`].
    pub fn team_of<'a>(&'a self, rep: Option<&str>, team_override: Option<&'a str>) -> &'a str {
        team_override.or_else(|| rep.and_then(|r| self.roster.get(r)).map(|i| i.team.as_str())).unwrap_or(UNASSIGNED)
    }

    /// Every team of the roster.
    pub fn teams(&self) -> BTreeSet<&str> {
        self.roster.values().map(|i| i.team.as_str()).collect()
    }

    /// The base-currency value of a periodic amount (quota, market size): the one recorded
    /// for exactly the months `first..=last`, else the sum of those recorded for its
    /// sub-periods (a quarter's months, a year's quarters or months), else `None`.
    fn periodic(
        &self,
        cal: &Calendar,
        first: MonthKey,
        last: MonthKey,
        get: impl Fn(Period) -> Option<Money>,
    ) -> Option<f64> {
        let kinds = [PeriodKind::Year, PeriodKind::Quarter, PeriodKind::Month];
        let months = last - first + 1;
        for (i, kind) in kinds.into_iter().enumerate() {
            let size = [12, 3, 1][i];
            if size > months || months % size != 0 {
                continue;
            }
            // Every slice of this size must be recorded for the sum to be complete.
            let mut total = 0.0;
            let mut complete = true;
            for s in (first..=last).step_by(size as usize) {
                match get(cal.label(s, kind)).and_then(|m| self.to_base(m)) {
                    Some(v) => total += v,
                    None => complete = false,
                }
            }
            if complete {
                return Some(total);
            }
        }
        None
    }

    /// A rep's quota for the months `first..=last` (see `periodic`).
    pub fn quota(&self, cal: &Calendar, rep: &str, first: MonthKey, last: MonthKey) -> Option<f64> {
        self.periodic(cal, first, last, |p| self.quotas.get(&(rep.to_owned(), p)).copied())
    }

    /// The market size for the months `first..=last` (see `periodic`).
    pub fn market_size(&self, cal: &Calendar, first: MonthKey, last: MonthKey) -> Option<f64> {
        self.periodic(cal, first, last, |p| self.market.get(&p).copied())
    }

    /// Applies a reference event; `Ok(false)` (nothing changed) for other types. An amount
    /// in a currency with no known rate is refused.
    pub fn apply(&mut self, event: &Event) -> Result<bool, Rejection> {
        if let Some(m) = event.body.money().filter(|m| !self.knows(m.currency)) {
            return Err(Rejection::UnknownCurrency(m.currency));
        }
        match &event.body {
            Body::RepUpdated { team_id, .. } if !self.admits_team(team_id) => {
                return Err(Rejection::OverBudget("team"));
            }
            Body::StageDefined(d)
                if !self.stages.contains_key(d.stage.as_str()) && self.stages.len() >= self.budgets.1 =>
            {
                return Err(Rejection::OverBudget("stage"));
            }
            Body::RepUpdated { team_id, active, quota_carrying } => {
                if let Some(rep) = &event.rep_id {
                    let info =
                        RepInfo { team: team_id.as_str().to_owned(), active: *active, quota_carrying: *quota_carrying };
                    self.set_rep(rep, info);
                }
            }
            Body::FxRate { currency, rate } => self.set_rate_from(*currency, *rate, ms(event.occurred_at)),
            Body::StageDefined(StageDefinition { stage, order, probability, is_closed, is_won }) => self.set_stage(
                stage,
                StageInfo { order: *order, probability: *probability, is_closed: *is_closed, is_won: *is_won },
            ),
            Body::QuotaSet { period, amount } => {
                if let Some(rep) = &event.rep_id {
                    self.set_quota(rep, *period, *amount);
                }
            }
            Body::MarketSizeRecorded { period, amount } => self.set_market_size(*period, *amount),
            Body::SpendRecorded { category, amount } => {
                if let Some(base) = self.to_base(*amount) {
                    let (rep, team) = (event.rep_id.as_deref(), event.team_id.as_deref());
                    self.spend.record(&event.event_id, ms(event.occurred_at), rep, team, *category, base);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

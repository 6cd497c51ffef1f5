//! A team's figures, read from the KPI families of the merged view — the families
//! `/metrics` exports, so the board and Prometheus never disagree — and, for the time the
//! oldest lead started waiting, from the view itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::DateTime;
use salespulse_engine::kpis::catalogue::{
    ACTIVITIES, DEALS_CLOSED, LEAD_OLDEST_WAIT, LEADS_AWAITING, PERIOD_WON_REVENUE, PIPELINE_DEALS, PIPELINE_VALUE,
    QUOTA, QUOTA_ATTAINMENT, REP_ACTIVITIES, REP_DEALS_CLOSED, REP_WON_REVENUE, WIN_RATE, WON_REVENUE,
};
use salespulse_engine::kpis::{Family, Metric, Value};
use salespulse_engine::{Cell, Scope, View};

use crate::model::{Pace, RepLine, StageLine, TeamBoard};
use crate::source::Reading;

/// A win rate this close to another is `flat`.
const TREND_TOLERANCE: f64 = 0.005;

/// The gauges of the families, by (family, team).
struct Index<'a> {
    by: HashMap<(&'static str, &'a str), Vec<&'a Metric>>,
}

fn label<'a>(m: &'a Metric, name: &str) -> Option<&'a str> {
    m.labels.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
}

fn gauge(m: &Metric) -> f64 {
    match m.value {
        Value::Gauge(v) => v,
        _ => 0.0,
    }
}

impl<'a> Index<'a> {
    fn new(families: &'a [Family]) -> Index<'a> {
        let mut by: HashMap<_, Vec<&Metric>> = HashMap::new();
        for f in families {
            for m in &f.metrics {
                if let Some(team) = label(m, "team") {
                    by.entry((f.name, team)).or_default().push(m);
                }
            }
        }
        Index { by }
    }

    fn teams(&self) -> BTreeSet<&'a str> {
        self.by.keys().map(|&(_, team)| team).collect()
    }

    /// The samples of `family` for `team` whose labels include `filter`.
    fn rows(&self, family: &'static str, team: &'a str, filter: &[(&str, &str)]) -> Vec<&'a Metric> {
        let rows = self.by.get(&(family, team)).map(Vec::as_slice).unwrap_or_default();
        rows.iter().copied().filter(|m| filter.iter().all(|(k, v)| label(m, k) == Some(v))).collect()
    }

    fn one(&self, family: &'static str, team: &'a str, filter: &[(&str, &str)]) -> Option<f64> {
        self.rows(family, team, filter).first().map(|m| gauge(m))
    }

    fn sum(&self, family: &'static str, team: &'a str, filter: &[(&str, &str)]) -> f64 {
        self.rows(family, team, filter).into_iter().map(gauge).sum()
    }
}

/// Every team's figures.
pub fn teams(reading: &Reading, view: &View, sla_seconds: f64) -> Vec<TeamBoard> {
    let index = Index::new(&reading.families);
    index.teams().into_iter().map(|team| team_board(&index, reading, view, team, sla_seconds)).collect()
}

fn team_board(ix: &Index<'_>, reading: &Reading, view: &View, team: &str, sla_seconds: f64) -> TeamBoard {
    let (day, mtd) = (("window", "24h"), ("period", "mtd"));
    let won_revenue_mtd = ix.one(PERIOD_WON_REVENUE.0, team, &[mtd]).unwrap_or(0.0);
    let quota_mtd = ix.one(QUOTA.0, team, &[mtd]);
    let win_rate_30d = ix.one(WIN_RATE.0, team, &[("window", "30d")]);
    let win_rate_7d = ix.one(WIN_RATE.0, team, &[("window", "7d")]);
    let leads_awaiting = ix.one(LEADS_AWAITING.0, team, &[]).unwrap_or(0.0);
    let oldest_wait_seconds = ix.one(LEAD_OLDEST_WAIT.0, team, &[]).unwrap_or(0.0);
    let (pipeline, pipeline_value, pipeline_deals) = pipeline(ix, reading, team);
    let since = view.find(Scope::State, team, None, None, Cell::OldestWaitStart).filter(|_| leads_awaiting > 0.0);
    #[allow(clippy::cast_possible_truncation, reason = "milliseconds since the epoch")]
    let oldest_waiting_since = since.and_then(|ms| DateTime::from_timestamp_millis(ms.round() as i64));
    TeamBoard {
        team: team.to_owned(),
        won_revenue_24h: ix.one(WON_REVENUE.0, team, &[day]).unwrap_or(0.0),
        won_deals_24h: ix.one(DEALS_CLOSED.0, team, &[day, ("outcome", "won")]).unwrap_or(0.0),
        won_revenue_mtd,
        quota_mtd,
        attainment_mtd: ix.one(QUOTA_ATTAINMENT.0, team, &[mtd]),
        pace: quota_mtd.map(|q| pace(won_revenue_mtd, q, reading.month_elapsed)),
        win_rate_30d,
        win_rate_7d,
        win_rate_trend: win_rate_7d.zip(win_rate_30d).map(|(w7, w30)| trend(w7, w30).to_owned()),
        pipeline,
        pipeline_value,
        pipeline_deals,
        leads_awaiting,
        oldest_wait_seconds,
        oldest_waiting_since,
        past_sla: leads_awaiting > 0.0 && oldest_wait_seconds > sla_seconds,
        activities_24h: ix.sum(ACTIVITIES.0, team, &[day]),
        reps: reps(ix, team),
    }
}

fn pace(revenue: f64, quota: f64, elapsed: f64) -> Pace {
    let projected = if elapsed > 0.0 { revenue / elapsed } else { revenue };
    Pace { month_elapsed: elapsed, expected_by_now: quota * elapsed, projected }
}

fn trend(short: f64, long: f64) -> &'static str {
    match short - long {
        d if d > TREND_TOLERANCE => "up",
        d if d < -TREND_TOLERANCE => "down",
        _ => "flat",
    }
}

/// Open deals by stage (stages with none left out), in stage order; and their totals.
fn pipeline(ix: &Index<'_>, reading: &Reading, team: &str) -> (Vec<StageLine>, f64, f64) {
    let mut by_stage: BTreeMap<&str, StageLine> = BTreeMap::new();
    for (family, deals) in [(PIPELINE_VALUE.0, false), (PIPELINE_DEALS.0, true)] {
        for m in ix.rows(family, team, &[]) {
            let stage = label(m, "stage").unwrap_or_default();
            let line =
                by_stage.entry(stage).or_insert_with(|| StageLine { stage: stage.to_owned(), ..StageLine::default() });
            if deals {
                line.deals += gauge(m);
            } else {
                line.value += gauge(m);
            }
        }
    }
    let (value, deals) = by_stage.values().fold((0.0, 0.0), |(v, d), l| (v + l.value, d + l.deals));
    let position = |s: &str| reading.stages.iter().position(|x| x == s).unwrap_or(usize::MAX);
    let mut lines: Vec<StageLine> = by_stage.into_values().filter(|l| l.deals > 0.0 || l.value > 0.0).collect();
    lines.sort_by(|a, b| position(&a.stage).cmp(&position(&b.stage)).then_with(|| a.stage.cmp(&b.stage)));
    (lines, value, deals)
}

/// Each rep's last 24 hours, most activities first.
fn reps(ix: &Index<'_>, team: &str) -> Vec<RepLine> {
    let mut by_rep: BTreeMap<&str, RepLine> = BTreeMap::new();
    let day = ("window", "24h");
    for m in ix.rows(REP_ACTIVITIES.0, team, &[day]) {
        entry(&mut by_rep, label(m, "rep").unwrap_or_default()).activities_24h += gauge(m);
    }
    for m in ix.rows(REP_WON_REVENUE.0, team, &[day]) {
        entry(&mut by_rep, label(m, "rep").unwrap_or_default()).won_revenue_24h += gauge(m);
    }
    for m in ix.rows(REP_DEALS_CLOSED.0, team, &[day, ("outcome", "won")]) {
        entry(&mut by_rep, label(m, "rep").unwrap_or_default()).won_deals_24h += gauge(m);
    }
    let mut lines: Vec<RepLine> = by_rep.into_values().collect();
    lines.sort_by(|a, b| {
        b.activities_24h
            .total_cmp(&a.activities_24h)
            .then_with(|| b.won_revenue_24h.total_cmp(&a.won_revenue_24h))
            .then_with(|| a.rep.cmp(&b.rep))
    });
    lines
}

fn entry<'m, 'a>(by_rep: &'m mut BTreeMap<&'a str, RepLine>, rep: &'a str) -> &'m mut RepLine {
    by_rep.entry(rep).or_insert_with(|| RepLine { rep: rep.to_owned(), ..RepLine::default() })
}

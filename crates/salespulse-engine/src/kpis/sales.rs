//! Deals, revenue, pipeline and stages.

use salespulse_events::{DealType, Outcome};

use super::builder::{At, Builder, labels, ratio, team_window};
use super::catalogue::*;
use crate::stat::{Dist, Stat};
use crate::time::Window;
use crate::view::{Cell, Scope};

/// Open deals of a team, all stages.
fn open_deals(c: &Builder<'_>, team: &str) -> f64 {
    c.view.cells(Scope::State, team, None).filter(|(_, cell, _)| *cell == Cell::PipelineDeals).map(|(_, _, v)| v).sum()
}

/// KPIs 1, 2, 4, 7, 11, 14, 21 (revenue part), 22, 23, 24.
pub(crate) fn closes(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        let open = open_deals(c, &team);
        for w in Window::ALL {
            let l = |extra: &[(&'static str, &str)]| team_window(&team, w, extra);
            let g = |s: Stat| c.ws(&team, w, s);
            let (won, lost, none) =
                (g(Stat::Closed(Outcome::Won)), g(Stat::Closed(Outcome::Lost)), g(Stat::Closed(Outcome::NoDecision)));
            let (revenue, valued) = (g(Stat::WonRevenue), g(Stat::WonValued));
            let (created, created_won) = (g(Stat::DealsCreated), g(Stat::DealsCreatedWon));
            let cycle_days =
                ratio(g(Stat::DistSum(Dist::SalesCycle)), g(Stat::DistCount(Dist::SalesCycle))).map(|s| s / 86_400.0);
            let at_start = c.cell(Scope::Window(w), &team, Cell::CustomersAtStart);
            let by_type: Vec<(DealType, f64, f64)> =
                DealType::ALL.iter().map(|t| (*t, g(Stat::WonOfType(*t)), g(Stat::WonRevenueOfType(*t)))).collect();
            c.gauge(WON_REVENUE, l(&[]), Some(revenue));
            c.gauge(WON_DEALS_VALUED, l(&[]), Some(valued));
            c.gauge(AVERAGE_DEAL_SIZE, l(&[]), ratio(revenue, valued));
            for (o, n) in [(Outcome::Won, won), (Outcome::Lost, lost), (Outcome::NoDecision, none)] {
                c.gauge(DEALS_CLOSED, l(&[("outcome", o.as_str())]), Some(n));
            }
            c.gauge(WIN_RATE, l(&[]), ratio(won, won + lost));
            c.gauge(WIN_RATE_ALL, l(&[]), ratio(won, won + lost + none));
            c.gauge(WIN_LOSS_RATIO, l(&[]), ratio(won, lost));
            c.histogram(
                CYCLE_SECONDS,
                l(&[]),
                At { scope: Scope::Window(w), team: &team, rep: None, stage: None },
                Dist::SalesCycle,
                &SALES_CYCLE_BOUNDS,
            );
            for (t, n, r) in by_type {
                c.gauge(WON_DEALS_BY_TYPE, l(&[("deal_type", t.as_str())]), Some(n));
                if matches!(t, DealType::Upsell | DealType::CrossSell) {
                    c.gauge(EXPANSION_REVENUE, l(&[("deal_type", t.as_str())]), Some(r));
                    c.gauge(EXPANSION_RATE, l(&[("deal_type", t.as_str())]), ratio(n, at_start));
                }
            }
            c.gauge(DEALS_CREATED, l(&[]), Some(created));
            c.gauge(DEALS_CREATED_WON, l(&[]), Some(created_won));
            c.gauge(PIPELINE_CONVERSION, l(&[]), ratio(created_won, created));
            let velocity =
                (|| Some(open * ratio(revenue, valued)? * ratio(won, won + lost)? / cycle_days.filter(|d| *d > 0.0)?))(
                );
            c.gauge(PIPELINE_VELOCITY, l(&[]), velocity);
        }
    }
}

/// KPIs 5, 6, 10: the open pipeline now.
pub(crate) fn pipeline(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        for stage in c.stages.clone() {
            let l = labels(&[("team", &team), ("stage", &stage)]);
            let get = |cell| c.view.get(Scope::State, &team, None, Some(&stage), cell);
            let (value, deals, stalled) = (get(Cell::PipelineValue), get(Cell::PipelineDeals), get(Cell::Stalled));
            c.gauge(PIPELINE_VALUE, l.clone(), Some(value));
            c.gauge(PIPELINE_DEALS, l.clone(), Some(deals));
            c.gauge(DEALS_STALLED, l, Some(stalled));
        }
        let weighted = c.cell(Scope::State, &team, Cell::PipelineWeighted);
        c.gauge(PIPELINE_WEIGHTED, labels(&[("team", &team)]), Some(weighted));
    }
}

/// KPIs 8 and 9: stage conversion and time in stage.
pub(crate) fn stages(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        for w in Window::ALL {
            for stage in c.stages.clone() {
                let l = team_window(&team, w, &[("stage", &stage)]);
                let entered = c.wstage(&team, w, &stage, Stat::StageEntered(0));
                let advanced = c.wstage(&team, w, &stage, Stat::StageAdvanced(0));
                c.gauge(STAGE_ENTERED, l.clone(), Some(entered));
                c.gauge(STAGE_ADVANCED, l.clone(), Some(advanced));
                c.gauge(STAGE_CONVERSION, l.clone(), ratio(advanced, entered));
                c.histogram(
                    STAGE_DURATION,
                    l,
                    At { scope: Scope::Window(w), team: &team, rep: None, stage: Some(&stage) },
                    Dist::StageDuration(0),
                    &STAGE_DURATION_BOUNDS,
                );
            }
        }
    }
}

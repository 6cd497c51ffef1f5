//! Naive deal KPIs: closes, revenue, cohorts, stages, pipeline, calendar periods.

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Utc};
use salespulse_engine::kpis::catalogue::{SALES_CYCLE_BOUNDS, STAGE_DURATION_BOUNDS};
use salespulse_events::*;

use super::naive::{Acc, Expected, STAGES, TEAMS, Want, div, inw, key, to_base, windows};
use super::world::team;

#[derive(Default, Debug)]
struct Deal {
    created: Option<(i64, DealType)>,
    amount: Option<(i64, Money)>,
    owners: Vec<(i64, Option<String>)>,
    stages: Vec<(i64, String, Option<f64>)>,
    close: Option<(i64, Outcome, Option<Money>, Option<String>)>,
    reopen: Option<i64>,
    /// Newest `deal.deleted` and newest `deal.created`: deleted when the first is as new
    /// or newer.
    deleted: Option<i64>,
    last_created: Option<i64>,
}

fn order(stage: &str) -> Option<i64> {
    match stage {
        "s1" => Some(1),
        "s2" => Some(2),
        "s3" => Some(3),
        "won" | "lost" => Some(9),
        _ => None,
    }
}

/// How entering `stage` closes a deal, if it does (the world's closed stages).
fn closes(stage: &str) -> Option<Outcome> {
    match stage {
        "won" => Some(Outcome::Won),
        "lost" => Some(Outcome::Lost),
        _ => None,
    }
}

fn facts(events: &[Event]) -> BTreeMap<String, Deal> {
    let mut deals: BTreeMap<String, Deal> = BTreeMap::new();
    for e in events {
        let t = e.occurred_at.timestamp_millis();
        let rep = e.rep_id.clone();
        let Some(id) = e.body.deal_id() else { continue };
        let deal = deals.entry(id.to_owned()).or_default();
        match &e.body {
            Body::DealCreated(c) => {
                if deal.created.is_none_or(|(u, _)| t < u) {
                    deal.created = Some((t, c.deal_type));
                }
                if deal.amount.is_none_or(|(u, _)| t >= u) {
                    deal.amount = Some((t, c.amount));
                }
                deal.last_created = deal.last_created.max(Some(t));
                deal.owners.push((t, rep.map(Into::into)));
                deal.stages.push((t, c.stage.to_string(), c.probability));
            }
            Body::DealStageChanged { stage, probability, .. } => deal.stages.push((t, stage.to_string(), *probability)),
            Body::DealAmountChanged { amount, .. } if deal.amount.is_none_or(|(u, _)| t >= u) => {
                deal.amount = Some((t, *amount));
            }
            Body::DealOwnerChanged { .. } => deal.owners.push((t, rep.map(Into::into))),
            Body::DealClosed { outcome, amount, .. } if deal.close.as_ref().is_none_or(|c| t >= c.0) => {
                deal.close = Some((t, *outcome, *amount, rep.map(Into::into)));
            }
            Body::DealReopened { .. } => deal.reopen = deal.reopen.max(Some(t)),
            Body::DealDeleted { .. } => deal.deleted = deal.deleted.max(Some(t)),
            _ => {}
        }
    }
    for d in deals.values_mut() {
        d.owners.sort_by_key(|o| o.0);
        d.stages.sort_by_key(|s| s.0);
    }
    deals
}

fn month(t: i64) -> i32 {
    let d = Utc.timestamp_millis_opt(t).unwrap();
    d.year() * 12 + d.month() as i32 - 1
}

/// Deal KPIs, stages, pipeline and the calendar periods.
#[allow(clippy::too_many_lines, reason = "the naive model spells each KPI out plainly, one after the other")]
pub fn deals(events: &[Event], now: i64, acc: &mut Acc, out: &mut Expected) {
    let mut months: Vec<(i32, &'static str, Option<String>, f64)> = Vec::new();
    let mut pipeline: Vec<(&'static str, String, f64, f64, bool)> = Vec::new();
    for d in facts(events).values() {
        if d.deleted.is_some_and(|del| d.last_created.is_none_or(|c| del >= c)) {
            continue;
        }
        let current = team(d.owners.last().and_then(|o| o.1.as_deref()));
        // The newest of the explicit close and of entering a closed stage that is still
        // the current one (on a tie, the explicit close).
        let by_stage = d.stages.last().and_then(|(t, s, _)| closes(s).map(|o| (*t, o, None, None)));
        let newest = match (d.close.clone(), by_stage) {
            (Some(c), Some(s)) => Some(if s.0 > c.0 { s } else { c }),
            (c, s) => c.or(s),
        };
        let close = newest.filter(|c| d.reopen.is_none_or(|r| c.0 > r));
        let won = close.as_ref().is_some_and(|c| c.1 == Outcome::Won);
        for (w, wl) in windows() {
            let l = [("team", current), ("window", wl)];
            if d.created.is_some_and(|(t, _)| inw(w, t, now)) {
                acc.add("created", &l, 1.0);
                if won {
                    acc.add("created_won", &l, 1.0);
                }
            }
        }
        if let Some((t, outcome, amount, rep)) = &close {
            let closer_rep = match rep {
                Some(r) => Some(r.clone()),
                None => d.owners.iter().rev().find(|o| o.0 <= *t).or(d.owners.first()).and_then(|o| o.1.clone()),
            };
            let closer = team(closer_rep.as_deref());
            let revenue = amount.or(d.amount.map(|a| a.1)).map(to_base);
            let ty = d.created.map_or(DealType::NewBusiness, |c| c.1);
            for (_, wl) in windows().filter(|(w, _)| inw(*w, *t, now)) {
                let l = [("team", closer), ("window", wl)];
                acc.add(&format!("closed_{}", outcome.as_str()), &l, 1.0);
                if *outcome == Outcome::Won {
                    acc.add(&format!("won_{}", ty.as_str()), &l, 1.0);
                    if let Some(r) = revenue {
                        acc.add("revenue", &l, r);
                        acc.add("valued", &l, 1.0);
                        acc.add(&format!("revenue_{}", ty.as_str()), &l, r);
                    }
                    if let Some((c, _)) = d.created {
                        acc.observe("sales_cycle_seconds", &l, ((t - c).max(0)) as f64 / 1000.0);
                    }
                }
            }
            if let (Outcome::Won, Some(r)) = (outcome, revenue) {
                months.push((month(*t), closer, closer_rep, r));
            }
        }
        // Stage visits.
        let mut visits: Vec<(i64, &str)> = Vec::new();
        for (t, s, _) in &d.stages {
            if visits.last().is_none_or(|v| v.1 != s) {
                visits.push((*t, s));
            }
        }
        for (i, (entered, stage)) in visits.iter().enumerate() {
            if closes(stage).is_some() {
                for (_, wl) in windows().filter(|(w, _)| inw(*w, *entered, now)) {
                    acc.add("entered", &[("team", current), ("window", wl), ("stage", stage)], 1.0);
                }
                continue;
            }
            let next = visits.get(i + 1);
            let closed_after = close.as_ref().filter(|c| c.0 >= *entered);
            let advanced = match next {
                Some((_, n)) => match (order(stage), order(n)) {
                    (Some(a), Some(b)) => b > a,
                    _ => true,
                },
                None => closed_after.is_some_and(|c| c.1 == Outcome::Won),
            };
            let exit = next.map(|n| n.0).or(closed_after.map(|c| c.0));
            for (w, wl) in windows() {
                let l = [("team", current), ("window", wl), ("stage", stage)];
                if inw(w, *entered, now) {
                    acc.add("entered", &l, 1.0);
                    if advanced {
                        acc.add("advanced", &l, 1.0);
                    }
                }
                if let Some(x) = exit.filter(|x| inw(w, *x, now)) {
                    acc.observe("sales_stage_duration_seconds", &l, ((x - entered).max(0)) as f64 / 1000.0);
                }
            }
        }
        // Open pipeline.
        if d.created.is_some() && close.is_none() {
            let Some((_, stage, _)) = d.stages.last() else { continue };
            let visit: Vec<_> = d.stages.iter().rev().take_while(|s| &s.1 == stage).collect();
            let entered = visit.last().map(|s| s.0).unwrap_or_default();
            let own = visit.iter().find_map(|s| s.2);
            let p = own.or(match stage.as_str() {
                "s1" => Some(0.1),
                "s2" => Some(0.4),
                "s3" => Some(0.7),
                // A closed stage the deal was reopened in keeps its defined probability.
                "won" => Some(1.0),
                "lost" => Some(0.0),
                _ => None,
            });
            let amount = d.amount.map(|a| to_base(a.1)).unwrap_or(0.0);
            let limit = if stage == "s3" { 3 } else { 10 } * 86_400_000;
            pipeline.push((current, stage.clone(), amount, amount * p.unwrap_or(0.0), now - entered > limit));
        }
    }
    emit(acc, out, &pipeline);
    periods(out, now, &months);
}

fn emit(acc: &Acc, out: &mut Expected, pipeline: &[(&str, String, f64, f64, bool)]) {
    for t in TEAMS {
        let open = pipeline.iter().filter(|p| p.0 == t).count() as f64;
        let weighted: f64 = pipeline.iter().filter(|p| p.0 == t).map(|p| p.3).sum();
        out.insert(key("sales_pipeline_weighted_value", &[("team", t)]), Want::Zeroable(weighted));
        for s in STAGES {
            let here = pipeline.iter().filter(|p| p.0 == t && p.1 == s);
            let (n, v, stalled) =
                here.fold((0.0, 0.0, 0.0), |(n, v, st), p| (n + 1.0, v + p.2, st + f64::from(u8::from(p.4))));
            out.insert(key("sales_pipeline_deals", &[("team", t), ("stage", s)]), Want::Zeroable(n));
            out.insert(key("sales_pipeline_value", &[("team", t), ("stage", s)]), Want::Zeroable(v));
            out.insert(key("sales_deals_stalled", &[("team", t), ("stage", s)]), Want::Zeroable(stalled));
        }
        for (_, wl) in windows() {
            let l = [("team", t), ("window", wl)];
            let g = |n: &str| acc.get(n, &l);
            let (won, lost, none) = (g("closed_won"), g("closed_lost"), g("closed_no_decision"));
            let (revenue, valued) = (g("revenue"), g("valued"));
            out.insert(key("sales_won_revenue", &l), Want::Zeroable(revenue));
            out.insert(key("sales_won_deals_valued", &l), Want::Zeroable(valued));
            out.insert(key("sales_average_deal_size", &l), Want::Ratio(div(revenue, valued)));
            for (o, n) in [("won", won), ("lost", lost), ("no_decision", none)] {
                out.insert(key("sales_deals_closed", &[l[0], l[1], ("outcome", o)]), Want::Zeroable(n));
            }
            out.insert(key("sales_win_rate", &l), Want::Ratio(div(won, won + lost)));
            out.insert(key("sales_win_rate_all", &l), Want::Ratio(div(won, won + lost + none)));
            out.insert(key("sales_win_loss_ratio", &l), Want::Ratio(div(won, lost)));
            acc.histogram(out, "sales_cycle_seconds", &l, &SALES_CYCLE_BOUNDS);
            for ty in DealType::ALL {
                let n = g(&format!("won_{}", ty.as_str()));
                out.insert(key("sales_won_deals", &[l[0], l[1], ("deal_type", ty.as_str())]), Want::Zeroable(n));
            }
            for ty in ["upsell", "cross_sell"] {
                let r = g(&format!("revenue_{ty}"));
                out.insert(key("sales_expansion_revenue", &[l[0], l[1], ("deal_type", ty)]), Want::Zeroable(r));
            }
            let (created, created_won) = (g("created"), g("created_won"));
            out.insert(key("sales_deals_created", &l), Want::Zeroable(created));
            out.insert(key("sales_deals_created_won", &l), Want::Zeroable(created_won));
            out.insert(key("sales_pipeline_conversion_rate", &l), Want::Ratio(div(created_won, created)));
            let cycle = acc_cycle_days(acc, &l);
            let velocity =
                (|| Some(open * div(revenue, valued)? * div(won, won + lost)? / cycle.filter(|c| *c > 0.0)?))();
            out.insert(key("sales_pipeline_velocity", &l), Want::Ratio(velocity));
            for s in STAGES {
                let ls = [("team", t), ("window", wl), ("stage", s)];
                let (e, a) = (acc.get("entered", &ls), acc.get("advanced", &ls));
                out.insert(key("sales_stage_entered", &ls), Want::Zeroable(e));
                out.insert(key("sales_stage_advanced", &ls), Want::Zeroable(a));
                out.insert(key("sales_stage_conversion_rate", &ls), Want::Ratio(div(a, e)));
                acc.histogram(out, "sales_stage_duration_seconds", &ls, &STAGE_DURATION_BOUNDS);
            }
        }
    }
}

fn acc_cycle_days(acc: &Acc, l: &[(&str, &str)]) -> Option<f64> {
    let mut tmp = Expected::new();
    acc.histogram(&mut tmp, "sales_cycle_seconds", l, &[]);
    let get = |n: &str| match tmp.get(&key(n, l)) {
        Some(Want::Zeroable(v)) => *v,
        _ => 0.0,
    };
    div(get("sales_cycle_seconds_sum"), get("sales_cycle_seconds_count")).map(|s| s / 86_400.0)
}

/// Calendar periods in UTC with a January fiscal year: months of the period to date.
fn periods(out: &mut Expected, now: i64, months: &[(i32, &'static str, Option<String>, f64)]) {
    let m = month(now);
    let quarter_start = m - m.rem_euclid(12) % 3;
    let year_start = m - m.rem_euclid(12);
    let ranges = [
        ("mtd", m, m, m - 1, m - 1, m),
        ("qtd", quarter_start, m, quarter_start - 3, quarter_start - 1, quarter_start + 2),
        ("ytd", year_start, m, year_start - 12, year_start - 1, year_start + 11),
    ];
    // Quotas and market sizes of the world: November 2026 for ana and ben, Q4 2026 for cara;
    // market November, October, year 2026.
    let nov = 2026 * 12 + 10;
    for (p, first, last, pfirst, plast, full_last) in ranges {
        let quota = |rep: &str| -> Option<f64> {
            match rep {
                "ana" if first == nov && full_last == nov => Some(1000.0),
                "ben" if first == nov && full_last == nov => Some(500.0),
                "cara" if first == nov - 1 && full_last == nov + 1 => Some(3000.0),
                _ => None,
            }
        };
        let market = |a: i32, b: i32| -> Option<f64> {
            match (a, b) {
                (x, y) if x == nov && y == nov => Some(100_000.0),
                (x, y) if x == nov - 1 && y == nov - 1 => Some(80_000.0),
                (x, y) if x == 2026 * 12 && y == 2026 * 12 + 11 => Some(1_000_000.0),
                _ => None,
            }
        };
        let size = market(first, full_last);
        let prev_size = market(pfirst, plast);
        out.insert(key("sales_market_size", &[("period", p)]), Want::Ratio(size));
        out.insert(key("sales_previous_market_size", &[("period", p)]), Want::Ratio(prev_size));
        for t in TEAMS {
            let l = [("team", t), ("period", p)];
            let sum = |a: i32, b: i32, rep: Option<&str>| -> f64 {
                months
                    .iter()
                    .filter(|x| x.0 >= a && x.0 <= b && x.1 == t && rep.is_none_or(|r| x.2.as_deref() == Some(r)))
                    .map(|x| x.3)
                    .sum()
            };
            let revenue = sum(first, last, None);
            out.insert(key("sales_period_won_revenue", &l), Want::Zeroable(revenue));
            out.insert(key("sales_previous_period_won_revenue", &l), Want::Zeroable(sum(pfirst, plast, None)));
            let reps: Vec<&str> = ["ana", "ben", "cara"].into_iter().filter(|r| team(Some(r)) == t).collect();
            let with_quota: Vec<(&str, f64)> = reps.iter().filter_map(|r| quota(r).map(|q| (*r, q))).collect();
            let total = (!with_quota.is_empty()).then(|| with_quota.iter().map(|x| x.1).sum::<f64>());
            out.insert(key("sales_quota", &l), Want::Ratio(total));
            out.insert(key("sales_quota_attainment", &l), Want::Ratio(total.and_then(|q| div(revenue, q))));
            out.insert(key("sales_quota_reps", &l), Want::Zeroable(with_quota.len() as f64));
            // Reps at quota is a recording rule over these per-rep parts.
            for (r, q) in &with_quota {
                let lr = [("team", t), ("rep", r), ("period", p)];
                out.insert(key("sales_rep_period_won_revenue", &lr), Want::Zeroable(sum(first, last, Some(r))));
                out.insert(key("sales_rep_quota", &lr), Want::Ratio(Some(*q)));
            }
            let share = size.and_then(|s| div(revenue, s));
            let prev = prev_size.and_then(|s| div(sum(pfirst, plast, None), s));
            out.insert(key("sales_market_share", &l), Want::Ratio(share));
            out.insert(
                key("sales_market_share_growth", &l),
                Want::Ratio(share.zip(prev).map(|(a, b)| 100.0 * (a - b))),
            );
        }
    }
}

//! Naive lead, activity and customer KPIs.

use std::collections::BTreeMap;

use salespulse_engine::kpis::catalogue::LEAD_RESPONSE_BOUNDS;
use salespulse_events::*;

use super::naive::{Acc, Expected, TEAMS, Want, div, inw, key, window_start, windows};
use super::world::team;

#[derive(Default)]
struct Lead {
    created: Option<(i64, Option<String>)>,
    assigned: Option<i64>,
    owner: Option<(i64, Option<String>)>,
    response: Option<(i64, Option<String>)>,
    converted: bool,
    disqualified: bool,
}

/// Leads: cohorts, response time, waiting.
pub fn leads(events: &[Event], now: i64, acc: &mut Acc, out: &mut Expected) {
    let mut leads: BTreeMap<String, Lead> = BTreeMap::new();
    for e in events {
        let t = e.occurred_at.timestamp_millis();
        let rep = e.rep_id.clone();
        match &e.body {
            Body::LeadCreated { lead_id, .. } => {
                let l = leads.entry(lead_id.to_string()).or_default();
                if l.created.as_ref().is_none_or(|c| t < c.0) {
                    l.created = Some((t, rep.map(Into::into)));
                }
            }
            Body::LeadAssigned { lead_id } => {
                let l = leads.entry(lead_id.to_string()).or_default();
                if l.owner.as_ref().is_none_or(|o| t >= o.0) {
                    l.owner = Some((t, rep.map(Into::into)));
                }
                if l.assigned.is_none_or(|a| t < a) {
                    l.assigned = Some(t);
                }
            }
            Body::LeadConverted { lead_id, .. } => leads.entry(lead_id.to_string()).or_default().converted = true,
            Body::LeadDisqualified { lead_id, .. } => leads.entry(lead_id.to_string()).or_default().disqualified = true,
            Body::ActivityLogged(a) if a.direction == Direction::Outbound && !a.automated => {
                if let Some(id) = &a.lead_id {
                    let l = leads.entry(id.to_string()).or_default();
                    if l.response.as_ref().is_none_or(|r| t < r.0) {
                        l.response = Some((t, rep.map(Into::into)));
                    }
                }
            }
            _ => {}
        }
    }
    let mut waiting: Vec<(&str, i64)> = Vec::new();
    for l in leads.values() {
        let cohort =
            l.created.as_ref().map(|(c, creator)| (*c, team(l.owner.as_ref().map_or(creator, |o| &o.1).as_deref())));
        let start = match (l.assigned, &l.response) {
            (Some(a), Some((r, _))) if a <= *r => Some(a),
            (Some(a), None) => Some(a),
            _ => l.created.as_ref().map(|c| c.0),
        };
        for (w, wl) in windows() {
            if let Some((_, t)) = cohort.filter(|(c, _)| inw(w, *c, now)) {
                acc.add("leads_created", &[("team", t), ("window", wl)], 1.0);
                if l.converted {
                    acc.add("leads_converted", &[("team", t), ("window", wl)], 1.0);
                }
            }
            if let (Some((r, who)), Some(s)) = (&l.response, start)
                && inw(w, *r, now)
            {
                let secs = ((r - s).max(0)) as f64 / 1000.0;
                acc.observe("sales_lead_response_seconds", &[("team", team(who.as_deref())), ("window", wl)], secs);
            }
        }
        if !l.converted
            && !l.disqualified
            && l.response.is_none()
            && let (Some((_, t)), Some(s)) = (cohort, start)
        {
            waiting.push((t, s));
        }
    }
    for t in TEAMS {
        let mine: Vec<i64> = waiting.iter().filter(|w| w.0 == t).map(|w| w.1).collect();
        out.insert(key("sales_leads_awaiting_response", &[("team", t)]), Want::Zeroable(mine.len() as f64));
        let oldest = mine.iter().min().map(|s| ((now - s) as f64 / 1000.0).max(0.0)).unwrap_or(0.0);
        out.insert(key("sales_lead_oldest_wait_seconds", &[("team", t)]), Want::Zeroable(oldest));
        for (_, wl) in windows() {
            let l = [("team", t), ("window", wl)];
            let (c, v) = (acc.get("leads_created", &l), acc.get("leads_converted", &l));
            out.insert(key("sales_leads_created", &l), Want::Zeroable(c));
            out.insert(key("sales_leads_converted", &l), Want::Zeroable(v));
            out.insert(key("sales_lead_conversion_rate", &l), Want::Ratio(div(v, c)));
            acc.histogram(out, "sales_lead_response_seconds", &l, &LEAD_RESPONSE_BOUNDS);
        }
    }
}

/// Activities, social selling, surveys, sentiment, trainings.
#[allow(clippy::too_many_lines, reason = "the naive model spells each KPI out plainly, one after the other")]
pub fn activity(events: &[Event], now: i64, acc: &mut Acc, out: &mut Expected) {
    for e in events {
        let (t, who) = (e.occurred_at.timestamp_millis(), team(e.rep_id.as_deref()));
        for (_, wl) in windows().filter(|(w, _)| inw(*w, t, now)) {
            let l = [("team", who), ("window", wl)];
            match &e.body {
                Body::ActivityLogged(a) => {
                    acc.add(&format!("act_{}_{}", a.kind.as_str(), a.direction.as_str()), &l, 1.0)
                }
                Body::SocialAction { action } => acc.add(&format!("social_{}", action.as_str()), &l, 1.0),
                Body::SurveyResponded { survey, .. } => {
                    let cat = match *survey {
                        Survey::Nps { score: 9..=10 } => "nps_promoter",
                        Survey::Nps { score: 7..=8 } => "nps_passive",
                        Survey::Nps { .. } => "nps_detractor",
                        Survey::Csat { score, scale_max } if score + 1 >= scale_max => "csat_satisfied",
                        Survey::Csat { .. } => "csat_other",
                    };
                    acc.add(cat, &l, 1.0);
                }
                Body::SentimentScored { score, channel } => {
                    acc.add(&format!("sent_n_{}", channel.as_str()), &l, 1.0);
                    acc.add(&format!("sent_s_{}", channel.as_str()), &l, *score);
                }
                Body::TrainingCompleted { score, .. } => {
                    acc.add("trainings", &l, 1.0);
                    if let Some(s) = score {
                        acc.add("scored", &l, 1.0);
                        acc.add("score_sum", &l, *s);
                    }
                }
                _ => {}
            }
        }
    }
    for t in TEAMS {
        let active = match t {
            "emea" => 2.0,
            "na" => 1.0,
            _ => 0.0,
        };
        out.insert(key("sales_active_reps", &[("team", t)]), Want::Zeroable(active));
        for (w, wl) in windows() {
            let l = [("team", t), ("window", wl)];
            for k in ActivityKind::ALL {
                let mut total = 0.0;
                for d in Direction::ALL {
                    let n = acc.get(&format!("act_{}_{}", k.as_str(), d.as_str()), &l);
                    total += n;
                    out.insert(
                        key("sales_activities", &[l[0], l[1], ("kind", k.as_str()), ("direction", d.as_str())]),
                        Want::Zeroable(n),
                    );
                }
                out.insert(
                    key("sales_activities_per_rep_day", &[l[0], l[1], ("kind", k.as_str())]),
                    Want::Ratio(div(total, active * w.days())),
                );
            }
            for a in SocialAction::ALL {
                out.insert(
                    key("sales_social_actions", &[l[0], l[1], ("action", a.as_str())]),
                    Want::Zeroable(acc.get(&format!("social_{}", a.as_str()), &l)),
                );
            }
            let (sent, accepted) =
                (acc.get("social_connection_request_sent", &l), acc.get("social_connection_accepted", &l));
            out.insert(key("sales_social_acceptance_rate", &l), Want::Ratio(div(accepted, sent)));
            let g = |n: &str| acc.get(n, &l);
            for (survey, cat, name) in [
                ("nps", "promoter", "nps_promoter"),
                ("nps", "passive", "nps_passive"),
                ("nps", "detractor", "nps_detractor"),
                ("csat", "satisfied", "csat_satisfied"),
                ("csat", "other", "csat_other"),
            ] {
                out.insert(
                    key("sales_survey_responses", &[l[0], l[1], ("survey", survey), ("category", cat)]),
                    Want::Zeroable(g(name)),
                );
            }
            let (p, pa, d) = (g("nps_promoter"), g("nps_passive"), g("nps_detractor"));
            out.insert(key("sales_nps", &l), Want::Ratio(div(100.0 * (p - d), p + pa + d)));
            let (s, o) = (g("csat_satisfied"), g("csat_other"));
            out.insert(key("sales_csat", &l), Want::Ratio(div(100.0 * s, s + o)));
            for ch in SentimentChannel::ALL {
                let (n, sum) = (g(&format!("sent_n_{}", ch.as_str())), g(&format!("sent_s_{}", ch.as_str())));
                let lc = [l[0], l[1], ("channel", ch.as_str())];
                out.insert(key("sales_sentiment_score_count", &lc), Want::Zeroable(n));
                out.insert(key("sales_sentiment_score_sum", &lc), Want::Zeroable(if n > 0.0 { sum } else { 0.0 }));
                out.insert(key("sales_sentiment_avg", &lc), Want::Ratio(div(sum, n)));
            }
            out.insert(key("sales_trainings_completed", &l), Want::Zeroable(g("trainings")));
            let scored = g("scored");
            out.insert(key("sales_training_score_count", &l), Want::Zeroable(scored));
            out.insert(
                key("sales_training_score_sum", &l),
                Want::Zeroable(if scored > 0.0 { g("score_sum") } else { 0.0 }),
            );
            out.insert(key("sales_training_score_avg", &l), Want::Ratio(div(g("score_sum"), scored)));
        }
    }
}

#[derive(Default)]
struct Account {
    statuses: Vec<(i64, CustomerStatus)>,
    mrr: Vec<(i64, f64)>,
    owner: Option<(i64, String)>,
}

fn at<T: Copy>(h: &[(i64, T)], t: i64) -> Option<T> {
    h.iter().rev().find(|(u, _)| *u <= t).map(|x| x.1)
}

/// Customers: logos, retention, MRR movements, lifetime value, expansion rate.
#[allow(clippy::too_many_lines, reason = "the naive model spells each KPI out plainly, one after the other")]
pub fn customers(events: &[Event], now: i64, acc: &mut Acc, out: &mut Expected) {
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    for e in events {
        let t = e.occurred_at.timestamp_millis();
        let Some(id) = &e.account_id else { continue };
        let a = accounts.entry(id.to_string()).or_default();
        match &e.body {
            Body::CustomerStatusChanged { status } => a.statuses.push((t, *status)),
            Body::RevenueChanged { mrr } => a.mrr.push((t, mrr.amount)),
            _ => continue,
        }
        if let Some(rep) = &e.rep_id
            && a.owner.as_ref().is_none_or(|o| t >= o.0)
        {
            a.owner = Some((t, rep.to_string()));
        }
    }
    for a in accounts.values_mut() {
        a.statuses.sort_by_key(|s| s.0);
        a.mrr.sort_by_key(|m| m.0);
        let t = team(a.owner.as_ref().map(|o| o.1.as_str()));
        let current = at(&a.mrr, now).unwrap_or(0.0);
        acc.add("mrr", &[("team", t)], current);
        if at(&a.statuses, now) == Some(CustomerStatus::Customer) {
            acc.add("customers", &[("team", t)], 1.0);
        }
        let mut before = None;
        for &(u, s) in &a.statuses {
            let event = match (before, s) {
                (Some(CustomerStatus::Customer), CustomerStatus::Churned) => Some("churned"),
                (b, CustomerStatus::Customer) if b != Some(CustomerStatus::Customer) => Some("new"),
                _ => None,
            };
            before = Some(s);
            for (_, wl) in windows().filter(|(w, _)| inw(*w, u, now)) {
                if let Some(ev) = event {
                    acc.add(ev, &[("team", t), ("window", wl)], 1.0);
                }
            }
        }
        for (w, wl) in windows() {
            let l = [("team", t), ("window", wl)];
            let start = window_start(w, now) - 1;
            if at(&a.statuses, start) == Some(CustomerStatus::Customer) {
                acc.add("at_start", &l, 1.0);
            }
            let s = at(&a.mrr, start).unwrap_or(0.0);
            if s > 0.0 {
                acc.add("mrr_start", &l, s);
                match current {
                    c if c <= 0.0 => acc.add("mrr_churn", &l, s),
                    c if c > s => acc.add("mrr_expansion", &l, c - s),
                    c => acc.add("mrr_contraction", &l, s - c),
                }
            }
        }
    }
    // The model's engine runs with a gross margin of 0.5.
    out.insert(key("sales_gross_margin", &[]), Want::Zeroable(0.5));
    for t in TEAMS {
        let (mrr, customers) = (acc.get("mrr", &[("team", t)]), acc.get("customers", &[("team", t)]));
        out.insert(key("sales_mrr", &[("team", t)]), Want::Zeroable(mrr));
        out.insert(key("sales_customers", &[("team", t)]), Want::Zeroable(customers));
        let l90 = [("team", t), ("window", "90d")];
        let exposed = acc.get("at_start", &l90) + acc.get("new", &l90);
        let churn = div(acc.get("churned", &l90), exposed).map(|r| r / 3.0);
        let clv = (|| Some(div(mrr, customers)? * 0.5 / churn.filter(|c| *c > 0.0)?))();
        out.insert(key("sales_customer_lifetime_value", &[("team", t)]), Want::Ratio(clv));
        for (_, wl) in windows() {
            let l = [("team", t), ("window", wl)];
            let g = |n: &str| acc.get(n, &l);
            let (new, churned, at_start) = (g("new"), g("churned"), g("at_start"));
            out.insert(key("sales_new_customers", &l), Want::Zeroable(new));
            out.insert(key("sales_churned_customers", &l), Want::Zeroable(churned));
            out.insert(key("sales_customers_at_window_start", &l), Want::Zeroable(at_start));
            out.insert(key("sales_customer_retention_rate", &l), Want::Ratio(div(churned, at_start).map(|r| 1.0 - r)));
            let (s, x, c, ch) = (g("mrr_start"), g("mrr_expansion"), g("mrr_contraction"), g("mrr_churn"));
            for (m, v) in [("start", s), ("expansion", x), ("contraction", c), ("churn", ch)] {
                out.insert(key("sales_mrr_movement", &[l[0], l[1], ("movement", m)]), Want::Zeroable(v));
            }
            out.insert(key("sales_net_revenue_retention", &l), Want::Ratio(div(s + x - c - ch, s)));
            out.insert(key("sales_gross_revenue_retention", &l), Want::Ratio(div(s - c - ch, s)));
            for ty in ["upsell", "cross_sell"] {
                let won = acc.get(&format!("won_{ty}"), &l);
                out.insert(
                    key("sales_expansion_rate", &[l[0], l[1], ("deal_type", ty)]),
                    Want::Ratio(div(won, at_start)),
                );
            }
        }
    }
}

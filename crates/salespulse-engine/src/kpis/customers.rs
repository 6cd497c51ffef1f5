//! Customers: retention, revenue retention, acquisition cost, lifetime value.

use std::collections::HashMap;

use salespulse_events::SpendCategory;

use super::builder::{Builder, labels, ratio, team_window};
use super::catalogue::*;
use crate::stat::Stat;
use crate::time::Window;
use crate::view::{Cell, Scope};

/// KPIs 3, 13, 19, 20.
pub(crate) fn customers(c: &mut Builder<'_>) {
    // Spend is reference data: attributed to teams like events, from the global table.
    let mut spend: HashMap<(String, Window, SpendCategory), f64> = HashMap::new();
    for w in Window::ALL {
        c.reference.spend.fold(w, c.now, |rep, team, category, amount| {
            let team = c.reference.team_of(rep, team).to_owned();
            *spend.entry((team, w, category)).or_default() += amount;
        });
    }
    // The margin is configuration, the same on every instance: exported so that a rule
    // can compute lifetime value from summed parts.
    c.gauge(GROSS_MARGIN, labels(&[]), Some(c.cfg.gross_margin));
    let mut teams = c.teams.clone();
    teams.extend(spend.keys().map(|(t, _, _)| t.clone()).filter(|t| !c.teams.contains(t)));
    for team in teams {
        let state = |cell| c.cell(Scope::State, &team, cell);
        let (mrr, customers) = (state(Cell::Mrr), state(Cell::Customers));
        let w90 = Scope::Window(Window::D90);
        // Churn over everyone who was a customer in the 90 days: those at the start and
        // those who joined since, so a young customer base has a rate too.
        let churned_90 = c.ws(&team, Window::D90, Stat::ChurnedCustomers);
        let exposed = c.cell(w90, &team, Cell::CustomersAtStart) + c.ws(&team, Window::D90, Stat::NewCustomers);
        let monthly_churn = ratio(churned_90, exposed).map(|r| r / 3.0);
        let clv = (|| Some(ratio(mrr, customers)? * c.cfg.gross_margin / monthly_churn.filter(|r| *r > 0.0)?))();
        c.gauge(MRR, labels(&[("team", &team)]), Some(mrr));
        c.gauge(CUSTOMERS, labels(&[("team", &team)]), Some(customers));
        c.gauge(CLV, labels(&[("team", &team)]), clv);
        for w in Window::ALL {
            let cell = |cell| c.cell(Scope::Window(w), &team, cell);
            let (start, exp, con, churn) =
                (cell(Cell::MrrStart), cell(Cell::MrrExpansion), cell(Cell::MrrContraction), cell(Cell::MrrChurn));
            let at_start = cell(Cell::CustomersAtStart);
            let (new, churned) = (c.ws(&team, w, Stat::NewCustomers), c.ws(&team, w, Stat::ChurnedCustomers));
            c.gauge(NEW_CUSTOMERS, team_window(&team, w, &[]), Some(new));
            c.gauge(CHURNED_CUSTOMERS, team_window(&team, w, &[]), Some(churned));
            c.gauge(CUSTOMERS_AT_START, team_window(&team, w, &[]), Some(at_start));
            c.gauge(RETENTION, team_window(&team, w, &[]), ratio(churned, at_start).map(|r| 1.0 - r));
            for (movement, v) in [("start", start), ("expansion", exp), ("contraction", con), ("churn", churn)] {
                c.gauge(MRR_MOVEMENT, team_window(&team, w, &[("movement", movement)]), Some(v));
            }
            c.gauge(NRR, team_window(&team, w, &[]), ratio(start + exp - con - churn, start));
            c.gauge(GRR, team_window(&team, w, &[]), ratio(start - con - churn, start));
            // Spend from the reference table (the same on every instance) and spend recorded
            // on the events topic (each instance has its partitions' part): two families, so
            // each aggregates in one way.
            let mut total = 0.0;
            for cat in SpendCategory::ALL {
                let l = team_window(&team, w, &[("category", cat.as_str())]);
                let (reference, partitioned) =
                    (spend.get(&(team.clone(), w, *cat)).copied().unwrap_or(0.0), c.ws(&team, w, Stat::Spend(*cat)));
                total += reference + partitioned;
                c.gauge(SPEND, l.clone(), Some(reference));
                c.gauge(SPEND_PARTITIONED, l, Some(partitioned));
            }
            c.gauge(CAC, team_window(&team, w, &[]), ratio(total, new));
        }
    }
}

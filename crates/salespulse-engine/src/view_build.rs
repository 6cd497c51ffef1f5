//! Reading a shard into a [`View`] at `now`.

use chrono::{DateTime, Utc};

use crate::calendar::PeriodKind;
use crate::reference::Reference;
use crate::shard::Shard;
use crate::time::{Window, ms};
use crate::view::{Cell, Key, Scope, View};
use crate::windows::OwnerId;

struct Who {
    team: String,
    rep: Option<String>,
}

impl Shard {
    /// Reads every window, period and state KPI input at `now`, resolving owners to teams
    /// with `reference`.
    pub fn view(&self, now: DateTime<Utc>, reference: &Reference) -> View {
        let now = ms(now);
        let who: Vec<Who> = (0..self.owners.len() as OwnerId)
            .map(|o| {
                let (rep, team) = self.owners.get(o);
                Who { team: reference.team_of(rep, team).to_owned(), rep: rep.map(str::to_owned) }
            })
            .collect();
        let nobody = Who { team: crate::reference::UNASSIGNED.to_owned(), rep: None };
        let who_of = |o: Option<OwnerId>| o.and_then(|o| who.get(o as usize)).unwrap_or(&nobody);
        let mut v = View::default();
        // Zeros are not stored: a team is in the view only when it has something.
        let put = |v: &mut View, scope, w: &Who, stage: Option<&str>, cell, value: f64, with_rep: bool| {
            if value == 0.0 {
                return;
            }
            let key = |rep| Key { scope, team: w.team.clone(), rep, stage: stage.map(str::to_owned), cell };
            v.add(key(None), value);
            if with_rep && w.rep.is_some() {
                v.add(key(w.rep.clone()), value);
            }
        };
        let per_rep = self.cfg.per_rep;
        for win in Window::ALL {
            self.agg.windows.fold(win, now, |owner, stat, value| {
                let stage = stat.stage().and_then(|s| self.stages.get(u32::from(s)));
                let cell = Cell::Stat(stat.with_stage(0));
                put(&mut v, Scope::Window(win), who_of(Some(owner)), stage, cell, value, per_rep && stat.per_rep());
            });
        }
        let cal = &self.cfg.calendar;
        for kind in PeriodKind::ALL {
            for (scope, (first, last)) in
                [(Scope::ToDate(kind), cal.to_date(now, kind)), (Scope::Previous(kind), cal.previous(now, kind))]
            {
                // Per-rep period revenue is always kept: reps at quota needs it.
                self.agg.months.fold(first, last, |owner, value| {
                    put(&mut v, scope, who_of(Some(owner)), None, Cell::PeriodRevenue, value, true)
                });
            }
        }
        for deal in self.deals.values() {
            let Some(open) = deal.open(reference, &self.stages) else { continue };
            let w = who_of(Some(open.owner));
            let stage = self.stages.get(u32::from(open.stage));
            let amount = open.amount.and_then(|m| reference.to_base(m)).unwrap_or(0.0);
            put(&mut v, Scope::State, w, stage, Cell::PipelineValue, amount, false);
            put(&mut v, Scope::State, w, stage, Cell::PipelineDeals, 1.0, false);
            put(&mut v, Scope::State, w, None, Cell::PipelineWeighted, amount * open.probability.unwrap_or(0.0), false);
            let limit =
                stage.and_then(|s| self.cfg.stalled_after_ms.get(s)).copied().unwrap_or(self.cfg.stalled_default_ms);
            if now - open.entered > limit {
                put(&mut v, Scope::State, w, stage, Cell::Stalled, 1.0, false);
            }
        }
        for lead in self.leads.values() {
            if let Some((owner, start)) = lead.waiting() {
                put(&mut v, Scope::State, who_of(Some(owner)), None, Cell::LeadsAwaiting, 1.0, false);
                put(&mut v, Scope::State, who_of(Some(owner)), None, Cell::OldestWaitStart, start as f64, false);
            }
        }
        let base = |m: Option<salespulse_events::Money>| m.and_then(|m| reference.to_base(m)).unwrap_or(0.0);
        for account in self.accounts.values() {
            let w = who_of(account.owner.map(|o| o.1));
            let current = base(account.mrr_at(now));
            put(&mut v, Scope::State, w, None, Cell::Mrr, current, false);
            if account.customer_at(now) {
                put(&mut v, Scope::State, w, None, Cell::Customers, 1.0, false);
            }
            for win in Window::ALL {
                let (scope, start) = (Scope::Window(win), now - win.len_ms());
                if account.customer_at(start) {
                    put(&mut v, scope, w, None, Cell::CustomersAtStart, 1.0, false);
                }
                let before = base(account.mrr_at(start));
                if before > 0.0 {
                    put(&mut v, scope, w, None, Cell::MrrStart, before, false);
                    let (cell, amount) = match current {
                        c if c <= 0.0 => (Cell::MrrChurn, before),
                        c if c > before => (Cell::MrrExpansion, c - before),
                        c => (Cell::MrrContraction, before - c),
                    };
                    put(&mut v, scope, w, None, cell, amount, false);
                }
            }
        }
        v
    }
}

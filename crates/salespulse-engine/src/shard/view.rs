//! Reading a shard into a [`View`] at `now`, one section per kind of state: window
//! statistics, calendar periods, the open pipeline, waiting leads and accounts.

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use salespulse_events::Money;

use super::Shard;
use crate::calendar::PeriodKind;
use crate::fixed::Fixed;
use crate::reference::{Reference, UNASSIGNED};
use crate::time::{Ms, Window, ms};
use crate::view::{Cell, Scope, View};
use crate::windows::OwnerId;

/// Who an owner is, as the view labels it.
struct Who {
    team: String,
    rep: Option<String>,
}

/// Where a value goes before owners are resolved to teams: (scope, owner, stage, cell,
/// whether the rep gets its own part).
type Spot<'a> = (Scope, Option<OwnerId>, Option<&'a str>, Cell, bool);

/// One read of a shard: values summed by owner first (cheap keys, one probe each), then
/// resolved to teams and reps once per distinct spot.
struct Reader<'a> {
    shard: &'a Shard,
    reference: &'a Reference,
    now: Ms,
    who: Vec<Who>,
    nobody: Who,
    spots: FxHashMap<Spot<'a>, Fixed>,
    /// Spots known to be distinct from each other and from `spots` (window statistics:
    /// one per (window, owner, stat)), kept without a probe.
    distinct: Vec<(Spot<'a>, Fixed)>,
}

impl Shard {
    /// Reads every window, period and state KPI input at `now`, resolving owners to teams
    /// with `reference`.
    pub fn view(&self, now: DateTime<Utc>, reference: &Reference) -> View {
        let who = (0..crate::interner::next_id(self.owners.len()))
            .map(|o| {
                let (rep, team) = self.owners.get(o);
                Who { team: reference.team_of(rep, team).to_owned(), rep: rep.map(str::to_owned) }
            })
            .collect();
        let nobody = Who { team: UNASSIGNED.to_owned(), rep: None };
        let (spots, distinct) = (FxHashMap::default(), Vec::new());
        let mut r = Reader { shard: self, reference, now: ms(now), who, nobody, spots, distinct };
        r.windows();
        r.periods();
        r.pipeline();
        r.leads();
        r.accounts();
        r.finish()
    }
}

impl<'a> Reader<'a> {
    fn who(&self, owner: Option<OwnerId>) -> &Who {
        owner.and_then(|o| self.who.get(o as usize)).unwrap_or(&self.nobody)
    }

    /// Adds `value` to the owner's team (and to the rep's own part when `with_rep`).
    /// Zeros are not stored: a team is in the view only when it has something.
    fn put(
        &mut self,
        scope: Scope,
        owner: Option<OwnerId>,
        stage: Option<&'a str>,
        cell: Cell,
        value: impl Into<Fixed>,
        with_rep: bool,
    ) {
        let value = value.into();
        if value.is_zero() {
            return;
        }
        let min = cell == Cell::OldestWaitStart;
        self.spots
            .entry((scope, owner, stage, cell, with_rep))
            .and_modify(|x| if min { *x = (*x).min(value) } else { *x += value })
            .or_insert(value);
    }

    /// The view: every spot's value added to its team (and its rep), each owner's names
    /// interned once.
    fn finish(self) -> View {
        let mut view = View::default();
        let none = view.id(None);
        let mut ids: Vec<Option<(u32, Option<u32>)>> = vec![None; self.who.len() + 1];
        for (&(scope, owner, stage, cell, with_rep), &value) in
            self.spots.iter().chain(self.distinct.iter().map(|(k, v)| (k, v)))
        {
            let slot = owner.map_or(self.who.len(), |o| (o as usize).min(self.who.len()));
            let (team, rep) = *ids[slot].get_or_insert_with(|| {
                let w = self.who(owner);
                (view.id(Some(&w.team)), w.rep.as_deref().map(|r| view.id(Some(r))))
            });
            let stage = view.id(stage);
            view.add_ids(scope, team, none, stage, cell, value);
            if let (true, Some(rep)) = (with_rep, rep) {
                view.add_ids(scope, team, rep, stage, cell, value);
            }
        }
        view
    }

    /// Window statistics; the per-rep series carry the statistics that have them.
    fn windows(&mut self) {
        let (shard, per_rep) = (self.shard, self.shard.cfg.per_rep);
        for win in Window::ALL {
            shard.agg.windows.fold(win, self.now, |owner, stat, value| {
                let stage = stat.stage().and_then(|s| shard.stages.get(u32::from(s)));
                let cell = Cell::Stat(stat.with_stage(0));
                if !value.is_zero() {
                    let spot = (Scope::Window(win), Some(owner), stage, cell, per_rep && stat.per_rep());
                    self.distinct.push((spot, value));
                }
            });
        }
    }

    /// Won revenue per calendar period, to date and previous. Per-rep period revenue is
    /// always kept: reps at quota needs it.
    fn periods(&mut self) {
        let (shard, cal) = (self.shard, &self.shard.cfg.calendar);
        for kind in PeriodKind::ALL {
            for (scope, (first, last)) in [
                (Scope::ToDate(kind), cal.to_date(self.now, kind)),
                (Scope::Previous(kind), cal.previous(self.now, kind)),
            ] {
                shard.agg.months.fold(first, last, |owner, value| {
                    self.put(scope, Some(owner), None, Cell::PeriodRevenue, value, true)
                });
            }
        }
    }

    /// Open deals: value, count and weighted value by stage, and those stalled.
    fn pipeline(&mut self) {
        let (shard, reference, cfg) = (self.shard, self.reference, &self.shard.cfg);
        for deal in shard.deals.values() {
            let Some(open) = deal.open(reference, &shard.stages) else { continue };
            let owner = Some(open.owner);
            let stage = shard.stages.get(u32::from(open.stage));
            let amount = open.amount.and_then(|m| reference.to_base(m)).unwrap_or(0.0);
            self.put(Scope::State, owner, stage, Cell::PipelineValue, amount, false);
            self.put(Scope::State, owner, stage, Cell::PipelineDeals, 1.0, false);
            let weighted = amount * open.probability.unwrap_or(0.0);
            self.put(Scope::State, owner, None, Cell::PipelineWeighted, weighted, false);
            let limit = stage.and_then(|s| cfg.stalled_after_ms.get(s)).copied().unwrap_or(cfg.stalled_default_ms);
            if self.now - open.entered > limit {
                self.put(Scope::State, owner, stage, Cell::Stalled, 1.0, false);
            }
        }
    }

    /// Open leads still waiting for a first response, and the oldest clock start.
    fn leads(&mut self) {
        for lead in self.shard.leads.values() {
            if let Some((owner, start)) = lead.waiting() {
                self.put(Scope::State, Some(owner), None, Cell::LeadsAwaiting, 1.0, false);
                self.put(Scope::State, Some(owner), None, Cell::OldestWaitStart, start as f64, false);
            }
        }
    }

    /// Customers and MRR now, and at the start of every window with the movements since.
    fn accounts(&mut self) {
        let (shard, reference, now) = (self.shard, self.reference, self.now);
        let base = |m: Option<Money>| m.and_then(|m| reference.to_base(m)).unwrap_or(0.0);
        for account in shard.accounts.values() {
            let owner = account.owner.map(|o| o.1);
            let current = base(account.mrr_at(now));
            self.put(Scope::State, owner, None, Cell::Mrr, current, false);
            if account.customer_at(now) {
                self.put(Scope::State, owner, None, Cell::Customers, 1.0, false);
            }
            for win in Window::ALL {
                // The state just before the window's first counted slot.
                let (scope, start) = (Scope::Window(win), win.start(now) - 1);
                if account.customer_at(start) {
                    self.put(scope, owner, None, Cell::CustomersAtStart, 1.0, false);
                }
                let before = base(account.mrr_at(start));
                if before > 0.0 {
                    self.put(scope, owner, None, Cell::MrrStart, before, false);
                    let (cell, amount) = match current {
                        c if c <= 0.0 => (Cell::MrrChurn, before),
                        c if c > before => (Cell::MrrExpansion, c - before),
                        c => (Cell::MrrContraction, before - c),
                    };
                    self.put(scope, owner, None, cell, amount, false);
                }
            }
        }
    }
}

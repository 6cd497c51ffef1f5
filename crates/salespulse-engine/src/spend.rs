//! Recorded sales and marketing spend, counted at `occurred_at` (for CAC). Part of the
//! global reference table; deduplicated on `event_id`; kept for the longest window.

use std::collections::HashSet;

use salespulse_events::SpendCategory;

use crate::time::{Ms, Window};

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    t: Ms,
    rep: Option<String>,
    team: Option<String>,
    category: SpendCategory,
    amount: f64,
}

/// Spend records of the last 90 days.
#[derive(Debug, Clone, Default)]
pub struct Spend {
    entries: Vec<Entry>,
    ids: HashSet<String>,
    /// The newest record's time: records older than the longest window before it go.
    newest: Ms,
}

impl Spend {
    /// Records a base-currency amount (ignored if `event_id` was recorded already).
    pub fn record(
        &mut self,
        event_id: &str,
        t: Ms,
        rep: Option<&str>,
        team: Option<&str>,
        category: SpendCategory,
        amount: f64,
    ) {
        if !self.ids.insert(event_id.to_owned()) {
            return;
        }
        let (rep, team) = (rep.map(str::to_owned), team.map(str::to_owned));
        self.entries.push(Entry { id: event_id.to_owned(), t, rep, team, category, amount });
        self.newest = self.newest.max(t);
        if self.entries.first().is_some_and(|e| e.t <= self.newest - Window::LONGEST.len_ms()) {
            self.prune(self.newest);
        }
    }

    /// Calls `f(rep, team override, category, amount)` for spend counted in window `w` at `now`.
    pub fn fold(&self, w: Window, now: Ms, mut f: impl FnMut(Option<&str>, Option<&str>, SpendCategory, f64)) {
        let (first, last) = w.slots_at(now);
        for e in &self.entries {
            let slot = w.slot(e.t);
            if slot >= first && slot <= last {
                f(e.rep.as_deref(), e.team.as_deref(), e.category, e.amount);
            }
        }
    }

    /// Forgets spend older than the longest window.
    fn prune(&mut self, now: Ms) {
        let horizon = now - Window::LONGEST.len_ms();
        let before = self.entries.len();
        self.entries.retain(|e| e.t > horizon);
        if self.entries.len() < before {
            // A copy of a forgotten record would be older than every window anyway.
            self.ids = self.entries.iter().map(|e| e.id.clone()).collect();
        }
    }
}

//! Per-rep series (opt-in), capped by a series budget.

use salespulse_events::{ActivityKind, Direction, Outcome};

use super::builder::{At, Builder, Labels, labels, ratio};
use super::catalogue::*;
use crate::stat::{Dist, Stat};
use crate::time::Window;
use crate::view::{Cell, Scope};

/// The most series one rep adds: per window won revenue, 3 outcomes, win rate (absent
/// without a won or lost deal), activities by kind and direction, the response time
/// histogram (a series per bound, `+Inf`, `_sum` and `_count`). Quota parts are not per-rep
/// series: they are exported for every quota rep.
pub const MAX_SERIES_PER_REP: usize = Window::ALL.len() * (1 + 3 + 1 + 16 + LEAD_RESPONSE_BOUNDS.len() + 3);

/// Emits the per-rep families in (team, rep) order while the budget lasts, a rep whole or
/// not at all; returns (series exported, series cut), counted as exported.
pub(crate) fn reps(c: &mut Builder<'_>) -> (usize, usize) {
    let reps: Vec<(String, String)> = c.view.reps().into_iter().map(|(t, r)| (t.to_owned(), r.to_owned())).collect();
    let (mut exported, mut cut) = (0, 0);
    for (team, rep) in reps {
        let mark = c.mark();
        rep_series(c, &team, &rep);
        let n = c.series_since(&mark);
        if exported + n > c.cfg.rep_series_budget {
            c.take_back(&mark);
            cut += n;
        } else {
            exported += n;
        }
    }
    (exported, cut)
}

/// Every per-rep series of one rep.
fn rep_series(c: &mut Builder<'_>, team: &str, rep: &str) {
    for w in Window::ALL {
        let l = |extra: &[(&'static str, &str)]| -> Labels {
            let mut l = labels(&[("team", team), ("rep", rep), ("window", w.label())]);
            l.extend(labels(extra));
            l
        };
        let g = |s| c.view.get(Scope::Window(w), team, Some(rep), None, Cell::Stat(s));
        let (won, lost, revenue) = (g(Stat::Closed(Outcome::Won)), g(Stat::Closed(Outcome::Lost)), g(Stat::WonRevenue));
        let closed: Vec<(Outcome, f64)> = Outcome::ALL.iter().map(|o| (*o, g(Stat::Closed(*o)))).collect();
        let acts: Vec<(ActivityKind, Direction, f64)> = ActivityKind::ALL
            .iter()
            .flat_map(|k| Direction::ALL.iter().map(move |d| (*k, *d)))
            .map(|(k, d)| (k, d, g(Stat::Activities(k, d))))
            .collect();
        c.gauge(REP_WON_REVENUE, l(&[]), Some(revenue));
        for (o, n) in closed {
            c.gauge(REP_DEALS_CLOSED, l(&[("outcome", o.as_str())]), Some(n));
        }
        c.gauge(REP_WIN_RATE, l(&[]), ratio(won, won + lost));
        for (k, d, n) in acts {
            c.gauge(REP_ACTIVITIES, l(&[("kind", k.as_str()), ("direction", d.as_str())]), Some(n));
        }
        c.histogram(
            REP_LEAD_RESPONSE_SECONDS,
            l(&[]),
            At { scope: Scope::Window(w), team, rep: Some(rep), stage: None },
            Dist::LeadResponse,
            &LEAD_RESPONSE_BOUNDS,
        );
    }
}

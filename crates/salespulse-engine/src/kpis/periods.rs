//! Calendar periods: quota attainment, the per-rep parts of reps at quota, market share
//! and its growth.

use super::builder::{Builder, labels, ratio};
use super::catalogue::*;
use crate::calendar::PeriodKind;
use crate::view::{Cell, Scope};

/// KPIs 25, 26, 32, 33. Reps at quota is not computed here: a rep's revenue may be split
/// across instances, so each exports its part of every quota rep's revenue next to the
/// quota, and the count is a recording rule over the sums.
pub(crate) fn periods(c: &mut Builder<'_>) {
    let cal = c.cfg.calendar;
    for kind in PeriodKind::ALL {
        let period = kind.label();
        let (first, last) = cal.current(c.now, kind);
        let (pfirst, plast) = cal.previous(c.now, kind);
        let size = c.reference.market_size(&cal, first, last);
        let prev_size = c.reference.market_size(&cal, pfirst, plast);
        c.gauge(MARKET_SIZE, labels(&[("period", period)]), size);
        c.gauge(PREVIOUS_MARKET_SIZE, labels(&[("period", period)]), prev_size);
        for team in c.teams.clone() {
            let l = labels(&[("team", &team), ("period", period)]);
            let revenue = c.cell(Scope::ToDate(kind), &team, Cell::PeriodRevenue);
            let prev_revenue = c.cell(Scope::Previous(kind), &team, Cell::PeriodRevenue);
            let (mut quota, mut reps) = (None::<f64>, 0.0);
            let carrying: Vec<String> = c
                .reference
                .reps()
                .filter(|(_, i)| i.team == team && i.active && i.quota_carrying)
                .map(|(r, _)| r.to_owned())
                .collect();
            for rep in carrying {
                let Some(q) = c.reference.quota(&cal, &rep, first, last) else { continue };
                *quota.get_or_insert(0.0) += q;
                reps += 1.0;
                let own = c.view.get(Scope::ToDate(kind), &team, Some(&rep), None, Cell::PeriodRevenue);
                let lr = labels(&[("team", &team), ("rep", &rep), ("period", period)]);
                c.gauge(REP_PERIOD_WON_REVENUE, lr.clone(), Some(own));
                c.gauge(REP_QUOTA, lr, Some(q));
            }
            c.gauge(PERIOD_WON_REVENUE, l.clone(), Some(revenue));
            c.gauge(PREVIOUS_PERIOD_WON_REVENUE, l.clone(), Some(prev_revenue));
            c.gauge(QUOTA, l.clone(), quota);
            c.gauge(QUOTA_ATTAINMENT, l.clone(), quota.and_then(|q| ratio(revenue, q)));
            c.gauge(QUOTA_REPS, l.clone(), Some(reps));
            let share = size.and_then(|s| ratio(revenue, s));
            let prev_share = prev_size.and_then(|s| ratio(prev_revenue, s));
            c.gauge(MARKET_SHARE, l.clone(), share);
            c.gauge(MARKET_SHARE_GROWTH, l, share.zip(prev_share).map(|(s, p)| 100.0 * (s - p)));
        }
    }
}

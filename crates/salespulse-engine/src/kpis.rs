//! The KPI families computed from a merged [`View`]: names, help, labels and values.
//!
//! Every team known to the roster or present in the view gets every count and sum in
//! every window, zero included, so a quiet team decays to 0 instead of vanishing. A ratio
//! whose denominator is zero is left out: never NaN, never a made-up 0.

use std::collections::BTreeSet;

use salespulse_events::{ActivityKind, Direction, Outcome};

use crate::hist;
use crate::reference::Reference;
use crate::stat::{Dist, Stat, SurveyCat};
use crate::time::Window;
use crate::view::View;

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Summary,
}

/// One sample's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Gauge(f64),
    /// Count, sum and (quantile, value) pairs; no quantiles when the count is 0.
    Summary {
        count: u64,
        sum: f64,
        quantiles: Vec<(f64, f64)>,
    },
}

/// One labelled sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub labels: Vec<(&'static str, String)>,
    pub value: Value,
}

/// A metric family: a name, its help and kind, and its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub metrics: Vec<Metric>,
}

/// Quantiles exported for every distribution.
pub const QUANTILES: [f64; 2] = [0.5, 0.9];

struct Builder<'a> {
    view: &'a View,
    teams: BTreeSet<&'a str>,
    out: Vec<Family>,
}

impl<'a> Builder<'a> {
    fn family(&mut self, name: &'static str, help: &'static str, kind: Kind) -> &mut Vec<Metric> {
        self.out.push(Family { name, help, kind, metrics: Vec::new() });
        &mut self.out.last_mut().expect("just pushed").metrics
    }

    /// A gauge per team and window, plus `extra` labels, from `f`; `None` leaves it out.
    fn per_window<F>(&mut self, name: &'static str, help: &'static str, extra: &[(&'static str, &str)], f: F)
    where
        F: Fn(&dyn Fn(Stat) -> f64) -> Option<f64>,
    {
        let (view, teams) = (self.view, self.teams.clone());
        let metrics = self.family_or_existing(name, help);
        for team in teams {
            for w in Window::ALL {
                let get = |s: Stat| view.get(w, team, s);
                if let Some(v) = f(&get).filter(|v| v.is_finite()) {
                    let mut labels = vec![("team", team.to_owned()), ("window", w.label().to_owned())];
                    labels.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
                    metrics.push(Metric { labels, value: Value::Gauge(v) });
                }
            }
        }
    }

    fn family_or_existing(&mut self, name: &'static str, help: &'static str) -> &mut Vec<Metric> {
        match self.out.iter().position(|f| f.name == name) {
            Some(i) => &mut self.out[i].metrics,
            None => self.family(name, help, Kind::Gauge),
        }
    }

    fn summary(&mut self, name: &'static str, help: &'static str, dist: Dist) {
        let (view, teams) = (self.view, self.teams.clone());
        let metrics = self.family(name, help, Kind::Summary);
        for team in teams {
            for w in Window::ALL {
                let count = view.get(w, team, Stat::DistCount(dist)).round().max(0.0) as u64;
                let sum = if count == 0 { 0.0 } else { view.get(w, team, Stat::DistSum(dist)) };
                let buckets: Vec<(u16, f64)> = view
                    .stats(w, team)
                    .filter_map(|(s, c)| match s {
                        Stat::DistBucket(d, b) if d == dist => Some((b, c)),
                        _ => None,
                    })
                    .collect();
                let quantiles = QUANTILES.iter().filter_map(|&q| hist::quantile(&buckets, q).map(|v| (q, v))).collect();
                let labels = vec![("team", team.to_owned()), ("window", w.label().to_owned())];
                metrics.push(Metric { labels, value: Value::Summary { count, sum, quantiles } });
            }
        }
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Computes every KPI family from a merged view.
pub fn families(view: &View, reference: &Reference) -> Vec<Family> {
    let mut teams = reference.teams();
    teams.extend(view.teams());
    let mut b = Builder { view, teams, out: Vec::new() };
    let won = Stat::Closed(Outcome::Won);
    let lost = Stat::Closed(Outcome::Lost);

    b.per_window(names::WON_REVENUE, "Base-currency amount of deals closed won in the window.", &[], |g| {
        Some(g(Stat::WonRevenue))
    });
    b.per_window(names::AVERAGE_DEAL_SIZE, "Won revenue / won deals with a known amount, in the window.", &[], |g| {
        ratio(g(Stat::WonRevenue), g(Stat::WonValued))
    });
    for o in Outcome::ALL {
        b.per_window(names::DEALS_CLOSED, "Deals closed in the window, by outcome.", &[("outcome", o.as_str())], |g| {
            Some(g(Stat::Closed(*o)))
        });
    }
    b.per_window(names::WIN_RATE, "Won / (won + lost) deals closed in the window.", &[], |g| {
        ratio(g(won), g(won) + g(lost))
    });
    b.per_window(names::LEADS_CREATED, "Leads created in the window.", &[], |g| Some(g(Stat::LeadsCreated)));
    b.per_window(names::LEADS_CONVERTED, "Leads created in the window and converted since (cohort).", &[], |g| {
        Some(g(Stat::LeadsConverted))
    });
    b.per_window(names::LEAD_CONVERSION_RATE, "Converted / created leads, cohort of creation.", &[], |g| {
        ratio(g(Stat::LeadsConverted), g(Stat::LeadsCreated))
    });
    for k in ActivityKind::ALL {
        for d in Direction::ALL {
            let labels = [("kind", k.as_str()), ("direction", d.as_str())];
            b.per_window(names::ACTIVITIES, "Activities logged in the window.", &labels, |g| {
                Some(g(Stat::Activities(*k, *d)))
            });
        }
    }
    b.summary(
        names::LEAD_RESPONSE_SECONDS,
        "First human outbound response to a lead minus its assignment (or creation), by response time.",
        Dist::LeadResponse,
    );
    for (cat, survey, category) in SurveyCat::ALL {
        let labels = [("survey", survey), ("category", category)];
        b.per_window(names::SURVEY_RESPONSES, "Survey responses in the window.", &labels, |g| {
            Some(g(Stat::Survey(cat)))
        });
    }
    b.per_window(names::NPS, "100 x (promoters - detractors) / NPS responses in the window.", &[], |g| {
        let (p, pa, d) = (
            g(Stat::Survey(SurveyCat::NpsPromoter)),
            g(Stat::Survey(SurveyCat::NpsPassive)),
            g(Stat::Survey(SurveyCat::NpsDetractor)),
        );
        ratio(100.0 * (p - d), p + pa + d)
    });
    b.per_window(names::CSAT, "Percent of CSAT responses in the top two of the scale, in the window.", &[], |g| {
        let (s, o) = (g(Stat::Survey(SurveyCat::CsatSatisfied)), g(Stat::Survey(SurveyCat::CsatOther)));
        ratio(100.0 * s, s + o)
    });
    b.out
}

/// Metric names, stable once released.
pub mod names {
    pub const WON_REVENUE: &str = "sales_won_revenue";
    pub const AVERAGE_DEAL_SIZE: &str = "sales_average_deal_size";
    pub const DEALS_CLOSED: &str = "sales_deals_closed";
    pub const WIN_RATE: &str = "sales_win_rate";
    pub const LEADS_CREATED: &str = "sales_leads_created";
    pub const LEADS_CONVERTED: &str = "sales_leads_converted";
    pub const LEAD_CONVERSION_RATE: &str = "sales_lead_conversion_rate";
    pub const ACTIVITIES: &str = "sales_activities";
    pub const LEAD_RESPONSE_SECONDS: &str = "sales_lead_response_seconds";
    pub const SURVEY_RESPONSES: &str = "sales_survey_responses";
    pub const NPS: &str = "sales_nps";
    pub const CSAT: &str = "sales_csat";
}

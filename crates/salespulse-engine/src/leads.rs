//! Lead state: creation, first assignment, first human response, conversion.
//!
//! Response time = first outbound, non-automated activity on the lead minus its first
//! assignment (when that came before the response), else minus its creation; it is
//! counted at the response time, for the responding rep. Leads created and converted form
//! a cohort: counted in the slot of the lead's creation, for the lead's owner (its latest
//! assignee, else its creator), and moved when a newer assignment changes the owner.
//! Events may arrive in any order: what is counted is recomputed when an earlier fact
//! arrives, and the old count retracted.

use std::collections::HashMap;

use crate::entities::{Touched, entry};
use crate::outcome::{Incomplete, Kpi};
use crate::stat::{Dist, Stat};
use crate::time::Ms;
use crate::windows::{OwnerId, Windows};

#[derive(Debug, Clone, Default)]
struct Lead {
    created: Option<(Ms, OwnerId)>,
    /// First assignment: starts the response clock.
    assigned: Option<Ms>,
    /// Latest assignment by event time: owns the cohort counts.
    owner: Option<(Ms, OwnerId)>,
    response: Option<(Ms, OwnerId)>,
    /// The response-time observation currently in the windows.
    observed: Option<(Ms, OwnerId, f64)>,
    converted: bool,
    touched: Ms,
}

/// Every lead of a shard seen within the longest window.
#[derive(Debug, Clone, Default)]
pub struct Leads {
    map: HashMap<String, Lead>,
}

/// Adds (`sign` 1) or retracts (`sign` -1) one observation of a distribution.
pub fn observe(w: &mut Windows, t: Ms, owner: OwnerId, dist: Dist, value: f64, sign: f64) {
    w.add(t, owner, Stat::DistCount(dist), sign);
    w.add(t, owner, Stat::DistSum(dist), sign * value);
    w.add(t, owner, Stat::DistBucket(dist, crate::hist::bucket(value)), sign);
}

impl Touched for Lead {
    fn touched(&mut self) -> &mut Ms {
        &mut self.touched
    }
}

impl Leads {
    /// `lead.created`: counts the lead (and a conversion seen earlier) in its cohort.
    pub fn create(&mut self, w: &mut Windows, id: &str, t: Ms, owner: OwnerId) {
        let lead = entry(&mut self.map, id, t);
        if lead.created.is_some() {
            return;
        }
        lead.created = Some((t, owner));
        count_cohort(lead, w, 1.0);
        settle(lead, w, None);
    }

    /// `lead.assigned`: the first assignment starts the response clock; the latest one
    /// owns the cohort counts.
    pub fn assign(&mut self, w: &mut Windows, id: &str, t: Ms, owner: OwnerId) {
        let lead = entry(&mut self.map, id, t);
        if lead.owner.is_none_or(|(at, _)| t >= at) {
            count_cohort(lead, w, -1.0);
            lead.owner = Some((t, owner));
            count_cohort(lead, w, 1.0);
        }
        if lead.assigned.is_none_or(|a| t < a) {
            lead.assigned = Some(t);
            settle(lead, w, None);
        }
    }

    /// A human outbound touch on the lead.
    pub fn respond(&mut self, w: &mut Windows, id: &str, t: Ms, owner: OwnerId, inc: &mut Incomplete) {
        let lead = entry(&mut self.map, id, t);
        if lead.response.is_none_or(|(r, _)| t < r) {
            let first = lead.response.is_none();
            lead.response = Some((t, owner));
            settle(lead, w, first.then_some(inc));
        }
    }

    /// `lead.converted`: counted once, in the creation slot.
    pub fn convert(&mut self, w: &mut Windows, id: &str, t: Ms, inc: &mut Incomplete) {
        let lead = entry(&mut self.map, id, t);
        if lead.converted {
            return;
        }
        lead.converted = true;
        match cohort(lead) {
            Some((c, owner)) => w.add(c, owner, Stat::LeadsConverted, 1.0),
            None => inc.add(Kpi::LeadConversion),
        }
    }

    /// `lead.disqualified`: nothing is counted yet; it keeps the lead's state alive.
    pub fn disqualify(&mut self, id: &str, t: Ms) {
        entry(&mut self.map, id, t);
    }

    /// Forgets leads untouched since `horizon`.
    pub fn prune(&mut self, horizon: Ms) {
        self.map.retain(|_, l| l.touched >= horizon);
    }

    /// Number of leads held.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// Where the lead's cohort counts live: its creation slot, its owner.
fn cohort(lead: &Lead) -> Option<(Ms, OwnerId)> {
    lead.created.map(|(c, creator)| (c, lead.owner.map_or(creator, |(_, o)| o)))
}

/// Adds (`sign` 1) or retracts (`sign` -1) the lead's cohort counts.
fn count_cohort(lead: &Lead, w: &mut Windows, sign: f64) {
    if let Some((c, owner)) = cohort(lead) {
        w.add(c, owner, Stat::LeadsCreated, sign);
        if lead.converted {
            w.add(c, owner, Stat::LeadsConverted, sign);
        }
    }
}

/// Brings the lead's response observation in the windows in line with what is known.
fn settle(lead: &mut Lead, w: &mut Windows, first_response: Option<&mut Incomplete>) {
    let want = lead.response.and_then(|(r, owner)| {
        let start = match lead.assigned {
            Some(a) if a <= r => Some(a),
            _ => lead.created.map(|(c, _)| c),
        }?;
        Some((r, owner, (r - start).max(0) as f64 / 1000.0))
    });
    if want.is_none()
        && let Some(inc) = first_response
    {
        inc.add(Kpi::LeadResponseTime);
    }
    if want == lead.observed {
        return;
    }
    if let Some((t, owner, v)) = lead.observed {
        observe(w, t, owner, Dist::LeadResponse, v, -1.0);
    }
    if let Some((t, owner, v)) = want {
        observe(w, t, owner, Dist::LeadResponse, v, 1.0);
    }
    lead.observed = want;
}

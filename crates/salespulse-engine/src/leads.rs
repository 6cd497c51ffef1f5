//! Lead state: the facts known about each lead, and what they add to the aggregates.
//!
//! Response time = first outbound, non-automated activity on the lead minus its first
//! assignment (when that came before the response), else minus its creation; it is
//! counted at the response time, for the responding rep. Leads created and converted form
//! a cohort: counted in the slot of the lead's creation, for the lead's owner (its latest
//! assignee, else its creator). Facts are kept by event time, so arrival order does not
//! change the result.

use crate::contrib::{Contribs, Contribution};
use crate::entities::Touched;
use crate::stat::{Dist, Stat};
use crate::time::Ms;
use crate::windows::OwnerId;

/// Everything known about one lead.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Lead {
    pub created: Option<(Ms, OwnerId)>,
    /// First assignment: starts the response clock.
    pub assigned: Option<Ms>,
    /// Newest assignment: owns the cohort counts.
    pub owner: Option<(Ms, OwnerId)>,
    /// First human outbound touch, and who made it.
    pub response: Option<(Ms, OwnerId)>,
    pub converted: bool,
    pub disqualified: bool,
    pub touched: Ms,
    pub contrib: Vec<Contribution>,
}

impl Touched for Lead {
    fn touched(&mut self) -> &mut Ms {
        &mut self.touched
    }
}

impl Lead {
    /// Where the cohort counts live: the creation time and the owner.
    pub fn cohort(&self) -> Option<(Ms, OwnerId)> {
        self.created.map(|(c, creator)| (c, self.owner.map_or(creator, |(_, o)| o)))
    }

    /// When the response clock started: the first assignment if it came before the
    /// response (or there is no response yet), else the creation.
    pub fn clock_start(&self) -> Option<Ms> {
        match (self.assigned, self.response) {
            (Some(a), Some((r, _))) if a <= r => Some(a),
            (Some(a), None) => Some(a),
            _ => self.created.map(|(c, _)| c),
        }
    }

    /// The response-time observation: (response time, responder, seconds).
    pub fn response_time(&self) -> Option<(Ms, OwnerId, f64)> {
        let (r, owner) = self.response?;
        let start = self.clock_start()?;
        Some((r, owner, (r - start).max(0) as f64 / 1000.0))
    }

    /// Open and still waiting for a first response: (owner, clock start).
    pub fn waiting(&self) -> Option<(OwnerId, Ms)> {
        if self.converted || self.disqualified || self.response.is_some() {
            return None;
        }
        Some((self.cohort()?.1, self.clock_start()?))
    }

    /// The lead's contributions, from its facts.
    pub fn derive(&self, c: &mut Contribs) {
        if let Some((t, owner)) = self.cohort() {
            c.add(t, owner, Stat::LeadsCreated, 1.0);
            if self.converted {
                c.add(t, owner, Stat::LeadsConverted, 1.0);
            }
        }
        if let Some((t, owner, secs)) = self.response_time() {
            c.observe(t, owner, Dist::LeadResponse, secs);
        }
    }
}

/// Every lead of a shard touched within the longest window.
pub type Leads = crate::entities::Entities<Lead>;

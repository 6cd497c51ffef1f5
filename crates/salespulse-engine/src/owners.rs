//! Interning of the (rep, team override) pairs that own window entries.
//!
//! Window entries are owned by the rep of the event, not by a team: the team is resolved
//! when the view is read, from the current roster. So a rep unknown at first (team
//! `unassigned`) moves to their team, history included, as soon as the roster names them,
//! and a rep who changes team takes their history along. An event's own `team_id` pins
//! it to that team instead.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::interner::Interner;
use crate::windows::OwnerId;

/// What a name owns entries as, each within its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Rep,
    Team,
}

/// The owner table of one shard.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Owners {
    names: Interner,
    pairs: Vec<(u32, u32)>,
    by_pair: FxHashMap<(u32, u32), OwnerId>,
    /// Names used as team overrides and as reps (derived: [`Owners::rebuild`] after a
    /// restore).
    #[serde(skip)]
    teams: FxHashSet<u32>,
    #[serde(skip)]
    reps: FxHashSet<u32>,
}

impl Owners {
    /// The owner id of a (rep, team override) pair, interning it if new.
    pub fn id(&mut self, rep: Option<&str>, team: Option<&str>) -> OwnerId {
        let pair = (self.names.id(rep), self.names.id(team));
        self.pair(pair.0, pair.1)
    }

    /// The owner id of a pair of name ids (0: none), interning the pair if new.
    pub fn pair(&mut self, rep: u32, team: u32) -> OwnerId {
        if let Some(&id) = self.by_pair.get(&(rep, team)) {
            return id;
        }
        let id = crate::interner::next_id(self.pairs.len());
        if team != 0 {
            self.teams.insert(team);
        }
        if rep != 0 {
            self.reps.insert(rep);
        }
        self.pairs.push((rep, team));
        self.by_pair.insert((rep, team), id);
        id
    }

    /// The name id of `name` in `role` (one lookup): already in that role, or the role
    /// has fewer than `budget` names. `None` when the budget is full.
    pub fn admit(&mut self, name: &str, role: Role, budget: usize) -> Option<u32> {
        let set = match role {
            Role::Rep => &self.reps,
            Role::Team => &self.teams,
        };
        match self.names.find(name) {
            Some(id) if set.contains(&id) => Some(id),
            found if set.len() < budget => Some(found.unwrap_or_else(|| self.names.id(Some(name)))),
            _ => None,
        }
    }

    /// The name id of `name`, interning it if new.
    pub fn name(&mut self, name: &str) -> u32 {
        self.names.id(Some(name))
    }

    /// The rep's name id of an owner (0: none).
    pub fn rep_of(&self, id: OwnerId) -> u32 {
        self.pairs[id as usize].0
    }

    /// Rebuilds what is derived (after a restore).
    pub fn rebuild(&mut self) {
        self.teams = self.pairs.iter().map(|p| p.1).filter(|t| *t != 0).collect();
        self.reps = self.pairs.iter().map(|p| p.0).filter(|r| *r != 0).collect();
    }

    /// The rep and team override of an owner.
    pub fn get(&self, id: OwnerId) -> (Option<&str>, Option<&str>) {
        let (rep, team) = self.pairs[id as usize];
        (self.names.get(rep), self.names.get(team))
    }

    /// Number of owners.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Approximate heap bytes, for the state-size estimate.
    pub fn bytes(&self) -> usize {
        self.names.bytes() + self.pairs.len() * 40
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_pairs() {
        let mut o = Owners::default();
        let a = o.id(Some("ana"), None);
        let b = o.id(Some("ana"), Some("t1"));
        assert_ne!(a, b);
        assert_eq!(o.id(Some("ana"), None), a);
        assert_eq!(o.get(b), (Some("ana"), Some("t1")));
        let none = o.id(None, None);
        assert_eq!(o.get(none), (None, None));
        assert_eq!(o.len(), 3);
    }

    #[test]
    fn admits_teams_within_the_budget() {
        let mut o = Owners::default();
        o.id(Some("t1"), None);
        let t1 = o.name("t1");
        assert_eq!(o.admit("t1", Role::Team, 1), Some(t1), "a rep's name is not a team");
        o.id(Some("ana"), Some("t1"));
        assert_eq!(o.admit("t1", Role::Team, 1), Some(t1), "in use");
        assert_eq!(o.admit("t2", Role::Team, 1), None);
        assert!(o.admit("ana", Role::Rep, 0).is_some(), "in use as a rep: admitted whatever the budget");
        // What a restore gives: the derived set is not in snapshots.
        let mut back = o.clone();
        back.teams.clear();
        assert!(back.clone().admit("t2", Role::Team, 1).is_some(), "nothing derived before the rebuild");
        back.rebuild();
        assert_eq!(back.admit("t2", Role::Team, 1), None);
    }
}

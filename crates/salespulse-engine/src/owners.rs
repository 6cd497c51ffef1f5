//! Interning of the (rep, team override) pairs that own window entries.
//!
//! Window entries are owned by the rep of the event, not by a team: the team is resolved
//! when the view is read, from the current roster. So a rep unknown at first (team
//! `unassigned`) moves to their team, history included, as soon as the roster names them,
//! and a rep who changes team takes their history along. An event's own `team_id` pins
//! it to that team instead.

use std::collections::{HashMap, HashSet};

use crate::interner::Interner;
use crate::windows::OwnerId;

/// The owner table of one shard.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Owners {
    names: Interner,
    pairs: Vec<(u32, u32)>,
    by_pair: HashMap<(u32, u32), OwnerId>,
    /// Names used as team overrides and as reps (derived: [`Owners::rebuild`] after a
    /// restore).
    #[serde(skip)]
    teams: HashSet<u32>,
    #[serde(skip)]
    reps: HashSet<u32>,
}

impl Owners {
    /// The owner id of a (rep, team override) pair, interning it if new.
    pub fn id(&mut self, rep: Option<&str>, team: Option<&str>) -> OwnerId {
        let pair = (self.names.id(rep), self.names.id(team));
        if let Some(&id) = self.by_pair.get(&pair) {
            return id;
        }
        let id = crate::interner::next_id(self.pairs.len());
        if pair.1 != 0 {
            self.teams.insert(pair.1);
        }
        if pair.0 != 0 {
            self.reps.insert(pair.0);
        }
        self.pairs.push(pair);
        self.by_pair.insert(pair, id);
        id
    }

    /// Whether `team` may be a team override: already one, or fewer than `budget` are.
    pub fn admits_team(&self, team: &str, budget: usize) -> bool {
        self.names.find(team).is_some_and(|id| self.teams.contains(&id)) || self.teams.len() < budget
    }

    /// Whether `rep` may own entries: already one, or fewer than `budget` are.
    pub fn admits_rep(&self, rep: &str, budget: usize) -> bool {
        self.names.find(rep).is_some_and(|id| self.reps.contains(&id)) || self.reps.len() < budget
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
        assert!(o.admits_team("t1", 1), "a rep's name is not a team");
        o.id(Some("ana"), Some("t1"));
        assert!(o.admits_team("t1", 1), "in use");
        assert!(!o.admits_team("t2", 1));
        // What a restore gives: the derived set is not in snapshots.
        let mut back = o.clone();
        back.teams.clear();
        assert!(back.admits_team("t2", 1), "nothing derived before the rebuild");
        back.rebuild();
        assert!(!back.admits_team("t2", 1));
    }
}

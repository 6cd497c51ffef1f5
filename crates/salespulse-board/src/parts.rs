//! An instance's additive parts — the view of the partitions it holds and their feed —
//! and the merge of several instances' parts into the whole group's.
//!
//! Views add up (see `salespulse_engine::View`), so the merge of every instance's parts
//! reads as one instance holding every partition. The merge also says whether it is
//! whole: a partition held by no instance that answered (a peer down, a rebalance under
//! way), held by two at once, or still catching up (a partition just taken over reads
//! what it missed) makes it incomplete (and, while the partition count is not known, a
//! peer that does not answer), and the board says so rather than showing
//! a smaller total as if it were the total.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use salespulse_engine::View;
use salespulse_engine::feed::{Feed, Moment};
use serde::{Deserialize, Serialize};

/// One instance's parts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parts {
    /// A random id of the process: how an instance finds itself among its peers.
    pub instance: String,
    /// When the parts were read.
    pub at: DateTime<Utc>,
    /// The instance's change counter when they were read: a peer asks for parts newer
    /// than this.
    pub changes: u64,
    /// The partitions held, and the next offset of each.
    pub partitions: BTreeMap<i32, i64>,
    /// Partitions of the events topic, when known.
    pub partition_count: Option<usize>,
    /// Partitions held but still reading what they missed (as `/readyz` counts them: more
    /// than `state.ready_max_lag` behind, or not known yet).
    #[serde(default)]
    pub catching_up: Vec<i32>,
    pub view: View,
    /// The newest moments of its partitions, newest first.
    pub feed: Vec<Moment>,
}

/// The union of several instances' parts.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub view: View,
    pub feed: Vec<Moment>,
    /// Partitions held by the instances merged.
    pub held: BTreeSet<i32>,
    /// Partitions of the topic held by none of them (when the count is known).
    pub missing: Vec<i32>,
    /// Partitions held by two of them at once.
    pub overlapping: Vec<i32>,
    /// Partitions held but still catching up.
    pub catching_up: Vec<i32>,
    pub partition_count: Option<usize>,
}

impl Merged {
    /// Every partition held exactly once and caught up. When the partition count is not
    /// known, only if every peer answered too.
    pub fn whole(&self, peers_down: usize) -> bool {
        let held = match self.partition_count {
            Some(_) => self.missing.is_empty(),
            None => peers_down == 0,
        };
        held && self.overlapping.is_empty() && self.catching_up.is_empty()
    }
}

/// Merges the parts of several instances.
pub fn merge<'a>(parts: impl IntoIterator<Item = &'a Parts>) -> Merged {
    let mut merged = Merged::default();
    let mut moments: Vec<&Moment> = Vec::new();
    let (mut overlapping, mut catching_up) = (BTreeSet::new(), BTreeSet::new());
    for p in parts {
        catching_up.extend(p.catching_up.iter().copied());
        merged.view.merge(p.view.clone());
        moments.extend(&p.feed);
        for &partition in p.partitions.keys() {
            if !merged.held.insert(partition) {
                overlapping.insert(partition);
            }
        }
        merged.partition_count = merged.partition_count.max(p.partition_count);
    }
    merged.feed = Feed::merged(moments);
    merged.overlapping = overlapping.into_iter().collect();
    merged.catching_up = catching_up.into_iter().collect();
    if let Some(n) = merged.partition_count {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        merged.missing = (0..n).filter(|p| !merged.held.contains(p)).collect();
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use salespulse_engine::{Cell, Scope};

    fn parts(partitions: &[i32], revenue: f64) -> Parts {
        let mut view = View::default();
        view.add_at(Scope::State, "emea", None, None, Cell::Mrr, revenue.into());
        Parts {
            partitions: partitions.iter().map(|&p| (p, 0)).collect(),
            partition_count: Some(4),
            view,
            ..Parts::default()
        }
    }

    #[test]
    fn parts_read_back_from_json_merge_to_the_exact_sum() {
        let (a, b) = (parts(&[0, 1], 0.1), parts(&[2, 3], 0.2));
        let through_json: Vec<Parts> =
            [&a, &b].iter().map(|p| serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap()).collect();
        let merged = merge(&through_json);
        let mut one = a.view.clone();
        one.merge(b.view.clone());
        assert_eq!(merged.view, one, "a view through JSON keeps its exact nano-units");
        assert!(merged.whole(0));
    }

    #[test]
    fn a_partition_held_by_nobody_or_by_two_makes_the_merge_incomplete() {
        let merged = merge(&[parts(&[0, 1], 1.0), parts(&[1], 1.0)]);
        assert_eq!(merged.missing, vec![2, 3]);
        assert_eq!(merged.overlapping, vec![1]);
        assert!(!merged.whole(0));
        let merged = merge(&[parts(&[0, 1, 2, 3], 1.0)]);
        assert!(merged.whole(0));
        assert!(merged.whole(1), "every partition held: a peer down holds none");
        let unknown = Parts { partition_count: None, ..parts(&[0, 1], 1.0) };
        assert!(!merge(&[unknown]).whole(1), "without the count, a peer down may hold some");
        let behind = Parts { catching_up: vec![2], ..parts(&[0, 1, 2, 3], 1.0) };
        assert!(!merge(&[behind]).whole(0), "a partition still reading what it missed");
    }

    #[test]
    fn a_view_naming_a_name_it_does_not_have_is_refused() {
        let bad = r#"{"names":["emea"],"values":[["State",7,null,null,"Mrr",1]]}"#;
        assert!(serde_json::from_str::<View>(bad).is_err());
    }
}

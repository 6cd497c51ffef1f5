//! The rolling-window store: for each window, a sorted map from (slot, owner, stat) to an
//! additive value. Sorting by slot first makes pruning a single split and a window read a
//! single range scan. Only slots that hold something take memory.

use std::collections::BTreeMap;

use crate::stat::Stat;
use crate::time::{Ms, Window};

/// Interned (rep, team override) pair; see [`crate::owners::Owners`].
pub type OwnerId = u32;

type Key = (i64, OwnerId, Stat);

/// Values this close to zero after a retraction are dropped, so retracted slots free memory.
const ZERO: f64 = 1e-6;

/// Rolling-window aggregates of one shard.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Windows {
    maps: [BTreeMap<Key, f64>; 5],
}

impl Windows {
    /// Adds `delta` to `stat` of `owner` at event time `t`, in every window.
    pub fn add(&mut self, t: Ms, owner: OwnerId, stat: Stat, delta: f64) {
        for w in Window::ALL {
            let map = &mut self.maps[w.index()];
            let key = (w.slot(t), owner, stat);
            let v = map.entry(key).or_insert(0.0);
            *v += delta;
            if v.abs() < ZERO {
                map.remove(&key);
            }
        }
    }

    /// Drops every slot that can no longer be counted at `now` or later.
    pub fn prune(&mut self, now: Ms) {
        for w in Window::ALL {
            let map = &mut self.maps[w.index()];
            let (first, _) = w.slots_at(now);
            if map.first_key_value().is_some_and(|((s, _, _), _)| *s < first) {
                *map = map.split_off(&(first, 0, Stat::MIN));
            }
        }
    }

    /// Calls `f(owner, stat, value)` for every entry counted in window `w` at `now`.
    pub fn fold(&self, w: Window, now: Ms, mut f: impl FnMut(OwnerId, Stat, f64)) {
        let (first, last) = w.slots_at(now);
        // Slots after `now` hold events from the allowed future skew: they count when due.
        for (&(_, owner, stat), &v) in self.maps[w.index()].range((first, 0, Stat::MIN)..(last + 1, 0, Stat::MIN)) {
            f(owner, stat, v);
        }
    }

    /// Number of stored entries (for the state-size estimate).
    pub fn entries(&self) -> usize {
        self.maps.iter().map(BTreeMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_fold_retract_prune() {
        let mut ws = Windows::default();
        let h = 3_600_000;
        ws.add(10 * h, 1, Stat::LeadsCreated, 1.0);
        ws.add(10 * h + 5, 1, Stat::LeadsCreated, 1.0);
        ws.add(9 * h, 2, Stat::LeadsCreated, 1.0);
        let total = |ws: &Windows, w, now| {
            let mut t = 0.0;
            ws.fold(w, now, |_, _, v| t += v);
            t
        };
        assert_eq!(total(&ws, Window::H1, 10 * h + 10), 2.0);
        assert_eq!(total(&ws, Window::H24, 10 * h + 10), 3.0);
        assert_eq!(total(&ws, Window::H1, 11 * h), 0.0, "exactly one hour later the slot is out");
        ws.add(10 * h, 1, Stat::LeadsCreated, -2.0);
        assert_eq!(total(&ws, Window::H24, 10 * h + 10), 1.0);
        assert_eq!(ws.entries(), 5, "retracted slots are removed");
        ws.prune(100 * 86_400_000);
        assert_eq!(ws.entries(), 0);
    }
}

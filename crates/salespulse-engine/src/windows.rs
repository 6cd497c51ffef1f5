//! The rolling-window store: for each window, a sorted map from slot to the additive
//! values of that slot by (owner, stat). Sorting by slot makes pruning a single split and
//! a window read a single range of slots; inside a slot, a hash map makes an update one
//! probe. Only slots and cells that hold something take memory.
//!
//! Slots are shared copy-on-write: cloning the store (for a scrape or a snapshot) copies
//! only the slot maps, and a later write copies the one slot it changes, if a clone still
//! holds it.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::stat::Stat;
use crate::time::{Ms, Window};

/// Interned (rep, team override) pair; see [`crate::owners::Owners`].
pub type OwnerId = u32;

/// The values of one slot.
type Cells = FxHashMap<(OwnerId, Stat), f64>;

/// Values this close to zero after a retraction are dropped, so retracted slots free memory.
const ZERO: f64 = 1e-6;

/// Rolling-window aggregates of one shard.
#[derive(Debug, Clone)]
pub struct Windows {
    maps: [BTreeMap<i64, Arc<Cells>>; 5],
    /// Per window, the first slot still counted at the last [`Windows::prune`]: older slots
    /// are neither kept nor written (a replay of old events does not fill the short
    /// windows with slots only to drop them later). Derived, not in snapshots.
    floor: [i64; 5],
}

impl Default for Windows {
    fn default() -> Windows {
        Windows { maps: Default::default(), floor: [i64::MIN; 5] }
    }
}

impl Windows {
    /// Adds `delta` to `stat` of `owner` at event time `t`, in every window that can still
    /// count it.
    pub fn add(&mut self, t: Ms, owner: OwnerId, stat: Stat, delta: f64) {
        for w in Window::ALL {
            let slot = w.slot(t);
            if slot < self.floor[w.index()] {
                continue;
            }
            let map = &mut self.maps[w.index()];
            let cells = Arc::make_mut(map.entry(slot).or_default());
            match cells.entry((owner, stat)) {
                Entry::Occupied(mut cell) => {
                    *cell.get_mut() += delta;
                    if cell.get().abs() < ZERO {
                        cell.remove();
                    }
                }
                Entry::Vacant(cell) => {
                    if delta.abs() >= ZERO {
                        cell.insert(delta);
                    }
                }
            }
            if cells.is_empty() {
                map.remove(&slot);
            }
        }
    }

    /// Drops every slot that can no longer be counted at `now` or later. Cheap when no
    /// window's first slot moved: call it as often as the clock moves.
    pub fn prune(&mut self, now: Ms) {
        for w in Window::ALL {
            let (first, _) = w.slots_at(now);
            let floor = &mut self.floor[w.index()];
            if first <= *floor {
                continue;
            }
            *floor = first;
            let map = &mut self.maps[w.index()];
            if map.first_key_value().is_some_and(|(s, _)| *s < first) {
                *map = map.split_off(&first);
            }
        }
    }

    /// Calls `f(owner, stat, value)` for every entry counted in window `w` at `now`.
    pub fn fold(&self, w: Window, now: Ms, mut f: impl FnMut(OwnerId, Stat, f64)) {
        let (first, last) = w.slots_at(now);
        // Slots after `now` hold events from the allowed future skew: they count when due.
        for cells in self.maps[w.index()].range(first..=last).map(|(_, c)| c) {
            for (&(owner, stat), &v) in cells.iter() {
                f(owner, stat, v);
            }
        }
    }

    /// Number of stored entries (for the state-size estimate).
    pub fn entries(&self) -> usize {
        self.maps.iter().flat_map(BTreeMap::values).map(|c| c.len()).sum()
    }
}

/// The snapshot form: for each window, (slot, owner, stat) → value in key order, so the
/// encoding is deterministic and the same as when the store was one sorted map.
#[derive(Serialize, Deserialize)]
struct Flat {
    maps: [BTreeMap<(i64, OwnerId, Stat), f64>; 5],
}

impl Serialize for Windows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let flat = |m: &BTreeMap<i64, Arc<Cells>>| {
            m.iter().flat_map(|(&slot, cells)| cells.iter().map(move |(&(o, st), &v)| ((slot, o, st), v))).collect()
        };
        Flat { maps: std::array::from_fn(|i| flat(&self.maps[i])) }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Windows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Windows, D::Error> {
        let flat = Flat::deserialize(d)?;
        let mut maps: [BTreeMap<i64, Cells>; 5] = Default::default();
        for (map, entries) in maps.iter_mut().zip(flat.maps) {
            for ((slot, owner, stat), v) in entries {
                map.entry(slot).or_default().insert((owner, stat), v);
            }
        }
        let maps = maps.map(|m| m.into_iter().map(|(slot, cells)| (slot, Arc::new(cells))).collect());
        Ok(Windows { maps, floor: [i64::MIN; 5] })
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

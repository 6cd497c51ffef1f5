//! The rolling-window store: for each window, its slots in order ([`Slots`]), each with
//! the additive values of that slot by (owner, stat). Sorting by slot makes pruning a
//! single cut and a window read a single range of slots; inside a slot, a hash map makes
//! an update one probe. Only slots and cells that hold something take memory.
//!
//! Slots are shared copy-on-write: cloning the store (for a scrape or a snapshot) copies
//! only the slot maps, and a later write copies the one slot it changes, if a clone still
//! holds it.
//!
//! Each window also keeps running totals of its stored slots, brought up to date when the
//! window is read: only the slots that changed since the last read are summed again (a
//! changed slot is a different pointer, copy-on-write tells), so a read costs the window's
//! distinct (owner, stat) cells and the slots written since, not every slot of it, and a
//! write costs nothing more.
//!
//! Values are [`Fixed`]: a cell retracted to exactly zero is removed, and totals adjusted
//! in any order are exact.

use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, PoisonError};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fixed::{Fixed, Sums};
use crate::slots::Slots;
use crate::stat::Stat;
use crate::time::{Ms, Window};

/// Interned (rep, team override) pair; see [`crate::owners::Owners`].
pub type OwnerId = u32;

/// The values of one slot.
type Cells = FxHashMap<(OwnerId, Stat), Fixed>;

/// The sum of one (owner, stat) over a window's stored slots, and in how many slots it
/// is stored: a cell is read while it is stored somewhere in the window, as it was when
/// every slot was read.
#[derive(Debug, Clone, Copy, Default)]
struct Total {
    sum: Fixed,
    slots: u32,
}

type Totals = FxHashMap<(OwnerId, Stat), Total>;

/// A change of one (owner, stat) in a slot.
pub type Change = ((OwnerId, Stat), Fixed);

/// Adds `delta` to a cell; a cell that comes to exactly zero is removed.
#[inline]
fn bump(cells: &mut Cells, key: (OwnerId, Stat), delta: Fixed) {
    match cells.entry(key) {
        Entry::Occupied(mut cell) => {
            *cell.get_mut() += delta;
            if cell.get().is_zero() {
                cell.remove();
            }
        }
        Entry::Vacant(cell) => {
            if !delta.is_zero() {
                cell.insert(delta);
            }
        }
    }
}

/// Adds a change to the totals: `value` added, in `slots` slots more (or fewer).
fn adjust(totals: &mut Totals, key: (OwnerId, Stat), value: Fixed, slots: i32) {
    let total = totals.entry(key).or_default();
    total.sum += value;
    total.slots = total.slots.saturating_add_signed(slots);
    if total.slots == 0 {
        totals.remove(&key);
    }
}

/// Adds (`sign` 1) or removes (-1) every cell of a slot.
fn apply(totals: &mut Totals, cells: &Cells, sign: i32) {
    for (&key, &v) in cells {
        adjust(totals, key, if sign < 0 { -v } else { v }, sign);
    }
}

/// The running totals of one window and the slots they were summed from (shared with the
/// store, so an unchanged slot is the same pointer).
#[derive(Debug, Default)]
struct Summed {
    slots: Slots<Arc<Cells>>,
    totals: Totals,
}

impl Summed {
    /// Brings the totals to the sum of `current` by the slots that differ.
    fn update(&mut self, current: &Slots<Arc<Cells>>) {
        for (slot, cells) in current.iter() {
            match self.slots.get(slot) {
                Some(was) if Arc::ptr_eq(was, cells) => {}
                Some(was) => {
                    apply(&mut self.totals, was, -1);
                    apply(&mut self.totals, cells, 1);
                }
                None => apply(&mut self.totals, cells, 1),
            }
        }
        for (slot, was) in self.slots.iter() {
            if current.get(slot).is_none() {
                apply(&mut self.totals, was, -1);
            }
        }
        self.slots.clone_from(current);
    }
}

/// Rolling-window aggregates of one shard.
#[derive(Debug, Clone)]
pub struct Windows {
    maps: [Slots<Arc<Cells>>; 5],
    /// Per window, running totals as of the last read. Shared by clones (a scrape reads a
    /// clone and the next one starts from its totals); derived, not in snapshots.
    summed: Arc<[Mutex<Summed>; 5]>,
    /// Per window, the first slot still counted at the last [`Windows::prune`]: older slots
    /// are neither kept nor written (a replay of old events does not fill the short
    /// windows with slots only to drop them later). Derived, not in snapshots.
    floor: [i64; 5],
    /// The clock before which no window's first slot moves (slots of every window start
    /// on whole minutes): [`Windows::prune`] does nothing before it. Derived.
    due: Ms,
}

/// Every window's slots start on a multiple of this.
const FINEST: Ms = 60_000;

impl Default for Windows {
    fn default() -> Windows {
        Windows { maps: Default::default(), summed: Arc::default(), floor: [i64::MIN; 5], due: Ms::MIN }
    }
}

impl Windows {
    /// Adds `delta` to `stat` of `owner` at event time `t`, in every window that can still
    /// count it.
    pub fn add(&mut self, t: Ms, owner: OwnerId, stat: Stat, delta: impl Into<Fixed>) {
        self.add_all(t, &[((owner, stat), delta.into())]);
    }

    /// Adds every (owner, stat) change at event time `t`, in order, in every window that
    /// can still count it: each window's slot is found, and copied if a clone shares it,
    /// once for all of them.
    pub fn add_all(&mut self, t: Ms, changes: &[Change]) {
        for (i, slot) in Window::slots_of(t).into_iter().enumerate() {
            if slot < self.floor[i] {
                continue;
            }
            let map = &mut self.maps[i];
            match map.get_mut(slot) {
                Some(cells) => {
                    let cells = Arc::make_mut(cells);
                    changes.iter().for_each(|&(key, delta)| bump(cells, key, delta));
                    if cells.is_empty() {
                        map.remove(slot);
                    }
                }
                None => {
                    // A slot is about as full as the one before it: sized so, it does not
                    // grow by doubling, rehashing every cell each time.
                    let room = map.before(slot).map_or(0, |c| c.len()).max(changes.len());
                    let mut cells = Cells::with_capacity_and_hasher(room, Default::default());
                    changes.iter().for_each(|&(key, delta)| bump(&mut cells, key, delta));
                    if !cells.is_empty() {
                        map.insert(slot, Arc::new(cells));
                    }
                }
            }
        }
    }

    /// Drops every slot that can no longer be counted at `now` or later. Cheap when no
    /// window's first slot moved: call it as often as the clock moves.
    pub fn prune(&mut self, now: Ms) {
        if now < self.due {
            return;
        }
        self.due = (now.div_euclid(FINEST) + 1).saturating_mul(FINEST);
        for w in Window::ALL {
            let (first, _) = w.slots_at(now);
            let floor = &mut self.floor[w.index()];
            if first <= *floor {
                continue;
            }
            *floor = first;
            self.maps[w.index()].drop_before(first);
        }
    }

    /// Calls `f(owner, stat, value)` once for every (owner, stat) counted in window `w` at
    /// `now`, with its sum over the window's slots.
    pub fn fold(&self, w: Window, now: Ms, mut f: impl FnMut(OwnerId, Stat, Fixed)) {
        let (first, last) = w.slots_at(now);
        let map = &self.maps[w.index()];
        // Stored but not counted now: slots the clock left since the last prune, and slots
        // after `now` (events from the allowed future skew count when due).
        let mut outside: Totals = FxHashMap::default();
        for (_, cells) in map.outside(first, last) {
            apply(&mut outside, cells, 1);
        }
        let mut summed = self.summed[w.index()].lock().unwrap_or_else(PoisonError::into_inner);
        summed.update(map);
        for (&(owner, stat), total) in &summed.totals {
            let (sum, slots) = match outside.get(&(owner, stat)) {
                Some(o) => (total.sum - o.sum, total.slots - o.slots.min(total.slots)),
                None => (total.sum, total.slots),
            };
            if slots > 0 {
                f(owner, stat, sum);
            }
        }
    }

    /// Number of stored slot entries (for the state-size estimate).
    pub fn entries(&self) -> usize {
        self.maps.iter().flat_map(Slots::values).map(|c| c.len()).sum()
    }

    /// Number of running totals as of the last reads (for the state-size estimate).
    pub fn totals(&self) -> usize {
        self.summed.iter().map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).totals.len()).sum()
    }
}

/// The snapshot form: for each window, (slot, owner, stat) → value in key order, so the
/// encoding is deterministic and the same as when the store was one sorted map.
#[derive(Serialize, Deserialize)]
struct Flat {
    maps: [Sums<(i64, OwnerId, Stat)>; 5],
}

impl Serialize for Windows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let flat = |m: &Slots<Arc<Cells>>| {
            m.iter().flat_map(|(slot, cells)| cells.iter().map(move |(&(o, st), &v)| ((slot, o, st), v))).collect()
        };
        Flat { maps: std::array::from_fn(|i| Sums(flat(&self.maps[i]))) }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Windows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Windows, D::Error> {
        let flat = Flat::deserialize(d)?;
        let mut maps: [std::collections::BTreeMap<i64, Cells>; 5] = Default::default();
        for (map, entries) in maps.iter_mut().zip(flat.maps) {
            for ((slot, owner, stat), v) in entries.0 {
                map.entry(slot).or_default().insert((owner, stat), v);
            }
        }
        let maps = maps.map(|m| m.into_iter().map(|(slot, cells)| (slot, Arc::new(cells))).collect());
        Ok(Windows { maps, ..Windows::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_totals_are_small() {
        assert_eq!(std::mem::size_of::<Change>(), 28);
        assert_eq!(std::mem::size_of::<((OwnerId, Stat), Total)>(), 32);
    }

    #[test]
    fn every_slot_starts_on_a_whole_minute() {
        assert!(Window::ALL.iter().all(|w| w.resolution_ms() % FINEST == 0));
    }

    #[test]
    fn add_fold_retract_prune() {
        let mut ws = Windows::default();
        let h = 3_600_000;
        let one = Fixed::from(1.0);
        ws.add(10 * h, 1, Stat::LeadsCreated, one);
        ws.add(10 * h + 5, 1, Stat::LeadsCreated, one);
        ws.add(9 * h, 2, Stat::LeadsCreated, one);
        let total = |ws: &Windows, w, now| {
            let mut t = Fixed::ZERO;
            ws.fold(w, now, |_, _, v| t += v);
            t.to_f64()
        };
        assert_eq!(total(&ws, Window::H1, 10 * h + 10), 2.0);
        assert_eq!(total(&ws, Window::H24, 10 * h + 10), 3.0);
        assert_eq!(total(&ws, Window::H1, 11 * h), 0.0, "exactly one hour later the slot is out");
        ws.add(10 * h, 1, Stat::LeadsCreated, Fixed::from(-2.0));
        assert_eq!(total(&ws, Window::H24, 10 * h + 10), 1.0);
        assert_eq!(ws.entries(), 5, "retracted slots are removed");
        ws.prune(100 * 86_400_000);
        assert_eq!(ws.entries(), 0);
    }

    /// A read of the running totals equals a read of every slot in the window, whatever
    /// the writes, retractions, future slots and prunes before it.
    mod totals {
        use std::collections::BTreeMap;

        use proptest::prelude::*;

        use super::*;

        const MIN: i64 = 60_000;

        fn naive(ws: &Windows, w: Window, now: Ms) -> BTreeMap<(OwnerId, Stat), Fixed> {
            let (first, last) = w.slots_at(now);
            let mut out = BTreeMap::new();
            for (_, cells) in ws.maps[w.index()].inside(first, last) {
                for (&key, &v) in cells.iter() {
                    *out.entry(key).or_insert(Fixed::ZERO) += v;
                }
            }
            out
        }

        #[derive(Debug, Clone)]
        enum Op {
            /// Minute of the event, owner, stat, amount; retracted later when `undo`.
            Add {
                minute: i64,
                owner: OwnerId,
                stat: bool,
                amount: i32,
                undo: bool,
            },
            Prune {
                minute: i64,
            },
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => (0..3_000i64, 0..4u32, any::<bool>(), -50..50i32, any::<bool>())
                    .prop_map(|(minute, owner, stat, amount, undo)| Op::Add { minute, owner, stat, amount, undo }),
                1 => (0..3_000i64).prop_map(|minute| Op::Prune { minute }),
            ]
        }

        proptest! {
            #[test]
            fn a_read_of_the_totals_is_a_read_of_the_slots(ops in prop::collection::vec(op(), 1..80), at in 0..3_200i64) {
                let mut ws = Windows::default();
                let mut undo = Vec::new();
                let mut clock = 0;
                for op in ops {
                    match op {
                        Op::Add { minute, owner, stat, amount, undo: u } => {
                            let stat = if stat { Stat::WonRevenue } else { Stat::DealsCreated };
                            let value = Fixed::from(f64::from(amount) * 0.25);
                            ws.add(minute * MIN, owner, stat, value);
                            if u {
                                undo.push((minute * MIN, owner, stat, -value));
                            }
                        }
                        Op::Prune { minute } => {
                            clock = clock.max(minute * MIN);
                            ws.prune(clock);
                        }
                    }
                    // A clone shares the totals: later writes must not change its reads.
                    let before = ws.clone();
                    let read = |ws: &Windows, w| { let mut m = BTreeMap::new(); ws.fold(w, clock, |o, st, v| { m.insert((o, st), v); }); m };
                    let kept: Vec<_> = Window::ALL.iter().map(|&w| read(&before, w)).collect();
                    if let Some((t, o, st, v)) = undo.pop() {
                        ws.add(t, o, st, v);
                    }
                    for (w, old) in Window::ALL.iter().zip(kept) {
                        prop_assert_eq!(read(&before, *w), old);
                    }
                }
                let now = clock.max(at * MIN);
                for w in Window::ALL {
                    let mut read = BTreeMap::new();
                    ws.fold(w, now, |o, st, v| { read.insert((o, st), v); });
                    let want = naive(&ws, w, now);
                    prop_assert_eq!(read.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{:?}", w);
                    for (k, v) in want {
                        prop_assert_eq!(read[&k], v, "{:?} {:?}", w, k);
                    }
                }
            }
        }
    }
}

//! The slots of one window, in order: a sorted vector. A window holds a few tens of
//! slots (its 60, those the clock left since the last prune, and a few ahead of the clock
//! for events from the allowed future), written mostly at the newest and pruned at the
//! oldest. Where the slots are consecutive, a slot's position is its distance from the
//! first one, found in one comparison; otherwise a binary search of one contiguous array.

/// Values by slot, sorted by slot.
#[derive(Debug, Clone)]
pub struct Slots<V>(Vec<(i64, V)>);

impl<V> Default for Slots<V> {
    fn default() -> Slots<V> {
        Slots(Vec::new())
    }
}

impl<V> Slots<V> {
    /// Where `slot` is (`Ok`) or would be inserted (`Err`).
    #[inline]
    fn position(&self, slot: i64) -> Result<usize, usize> {
        if let Some(&(first, _)) = self.0.first() {
            // Consecutive slots: the distance from the first is the position.
            let guess = slot.wrapping_sub(first);
            if let Ok(i) = usize::try_from(guess)
                && self.0.get(i).is_some_and(|(s, _)| *s == slot)
            {
                return Ok(i);
            }
        }
        self.0.binary_search_by_key(&slot, |(s, _)| *s)
    }

    pub fn get(&self, slot: i64) -> Option<&V> {
        self.position(slot).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, slot: i64) -> Option<&mut V> {
        self.position(slot).ok().map(|i| &mut self.0[i].1)
    }

    /// Sets the value of `slot`.
    pub fn insert(&mut self, slot: i64, value: V) {
        match self.position(slot) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (slot, value)),
        }
    }

    pub fn remove(&mut self, slot: i64) {
        if let Ok(i) = self.position(slot) {
            self.0.remove(i);
        }
    }

    /// Drops the slots before `first`.
    pub fn drop_before(&mut self, first: i64) {
        let n = self.0.partition_point(|(s, _)| *s < first);
        self.0.drain(..n);
    }

    /// The value of the newest slot before `slot`.
    pub fn before(&self, slot: i64) -> Option<&V> {
        let n = self.0.partition_point(|(s, _)| *s < slot);
        n.checked_sub(1).map(|i| &self.0[i].1)
    }

    /// Every (slot, value), in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &V)> {
        self.0.iter().map(|(s, v)| (*s, v))
    }

    /// The (slot, value) pairs outside `first..=last`.
    pub fn outside(&self, first: i64, last: i64) -> impl Iterator<Item = (i64, &V)> {
        let (lo, hi) = (self.0.partition_point(|(s, _)| *s < first), self.0.partition_point(|(s, _)| *s <= last));
        self.0[..lo].iter().chain(&self.0[hi.max(lo)..]).map(|(s, v)| (*s, v))
    }

    /// The (slot, value) pairs inside `first..=last`.
    #[cfg(test)]
    pub fn inside(&self, first: i64, last: i64) -> impl Iterator<Item = (i64, &V)> {
        let (lo, hi) = (self.0.partition_point(|(s, _)| *s < first), self.0.partition_point(|(s, _)| *s <= last));
        self.0[lo..hi.max(lo)].iter().map(|(s, v)| (*s, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<V> FromIterator<(i64, V)> for Slots<V> {
    /// From pairs in any order; for a slot given twice, the last value.
    fn from_iter<I: IntoIterator<Item = (i64, V)>>(pairs: I) -> Slots<V> {
        let mut all: Vec<(i64, V)> = pairs.into_iter().collect();
        all.reverse();
        all.sort_by_key(|(s, _)| *s);
        all.dedup_by_key(|(s, _)| *s);
        Slots(all)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the inserts and removals, the slots read as a sorted map does.
        #[test]
        fn reads_as_a_sorted_map(ops in prop::collection::vec((0..3u8, -40..40i64, any::<u8>()), 0..120), first in -45..45i64, last in -45..45i64) {
            let (mut slots, mut map) = (Slots::default(), BTreeMap::new());
            for (op, slot, v) in ops {
                match op {
                    0 => { slots.insert(slot, v); map.insert(slot, v); }
                    1 => { slots.remove(slot); map.remove(&slot); }
                    _ => {
                        if let Some(x) = slots.get_mut(slot) {
                            *x = v;
                        }
                        if let Some(x) = map.get_mut(&slot) {
                            *x = v;
                        }
                    }
                }
                prop_assert_eq!(slots.get(slot), map.get(&slot));
            }
            let pairs = |it: &mut dyn Iterator<Item = (i64, &u8)>| it.map(|(s, v)| (s, *v)).collect::<Vec<_>>();
            prop_assert_eq!(pairs(&mut slots.iter()), pairs(&mut map.iter().map(|(s, v)| (*s, v))));
            prop_assert_eq!(pairs(&mut slots.inside(first, last)), pairs(&mut map.iter().filter(|(s, _)| (first..=last).contains(*s)).map(|(s, v)| (*s, v))));
            prop_assert_eq!(pairs(&mut slots.outside(first, last)), pairs(&mut map.iter().filter(|(s, _)| !(first..=last).contains(*s)).map(|(s, v)| (*s, v))));
            prop_assert_eq!(slots.before(first), map.range(..first).next_back().map(|(_, v)| v));
            slots.drop_before(first);
            map = map.split_off(&first);
            prop_assert_eq!(pairs(&mut slots.iter()), pairs(&mut map.iter().map(|(s, v)| (*s, v))));
        }
    }

    #[test]
    fn from_pairs_in_any_order() {
        let s: Slots<u8> = [(3, 1), (1, 2), (3, 4)].into_iter().collect();
        assert_eq!(s.iter().map(|(s, v)| (s, *v)).collect::<Vec<_>>(), [(1, 2), (3, 4)]);
    }
}

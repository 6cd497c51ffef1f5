//! What lead, deal and account state have in common: a map by id whose entries remember
//! when they were last touched, so entities outside the longest window can be forgotten.
//!
//! The map is cut into [`PARTS`] reference-counted sub-maps of reference-counted entities,
//! so that cloning a shard for a snapshot is cheap whatever its size: the clone shares
//! everything, and a sub-map (then an entity) is copied only on its first write while the
//! snapshot still holds it (copy on write). The consumer thus pauses for a few hundred
//! reference counts, not for a deep copy of a million entities.
//!
//! An id is hashed once per lookup, with a keyed hash (ids come from input): the hash
//! picks the sub-map and is the sub-map's own hash, and `entry` finds or inserts in one
//! probe.

use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use salespulse_events::Id;
use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::time::Ms;

/// Number of sub-maps.
pub const PARTS: usize = 256;

/// The sub-map is picked by bits 24..32 of the hash: a sub-map's table uses the low bits
/// (its buckets) and the top seven (its tags), which must still vary inside one sub-map.
const PART_SHIFT: u32 = 24;

/// An id is held in the table itself (inline up to 24 bytes), so a lookup compares it
/// without reading another allocation.
type Slot<T> = (Id, Arc<T>);
type Part<T> = HashTable<Slot<T>>;

/// Entities by id.
#[derive(Debug, Clone)]
pub struct Entities<T> {
    parts: Vec<Arc<Part<T>>>,
    /// Entities held, kept as they come and go (read at every event for the budget).
    len: usize,
    /// Keyed per map (clones share it, so a clone finds what the original holds).
    hasher: RandomState,
}

impl<T> Default for Entities<T> {
    fn default() -> Self {
        Entities {
            parts: (0..PARTS).map(|_| Arc::new(HashTable::new())).collect(),
            len: 0,
            hasher: RandomState::default(),
        }
    }
}

/// An entity that remembers the newest event time that touched it.
pub trait Touched: Default + Clone {
    fn touched(&mut self) -> &mut Ms;
}

fn part_of(hash: u64) -> usize {
    (hash >> PART_SHIFT) as usize % PARTS
}

impl<T: Clone> Entities<T> {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// The entity `id`, if present.
    pub fn get(&self, id: &str) -> Option<&T> {
        let h = self.hash(id);
        self.parts[part_of(h)].find(h, |(k, _)| **k == *id).map(|(_, e)| &**e)
    }

    /// The entity `id` for writing, if present (copied first if a snapshot shares it).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let h = self.hash(id);
        let part = &mut self.parts[part_of(h)];
        // Only a part that holds `id` is written (so copied, if a snapshot shares it).
        part.find(h, |(k, _)| **k == *id)?;
        Arc::make_mut(part).find_mut(h, |(k, _)| **k == *id).map(|(_, e)| Arc::make_mut(e))
    }

    /// Every entity.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.parts.iter().flat_map(|p| p.iter().map(|(_, e)| &**e))
    }

    /// Every (id, entity).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.parts.iter().flat_map(|p| p.iter().map(|(k, e)| (&**k, &**e)))
    }

    /// Number of entities.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Keeps the entities for which `keep` is true. Only sub-maps that lose an entity are
    /// written (so copied, if a snapshot shares them).
    pub fn retain(&mut self, keep: impl Fn(&T) -> bool) {
        for part in &mut self.parts {
            if part.iter().any(|(_, e)| !keep(e)) {
                let before = part.len();
                Arc::make_mut(part).retain(|(_, e)| keep(e));
                self.len -= before - part.len();
            }
        }
    }

    /// Applies `update` to the entities for which `wanted` is true (only those are
    /// written).
    pub fn update_where(&mut self, wanted: impl Fn(&T) -> bool, mut update: impl FnMut(&mut T)) {
        for part in &mut self.parts {
            if part.iter().any(|(_, e)| wanted(e)) {
                for (_, e) in Arc::make_mut(part).iter_mut().filter(|(_, e)| wanted(e)) {
                    update(Arc::make_mut(e));
                }
            }
        }
    }

    /// Inserts `id` (not present) with `e`.
    fn insert(&mut self, id: Id, e: Arc<T>) {
        let h = self.hash(&id);
        let hasher = &self.hasher;
        Arc::make_mut(&mut self.parts[part_of(h)]).insert_unique(h, (id, e), |(k, _)| hasher.hash_one(&**k));
        self.len += 1;
    }
}

/// The entry of `id` (created empty if new), its last-touched time raised to `t`.
/// Allocates only for a new id.
pub fn entry<'a, T: Touched>(map: &'a mut Entities<T>, id: &str, t: Ms) -> &'a mut T {
    let h = map.hash(id);
    let hasher = &map.hasher;
    let part = Arc::make_mut(&mut map.parts[part_of(h)]);
    let slot = match part.entry(h, |(k, _)| **k == *id, |(k, _)| hasher.hash_one(&**k)) {
        Entry::Occupied(o) => o.into_mut(),
        Entry::Vacant(v) => {
            map.len += 1;
            v.insert((Id::from(id), Arc::new(T::default()))).into_mut()
        }
    };
    let e = Arc::make_mut(&mut slot.1);
    let touched = e.touched();
    *touched = (*touched).max(t);
    e
}

impl<T: Serialize> Serialize for Entities<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Compact formats need the length up front.
        let mut map = s.serialize_map(Some(self.len))?;
        for (k, v) in self.parts.iter().flat_map(|p| p.iter()) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for Entities<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let flat: std::collections::HashMap<Id, Arc<T>> = std::collections::HashMap::deserialize(d)?;
        let mut out = Entities::default();
        for (k, v) in flat {
            out.insert(k, v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default, PartialEq)]
    struct E {
        n: u32,
        touched: Ms,
    }

    impl Touched for E {
        fn touched(&mut self) -> &mut Ms {
            &mut self.touched
        }
    }

    #[test]
    fn a_clone_is_a_snapshot_the_original_can_change_under() {
        let mut m: Entities<E> = Entities::default();
        for i in 0..1000 {
            entry(&mut m, &format!("e{i}"), i).n = 1;
        }
        let snapshot = m.clone();
        entry(&mut m, "e7", 5000).n = 2;
        m.retain(|e| e.touched != 3);
        m.update_where(|e| e.touched == 4, |e| e.n = 9);
        assert_eq!((m.get("e4").map(|e| e.n), snapshot.get("e4").map(|e| e.n)), (Some(9), Some(1)));
        assert_eq!(snapshot.get("e7").map(|e| e.n), Some(1));
        assert_eq!(m.get("e7"), Some(&E { n: 2, touched: 5000 }));
        assert_eq!((snapshot.len(), m.len()), (1000, 999));
        assert!(m.get("e3").is_none() && snapshot.get("e3").is_some());
    }
}

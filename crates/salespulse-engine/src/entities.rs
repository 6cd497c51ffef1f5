//! What lead, deal and account state have in common: a map by id whose entries remember
//! when they were last touched, so entities outside the longest window can be forgotten.
//!
//! The map is cut into [`PARTS`] reference-counted sub-maps of reference-counted entities,
//! so that cloning a shard for a snapshot is cheap whatever its size: the clone shares
//! everything, and a sub-map (then an entity) is copied only on its first write while the
//! snapshot still holds it (copy on write). The consumer thus pauses for a few hundred
//! reference counts, not for a deep copy of a million entities.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::time::Ms;

/// Number of sub-maps.
pub const PARTS: usize = 256;

type Part<T> = HashMap<Arc<str>, Arc<T>>;

/// Entities by id.
#[derive(Debug, Clone)]
pub struct Entities<T> {
    parts: Vec<Arc<Part<T>>>,
    /// Entities held, kept as they come and go (read at every event for the budget).
    len: usize,
}

impl<T> Default for Entities<T> {
    fn default() -> Self {
        Entities { parts: (0..PARTS).map(|_| Arc::new(HashMap::new())).collect(), len: 0 }
    }
}

/// An entity that remembers the newest event time that touched it.
pub trait Touched: Default + Clone {
    fn touched(&mut self) -> &mut Ms;
}

fn part_of(id: &str) -> usize {
    usize::try_from(crate::dedup::hash(id) % PARTS as u64).unwrap_or(0)
}

impl<T: Clone> Entities<T> {
    /// The entity `id`, if present.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.parts[part_of(id)].get(id).map(|e| &**e)
    }

    /// The entity `id` for writing, if present (copied first if a snapshot shares it).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        Arc::make_mut(&mut self.parts[part_of(id)]).get_mut(id).map(Arc::make_mut)
    }

    /// Every entity.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.parts.iter().flat_map(|p| p.values().map(|e| &**e))
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
            if part.values().any(|e| !keep(e)) {
                let before = part.len();
                Arc::make_mut(part).retain(|_, e| keep(e));
                self.len -= before - part.len();
            }
        }
    }

    /// Applies `update` to the entities for which `wanted` is true (only those are
    /// written).
    pub fn update_where(&mut self, wanted: impl Fn(&T) -> bool, mut update: impl FnMut(&mut T)) {
        for part in &mut self.parts {
            if part.values().any(|e| wanted(e)) {
                for e in Arc::make_mut(part).values_mut().filter(|e| wanted(e)) {
                    update(Arc::make_mut(e));
                }
            }
        }
    }
}

/// The entry of `id` (created empty if new), its last-touched time raised to `t`.
/// Allocates only for a new id.
pub fn entry<'a, T: Touched>(map: &'a mut Entities<T>, id: &str, t: Ms) -> &'a mut T {
    let part = Arc::make_mut(&mut map.parts[part_of(id)]);
    if !part.contains_key(id) {
        part.insert(Arc::from(id), Arc::new(T::default()));
        map.len += 1;
    }
    let e = Arc::make_mut(part.get_mut(id).expect("present: just inserted"));
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
        let flat: HashMap<Arc<str>, Arc<T>> = HashMap::deserialize(d)?;
        let mut out = Entities { len: flat.len(), ..Entities::default() };
        for (k, v) in flat {
            Arc::make_mut(&mut out.parts[part_of(&k)]).insert(k, v);
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

//! Duplicate detection on `event_id` over a bounded horizon.
//!
//! An id is remembered from the moment its event is applied (wall time `now`, as passed to
//! the engine) for `horizon`, and at most `max_ids` ids are kept per shard, the oldest
//! forgotten first. So a redelivery within the horizon never counts twice, and memory is
//! bounded whatever the traffic. Ids are stored as 64-bit hashes: with a million ids the
//! chance that two different ids collide is about 3 in 100 million.

use std::collections::{HashSet, VecDeque};

use foldhash::fast::RandomState;

use crate::time::Ms;

/// Remembered event ids of one shard.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Dedup {
    horizon: Ms,
    max_ids: usize,
    order: VecDeque<(Ms, u64)>,
    /// Derived from `order`: rebuilt after a restore, not stored.
    #[serde(skip)]
    seen: HashSet<u64, RandomState>,
}

/// FNV-1a followed by a 64-bit finaliser: stable across builds, so snapshots stay valid.
pub(crate) fn hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Dedup {
    /// A horizon of `horizon` ms holding at most `max_ids` ids.
    pub fn new(horizon: Ms, max_ids: usize) -> Dedup {
        Dedup { horizon, max_ids: max_ids.max(1), order: VecDeque::new(), seen: HashSet::default() }
    }

    /// Records `id` at `now`; returns false if it was already there (a duplicate).
    pub fn insert(&mut self, id: &str, now: Ms) -> bool {
        self.expire(now);
        let h = hash(id);
        if !self.seen.insert(h) {
            return false;
        }
        self.order.push_back((now, h));
        while self.order.len() > self.max_ids {
            self.pop();
        }
        true
    }

    fn pop(&mut self) {
        if let Some((_, h)) = self.order.pop_front() {
            self.seen.remove(&h);
        }
    }

    /// Forgets ids recorded before `now - horizon`.
    pub fn expire(&mut self, now: Ms) {
        while self.order.front().is_some_and(|(t, _)| *t < now - self.horizon) {
            self.pop();
        }
    }

    /// Takes the horizon and bound of `cfg` (they may have changed since a snapshot).
    pub fn horizon_from(&mut self, cfg: &crate::config::EngineConfig) {
        self.horizon = cfg.dedup_horizon_ms;
        self.max_ids = cfg.dedup_max_ids.max(1);
    }

    /// Rebuilds the lookup set from the arrival order (after deserialising).
    pub fn rebuild(&mut self) {
        self.seen = self.order.iter().map(|(_, h)| *h).collect();
    }

    /// Number of remembered ids.
    pub fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_within_horizon_and_forgets_after() {
        let mut d = Dedup::new(1000, 10);
        assert!(d.insert("a", 0));
        assert!(!d.insert("a", 999));
        assert!(d.insert("b", 1000));
        assert!(d.insert("a", 1001), "forgotten after the horizon");
    }

    #[test]
    fn bounded_by_count() {
        let mut d = Dedup::new(i64::MAX / 2, 3);
        for id in ["a", "b", "c", "d"] {
            assert!(d.insert(id, 0));
        }
        assert_eq!(d.len(), 3);
        assert!(d.insert("a", 0), "the oldest id was evicted");
        assert!(!d.insert("d", 0));
    }
}

//! Duplicate detection on `event_id` over a bounded horizon.
//!
//! An id is remembered from the moment its event is applied (wall time `now`, as passed to
//! the engine) for at least `horizon` (at most a minute more: arrival times are kept per
//! minute), and at most `max_ids` ids are kept per shard, the oldest forgotten first. So a
//! redelivery within the horizon never counts twice, and memory is bounded whatever the
//! traffic. Ids are stored as 64-bit hashes: with a million ids the chance that two
//! different ids collide is about 3 in 100 million.

use std::collections::{HashSet, VecDeque};

use foldhash::fast::RandomState;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Ms;

/// Arrival times are kept per this span.
const MINUTE: Ms = 60_000;

/// Remembered event ids of one shard.
#[derive(Debug, Clone)]
pub struct Dedup {
    horizon: Ms,
    max_ids: usize,
    /// Hashes of the ids, oldest first.
    ids: VecDeque<u64>,
    /// When they arrived, one run per minute of arrival: (the newest arrival of the run,
    /// how many of the ids, in order, it covers). A run is forgotten once its newest
    /// arrival is past the horizon, so no id is forgotten before its own time is.
    runs: VecDeque<(Ms, u32)>,
    /// Derived from `ids`: rebuilt after a restore, not stored.
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
        Dedup {
            horizon,
            max_ids: max_ids.max(1),
            ids: VecDeque::new(),
            runs: VecDeque::new(),
            seen: HashSet::default(),
        }
    }

    /// Records `id` at `now`; returns false if it was already there (a duplicate).
    pub fn insert(&mut self, id: &str, now: Ms) -> bool {
        self.expire(now);
        let h = hash(id);
        if !self.seen.insert(h) {
            return false;
        }
        self.push(h, now);
        while self.ids.len() > self.max_ids {
            self.pop();
        }
        true
    }

    /// Appends a hash that arrived at `now`.
    fn push(&mut self, h: u64, now: Ms) {
        self.ids.push_back(h);
        match self.runs.back_mut() {
            Some((t, n)) if t.div_euclid(MINUTE) == now.div_euclid(MINUTE) && *n < u32::MAX => {
                *t = (*t).max(now);
                *n += 1;
            }
            _ => self.runs.push_back((now, 1)),
        }
    }

    /// Forgets the oldest id.
    fn pop(&mut self) {
        if let Some(h) = self.ids.pop_front() {
            self.seen.remove(&h);
        }
        if let Some((_, n)) = self.runs.front_mut() {
            *n -= 1;
            if *n == 0 {
                self.runs.pop_front();
            }
        }
    }

    /// Forgets ids recorded before `now - horizon`.
    pub fn expire(&mut self, now: Ms) {
        while self.runs.front().is_some_and(|(t, _)| *t < now - self.horizon) {
            let n = self.runs.front().map_or(0, |(_, n)| *n);
            for _ in 0..n {
                self.pop();
            }
        }
    }

    /// Takes the horizon and bound of `cfg` (they may have changed since a snapshot).
    pub fn horizon_from(&mut self, cfg: &crate::config::EngineConfig) {
        self.horizon = cfg.dedup_horizon_ms;
        self.max_ids = cfg.dedup_max_ids.max(1);
    }

    /// Rebuilds the lookup set from the arrival order (after deserialising).
    pub fn rebuild(&mut self) {
        self.seen = self.ids.iter().copied().collect();
    }

    /// Number of remembered ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Every (arrival time, hash), oldest first: an id's time is its run's.
    fn arrivals(&self) -> impl Iterator<Item = (Ms, u64)> + '_ {
        self.runs.iter().flat_map(|&(t, n)| std::iter::repeat_n(t, n as usize)).zip(self.ids.iter().copied())
    }
}

/// The snapshot form: (arrival time, hash) for each id, oldest first.
#[derive(Serialize)]
struct Stored<'a> {
    horizon: Ms,
    max_ids: usize,
    order: Arrivals<'a>,
}

struct Arrivals<'a>(&'a Dedup);

impl Serialize for Arrivals<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for pair in self.0.arrivals() {
            seq.serialize_element(&pair)?;
        }
        seq.end()
    }
}

impl Serialize for Dedup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored { horizon: self.horizon, max_ids: self.max_ids, order: Arrivals(self) }.serialize(s)
    }
}

#[derive(Deserialize)]
struct Loaded {
    horizon: Ms,
    max_ids: usize,
    order: Read,
}

/// The ids and runs of a snapshot's (arrival time, hash) pairs, read one pair at a time
/// (a restore holds no copy of the pairs).
struct Read {
    ids: VecDeque<u64>,
    runs: VecDeque<(Ms, u32)>,
}

impl<'de> Deserialize<'de> for Read {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Read, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Read;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence of (arrival time, id hash)")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
                let mut out = Dedup::new(0, 1);
                // The length a snapshot states is trusted only so far: room grows past it.
                out.ids.reserve_exact(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some((t, h)) = seq.next_element::<(Ms, u64)>()? {
                    out.push(h, t);
                }
                Ok(Read { ids: out.ids, runs: out.runs })
            }
        }
        d.deserialize_seq(Pairs)
    }
}

impl<'de> Deserialize<'de> for Dedup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dedup, D::Error> {
        let Loaded { horizon, max_ids, order } = Loaded::deserialize(d)?;
        Ok(Dedup { ids: order.ids, runs: order.runs, ..Dedup::new(horizon, max_ids) })
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
        assert!(!d.insert("a", 2000), "remembered as long as the newest arrival of its minute");
        assert!(d.insert("a", 2001), "forgotten after the horizon");
        assert!(d.insert("b", 2002), "forgotten with \"a\": they arrived in the same minute");
        assert_eq!(d.len(), 2);
        assert!(d.insert("c", 60_000 + 3002), "another minute: a and b forgotten, c kept");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn the_snapshot_form_is_one_time_per_id_and_reads_back() {
        let mut d = Dedup::new(1_000_000, 10);
        for (id, t) in [("a", 5), ("b", 7), ("c", 60_001)] {
            d.insert(id, t);
        }
        let stored = serde_json::to_value(&d).unwrap();
        let old_form = serde_json::json!({
            "horizon": 1_000_000, "max_ids": 10,
            "order": [[7, hash("a")], [7, hash("b")], [60_001, hash("c")]],
        });
        assert_eq!(stored, old_form, "the form of when every id kept its own time");
        let mut back: Dedup = serde_json::from_value(stored).unwrap();
        back.rebuild();
        assert!(!back.insert("b", 60_002));
        assert_eq!(back.arrivals().collect::<Vec<_>>(), d.arrivals().collect::<Vec<_>>());
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

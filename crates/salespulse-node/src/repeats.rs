//! Repeats the per-partition dedup cannot see: an event id applied on one partition, then
//! on another (a producer that re-keys a retry). Each partition's shard counts a repeat
//! once; across partitions it counts twice, and this says so. A direct-mapped table of
//! recent ids (64 Ki slots, 512 KiB, no allocation per event): an id is remembered until
//! another one takes its slot, so what it catches is a repeat within about the last 64 Ki
//! events one instance applied.

use std::sync::atomic::{AtomicU64, Ordering};

const SLOTS: usize = 1 << 16;
/// The low 16 bits of a slot hold the partition; the rest, the id's hash.
const PARTITION: u64 = 0xFFFF;

/// Recently applied event ids and the partition each was applied on.
#[derive(Debug)]
pub struct RecentIds {
    slots: Box<[AtomicU64]>,
}

impl Default for RecentIds {
    fn default() -> RecentIds {
        RecentIds { slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect() }
    }
}

/// FNV-1a, 64 bits.
fn hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl RecentIds {
    /// Notes `event_id` applied on `partition`; whether it was last applied on another.
    pub fn elsewhere(&self, event_id: &str, partition: i32) -> bool {
        let h = hash(event_id);
        // Bit 15 marks a used slot, so partition 0 of a hash ending in zeros is not empty.
        let tag = (h & !PARTITION) | (partition as u64 & 0x7FFF) | 0x8000;
        let before = self.slots[(h >> 16) as usize % SLOTS].swap(tag, Ordering::Relaxed);
        before != 0 && before & !PARTITION == h & !PARTITION && before != tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_seen_on_another_partition_is_a_repeat_the_same_partition_is_not() {
        let recent = RecentIds::default();
        assert!(!recent.elsewhere("e1", 0));
        assert!(!recent.elsewhere("e1", 0), "same partition: the shard's own dedup");
        assert!(recent.elsewhere("e1", 3), "another partition");
        assert!(!recent.elsewhere("e2", 3));
        let caught = (0..1_000).filter(|i| recent.elsewhere(&format!("id-{i}"), 1)).count();
        assert_eq!(caught, 0, "distinct ids are not repeats");
    }
}

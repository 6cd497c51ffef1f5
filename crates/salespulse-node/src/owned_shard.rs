//! One shard this node owns: the engine's state of one partition, how far it has read,
//! and what of it is durable.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use salespulse_engine::Shard;

/// The shard as the consumer has it now, and the offsets it stands at.
#[derive(Debug)]
pub struct Current {
    pub shard: Shard,
    /// The next offset to read: everything before it is in `shard`.
    pub next: i64,
    /// `next` of the newest durable snapshot (offsets below it are safe to commit).
    pub durable: i64,
}

/// What saving has done for the shard; held while a snapshot is being saved, so two
/// saves of one shard never overlap and an older one never replaces a newer one.
#[derive(Debug, Default)]
pub struct Saved {
    /// `next` of the newest snapshot saved.
    pub next: i64,
    /// When and how big it was.
    pub at: Option<SystemTime>,
    pub bytes: usize,
    /// The shard was given up: nothing more is saved for it.
    pub released: bool,
}

/// A shard owned by this node.
#[derive(Debug)]
pub struct OwnedShard {
    current: Mutex<Current>,
    saved: Mutex<Saved>,
    /// A background snapshot of it is queued or running.
    pub in_flight: AtomicBool,
    /// The broker's high watermark of its partition, from client statistics (-1: not
    /// known yet).
    pub high_watermark: AtomicI64,
    /// The Kafka timestamp (ms) of the last message read from it (-1: none yet).
    pub last_message_ms: AtomicI64,
}

impl OwnedShard {
    /// A shard starting from `shard` at `next` (which is durable when it was restored).
    pub fn new(shard: Shard, next: i64, durable: i64) -> OwnedShard {
        OwnedShard {
            current: Mutex::new(Current { shard, next, durable }),
            saved: Mutex::new(Saved { next: durable, ..Saved::default() }),
            in_flight: AtomicBool::new(false),
            high_watermark: AtomicI64::new(-1),
            last_message_ms: AtomicI64::new(-1),
        }
    }

    pub fn current(&self) -> MutexGuard<'_, Current> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn saved(&self) -> MutexGuard<'_, Saved> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Messages behind the high watermark (0 when caught up; `None` until it is known).
    /// Before the first message is read, every offset from 0 counts as behind.
    pub fn lag(&self) -> Option<i64> {
        let hw = self.high_watermark.load(Ordering::Relaxed);
        (hw >= 0).then(|| (hw - self.current().next.max(0)).max(0))
    }

    /// How far behind the newest message the consumer is, in seconds, at wall time
    /// `now_ms`: 0 when caught up, else the age of the last message read (the next one is
    /// younger); `None` while neither is known.
    pub fn lag_seconds(&self, lag: Option<i64>, now_ms: i64) -> Option<f64> {
        match lag? {
            0 => Some(0.0),
            _ => {
                let t = self.last_message_ms.load(Ordering::Relaxed);
                (t >= 0).then(|| ((now_ms - t) as f64 / 1000.0).max(0.0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salespulse_engine::EngineConfig;

    #[test]
    fn lag_in_messages_and_in_seconds() {
        let owned = OwnedShard::new(Shard::new(EngineConfig::default()), -1, -1);
        let now = 100_000;
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (None, None), "high watermark unknown");
        owned.high_watermark.store(0, Ordering::Relaxed);
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (Some(0), Some(0.0)), "an empty partition");
        owned.high_watermark.store(15, Ordering::Relaxed);
        assert_eq!(owned.lag(), Some(15), "nothing read yet: offsets 0..15 are behind");
        assert_eq!(owned.lag_seconds(owned.lag(), now), None, "behind, but no message read to date it");
        owned.current().next = 10;
        owned.last_message_ms.store(40_000, Ordering::Relaxed);
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (Some(5), Some(60.0)));
        owned.last_message_ms.store(130_000, Ordering::Relaxed);
        assert_eq!(owned.lag_seconds(owned.lag(), now), Some(0.0), "a producer clock ahead of ours");
        owned.current().next = 15;
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (Some(0), Some(0.0)), "caught up");
    }
}

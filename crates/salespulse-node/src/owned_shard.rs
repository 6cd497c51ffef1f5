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
    /// Since when the shard holds a change no durable snapshot covers (`None`: every
    /// change is durable): the age of the oldest change a crash would make replayed.
    pub unsaved_since: Option<SystemTime>,
}

impl Current {
    /// The message at `offset` was read (applied, rejected or skipped).
    pub fn read(&mut self, offset: i64) {
        self.next = offset + 1;
        if self.unsaved_since.is_none() && self.next > self.durable {
            self.unsaved_since = Some(SystemTime::now());
        }
    }

    /// A snapshot of the shard as it was at `taken_at`, up to `next`, is durable: a change
    /// read since is at most as old as `taken_at`.
    pub fn made_durable(&mut self, next: i64, taken_at: SystemTime) {
        self.durable = self.durable.max(next);
        self.unsaved_since = (self.next > self.durable).then_some(taken_at);
    }

    /// Seconds since the oldest change no durable snapshot covers (0 when all are).
    pub fn unsaved_seconds(&self, now: SystemTime) -> f64 {
        self.unsaved_since.and_then(|t| now.duration_since(t).ok()).map_or(0.0, |d| d.as_secs_f64())
    }
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
            current: Mutex::new(Current { shard, next, durable, unsaved_since: None }),
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
    fn the_oldest_change_not_yet_durable_ages_and_an_idle_shard_has_none() {
        let owned = OwnedShard::new(Shard::new(EngineConfig::default()), 10, 10);
        let later = SystemTime::now() + std::time::Duration::from_secs(100);
        assert_eq!(owned.current().unsaved_seconds(later), 0.0, "restored: everything is durable");
        owned.current().read(10);
        let age = owned.current().unsaved_seconds(later);
        assert!((99.0..=101.0).contains(&age), "{age}");
        let taken = SystemTime::now();
        owned.current().read(11);
        owned.current().made_durable(11, taken);
        assert!(owned.current().unsaved_since.is_some(), "offset 11 came after the snapshot");
        owned.current().made_durable(12, SystemTime::now());
        assert_eq!(owned.current().unsaved_seconds(later), 0.0, "caught up and idle: nothing to save");
    }

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
        owned.current().read(9);
        owned.last_message_ms.store(40_000, Ordering::Relaxed);
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (Some(5), Some(60.0)));
        owned.last_message_ms.store(130_000, Ordering::Relaxed);
        assert_eq!(owned.lag_seconds(owned.lag(), now), Some(0.0), "a producer clock ahead of ours");
        owned.current().read(14);
        assert_eq!((owned.lag(), owned.lag_seconds(owned.lag(), now)), (Some(0), Some(0.0)), "caught up");
    }
}

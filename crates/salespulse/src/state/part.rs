//! One assigned partition: its shard, its position, and what is durable of it.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use salespulse_engine::Shard;

/// The shard and the next offset to read after what it holds.
#[derive(Debug)]
pub struct Live {
    pub shard: Shard,
    pub next: i64,
    /// `next` of the newest durable snapshot (offsets below it are safe to commit).
    pub durable: i64,
}

/// What saving has done for the partition; held while a snapshot is being saved, so two
/// saves of one partition never overlap and an older one never replaces a newer one.
#[derive(Debug, Default)]
pub struct Saved {
    /// `next` of the newest snapshot saved.
    pub next: i64,
    /// When and how big it was.
    pub at: Option<SystemTime>,
    pub bytes: usize,
    /// The partition was given up: nothing more is saved for it.
    pub released: bool,
}

/// An assigned partition.
#[derive(Debug)]
pub struct Part {
    pub live: Mutex<Live>,
    pub saved: Mutex<Saved>,
    /// A background snapshot of it is queued or running.
    pub in_flight: AtomicBool,
    /// The broker's high watermark, from client statistics (-1: not known yet).
    pub high_watermark: AtomicI64,
}

impl Part {
    /// A partition starting from `shard` at `next` (which is durable when it was restored).
    pub fn new(shard: Shard, next: i64, durable: i64) -> Part {
        Part {
            live: Mutex::new(Live { shard, next, durable }),
            saved: Mutex::new(Saved { next: durable, ..Saved::default() }),
            in_flight: AtomicBool::new(false),
            high_watermark: AtomicI64::new(-1),
        }
    }

    pub fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn saved(&self) -> MutexGuard<'_, Saved> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Messages behind the high watermark (0 when caught up; `None` until it is known).
    pub fn lag(&self) -> Option<i64> {
        let hw = self.high_watermark.load(Ordering::Relaxed);
        (hw >= 0).then(|| (hw - self.live().next).max(0))
    }
}

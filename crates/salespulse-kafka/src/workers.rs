//! Partitions in parallel: the reader copies each message into the batch of its
//! partition's worker thread (`partition % workers`, see [`crate::batch`]) and hands the
//! batches over; the worker decodes each message and applies it to the sink, so every
//! partition has one writer and partitions on different workers never wait for each other.
//! A worker sends a rejected message to the dead-letter topic itself.
//!
//! What stays as it was: the messages of one partition are applied in offset order, by one
//! thread. Whatever needs the state to be still — a revocation, a checkpoint, the end —
//! first waits at a [`Workers::barrier`], after which every message handed over so far has
//! been applied and its dead letter (if any) queued: so the snapshot a checkpoint takes
//! covers no rejected message whose dead letter is not delivered before the commit.
//!
//! Queues are bounded ([`QUEUED_BATCHES`] batches of at most [`BATCH`] messages per
//! worker): a reader ahead of its workers waits, and memory stays bounded.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use tracing::warn;

use crate::batch::{Batch, Copied};
use crate::dead_letter::DeadLetters;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;
use crate::sink::{Sink, Verdict};

/// Messages the reader reads at most before it hands its batches over: a batch holds at
/// most this many.
pub const BATCH: usize = 512;
/// Batches queued per worker before the reader waits.
const QUEUED_BATCHES: usize = 16;

enum Job {
    Messages(Batch),
    /// Answered once every job before it is done.
    Barrier(SyncSender<()>),
}

/// What every worker shares.
struct Shared {
    sink: Arc<dyn Sink>,
    dead_letters: Option<Arc<DeadLetters>>,
    metrics: Metrics,
    max_bytes: usize,
    bad_log: Mutex<RateLimit>,
}

/// The worker threads.
pub struct Workers {
    shared: Arc<Shared>,
    queues: Vec<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").field("threads", &self.threads.len()).finish()
    }
}

impl Workers {
    /// Starts `n` (at least 1) worker threads over `sink`.
    pub fn start(
        n: usize,
        sink: Arc<dyn Sink>,
        dead_letters: Option<Arc<DeadLetters>>,
        metrics: Metrics,
        max_bytes: usize,
        bad_log: RateLimit,
    ) -> Workers {
        let shared = Arc::new(Shared { sink, dead_letters, metrics, max_bytes, bad_log: Mutex::new(bad_log) });
        let (mut queues, mut threads) = (Vec::new(), Vec::new());
        for i in 0..n.max(1) {
            let (tx, rx) = sync_channel(QUEUED_BATCHES);
            let shared = shared.clone();
            let thread = std::thread::Builder::new()
                .name(format!("salespulse-worker-{i}"))
                .spawn(move || work(&shared, &rx))
                .expect("spawn a worker thread");
            queues.push(tx);
            threads.push(thread);
        }
        Workers { shared, queues, threads }
    }

    /// Batches of messages of `topic` to fill, one per worker: the message of a partition
    /// goes to `batches[Workers::of(partition)]`.
    pub fn batches(&self, topic: &str) -> Vec<Batch> {
        let topic: Arc<str> = topic.into();
        (0..self.queues.len()).map(|_| Batch::with_capacity(topic.clone(), BATCH, 0)).collect()
    }

    /// The worker of `partition`, of `workers`.
    pub fn of(partition: i32, workers: usize) -> usize {
        usize::try_from(partition).unwrap_or(0) % workers.max(1)
    }

    /// Hands every batch that holds a message to its worker, leaving an empty one sized
    /// like it in its place.
    pub fn hand(&mut self, batches: &mut [Batch]) {
        for (w, batch) in batches.iter_mut().enumerate().filter(|(_, b)| !b.is_empty()) {
            let room = batch.emptied();
            let full = std::mem::replace(batch, room);
            // A worker only ends by panicking: stop the process rather than leave its
            // partitions unread (a restart reads again what no snapshot covers).
            self.queues[w].send(Job::Messages(full)).expect("a worker thread died");
        }
    }

    /// Rejected messages the rate limit kept out of the log in the interval just ended.
    pub fn unlogged(&self) -> u64 {
        self.shared.bad_log.lock().unwrap_or_else(PoisonError::into_inner).due(Instant::now())
    }

    /// Worker threads.
    pub fn len(&self) -> usize {
        self.queues.len()
    }

    /// Returns once every message handed over so far is applied (and its dead letter, if
    /// any, queued).
    pub fn barrier(&mut self) {
        let answers: Vec<_> = self
            .queues
            .iter()
            .map(|q| {
                let (tx, rx) = sync_channel(1);
                q.send(Job::Barrier(tx)).expect("a worker thread died");
                rx
            })
            .collect();
        for rx in answers {
            rx.recv().expect("a worker thread died");
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.queues.clear();
        for t in self.threads.drain(..) {
            t.join().ok();
        }
    }
}

fn work(shared: &Shared, jobs: &Receiver<Job>) {
    for job in jobs {
        match job {
            Job::Messages(batch) => {
                for m in batch.iter() {
                    handle(shared, &m);
                }
            }
            Job::Barrier(done) => {
                done.send(()).ok();
            }
        }
    }
}

fn handle(s: &Shared, m: &Copied<'_>) {
    let (partition, offset) = (m.partition, m.offset);
    let verdict = match salespulse_events::decode(m.payload, s.max_bytes) {
        Ok(event) => s.sink.apply(partition, offset, &event),
        Err(e) => {
            s.sink.skip(partition, offset);
            Verdict::Rejected { reason: e.reason(), detail: e.to_string() }
        }
    };
    match verdict {
        Verdict::Applied => s.metrics.applied.inc(),
        Verdict::Duplicate => s.metrics.duplicates.inc(),
        Verdict::Rejected { reason, detail } => {
            s.metrics.rejected.with_label_values(&[reason]).inc();
            let (log, suppressed) = s.bad_log.lock().unwrap_or_else(PoisonError::into_inner).allow(Instant::now());
            if suppressed > 0 {
                warn!(suppressed, "rejected messages not logged in the last interval");
            }
            if log {
                warn!(partition, offset, reason, %detail, "message rejected");
            }
            if let Some(d) = &s.dead_letters {
                d.send(m, reason, &detail);
            }
        }
        Verdict::NotAssigned => warn!(partition, offset, "message for a partition with no state"),
    }
    // Last, so that a reader who sees the message counted sees its outcome too.
    s.metrics.consumed.inc();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;
    use salespulse_events::Event;

    use super::*;
    use crate::sink::Start;

    /// Records which thread applied which offset of which partition.
    #[derive(Default)]
    struct Recorder {
        seen: Mutex<BTreeMap<i32, Vec<(i64, String)>>>,
    }

    impl Sink for Recorder {
        fn assigned(&self, _: &[i32]) -> Vec<(i32, Start)> {
            Vec::new()
        }
        fn revoked(&self, _: &[i32]) -> Vec<(i32, i64)> {
            Vec::new()
        }
        fn apply(&self, partition: i32, offset: i64, _: &Event) -> Verdict {
            let thread = std::thread::current().name().unwrap_or_default().to_owned();
            self.seen.lock().unwrap().entry(partition).or_default().push((offset, thread));
            Verdict::Applied
        }
        fn skip(&self, partition: i32, offset: i64) {
            self.apply(partition, offset, &salespulse_events::decode(EVENT.as_bytes(), 0).unwrap());
        }
        fn checkpoint(&self) {}
        fn durable(&self) -> Vec<(i32, i64)> {
            Vec::new()
        }
        fn flush(&self) -> Vec<(i32, i64)> {
            Vec::new()
        }
        fn high_watermark(&self, _: i32, _: i64) {}
        fn consumed(&self, _: i32, _: i64) {}
    }

    const EVENT: &str = r#"{"event_id":"e","type":"lead.created","occurred_at":"2026-01-01T00:00:00Z","lead_id":"l"}"#;

    fn message(partition: i32, offset: i64) -> OwnedMessage {
        let payload = if offset % 7 == 3 { b"not json".to_vec() } else { EVENT.as_bytes().to_vec() };
        OwnedMessage::new(Some(payload), None, "t".into(), Timestamp::NotAvailable, partition, offset, None)
    }

    #[test]
    fn each_partition_is_applied_in_offset_order_by_one_thread_and_a_barrier_waits_for_all() {
        let sink = Arc::new(Recorder::default());
        let metrics = Metrics::register(&prometheus::Registry::new(), "t", "g").unwrap();
        let limit = RateLimit::new(10, std::time::Duration::from_secs(10));
        let mut workers = Workers::start(3, sink.clone(), None, metrics.clone(), 0, limit);
        let mut batches = workers.batches("t");
        let per_partition = 2_000;
        for offset in 0..per_partition {
            for partition in 0..6 {
                batches[Workers::of(partition, 3)].push(&message(partition, offset));
            }
            if offset % 300 == 0 {
                workers.hand(&mut batches);
            }
        }
        workers.hand(&mut batches);
        workers.barrier();
        let seen = sink.seen.lock().unwrap();
        assert_eq!(seen.len(), 6);
        for (partition, applied) in seen.iter() {
            let offsets: Vec<i64> = applied.iter().map(|(o, _)| *o).collect();
            assert_eq!(
                offsets,
                (0..per_partition).collect::<Vec<_>>(),
                "partition {partition}: every offset, in order"
            );
            let threads: std::collections::BTreeSet<&String> = applied.iter().map(|(_, t)| t).collect();
            assert_eq!(threads.len(), 1, "partition {partition}: one thread");
        }
        let threads: std::collections::BTreeSet<&String> = seen.values().map(|a| &a[0].1).collect();
        assert_eq!(threads.len(), 3, "the partitions are spread over the workers");
        assert_eq!(metrics.consumed.get(), 6 * per_partition as u64, "counted once the barrier returns");
    }
}

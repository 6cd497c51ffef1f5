//! The port between the consumer and the state it feeds: `salespulse-node` implements
//! [`Sink`] over the engine and its snapshots, so this crate never sees either.

use salespulse_events::Event;

/// Where reading a newly assigned partition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At this offset (the next one after a restored snapshot).
    At(i64),
    /// At the first offset the topic still has (a rebuild).
    Beginning,
    /// At the group's committed offset.
    Committed,
}

/// What the sink did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Applied to the state.
    Applied,
    /// Already applied once (same `event_id`): ignored.
    Duplicate,
    /// Refused: counted under `reason` and sent to the dead-letter topic.
    Rejected { reason: &'static str, detail: String },
    /// The partition has no state here (not assigned): nothing was counted.
    NotAssigned,
}

/// Where decoded events go. `apply` and `skip` are called from the worker threads: calls
/// for one partition come from one thread, in offset order, and never overlap; calls for
/// partitions of different workers do. `revoked`, `checkpoint` and `flush` are called
/// while no `apply` or `skip` is in flight (the workers have been waited for); the other
/// methods may overlap with applies to other partitions.
pub trait Sink: Send + Sync + 'static {
    /// Partitions were added to this instance: restore their state; where to read from.
    fn assigned(&self, partitions: &[i32]) -> Vec<(i32, Start)>;
    /// Partitions are being taken away: make their state durable now and drop it; the
    /// offsets to commit for them.
    fn revoked(&self, partitions: &[i32]) -> Vec<(i32, i64)>;
    /// One decoded event at `offset`.
    fn apply(&self, partition: i32, offset: i64, event: &Event) -> Verdict;
    /// A message at `offset` that did not decode (counted and dead-lettered already).
    fn skip(&self, partition: i32, offset: i64);
    /// Begin making the state durable (every dead letter so far is delivered).
    fn checkpoint(&self);
    /// Offsets whose state became durable since the last call: to commit.
    fn durable(&self) -> Vec<(i32, i64)>;
    /// Make all state durable now (shutdown); the offsets to commit.
    fn flush(&self) -> Vec<(i32, i64)>;
    /// The broker's high watermark of a partition (from client statistics).
    fn high_watermark(&self, partition: i32, offset: i64);
    /// The Kafka timestamp (ms) of the last message handled on `partition`, applied or
    /// not (reported about once a second): how far behind the newest message the
    /// consumer is, in time.
    fn consumed(&self, partition: i32, timestamp_ms: i64);
}

//! The Kafka side of salespulse: the consumer group on the events topic, the reference
//! table reader, the dead-letter producer and topic administration.
//!
//! This crate turns messages into [`salespulse_events::Event`]s and hands them to a
//! [`Sink`], which the binary implements over the engine and its snapshots; it never sees
//! either. Invariants: every message's offset reaches the sink, in order, once it was
//! applied or dead-lettered; the sink is asked to checkpoint only after every dead letter
//! queued so far is delivered; offsets are committed only when the sink reports the state
//! that covers them durable; a bad message never stops its partition.

mod admin;
mod config;
mod consumer;
mod context;
mod dead_letter;
mod error;
mod metrics;
mod ratelimit;
mod reference;

pub use admin::{TopicSpec, create_topics, topic_partitions};
pub use config::SourceConfig;
pub use consumer::run;
pub use context::Start;
pub use error::SourceError;
pub use metrics::SourceMetrics;
pub use reference::{ReferenceReader, load_reference};

use salespulse_events::Event;

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

/// Where decoded events go. Called from the consumer task; calls never overlap.
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
}

//! The Kafka side of salespulse: the consumer group on the events topic, the reference
//! table reader, the dead-letter producer and topic administration.
//!
//! This crate turns messages into [`salespulse_events::Event`]s and hands them to a
//! [`Sink`], which the binary implements over the engine; it never sees the engine.
//! Invariants: an offset is stored only after its message was handed to the sink and,
//! when rejected, queued to the dead-letter topic; offsets are committed only after the
//! dead letters before them are delivered; a bad message never stops its partition.

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
    /// The partition has no state here (not assigned): the offset is not stored.
    NotAssigned,
}

/// Where decoded events go. Called from the consumer task; calls never overlap.
pub trait Sink: Send + Sync + 'static {
    /// Partitions were added to this instance: create their state.
    fn assigned(&self, partitions: &[i32]);
    /// Partitions are being taken away: their offsets were just committed; drop their state.
    fn revoked(&self, partitions: &[i32]);
    /// One event of a partition.
    fn apply(&self, partition: i32, event: &Event) -> Verdict;
}

//! The Kafka side of salespulse: the consumer group on the events topic, the reference
//! table reader, the dead-letter producer and topic administration.
//!
//! This crate turns messages into [`salespulse_events::Event`]s and hands them to a
//! [`Sink`], which `salespulse-node` implements over the engine and its snapshots; it never
//! sees either. Partitions are decoded and applied on worker threads (`workers`), each
//! partition by one of them. Invariants: every message's offset reaches the sink, in
//! order for its partition, once it was
//! applied or dead-lettered; the sink is asked to checkpoint only after every dead letter
//! queued so far is delivered; offsets are committed only when the sink reports the state
//! that covers them durable; a bad message never stops its partition.

mod admin;
mod batch;
mod callbacks;
mod client;
mod config;
mod consumer;
mod dead_letter;
mod error;
mod metrics;
mod quiet;
mod ratelimit;
mod reference;
mod sink;
mod startup;
mod workers;

pub use admin::{TopicSpec, create_topics, topic_partitions};
pub use client::{Guarantee, Role, broker_problems, client_problems, property_problems, shown};
pub use config::SourceConfig;
pub use consumer::run;
pub use dead_letter::headers;
pub use error::SourceError;
pub use metrics::Metrics;
pub use quiet::QuietContext;
pub use ratelimit::RateLimit;
pub use reference::{ApplyReference, ReferenceReader, load_reference};
pub use sink::{Sink, Start, Verdict};
pub use startup::wait_for_kafka;

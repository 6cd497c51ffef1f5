//! The state of one salespulse instance: the shards of the partitions it owns, their
//! snapshots and the offsets those make safe to commit, and the global reference table
//! (from the reference topic and from reference files).
//!
//! [`Node`] is what the binary wires between the consumer (it implements
//! `salespulse_kafka::Sink`), the exporter (`salespulse_exporter::KpiSource`) and the board
//! (`salespulse_board::BoardSource`); it knows neither Kafka nor HTTP, only those ports and
//! the `SnapshotStore` port.
//!
//! The guarantee this crate carries: **an offset is reported durable (so committed) only
//! once a snapshot that covers it has been acknowledged by the store.** A failed write
//! keeps the previous durable offset; a revoked partition is saved, then released; a
//! restored partition resumes reading exactly where its snapshot ends. So a restart, even
//! `kill -9`, loses nothing and counts nothing twice.
//!
//! - `node`: the node, its `Sink` and `KpiSource` sides, readiness, reference reloads;
//! - `board`: its `BoardSource` side (the live board's parts and figures);
//! - `shard_table`: owned shards by partition, restore, snapshot scheduling, durability;
//! - `owned_shard`: one owned shard and its offsets;
//! - `progress`: how far a catch-up is, for the log;
//! - `reference_files`: roster, quotas, stages and rates from CSV or TOML files;
//! - `metrics`: the node's own metrics.

mod board;
mod metrics;
mod node;
mod owned_shard;
mod progress;
mod reference_files;
mod repeats;
mod shard_table;

pub use metrics::Metrics;
pub use node::{Node, NodeConfig};
pub use progress::{BEHIND, Progress, Report};
pub use reference_files::{Loaded, MAX_FILE_BYTES, MAX_PROBLEMS, ReferenceFiles};

#[cfg(test)]
mod tests;

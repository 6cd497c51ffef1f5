//! Durable snapshots of the per-partition KPI state.
//!
//! A snapshot is a shard's whole state plus the next offset to read after it, in a
//! versioned binary format with a checksum ([`format`]). Stores keep the latest snapshot
//! of each (group, topic, partition) behind the [`SnapshotStore`] trait, chosen by URL:
//! `file://DIR` writes one file per partition atomically (temporary file, fsync, rename,
//! fsync of the directory); `kafka://TOPIC` writes to a compacted topic, in chunks, so
//! that instances of one consumer group hand state over without a shared disk.
//!
//! Invariant: `save` returns only once the snapshot is durable; a reader sees either the
//! previous snapshot or the new one, never a mix.

mod error;
mod file;
pub mod format;
mod kafka;
mod memory;
mod snapshot_store;
mod url;

pub use error::{SnapshotError, StoreError};
pub use file::FileStore;
pub use kafka::KafkaStore;
pub use memory::MemoryStore;
pub use snapshot_store::{SnapshotKey, SnapshotStore};
pub use url::StoreUrl;

/// Opens the store a URL names: `file://DIR` or `kafka://TOPIC` (with the Kafka client
/// settings to reach the broker).
pub fn open(url: &str, kafka: &rdkafka::ClientConfig) -> Result<Box<dyn SnapshotStore>, StoreError> {
    StoreUrl::parse(url)?.open(kafka)
}

#[cfg(test)]
mod tests;

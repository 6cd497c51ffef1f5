//! Errors of snapshots and their stores.

use thiserror::Error;

/// Why a snapshot cannot be used. Each maps to a bounded `kind` label.
#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("snapshot is truncated ({len} bytes)")]
    Truncated { len: usize },
    #[error("not a salespulse snapshot (bad magic)")]
    NotASnapshot,
    #[error("snapshot format version {found} is not one this build reads ({oldest} to {newest})")]
    Incompatible { found: u16, oldest: u16, newest: u16 },
    #[error("snapshot checksum mismatch")]
    Checksum,
    #[error("snapshot payload does not decode: {0}")]
    Decode(String),
    #[error("snapshot cannot be encoded: {0}")]
    Encode(String),
}

impl SnapshotError {
    /// The bounded label of this error.
    pub fn kind(&self) -> &'static str {
        match self {
            SnapshotError::Truncated { .. }
            | SnapshotError::NotASnapshot
            | SnapshotError::Checksum
            | SnapshotError::Decode(_) => "corrupt",
            SnapshotError::Incompatible { .. } => "incompatible",
            SnapshotError::Encode(_) => "encode",
        }
    }
}

/// A store that could not read or write.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("snapshot store I/O on {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("snapshot store on Kafka topic {topic}: {detail}")]
    Kafka { topic: String, detail: String },
    #[error("unsupported snapshot store {url:?}: use file://DIR or kafka://TOPIC")]
    Url { url: String },
}

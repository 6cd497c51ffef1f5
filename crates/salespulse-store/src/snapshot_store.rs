//! The port every store implements, and the key a snapshot is stored under.

use std::collections::BTreeMap;

use crate::error::StoreError;

/// Which partition a snapshot belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotKey {
    pub group: String,
    pub topic: String,
    pub partition: i32,
}

impl std::fmt::Display for SnapshotKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.group, self.topic, self.partition)
    }
}

/// Where snapshots live.
pub trait SnapshotStore: Send + Sync + std::fmt::Debug {
    /// The latest snapshot of each key (`None`: there is none).
    fn load(&self, keys: &[SnapshotKey]) -> Result<BTreeMap<SnapshotKey, Vec<u8>>, StoreError>;
    /// Stores a snapshot durably, replacing the previous one of its key.
    fn save(&self, key: &SnapshotKey, bytes: &[u8]) -> Result<(), StoreError>;
    /// Moves a snapshot that cannot be used out of the way (kept for inspection when the
    /// store can), so the partition is rebuilt instead of failing again.
    fn quarantine(&self, key: &SnapshotKey, why: &str) -> Result<(), StoreError>;
}

//! An in-memory store: the same contract as the others, minus durability across
//! processes. For tests of what is built on the [`SnapshotStore`] port.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::error::StoreError;
use crate::snapshot_store::{SnapshotKey, SnapshotStore};

/// Snapshots in a map; set-aside ones are remembered with the reason.
#[derive(Debug, Default)]
pub struct MemoryStore {
    saved: Mutex<BTreeMap<SnapshotKey, Vec<u8>>>,
    quarantined: Mutex<Vec<(SnapshotKey, String)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// The snapshot saved under `key`, if any.
    pub fn get(&self, key: &SnapshotKey) -> Option<Vec<u8>> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned()
    }

    /// Every snapshot set aside so far: key and reason.
    pub fn quarantined(&self) -> Vec<(SnapshotKey, String)> {
        self.quarantined.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl SnapshotStore for MemoryStore {
    fn load(&self, keys: &[SnapshotKey]) -> Result<BTreeMap<SnapshotKey, Vec<u8>>, StoreError> {
        let saved = self.saved.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys.iter().filter_map(|k| saved.get(k).map(|b| (k.clone(), b.clone()))).collect())
    }

    fn save(&self, key: &SnapshotKey, bytes: &[u8]) -> Result<(), StoreError> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone(), bytes.to_vec());
        Ok(())
    }

    fn quarantine(&self, key: &SnapshotKey, why: &str) -> Result<(), StoreError> {
        if self.saved.lock().unwrap_or_else(PoisonError::into_inner).remove(key).is_some() {
            self.quarantined.lock().unwrap_or_else(PoisonError::into_inner).push((key.clone(), why.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_replace_and_quarantine_sets_aside() {
        let store = MemoryStore::new();
        let key = |partition| SnapshotKey { group: "g".into(), topic: "t".into(), partition };
        assert!(store.load(&[key(0)]).unwrap().is_empty());
        store.save(&key(0), b"one").unwrap();
        store.save(&key(0), b"two").unwrap();
        store.save(&key(1), b"other").unwrap();
        assert_eq!(store.load(&[key(0), key(2)]).unwrap().into_iter().collect::<Vec<_>>(), [(key(0), b"two".to_vec())]);
        store.quarantine(&key(0), "corrupt").unwrap();
        assert_eq!(store.get(&key(0)), None);
        assert_eq!(store.quarantined(), [(key(0), "corrupt".to_owned())]);
        assert_eq!(store.get(&key(1)).as_deref(), Some(&b"other"[..]));
    }
}

//! The bridge's state in the snapshot store: what is known of every CRM record, written
//! as one versioned JSON document under its own key, so a restarted bridge goes on where
//! it stopped (a later change carrying one field still yields complete events).

use salespulse_store::{SnapshotKey, SnapshotStore, StoreError};
use serde::{Deserialize, Serialize};

use crate::known::Known;

const VERSION: u32 = 1;

#[derive(Deserialize)]
struct Document {
    version: u32,
    known: Known,
}

#[derive(Serialize)]
struct DocumentRef<'a> {
    version: u32,
    known: &'a Known,
}

/// Where the state lives.
#[derive(Debug)]
pub struct StateFile {
    store: Box<dyn SnapshotStore>,
    key: SnapshotKey,
}

/// Why the state cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("bridge state is not readable ({0}); move it aside to start empty")]
    Corrupt(String),
}

impl StateFile {
    pub fn new(store: Box<dyn SnapshotStore>) -> StateFile {
        StateFile { store, key: SnapshotKey { group: "salespulse-bridge".into(), topic: "state".into(), partition: 0 } }
    }

    /// The saved state, or an empty one when none was saved. A state that cannot be read
    /// is an error, never silently replaced (it would re-announce every record).
    pub fn load(&self, max_records: usize) -> Result<Known, StateError> {
        let Some(bytes) = self.store.load(std::slice::from_ref(&self.key))?.remove(&self.key) else {
            return Ok(Known::new(max_records));
        };
        let doc: Document = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt(e.to_string()))?;
        if doc.version != VERSION {
            return Err(StateError::Corrupt(format!("version {} (this build reads {VERSION})", doc.version)));
        }
        Ok(doc.known.with_max(max_records))
    }

    /// The bytes [`StateFile::write`] stores for `known`.
    pub fn encode(known: &Known) -> Vec<u8> {
        serde_json::to_vec(&DocumentRef { version: VERSION, known }).unwrap_or_default()
    }

    /// Writes encoded state durably.
    pub fn write(&self, bytes: &[u8]) -> Result<(), StateError> {
        Ok(self.store.save(&self.key, bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use salespulse_store::MemoryStore;

    use super::*;

    #[test]
    fn a_saved_state_loads_back() {
        let file = StateFile::new(Box::new(MemoryStore::default()));
        assert!(file.load(10).unwrap().is_empty());
        let mut k = Known::new(10);
        k.entry("hubspot:deal:1").stage = Some("closedwon".into());
        file.write(&StateFile::encode(&k)).unwrap();
        let back = file.load(10).unwrap();
        assert_eq!(back.get("hubspot:deal:1").and_then(|r| r.stage.as_deref()), Some("closedwon"));
    }
}

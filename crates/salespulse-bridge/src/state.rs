//! The bridge's state in the snapshot store: its records in [`BUCKETS`] buckets, each a
//! versioned JSON document under its own key (`salespulse-bridge/state-v2/N`), so a change
//! rewrites only the buckets it touched. A restarted bridge goes on where it stopped: a
//! later change carrying one field still yields complete events, and every deal keeps its
//! key. A state of the first layout (one document, `salespulse-bridge/state/0`) is read
//! and rewritten as buckets; a marker written once every bucket is saved says the buckets
//! are whole.

use std::collections::{BTreeMap, HashMap};

use salespulse_store::{SnapshotKey, SnapshotStore, StoreError};
use serde::{Deserialize, Serialize};

use crate::records::{ActivityFacts, BUCKETS, DealFacts, DealStatus, Known, LeadStatus, Record};

const VERSION: u32 = 2;
const GROUP: &str = "salespulse-bridge";

#[derive(Deserialize)]
struct Bucket {
    version: u32,
    records: HashMap<String, Record>,
}

#[derive(Serialize)]
struct BucketRef<'a> {
    version: u32,
    records: &'a HashMap<String, Record>,
}

/// Where the state lives.
#[derive(Debug)]
pub struct StateStore {
    store: Box<dyn SnapshotStore>,
}

/// Why the state cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("bridge state {key} is not readable ({detail}); move it aside to start empty")]
    Corrupt { key: String, detail: String },
}

fn bucket_key(i: usize) -> SnapshotKey {
    SnapshotKey { group: GROUP.into(), topic: "state-v2".into(), partition: i32::try_from(i).unwrap_or(i32::MAX) }
}

/// Written once every bucket has been saved: the buckets are whole.
fn marker_key() -> SnapshotKey {
    SnapshotKey { group: GROUP.into(), topic: "state-v2".into(), partition: -1 }
}

/// The one document of the first layout.
fn legacy_key() -> SnapshotKey {
    SnapshotKey { group: GROUP.into(), topic: "state".into(), partition: 0 }
}

/// What was loaded.
#[derive(Debug)]
pub struct Loaded {
    pub known: Known,
    /// The buckets are not whole yet (a first start, or a state of the first layout):
    /// write every bucket, then [`StateStore::mark_whole`].
    pub needs_marker: bool,
}

impl StateStore {
    pub fn new(store: Box<dyn SnapshotStore>) -> StateStore {
        StateStore { store }
    }

    /// The saved state, or an empty one when none was saved. A state that cannot be read
    /// is an error, never silently replaced (it would announce every record again).
    pub fn load(&self, max_records: usize) -> Result<Loaded, StateError> {
        let mut keys: Vec<SnapshotKey> = (0..BUCKETS).map(bucket_key).collect();
        keys.push(marker_key());
        keys.push(legacy_key());
        let mut found = self.store.load(&keys)?;
        let whole = found.remove(&marker_key()).is_some();
        let legacy = found.remove(&legacy_key());
        if let (false, Some(bytes)) = (whole, legacy) {
            let mut known = Known::from_records(read_legacy(&bytes)?, max_records);
            known.mark_all_dirty();
            return Ok(Loaded { known, needs_marker: true });
        }
        let mut records = Vec::new();
        for (key, bytes) in found {
            let corrupt = |detail: String| StateError::Corrupt { key: key.to_string(), detail };
            let bucket: Bucket = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
            if bucket.version != VERSION {
                return Err(corrupt(format!("version {} (this build reads {VERSION})", bucket.version)));
            }
            records.extend(bucket.records);
        }
        let mut known = Known::from_records(records, max_records);
        if !whole {
            known.mark_all_dirty();
        }
        Ok(Loaded { known, needs_marker: !whole })
    }

    /// The bytes [`StateStore::write`] stores for a bucket.
    pub fn encode(records: &HashMap<String, Record>) -> Vec<u8> {
        serde_json::to_vec(&BucketRef { version: VERSION, records }).unwrap_or_default()
    }

    /// Writes an encoded bucket durably.
    pub fn write(&self, bucket: usize, bytes: &[u8]) -> Result<(), StateError> {
        Ok(self.store.save(&bucket_key(bucket), bytes)?)
    }

    /// Says every bucket has been written.
    pub fn mark_whole(&self) -> Result<(), StateError> {
        Ok(self.store.save(&marker_key(), b"whole")?)
    }
}

/// A record of the first layout.
#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
struct LegacyRecord {
    account: Option<String>,
    owner: Option<String>,
    amount: Option<f64>,
    currency: Option<String>,
    stage: Option<String>,
    /// `Won` of a lead meant converted, `Lost` disqualified.
    status: DealStatus,
    created_at: Option<i64>,
    announced: bool,
    deleted: bool,
    times: BTreeMap<String, i64>,
    touched: u64,
}

#[derive(Deserialize)]
struct LegacyDocument {
    version: u32,
    known: LegacyKnown,
}

#[derive(Deserialize)]
struct LegacyKnown {
    records: HashMap<String, LegacyRecord>,
}

fn read_legacy(bytes: &[u8]) -> Result<Vec<(String, Record)>, StateError> {
    let corrupt = |detail: String| StateError::Corrupt { key: legacy_key().to_string(), detail };
    let doc: LegacyDocument = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if doc.version != 1 {
        return Err(corrupt(format!("version {} of the first layout", doc.version)));
    }
    let records = doc.known.records.into_iter().map(|(key, old)| {
        let lead = key.split(':').nth(1) == Some("lead");
        let record = Record {
            key: None,
            owner: old.owner,
            account: old.account,
            announced: old.announced,
            deleted: old.deleted,
            created_at: old.created_at,
            deal: DealFacts {
                amount: old.amount,
                currency: old.currency,
                stage: old.stage,
                status: if lead { DealStatus::Open } else { old.status },
            },
            lead: match (lead, old.status) {
                (true, DealStatus::Won) => LeadStatus::Converted,
                (true, DealStatus::Lost) => LeadStatus::Disqualified,
                _ => LeadStatus::Open,
            },
            activity: ActivityFacts::default(),
            times: old.times,
            touched: old.touched,
        };
        (key, record)
    });
    Ok(records.collect())
}

#[cfg(test)]
mod tests {
    use salespulse_store::MemoryStore;

    use super::*;
    use crate::records::bucket_of;

    #[test]
    fn a_saved_state_loads_back_and_is_whole_once_marked() {
        let state = StateStore::new(Box::new(MemoryStore::default()));
        let first = state.load(10).unwrap();
        assert!(first.known.is_empty() && first.needs_marker);
        let mut k = Known::new(10);
        k.begin();
        k.entry("hubspot:deal:1").deal.stage = Some("closedwon".into());
        k.commit();
        for b in k.take_dirty() {
            state.write(b, &StateStore::encode(k.bucket(b))).unwrap();
        }
        state.mark_whole().unwrap();
        let back = state.load(10).unwrap();
        assert!(!back.needs_marker);
        assert_eq!(back.known.get("hubspot:deal:1").and_then(|r| r.deal.stage.as_deref()), Some("closedwon"));
    }

    #[test]
    fn a_state_of_the_first_layout_is_read_and_rewritten() {
        let store = MemoryStore::default();
        let doc = r#"{"version":1,"known":{"records":{
            "hubspot:lead:7":{"owner":"301","status":"Won","announced":true,"times":{},"touched":3},
            "hubspot:deal:9":{"account":"a1","stage":"closedwon","status":"Won","announced":true,"deleted":false,"times":{"dealstage":5},"touched":4}
        },"clock":4}}"#;
        store.save(&legacy_key(), doc.as_bytes()).unwrap();
        let state = StateStore::new(Box::new(store));
        let mut loaded = state.load(100).unwrap();
        assert!(loaded.needs_marker);
        let lead = loaded.known.get("hubspot:lead:7").unwrap();
        assert_eq!((lead.lead, lead.deal.status), (LeadStatus::Converted, DealStatus::Open));
        let deal = loaded.known.get("hubspot:deal:9").unwrap();
        assert_eq!((deal.deal.status, deal.account.as_deref()), (DealStatus::Won, Some("a1")));
        let dirty = loaded.known.take_dirty();
        assert_eq!(dirty.len(), BUCKETS, "every bucket is rewritten");
        assert!(dirty.contains(&bucket_of("hubspot:deal:9")));
    }
}

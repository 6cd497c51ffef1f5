//! Unit tests of the node against an in-memory store that can hold or fail its writes.

mod commit;
mod reference;
mod restore;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use prometheus::Registry;
use salespulse_engine::{EngineConfig, Reference};
use salespulse_events::{Currency, Event};
use salespulse_exporter::{KpiSource, Scrape};
use salespulse_kafka::{Sink, Start, Verdict};
use salespulse_store::{MemoryStore, SnapshotKey, SnapshotStore, StoreError};

use crate::metrics::Metrics;
use crate::node::{Node, NodeConfig};
use crate::reference_files::{Loaded, ReferenceFiles};

pub const GROUP: &str = "group";
pub const TOPIC: &str = "events";

pub fn key(partition: i32) -> SnapshotKey {
    SnapshotKey { group: GROUP.into(), topic: TOPIC.into(), partition }
}

/// A [`MemoryStore`] whose writes can be held (while `hold` is locked by the test) or
/// made to fail, and whose reads can fail.
#[derive(Debug, Default)]
pub struct TestStore {
    pub inner: MemoryStore,
    pub hold: Mutex<()>,
    pub fail_saves: AtomicBool,
    pub fail_loads: AtomicBool,
    /// Saves started so far.
    pub saves: AtomicUsize,
}

fn unavailable() -> StoreError {
    StoreError::Io { path: "test".into(), source: std::io::Error::other("the store is down") }
}

impl SnapshotStore for TestStore {
    fn load(&self, keys: &[SnapshotKey]) -> Result<std::collections::BTreeMap<SnapshotKey, Vec<u8>>, StoreError> {
        if self.fail_loads.load(Ordering::SeqCst) {
            return Err(unavailable());
        }
        self.inner.load(keys)
    }

    fn save(&self, key: &SnapshotKey, bytes: &[u8]) -> Result<(), StoreError> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        let _held = self.hold.lock().unwrap_or_else(PoisonError::into_inner);
        if self.fail_saves.load(Ordering::SeqCst) {
            return Err(unavailable());
        }
        self.inner.save(key, bytes)
    }

    fn quarantine(&self, key: &SnapshotKey, why: &str) -> Result<(), StoreError> {
        self.inner.quarantine(key, why)
    }
}

/// A node over `store`, its metrics, and a reference table that knows EUR.
pub struct Fixture {
    pub node: Node,
    pub store: Arc<TestStore>,
    pub metrics: Metrics,
}

pub fn fixture_with(when_missing: Start, files: ReferenceFiles, loaded: Loaded) -> Fixture {
    let store = Arc::new(TestStore::default());
    let metrics = Metrics::register(&Registry::new()).unwrap();
    let cfg = NodeConfig {
        engine: EngineConfig::default(),
        group: GROUP.into(),
        topic: TOPIC.into(),
        when_missing,
        ready_max_lag: 10,
    };
    let reference = Reference::new(Currency::parse("EUR").unwrap());
    let node = Node::new(cfg, store.clone(), reference, files, loaded, metrics.clone());
    Fixture { node, store, metrics }
}

pub fn fixture() -> Fixture {
    fixture_with(Start::Beginning, ReferenceFiles::default(), Loaded::default())
}

/// An event from JSON without `event_id` and `occurred_at`: they are set to `id` and a
/// minute ago.
pub fn event(id: &str, json: &str) -> Event {
    let at = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let json = json.replacen('{', &format!(r#"{{"event_id":"{id}","occurred_at":"{at}","#), 1);
    salespulse_events::decode(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// A call logged by rep `ana`.
pub fn call(id: &str) -> Event {
    event(id, r#"{"type":"activity.logged","rep_id":"ana","activity_id":"a","kind":"call"}"#)
}

/// Polls `f` until it returns `Some`, or fails after 10 s with `what`.
pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The value of one sample of a scrape (gauges only), if exported.
pub fn sample(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = scrape.families.iter().find(|f| f.name == name)?;
    let metric = family
        .metrics
        .iter()
        .find(|m| labels.iter().all(|(k, v)| m.labels.iter().any(|(mk, mv)| mk == k && mv == v)))?;
    match metric.value {
        salespulse_engine::kpis::Value::Gauge(v) => Some(v),
        _ => None,
    }
}

/// Scrapes the node now.
pub fn scrape(node: &Node) -> Scrape {
    node.scrape(Utc::now())
}

#[test]
fn a_repeat_on_another_partition_is_counted_where_no_shard_sees_it() {
    let f = fixture();
    f.node.assigned(&[0, 1]);
    assert_eq!(f.node.apply(0, 0, &call("e1")), Verdict::Applied);
    assert_eq!(f.node.apply(0, 1, &call("e1")), Verdict::Duplicate, "the partition's own dedup");
    assert_eq!(f.metrics.repeated_across_partitions.get(), 0);
    assert_eq!(f.node.apply(1, 0, &call("e1")), Verdict::Applied, "another partition counts it again");
    assert_eq!(f.metrics.repeated_across_partitions.get(), 1, "and says so");
}

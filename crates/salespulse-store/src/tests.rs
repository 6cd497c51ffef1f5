//! Snapshot format and file store: round trip, atomic replace, every kind of damage.

use chrono::{DateTime, Utc};
use salespulse_engine::{EngineConfig, Reference, Shard, View};
use salespulse_events::{Currency, decode as decode_event};

use crate::error::SnapshotError;
use crate::file::FileStore;
use crate::format::{decode, encode};
use crate::snapshot_store::{SnapshotKey, SnapshotStore};

fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

fn shard() -> (Shard, Reference) {
    let reference = Reference::new(Currency::parse("EUR").unwrap());
    let mut s = Shard::new(EngineConfig::default());
    for (i, json) in [
        r#"{"type":"deal.created","deal_id":"d1","rep_id":"ana","amount":500,"currency":"EUR","stage":"s1"}"#,
        r#"{"type":"deal.closed","deal_id":"d1","outcome":"won"}"#,
        r#"{"type":"lead.created","lead_id":"l1","rep_id":"ana"}"#,
        r#"{"type":"activity.logged","rep_id":"ana","activity_id":"a","kind":"call","lead_id":"l1"}"#,
        r#"{"type":"revenue.changed","account_id":"x","mrr":100,"currency":"EUR"}"#,
    ]
    .iter()
    .enumerate()
    {
        let json = json.replacen('{', &format!(r#"{{"event_id":"e{i}","occurred_at":"2026-11-26T11:0{i}:00Z","#), 1);
        let e = decode_event(json.as_bytes(), 0).unwrap();
        s.apply(&e, &reference, now()).unwrap();
    }
    (s, reference)
}

fn view(s: &Shard, r: &Reference) -> View {
    s.view(now(), r)
}

#[test]
fn a_snapshot_restores_the_same_state_and_offset() {
    let (s, r) = shard();
    let bytes = encode(&s, 42).unwrap();
    let (back, offset) = decode(&bytes, EngineConfig::default()).unwrap();
    assert_eq!(offset, 42);
    assert_eq!(view(&back, &r), view(&s, &r));
    assert_eq!(back.state_bytes(), s.state_bytes());
    // Dedup survives: the same event is a duplicate after the restore.
    let mut back = back;
    let again = decode_event(
        br#"{"event_id":"e0","type":"lead.created","occurred_at":"2026-11-26T11:00:00Z","lead_id":"zz"}"#,
        0,
    )
    .unwrap();
    assert_eq!(back.apply(&again, &r, now()), Ok(salespulse_engine::Applied::Duplicate));
}

#[test]
fn damage_is_detected() {
    let (s, _) = shard();
    let bytes = encode(&s, 7).unwrap();
    assert!(matches!(decode(&bytes[..bytes.len() / 2], EngineConfig::default()), Err(SnapshotError::Truncated { .. })));
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    assert!(matches!(decode(&flipped, EngineConfig::default()), Err(SnapshotError::Checksum)));
    let mut version = bytes.clone();
    version[8] = 99;
    let e = decode(&version, EngineConfig::default()).unwrap_err();
    assert_eq!(e.kind(), "incompatible");
    assert!(matches!(
        decode(b"hello world, this is not a snapshot at all", EngineConfig::default()),
        Err(SnapshotError::NotASnapshot)
    ));
}

#[test]
fn the_file_store_replaces_atomically_and_quarantines() {
    let dir = std::env::temp_dir().join(format!("salespulse-store-{}", std::process::id()));
    let store = FileStore::new(&dir).unwrap();
    let key = SnapshotKey { group: "g".into(), topic: "crm.events".into(), partition: 3 };
    assert!(store.load(std::slice::from_ref(&key)).unwrap().is_empty());
    store.save(&key, b"one").unwrap();
    store.save(&key, b"two").unwrap();
    assert_eq!(store.load(std::slice::from_ref(&key)).unwrap()[&key], b"two");
    let leftovers: Vec<_> = std::fs::read_dir(store.path(&key).parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    store.quarantine(&key, "corrupt").unwrap();
    assert!(store.load(std::slice::from_ref(&key)).unwrap().is_empty());
    let aside = std::fs::read_dir(store.path(&key).parent().unwrap()).unwrap().count();
    assert_eq!(aside, 1, "the bad file is kept aside");
    std::fs::remove_dir_all(dir).ok();
}

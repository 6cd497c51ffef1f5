//! The snapshot format is stable: `golden/v<N>.snap` was written by the first build of
//! format version N, and the current code must read every version it supports back to
//! the state that the same history builds today (exactly, for the version it writes).
//!
//! Snapshots encode enums by variant index, so inserting a variant in the middle of
//! [`salespulse_engine::stat::Stat`] (or of any enum the state holds) would silently
//! renumber the ones after it; this test then fails, because the golden file covers every
//! `Stat` variant, the last one included. Such a change needs a new format version (and
//! a new golden file, `v4.snap`), never an edit of an existing one.
//!
//! To write the golden file of a new version: bump `format::VERSION`, then run
//! `SALESPULSE_WRITE_GOLDEN=1 cargo test -p salespulse-store --test golden`; an existing
//! file is never overwritten.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use salespulse_engine::kpis::{Value, families};
use salespulse_engine::{Applied, Cell, EngineConfig, Reference, Scope, Shard, Window};
use salespulse_events::{Currency, Event, decode as decode_event};
use salespulse_gen::{GenConfig, Generator, backfill_times};
use salespulse_store::format::{self, OLDEST_READ, VERSION};

/// The next offset stored in the golden snapshot.
const NEXT_OFFSET: i64 = 4242;

fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

fn golden_path(version: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("v{version}.snap"))
}

/// Events that reach every statistic the generator may leave out, and (from version 3)
/// a deal deleted then restored.
fn handmade(version: u16) -> Vec<Event> {
    let at = |minutes: i64| (now() - Duration::minutes(minutes)).to_rfc3339();
    [
        r#"{"type":"social.action","rep_id":"golden-rep","action":"connection_request_sent"}"#,
        r#"{"type":"social.action","rep_id":"golden-rep","action":"connection_accepted"}"#,
        r#"{"type":"sentiment.scored","rep_id":"golden-rep","score":0.5,"channel":"email"}"#,
        r#"{"type":"training.completed","rep_id":"golden-rep","course_id":"c1","score":80}"#,
        r#"{"type":"spend.recorded","team_id":"golden-team","category":"marketing","amount":1200,"currency":"EUR"}"#,
        r#"{"type":"survey.responded","account_id":"golden-acct","response_id":"r1","survey":"nps","score":9}"#,
        r#"{"type":"survey.responded","account_id":"golden-acct","response_id":"r2","survey":"csat","score":5}"#,
        r#"{"type":"customer.status_changed","account_id":"golden-acct","status":"customer"}"#,
        r#"{"type":"revenue.changed","account_id":"golden-acct","mrr":900,"currency":"EUR"}"#,
        r#"{"type":"lead.created","rep_id":"golden-rep","lead_id":"golden-lead"}"#,
        r#"{"type":"activity.logged","rep_id":"golden-rep","activity_id":"a1","kind":"call","lead_id":"golden-lead"}"#,
        r#"{"type":"lead.converted","lead_id":"golden-lead","deal_id":"golden-deal"}"#,
        r#"{"type":"deal.created","rep_id":"golden-rep","account_id":"golden-acct","deal_id":"golden-deal","amount":5000,"currency":"EUR","stage":"qualification","deal_type":"upsell"}"#,
        r#"{"type":"deal.stage_changed","deal_id":"golden-deal","stage":"proposal","probability":0.5}"#,
        r#"{"type":"deal.closed","rep_id":"golden-rep","deal_id":"golden-deal","outcome":"won","amount":5500,"currency":"EUR"}"#,
        r#"{"type":"customer.status_changed","account_id":"golden-acct-2","status":"customer"}"#,
        r#"{"type":"customer.status_changed","account_id":"golden-acct-2","status":"churned"}"#,
    ]
    .iter()
    .chain(if version >= 3 { RESTORED.as_slice() } else { &[] })
    .enumerate()
    .map(|(i, json)| {
        let minutes = 600 - 30 * i as i64;
        let json = json.replacen('{', &format!(r#"{{"event_id":"golden-{i}","occurred_at":"{}","#, at(minutes)), 1);
        decode_event(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"))
    })
    .collect()
}

/// A deal deleted, then created again (restored): what format 3 keeps.
const RESTORED: [&str; 3] = [
    r#"{"type":"deal.created","rep_id":"golden-rep","deal_id":"golden-deal-2","amount":700,"currency":"EUR","stage":"proposal"}"#,
    r#"{"type":"deal.deleted","deal_id":"golden-deal-2"}"#,
    r#"{"type":"deal.created","rep_id":"golden-rep","deal_id":"golden-deal-2","amount":700,"currency":"EUR","stage":"proposal"}"#,
];

/// The history of the golden snapshot of `version`: 60 days of generated traffic, then
/// the handmade events, applied at the fixed `now`.
fn history(version: u16) -> (Shard, Reference) {
    let mut reference = Reference::new(Currency::parse("EUR").unwrap());
    let mut g = Generator::new(GenConfig { seed: 17, teams: 2, reps_per_team: 3, ..GenConfig::default() });
    for k in g.reference_events(now() - Duration::days(60), now()) {
        reference.apply(&k.event).expect("valid reference data");
    }
    let mut shard = Shard::new(EngineConfig::default());
    let generated = backfill_times(600, 60.0, now(), 17).map(|t| g.next_at(t).event);
    for event in generated.chain(handmade(version)) {
        if event.event_type().is_reference() && event.event_type() != salespulse_events::EventType::SpendRecorded {
            let _ = reference.apply(&event);
        } else {
            let _ = shard.apply(&event, &reference, now());
        }
    }
    (shard, reference)
}

/// Every exported sample, flattened to `name{labels}` → value.
fn flatten(shard: &Shard, reference: &Reference) -> BTreeMap<String, f64> {
    let cfg = EngineConfig::default();
    let mut out = BTreeMap::new();
    for f in families(&shard.view(now(), reference), reference, &cfg, now()).families {
        for m in f.metrics {
            let key = format!("{}{:?}", f.name, m.labels);
            match m.value {
                Value::Gauge(v) => {
                    out.insert(key, v);
                }
                Value::Summary { count, sum, .. } => {
                    out.insert(format!("{key}_count"), count as f64);
                    out.insert(format!("{key}_sum"), sum);
                }
                Value::Histogram { count, sum, buckets } => {
                    out.insert(format!("{key}_count"), count as f64);
                    out.insert(format!("{key}_sum"), sum);
                    for (le, n) in buckets {
                        out.insert(format!("{key}_bucket{{le={le}}}"), n as f64);
                    }
                }
            }
        }
    }
    out
}

/// The `Stat` variants (by name) that the shard's windows hold.
fn stat_variants(shard: &Shard, reference: &Reference) -> BTreeSet<String> {
    let view = shard.view(now(), reference);
    let mut out = BTreeSet::new();
    for team in view.teams() {
        for (_, cell, _) in view.cells(Scope::Window(Window::D90), team, None) {
            if let Cell::Stat(stat) = cell {
                let name = format!("{stat:?}");
                out.insert(name.split('(').next().unwrap_or_default().to_owned());
            }
        }
    }
    out
}

#[test]
fn the_golden_history_covers_every_stat_variant() {
    let (shard, reference) = history(VERSION);
    let want = [
        "WonRevenue",
        "WonValued",
        "Closed",
        "WonOfType",
        "WonRevenueOfType",
        "DealsCreated",
        "DealsCreatedWon",
        "StageEntered",
        "StageAdvanced",
        "LeadsCreated",
        "LeadsConverted",
        "Activities",
        "Social",
        "Survey",
        "SentimentCount",
        "SentimentSum",
        "Trainings",
        "TrainingsScored",
        "TrainingScoreSum",
        "NewCustomers",
        "ChurnedCustomers",
        "Spend",
        "DistCount",
        "DistSum",
        "DistBucket",
    ];
    let have = stat_variants(&shard, &reference);
    let missing: Vec<&str> = want.iter().copied().filter(|w| !have.contains(*w)).collect();
    assert!(missing.is_empty(), "the golden history lacks {missing:?}");
}

/// Reads the golden snapshot of `version` and checks it against the history: the same
/// state, and every sample within `tolerance` (relative) of today's.
fn reads_back(version: u16, tolerance: f64) {
    let path = golden_path(version);
    let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (back, next) = format::decode(&golden, EngineConfig::default())
        .unwrap_or_else(|e| panic!("the v{version} golden snapshot does not decode: {e}"));
    assert_eq!(next, NEXT_OFFSET);
    let (mut fresh, reference) = history(version);
    assert_eq!(back.newest_event(), fresh.newest_event());
    // Slots that can no longer be counted may be in one and not the other (an older
    // version kept them until the hourly prune): compare both pruned at the same instant,
    // as the first event after a restore would prune them.
    let mut back = back;
    back.prune(now());
    fresh.prune(now());
    assert_eq!(back.state_bytes(), fresh.state_bytes());
    let (want, got) = (flatten(&fresh, &reference), flatten(&back, &reference));
    assert_eq!(want.keys().collect::<Vec<_>>(), got.keys().collect::<Vec<_>>(), "the same series");
    for (k, w) in &want {
        let g = got[k];
        assert!((w - g).abs() <= tolerance * w.abs().max(1.0), "v{version} {k}: golden {g}, today {w}");
    }
    // Dedup ids survive too: the last event of the history is a duplicate after restore.
    let last = handmade(version).pop().unwrap();
    assert_eq!(back.apply(&last, &reference, now()), Ok(Applied::Duplicate));
}

#[test]
fn a_v1_snapshot_reads_back_to_the_state_its_history_builds_today() {
    // Version 1 summed in f64: its sums are read to the nearest nano-unit.
    assert_eq!(OLDEST_READ, 1);
    reads_back(1, 1e-9);
}

#[test]
fn a_v2_snapshot_reads_back_exactly() {
    // Version 2 kept a deal's deletion as a flag: a deal deleted in it stays deleted.
    reads_back(2, 0.0);
}

#[test]
fn a_snapshot_of_the_current_version_reads_back_exactly() {
    reads_back(VERSION, 0.0);
}

#[test]
fn every_version_read_has_its_golden_file() {
    for v in OLDEST_READ..=VERSION {
        assert!(golden_path(v).exists(), "no golden snapshot for version {v}");
    }
}

#[test]
fn write_the_golden_snapshot_of_a_new_version() {
    let path = golden_path(VERSION);
    if std::env::var_os("SALESPULSE_WRITE_GOLDEN").is_none() || path.exists() {
        return;
    }
    let (shard, _) = history(VERSION);
    std::fs::write(&path, format::encode(&shard, NEXT_OFFSET).unwrap()).unwrap();
    eprintln!("wrote {}", path.display());
}

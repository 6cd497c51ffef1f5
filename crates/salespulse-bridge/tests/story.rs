//! The sales story of tests/fixtures/bridge, as each CRM sends it, mapped by the bridge
//! and applied to the engine on the default 6 partitions: the KPIs are exactly the ones
//! the story must give, and the same as on one partition. (The end-to-end test
//! `tests/e2e/bridge.rs` does the same through the real broker, the bridge and the
//! service.)

mod common;

use chrono::{DateTime, Utc};
use common::{Topic, get};
use salespulse_bridge::fixtures::{self, expected, fixture, pipedrive_story, story_config};
use salespulse_bridge::{Known, Source, Tables, map};
use serde_json::Value;

fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// The payloads of a source's story, in the order they are delivered (redeliveries and
/// replays included).
fn payloads(source: Source) -> Vec<Value> {
    let json = |f: &str| serde_json::from_str::<Value>(&fixture(f, now())).unwrap();
    match source {
        Source::Salesforce => ["salesforce/before-restart.jsonl", "salesforce/after-restart.jsonl"]
            .iter()
            .flat_map(|f| fixture(f, now()).lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<_>>())
            .collect(),
        Source::HubSpot => (1..=4).chain([2]).map(|i| json(&format!("hubspot/batch-{i}.json"))).collect(),
        Source::Pipedrive => {
            let mut story: Vec<Value> = pipedrive_story().iter().map(|f| json(f)).collect();
            story.push(json("pipedrive/11-deal-1-won.json"));
            story
        }
    }
}

/// The KPIs of a source's story on `partitions`.
fn run(source: Source, partitions: usize) -> std::collections::BTreeMap<String, f64> {
    let cfg = story_config();
    let (tables, mut known) = (Tables::new(&cfg), Known::new(10_000));
    let mut topic = Topic::new(partitions, now());
    topic.apply(map::reference(&cfg, now() - chrono::Duration::days(1)));
    let mapper = match source {
        Source::Salesforce => map::salesforce,
        Source::HubSpot => map::hubspot,
        Source::Pipedrive => map::pipedrive,
    };
    for payload in payloads(source) {
        known.begin();
        topic.apply(mapper(&payload, &mut known, &tables));
        known.commit();
    }
    topic.kpis()
}

#[test]
fn every_crm_gives_the_story_kpis_on_six_partitions_as_on_one() {
    for source in Source::ALL {
        let (six, one) = (run(source, 6), run(source, 1));
        let mut wrong = Vec::new();
        for (name, labels, want) in expected(source) {
            let got = get(&six, name, &labels);
            if got.is_none_or(|g| (g - want).abs() > 1e-9 * want.abs().max(1.0)) {
                wrong.push(format!("{name}{labels:?}: {got:?}, want {want}"));
            }
        }
        assert!(wrong.is_empty(), "{source}: {wrong:#?}");
        let (north, _, _, _) = fixtures::names(source);
        let oldest = get(&six, "sales_lead_oldest_wait_seconds", &[("team", north)]);
        assert_eq!(oldest, Some(fixtures::oldest_wait_seconds(0.0)), "{source}");
        let differ: Vec<_> = six.iter().filter(|(k, v)| one.get(*k) != Some(v)).collect();
        assert!(differ.is_empty() && six.len() == one.len(), "{source}: 6 partitions differ from 1: {differ:#?}");
    }
}

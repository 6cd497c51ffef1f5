//! The CRM fixtures through the bridge's mappings, without a broker: which canonical
//! events each payload gives, that every one passes the service's decoder, that they are
//! keyed as docs/events.md requires, that a replay against the kept state gives nothing,
//! and that a change carrying one field gives a complete event only thanks to that state.

use std::path::Path;

use chrono::Utc;
use salespulse_bridge::{BridgeConfig, Known, Mapped, Mapping, map};
use salespulse_e2e::{PIPEDRIVE_HISTORY, bridge_section, fixture};
use serde_json::Value;

fn mapping() -> Mapping {
    let text = bridge_section("127.0.0.1:1", Path::new("/nonexistent"), "cdc", "group");
    let table: toml::Table = toml::from_str(&text).expect("the test configuration parses");
    let cfg: BridgeConfig = table["bridge"].clone().try_into().expect("a valid [bridge]");
    assert_eq!(cfg.check(), Vec::<String>::new());
    Mapping::new(&cfg)
}

type MapFn = fn(&Value, &mut Known, &Mapping) -> Mapped;

/// Maps each payload in turn; returns everything they gave, checked by the decoder.
fn run(payloads: &[String], known: &mut Known, m: &Mapping, f: MapFn) -> Mapped {
    let mut all = Mapped::default();
    for p in payloads {
        let v: Value = serde_json::from_str(p).unwrap_or_else(|e| panic!("{e}: {p}"));
        let mut one = f(&v, known, m);
        map::validate(&mut one, 0);
        all.out.extend(one.out);
        all.rejects.extend(one.rejects);
        all.ignored += one.ignored;
        all.gaps.extend(one.gaps);
    }
    all
}

fn types(m: &Mapped) -> Vec<&str> {
    m.out.iter().map(|o| o.event_type()).collect()
}

fn lines(relative: &str) -> Vec<String> {
    fixture(relative, Utc::now()).lines().map(str::to_owned).collect()
}

#[test]
fn salesforce_changes_give_complete_events_and_a_replay_gives_nothing() {
    let m = mapping();
    let mut known = Known::new(1_000);
    let got = run(&lines("salesforce/changes.jsonl"), &mut known, &m, map::salesforce);
    assert_eq!(
        types(&got),
        [
            "deal.created",
            "deal.created",
            "deal.stage_changed",
            "deal.closed",
            "deal.stage_changed",
            "deal.closed",
            "deal.created",
            "lead.created",
            "activity.logged"
        ]
    );
    assert_eq!(got.rejects.iter().map(|r| r.reason).collect::<Vec<_>>(), ["unsupported"]);
    assert_eq!(got.gaps, ["0065g00000OppDAAAA"]);
    let about_a: Vec<_> =
        got.out.iter().filter(|o| o.event.get("deal_id").is_some_and(|d| d == "0065g00000OppAAAAA")).collect();
    assert!(about_a.iter().all(|o| o.key == "0015g00000AccAAAAA"), "every event of a deal keyed by its account");
    assert_eq!(got.out[0].event["rep_id"], "ana");
    assert_eq!(got.out[0].event["amount"], 10000.0);
    assert_eq!(got.out[8].event["lead_id"], "00Q5g00000LeadAAAA");
    assert_eq!(got.out[8].event["duration_s"], 300.0);

    // The state survives a restart (it is serialised whole), and a replay gives nothing.
    let mut known: Known = serde_json::from_slice(&serde_json::to_vec(&known).unwrap()).unwrap();
    let known_ref = &mut known;
    let replay = run(&lines("salesforce/changes.jsonl"), known_ref, &m, map::salesforce);
    assert!(replay.out.is_empty(), "a replay gave {:?}", types(&replay));
    let later = run(&lines("salesforce/after-restart.jsonl"), known_ref, &m, map::salesforce);
    assert_eq!(types(&later), ["deal.stage_changed"]);
    assert_eq!(later.out[0].event["account_id"], "0015g00000AccCAAAA");
    assert_eq!(later.out[0].key, "0015g00000AccCAAAA");

    // Without the state, the same change could not make a complete event: none is made
    // (the deal is held until its owner and stage are known).
    let forgotten = run(&lines("salesforce/after-restart.jsonl")[..1], &mut Known::new(10), &m, map::salesforce);
    assert!(forgotten.out.is_empty(), "{:?}", types(&forgotten));
}

#[test]
fn hubspot_batches_announce_deals_once_complete_and_a_redelivery_gives_nothing() {
    let m = mapping();
    let mut known = Known::new(1_000);
    let b1 = run(&[fixture("hubspot/batch-1.json", Utc::now())], &mut known, &m, map::hubspot);
    assert_eq!(types(&b1), ["deal.created", "deal.created", "deal.amount_changed", "lead.created"]);
    assert_eq!(b1.out[0].event["amount"], 25000.0);
    assert_eq!(b1.out[0].event["stage"], "hs-appointment");
    assert_eq!(b1.out[0].event["rep_id"], "bob");
    assert_eq!(b1.ignored, 1, "the description change");
    let batch2 = fixture("hubspot/batch-2.json", Utc::now());
    let b2 = run(std::slice::from_ref(&batch2), &mut known, &m, map::hubspot);
    assert_eq!(types(&b2), ["deal.stage_changed", "deal.stage_changed", "deal.created"]);
    assert_eq!(b2.out[0].event["stage"], "hs-won");
    let again = run(&[batch2], &mut known, &m, map::hubspot);
    assert!(again.out.is_empty(), "a redelivery gave {:?}", types(&again));
    let odd = run(&[fixture("hubspot/unsupported.json", Utc::now())], &mut known, &m, map::hubspot);
    assert_eq!(odd.rejects.iter().map(|r| r.reason).collect::<Vec<_>>(), ["unsupported"]);

    // Ids depend on the payload only.
    let (mut k1, mut k2) = (Known::new(10), Known::new(10));
    let body = fixture("hubspot/batch-1.json", Utc::now());
    let ids = |k: &mut Known| {
        run(std::slice::from_ref(&body), k, &m, map::hubspot)
            .out
            .iter()
            .map(|o| o.event["event_id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&mut k1), ids(&mut k2));
}

#[test]
fn pipedrive_webhooks_give_deal_lead_and_activity_events() {
    let m = mapping();
    let mut known = Known::new(1_000);
    let bodies: Vec<String> = PIPEDRIVE_HISTORY.iter().map(|f| fixture(f, Utc::now())).collect();
    let got = run(&bodies, &mut known, &m, map::pipedrive);
    assert_eq!(
        types(&got),
        [
            "lead.created",
            "activity.logged",
            "deal.created",
            "deal.stage_changed",
            "deal.closed",
            "deal.created",
            "deal.closed",
            "deal.created"
        ]
    );
    assert!(got.rejects.is_empty(), "{:?}", got.rejects);
    assert_eq!(got.out[0].key, "80", "a lead is keyed by its organisation, like its activities");
    assert_eq!(got.out[1].key, "80");
    assert_eq!(got.out[1].event["duration_s"], 900.0);
    assert_eq!(got.out[3].event["stage"], "pd-proposal");
    assert_eq!(got.out[4].event["outcome"], "won");
    let again = run(&bodies, &mut known, &m, map::pipedrive);
    assert!(again.out.is_empty(), "a redelivery gave {:?}", types(&again));
    let odd = run(&[fixture("pipedrive/unsupported.json", Utc::now())], &mut known, &m, map::pipedrive);
    assert_eq!(odd.rejects.iter().map(|r| r.reason).collect::<Vec<_>>(), ["unsupported"]);
}

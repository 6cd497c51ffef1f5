//! `salespulse bridge` end to end, against the real broker, one test per CRM: the sales
//! story of `tests/fixtures/bridge` as the CRM sends it (Salesforce change events produced
//! to a topic, HubSpot and Pipedrive webhooks POSTed over HTTP) flows through the bridge
//! and the service, on an events topic of the default 6 partitions, to exactly the KPIs
//! the story gives — a lead converted into a deal, a response logged on the lead, a planned
//! and a completed activity, an inbound call, a deal deleted and restored, a deal won and
//! one lost, an owner change, an unknown stage, a redelivery or a replay, a bridge
//! restart. Refusals get their status or dead letter; the bridge's series add up across
//! instances; a webhook the broker cannot take gets 503 and its retry is not lost.

use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use salespulse_bridge::Source;
use salespulse_bridge::fixtures::{self, fixture, pipedrive_story};
use salespulse_e2e::*;

fn hubspot_headers(addr: &str, body: &str, secret: &str, ts_ms: i64) -> Vec<(&'static str, String)> {
    let ts = ts_ms.to_string();
    let uri = format!("http://{addr}/webhooks/hubspot");
    let sig = salespulse_bridge::hubspot_v3_sign(secret, "POST", &uri, body.as_bytes(), &ts);
    vec![("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", sig)]
}

fn basic(user: &str, password: &str) -> Vec<(&'static str, String)> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    vec![("Authorization", format!("Basic {token}"))]
}

/// POSTs a HubSpot body, signed now; returns the status.
fn hubspot(bridge: &Bridge, body: &str) -> u16 {
    let headers = hubspot_headers(&bridge.addr, body, HUBSPOT_SECRET, Utc::now().timestamp_millis());
    bridge.post("/webhooks/hubspot", &headers, body.as_bytes()).0
}

fn pipedrive(bridge: &Bridge, body: &str) -> u16 {
    bridge.post("/webhooks/pipedrive", &basic("pipedrive", PIPEDRIVE_PASSWORD), body.as_bytes()).0
}

/// Topics, the configuration file and the bridge's address of one run.
struct Setup {
    events: String,
    reference: String,
    dlq: String,
    cdc: String,
    addr: String,
    config: std::path::PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let (events, reference, dlq, cdc) = (unique("br-events"), unique("br-ref"), unique("br-dlq"), unique("br-cdc"));
        create_topic(&events, 6);
        create_topic(&reference, 1);
        create_topic(&dlq, 1);
        create_topic(&cdc, 1);
        let addr = format!("127.0.0.1:{}", free_port());
        let state = std::env::temp_dir().join(unique("bridge-state"));
        let text = format!(
            "[kafka]\ndead_letter_topic = \"{dlq}\"\n[engine]\nbase_currency = \"EUR\"\n[state]\nsnapshot_interval = \"1s\"\n{}",
            bridge_section(&addr, &state, &cdc, &unique("bridge-cdc"))
        );
        let config = config_file(&text);
        Setup { events, reference, dlq, cdc, addr, config }
    }

    fn bridge(&self) -> Bridge {
        Bridge::start(&self.config, &self.addr, &["--topic", &self.events, "--reference-topic", &self.reference])
    }

    /// The service, and the bridge once the stages and owners it publishes reached the
    /// service (before any deal).
    fn start(&self) -> (Service, Bridge) {
        let svc = Service::builder()
            .config(&self.config)
            .topic(&self.events)
            .reference_topic(&self.reference)
            .group(&unique("br"))
            .start();
        let bridge = self.bridge();
        eventually(Duration::from_secs(60), "the reference tables applied", || {
            let n = svc.scrape()?.get("salespulse_reference_events_total", &[]).unwrap_or(0.0);
            if n >= 16.0 { Ok(()) } else { Err(format!("{n} reference events\n{}", svc.log_text())) }
        });
        (svc, bridge)
    }

    fn produce_changes(&self, fixture_file: &str, now: DateTime<Utc>) {
        let lines: Vec<(String, Vec<u8>)> =
            fixture(fixture_file, now).lines().map(|l| ("sf".to_owned(), l.as_bytes().to_vec())).collect();
        produce(&self.cdc, &lines);
    }
}

/// Every expected KPI of `source`'s story that differs from the scrape, and the wait of
/// the oldest lead if it is not within what the time since `now` allows.
fn wrong(source: Source, m: &Samples, now: DateTime<Utc>) -> Vec<String> {
    let mut out: Vec<String> = fixtures::expected(source)
        .into_iter()
        .filter_map(|(name, labels, v)| {
            let got = m.get(name, &labels);
            let ok = got.is_some_and(|g| (g - v).abs() <= 1e-9 * v.abs().max(1.0));
            (!ok).then(|| format!("{name}{labels:?}: {got:?}, want {v}"))
        })
        .collect();
    let (north, ..) = fixtures::names(source);
    let waited = (Utc::now() - now).num_seconds() as f64 / 60.0;
    let oldest = m.get("sales_lead_oldest_wait_seconds", &[("team", north)]);
    let (low, high) = (fixtures::oldest_wait_seconds(0.0), fixtures::oldest_wait_seconds(waited + 1.0));
    if oldest.is_none_or(|o| o < low || o > high) {
        out.push(format!("sales_lead_oldest_wait_seconds{{team={north}}}: {oldest:?}, want {low}..{high}"));
    }
    out
}

/// The service shows exactly the story's KPIs, and still does once nothing more arrives
/// (a double count would show by then); no event needed state another partition held.
fn story_kpis_hold(source: Source, svc: &Service, now: DateTime<Utc>) {
    let m = eventually(Duration::from_secs(90), "every KPI of the story", || {
        let m = svc.scrape()?;
        let w = wrong(source, &m, now);
        if w.is_empty() { Ok(m) } else { Err(format!("{w:#?}")) }
    });
    let m = svc.fresh(m);
    assert_eq!(wrong(source, &m, now), Vec::<String>::new());
    for kpi in ["lead_conversion", "lead_response_time", "won_revenue", "sales_cycle"] {
        let incomplete = m.get("salespulse_kpi_incomplete_total", &[("kpi", kpi)]).unwrap_or(0.0);
        assert_eq!(incomplete, 0.0, "{kpi}: an event reached a partition without the state it needed");
    }
    assert_eq!(m.get("salespulse_events_rejected_total", &[("reason", "invalid_value")]).unwrap_or(0.0), 0.0);
}

/// The messages the bridge produced for `source`: every event about one lead or deal
/// carries one key, and the lead's conversion is keyed by the lead.
fn one_key_per_entity(s: &Setup, converted_lead: &str) {
    let produced = consume(&s.events, 1_000, Duration::from_secs(10));
    let mut keys: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for r in &produced {
        let event = salespulse_events::decode(&r.payload, 0).expect("the bridge produces valid events");
        let key = String::from_utf8_lossy(r.key.as_deref().unwrap_or_default()).into_owned();
        if let salespulse_events::Body::LeadConverted { lead_id, .. } = &event.body {
            assert_eq!((lead_id.as_str(), key.as_str()), (converted_lead, converted_lead));
        }
        keys.entry(format!("{:?}", event.subject())).or_default().insert(key);
    }
    for (subject, k) in keys.iter().filter(|(s, _)| !s.starts_with("Unattached")) {
        assert_eq!(k.len(), 1, "{subject} was keyed {k:?}");
    }
}

/// The dead letters of the story: each with its reason and CRM, the event alone.
fn dead_letters(s: &Setup, want: &[(&str, &str)]) {
    let letters = consume(&s.dlq, want.len(), Duration::from_secs(20));
    let mut why: Vec<(String, String)> = letters
        .iter()
        .map(|r| (r.headers["salespulse.source.crm"].clone(), r.headers["salespulse.reason"].clone()))
        .collect();
    why.sort();
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
    assert_eq!(why, want);
}

#[test]
fn salesforce_changes_give_the_story_kpis_on_six_partitions() {
    let s = Setup::new();
    let (svc, mut bridge) = s.start();
    let now = Utc::now();
    s.produce_changes("salesforce/before-restart.jsonl", now);
    // Every change handled (the Contract, last, is dead-lettered), then the bridge restarts
    // and the undelete (its header alone) and a replayed close arrive.
    eventually(Duration::from_secs(60), "the Salesforce changes handled", || {
        let m = bridge.scrape()?;
        let done = m.get("salespulse_bridge_rejected_total", &[("source", "salesforce"), ("reason", "unsupported")]);
        if done == Some(1.0) { Ok(()) } else { Err(format!("{done:?}\n{}", bridge.log_text())) }
    });
    assert!(bridge.terminate(Duration::from_secs(30)).success(), "{}", bridge.log_text());
    let bridge = s.bridge();
    s.produce_changes("salesforce/after-restart.jsonl", now);
    story_kpis_hold(Source::Salesforce, &svc, now);
    one_key_per_entity(&s, "00Q5g00000Lead1AAA");
    dead_letters(&s, &[("salesforce", "unmapped_stage"), ("salesforce", "unsupported")]);
    bridge_series_documented(&bridge);
}

#[test]
fn hubspot_webhooks_give_the_story_kpis_on_six_partitions() {
    let s = Setup::new();
    let (svc, mut bridge) = s.start();
    let now = Utc::now();
    for i in 1..=3 {
        let body = fixture(&format!("hubspot/batch-{i}.json"), now);
        assert_eq!(hubspot(&bridge, &body), 200, "batch {i}\n{}", bridge.log_text());
    }
    assert!(bridge.terminate(Duration::from_secs(30)).success(), "{}", bridge.log_text());
    let bridge = s.bridge();
    assert_eq!(hubspot(&bridge, &fixture("hubspot/batch-4.json", now)), 200);
    assert_eq!(hubspot(&bridge, &fixture("hubspot/batch-2.json", now)), 200, "a redelivery is accepted");
    hubspot_refusals(&bridge, now);
    story_kpis_hold(Source::HubSpot, &svc, now);
    one_key_per_entity(&s, "7001");
    let want = [("hubspot", "malformed"), ("hubspot", "unmapped_stage"), ("hubspot", "unsupported")];
    dead_letters(&s, &want);
}

/// Stale, forged and unsigned requests get 401, one signed for another URL says so, an
/// oversized body gets 413, a body that is not JSON 400 and a dead letter.
fn hubspot_refusals(bridge: &Bridge, now: DateTime<Utc>) {
    let body = fixture("hubspot/batch-4.json", now);
    let post = |headers: &[(&str, String)]| bridge.post("/webhooks/hubspot", headers, body.as_bytes()).0;
    let ten_minutes_ago = (now - chrono::Duration::minutes(10)).timestamp_millis();
    assert_eq!(post(&hubspot_headers(&bridge.addr, &body, HUBSPOT_SECRET, ten_minutes_ago)), 401, "stale");
    assert_eq!(post(&hubspot_headers(&bridge.addr, &body, "not-the-secret", now.timestamp_millis())), 401, "forged");
    assert_eq!(post(&[]), 401, "no signature");
    let ts = Utc::now().timestamp_millis().to_string();
    let https = format!("https://{}/webhooks/hubspot", bridge.addr);
    let sig = salespulse_bridge::hubspot_v3_sign(HUBSPOT_SECRET, "POST", &https, body.as_bytes(), &ts);
    assert_eq!(post(&[("X-HubSpot-Request-Timestamp", ts), ("X-HubSpot-Signature-v3", sig)]), 401, "https");
    let m = bridge.scrape().expect("bridge metrics");
    assert_eq!(m.get("salespulse_bridge_rejected_total", &[("source", "hubspot"), ("reason", "wrong_url")]), Some(1.0));
    let log = bridge.log_text();
    assert!(log.contains("set bridge.hubspot.public_url") && log.contains("https://"), "no hint:\n{log}");
    assert!(!log.contains(HUBSPOT_SECRET), "the secret shows in the log");
    let huge = format!("[{}]", vec!["{\"eventId\":1}"; 10_000].join(","));
    assert_eq!(hubspot(bridge, &huge), 413, "a body over max_body_bytes");
    assert_eq!(hubspot(bridge, "{not json"), 400, "not JSON: dead-lettered");
}

#[test]
fn pipedrive_webhooks_give_the_story_kpis_on_six_partitions() {
    let s = Setup::new();
    let (svc, mut bridge) = s.start();
    let now = Utc::now();
    let story = pipedrive_story();
    let (first, rest) = story.split_at(15);
    for f in first {
        assert_eq!(pipedrive(&bridge, &fixture(f, now)), 200, "{f}\n{}", bridge.log_text());
    }
    assert!(bridge.terminate(Duration::from_secs(30)).success(), "{}", bridge.log_text());
    let bridge = s.bridge();
    for f in rest.iter().map(String::as_str).chain(["pipedrive/11-deal-1-won.json"]) {
        assert_eq!(pipedrive(&bridge, &fixture(f, now)), 200, "{f}\n{}", bridge.log_text());
    }
    let won = fixture("pipedrive/11-deal-1-won.json", now);
    let post = |headers: &[(&str, String)]| bridge.post("/webhooks/pipedrive", headers, won.as_bytes()).0;
    assert_eq!(post(&basic("pipedrive", "wrong")), 401, "a wrong password");
    assert_eq!(post(&[]), 401, "no credentials");
    story_kpis_hold(Source::Pipedrive, &svc, now);
    one_key_per_entity(&s, "adf21080-0e10-11eb-879b-05d71fb426e1");
    dead_letters(&s, &[("pipedrive", "unmapped_stage"), ("pipedrive", "unsupported")]);
}

/// Every `salespulse_bridge_*` family of docs/metrics.md is exported by the bridge.
fn bridge_series_documented(bridge: &Bridge) {
    let bm = bridge.scrape().expect("bridge metrics");
    let documented: Vec<String> = metric_rows()
        .into_iter()
        .map(|r| r[0].trim_matches('`').to_owned())
        .filter(|n| n.starts_with("salespulse_bridge_"))
        .collect();
    assert!(documented.len() >= 9, "{documented:?}");
    for name in documented {
        assert!(bm.text.contains(&format!("# TYPE {name} ")), "{name} is documented but not exported");
    }
}

/// A bridge with only Pipedrive on, over `events`, keeping unknown stages by their id.
fn pipedrive_bridge(brokers: &str, events: &str) -> Bridge {
    let addr = format!("127.0.0.1:{}", free_port());
    let state = std::env::temp_dir().join(unique("bridge-pd-state"));
    let text = format!(
        "[kafka]\ndead_letter_topic = \"\"\n[bridge]\nlisten = \"{addr}\"\nstate_store = \"file://{}\"\n\
         default_currency = \"EUR\"\nunmapped_stage = \"keep\"\n[bridge.pipedrive]\nusername = \"pipedrive\"\npassword = \"{PIPEDRIVE_PASSWORD}\"\n",
        state.display()
    );
    Bridge::start_on(brokers, &config_file(&text), &addr, &["--topic", events, "--reference-topic", ""])
}

/// docs/metrics.md says every bridge series adds up across instances with `sum`: two
/// bridges that each took part of the webhooks report, summed, what one bridge that took
/// them all reports.
#[test]
fn the_bridge_series_add_up_across_instances() {
    let events = unique("br-sum-events");
    create_topic(&events, 1);
    let (one, two, both) = (
        pipedrive_bridge(&brokers(), &events),
        pipedrive_bridge(&brokers(), &events),
        pipedrive_bridge(&brokers(), &events),
    );
    let now = Utc::now();
    // Two parts that share no record: leads, deals and activities of the first seven
    // webhooks, then deals and leads the first part does not name.
    let story = pipedrive_story();
    let part_a = &story[..7];
    let part_b: Vec<String> = [10, 13, 14, 15, 17, 18, 19].iter().map(|i| story[i - 1].clone()).collect();
    let part_b = part_b.as_slice();
    for (bridge, files) in [(&one, part_a), (&two, part_b), (&both, part_a), (&both, part_b)] {
        for f in files {
            assert_eq!(pipedrive(bridge, &fixture(f, now)), 200, "{f}");
        }
        let refused = bridge.post("/webhooks/pipedrive", &basic("pipedrive", "wrong"), b"{}").0;
        assert_eq!(refused, 401);
    }
    let (a, b, all) = (one.scrape().unwrap(), two.scrape().unwrap(), both.scrape().unwrap());
    let mut compared = 0;
    for (key, v) in &all.values {
        // Times differ between runs: compare counts, not durations.
        let timed = key.starts_with("salespulse_bridge_produce_seconds_sum")
            || key.starts_with("salespulse_bridge_produce_seconds_bucket");
        if !key.starts_with("salespulse_bridge_") || timed {
            continue;
        }
        let parts = a.values.get(key).unwrap_or(&0.0) + b.values.get(key).unwrap_or(&0.0);
        assert_eq!(parts, *v, "{key}: {parts} across two instances, {v} in one");
        compared += 1;
    }
    assert!(compared >= 20, "{compared} series compared");
}

/// With the broker frozen, a webhook gets 503 within the CRM's timeout (so the CRM sends
/// it again) and what it taught the bridge is undone: the retry, once the broker is back,
/// produces the event.
#[test]
fn a_webhook_that_cannot_be_produced_gets_503_and_its_retry_is_not_lost() {
    let broker = SpareBroker::start(free_port());
    let events = unique("br-down-events");
    create_topic_on(&broker.address, &events, 1);
    let bridge = pipedrive_bridge(&broker.address, &events);
    let now = Utc::now();
    assert_eq!(pipedrive(&bridge, &fixture("pipedrive/02-deal-1.json", now)), 200);

    broker.pause();
    let won = fixture("pipedrive/11-deal-1-won.json", now);
    let began = Instant::now();
    assert_eq!(pipedrive(&bridge, &won), 503, "{}", bridge.log_text());
    // bridge.answer_within is 4 s: the answer comes before HubSpot's 5 s, with slack for a
    // loaded machine.
    assert!(began.elapsed() < Duration::from_secs(8), "answered after {:?}", began.elapsed());
    broker.resume();

    // The CRM retries until it is accepted.
    eventually(Duration::from_secs(60), "the retry accepted", || match pipedrive(&bridge, &won) {
        200 => Ok(()),
        code => Err(format!("{code}\n{}", bridge.log_text())),
    });
    let produced = consume_on(&broker.address, &events, 2, Duration::from_secs(20));
    let types: Vec<String> = produced
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.payload).unwrap_or_default()["type"].to_string())
        .collect();
    assert!(types.contains(&"\"deal.closed\"".to_owned()), "{types:?}");
}

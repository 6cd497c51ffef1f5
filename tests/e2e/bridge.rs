//! `salespulse bridge` end to end, against the real broker: Salesforce change events
//! produced to a topic and HubSpot and Pipedrive webhooks POSTed over HTTP flow through
//! the bridge and the service to exact KPIs; redeliveries and replays count once; bad
//! signatures, wrong passwords, oversized and unmappable bodies get their status or dead
//! letter; a restarted bridge keeps what it knew.

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
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

/// POSTs a HubSpot fixture, signed now; returns the status.
fn hubspot(bridge: &Bridge, body: &str) -> u16 {
    let headers = hubspot_headers(&bridge.addr, body, HUBSPOT_SECRET, Utc::now().timestamp_millis());
    bridge.post("/webhooks/hubspot", &headers, body.as_bytes()).0
}

fn pipedrive(bridge: &Bridge, body: &str) -> u16 {
    bridge.post("/webhooks/pipedrive", &basic("pipedrive", PIPEDRIVE_PASSWORD), body.as_bytes()).0
}

/// A KPI sample and the value it must have.
type Want = (&'static str, Vec<(&'static str, &'static str)>, f64);

/// Every expected KPI value that differs from the scrape.
fn wrong(m: &Samples, want: &[Want]) -> Vec<String> {
    want.iter()
        .filter_map(|(name, labels, v)| {
            let got = m.get(name, labels);
            let ok = got.is_some_and(|g| (g - v).abs() <= 1e-9 * v.abs().max(1.0));
            (!ok).then(|| format!("{name}{labels:?}: {got:?}, want {v}"))
        })
        .collect()
}

/// What the fixtures add up to, per team: Salesforce `emea`, HubSpot `amer`, Pipedrive
/// `apac` (tests/fixtures/bridge/README.md).
fn expected() -> Vec<Want> {
    let team = |t: &'static str| vec![("team", t), ("window", "24h")];
    let call = |t: &'static str| vec![("team", t), ("window", "24h"), ("kind", "call"), ("direction", "outbound")];
    let stage = |t: &'static str, s: &'static str| vec![("team", t), ("stage", s)];
    vec![
        ("sales_won_revenue", team("emea"), 17_000.0),
        ("sales_win_rate", team("emea"), 2.0 / 3.0),
        ("sales_lead_response_seconds_sum", team("emea"), 600.0),
        ("sales_lead_response_seconds_count", team("emea"), 1.0),
        ("sales_activities", call("emea"), 1.0),
        ("sales_won_revenue", team("amer"), 25_000.0),
        ("sales_win_rate", team("amer"), 0.5),
        ("sales_pipeline_value", stage("amer", "hs-appointment"), 3_000.0),
        ("sales_pipeline_deals", stage("amer", "hs-appointment"), 1.0),
        ("sales_won_revenue", team("apac"), 8_000.0),
        ("sales_win_rate", team("apac"), 0.5),
        ("sales_pipeline_value", stage("apac", "pd-proposal"), 6_000.0),
        ("sales_lead_response_seconds_sum", team("apac"), 300.0),
        ("sales_lead_response_seconds_count", team("apac"), 1.0),
        ("sales_activities", call("apac"), 1.0),
    ]
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
        create_topic(&events, 3);
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

    fn produce_changes(&self, fixture_file: &str, now: chrono::DateTime<Utc>) {
        let lines: Vec<(String, Vec<u8>)> =
            fixture(fixture_file, now).lines().map(|l| ("sf".to_owned(), l.as_bytes().to_vec())).collect();
        produce(&self.cdc, &lines);
    }
}

/// HubSpot: two batches, the second delivered twice; then every kind of refusal.
fn hubspot_webhooks(bridge: &Bridge, now: chrono::DateTime<Utc>) {
    assert_eq!(hubspot(bridge, &fixture("hubspot/batch-1.json", now)), 200, "{}", bridge.log_text());
    let batch2 = fixture("hubspot/batch-2.json", now);
    assert_eq!(hubspot(bridge, &batch2), 200);
    assert_eq!(hubspot(bridge, &batch2), 200, "a redelivery is accepted (and counts once)");
    let post = |headers: &[(&str, String)]| bridge.post("/webhooks/hubspot", headers, batch2.as_bytes()).0;
    let ten_minutes_ago = (now - chrono::Duration::minutes(10)).timestamp_millis();
    assert_eq!(post(&hubspot_headers(&bridge.addr, &batch2, HUBSPOT_SECRET, ten_minutes_ago)), 401, "stale");
    assert_eq!(post(&hubspot_headers(&bridge.addr, &batch2, "not-the-secret", now.timestamp_millis())), 401, "forged");
    assert_eq!(post(&[]), 401, "no signature");
    let huge = format!("[{}]", vec!["{\"eventId\":1}"; 10_000].join(","));
    assert_eq!(hubspot(bridge, &huge), 413, "a body over max_body_bytes");
    assert_eq!(hubspot(bridge, &fixture("hubspot/unsupported.json", now)), 200, "unmappable: dead-lettered");
    assert_eq!(hubspot(bridge, "{not json"), 400, "not JSON: dead-lettered");
}

/// Pipedrive: webhooks v2 with basic auth, the won deal delivered twice; refusals.
fn pipedrive_webhooks(bridge: &Bridge, now: chrono::DateTime<Utc>) {
    for f in PIPEDRIVE_HISTORY.iter().chain(&["pipedrive/deal-501-won.json"]) {
        assert_eq!(pipedrive(bridge, &fixture(f, now)), 200, "{f}\n{}", bridge.log_text());
    }
    let won = fixture("pipedrive/deal-501-won.json", now);
    let post = |headers: &[(&str, String)]| bridge.post("/webhooks/pipedrive", headers, won.as_bytes()).0;
    assert_eq!(post(&basic("pipedrive", "wrong")), 401, "a wrong password");
    assert_eq!(post(&[]), 401, "no credentials");
    assert_eq!(pipedrive(bridge, &fixture("pipedrive/unsupported.json", now)), 200, "unmappable: dead-lettered");
}

#[test]
fn crm_changes_flow_through_the_bridge_and_the_service_to_exact_kpis() {
    let s = Setup::new();
    let svc = Service::builder()
        .config(&s.config)
        .topic(&s.events)
        .reference_topic(&s.reference)
        .group(&unique("br"))
        .start();
    let mut bridge = s.bridge();
    // The stages and owners the bridge published reach the service before any deal.
    eventually(Duration::from_secs(60), "the reference tables applied", || {
        let n = svc.scrape()?.get("salespulse_reference_events_total", &[]).unwrap_or(0.0);
        if n >= 11.0 { Ok(()) } else { Err(format!("{n} reference events\n{}", svc.log_text())) }
    });
    let now = Utc::now();
    s.produce_changes("salesforce/changes.jsonl", now);
    hubspot_webhooks(&bridge, now);
    pipedrive_webhooks(&bridge, now);

    // Every Salesforce change handled, then the bridge restarts and a change that carries
    // only StageName arrives (with a replay of an old one).
    eventually(Duration::from_secs(60), "the Salesforce changes handled", || {
        let m = bridge.scrape()?;
        let done = m.get("salespulse_bridge_rejected_total", &[("source", "salesforce"), ("reason", "unsupported")]);
        if done == Some(1.0) { Ok(()) } else { Err(format!("{done:?}\n{}", bridge.log_text())) }
    });
    assert!(bridge.terminate(Duration::from_secs(30)).success(), "{}", bridge.log_text());
    let bridge = s.bridge();
    s.produce_changes("salesforce/after-restart.jsonl", now);

    let want = expected();
    let m = eventually(Duration::from_secs(90), "every KPI of the CRM changes", || {
        let m = svc.scrape()?;
        let w = wrong(&m, &want);
        if w.is_empty() { Ok(m) } else { Err(format!("{w:#?}")) }
    });
    // Nothing more arrives: the values stay (a double count would show by now).
    let m = svc.fresh(m);
    assert_eq!(wrong(&m, &want), Vec::<String>::new());
    let open_emea = m.get("sales_pipeline_deals", &[("team", "emea"), ("stage", "Prospecting")]);
    assert_eq!(open_emea.unwrap_or(0.0), 0.0, "deal C closed");
    assert_eq!(m.get("salespulse_events_rejected_total", &[("reason", "invalid_value")]).unwrap_or(0.0), 0.0);
    produced_and_dead_letters(&s);
    bridge_series_documented(&bridge);
}

/// The stage-only change was made complete from the state the restart kept, and each
/// unmappable payload has one dead letter with its reason and its CRM.
fn produced_and_dead_letters(s: &Setup) {
    let produced = consume(&s.events, 60, Duration::from_secs(20));
    let c_won = produced
        .iter()
        .find(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.payload).unwrap_or_default();
            v["deal_id"] == "0065g00000OppCAAAA" && v["type"] == "deal.stage_changed"
        })
        .expect("the stage change of deal C was produced");
    assert_eq!(c_won.key.as_deref(), Some(b"0015g00000AccCAAAA".as_slice()), "keyed by the account it kept");
    let letters = consume(&s.dlq, 4, Duration::from_secs(20));
    let mut why: Vec<(String, String)> = letters
        .iter()
        .map(|r| (r.headers["salespulse.source.crm"].clone(), r.headers["salespulse.reason"].clone()))
        .collect();
    why.sort();
    let want = [
        ("hubspot", "malformed"),
        ("hubspot", "unsupported"),
        ("pipedrive", "unsupported"),
        ("salesforce", "unsupported"),
    ];
    assert_eq!(why, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
}

/// Every `salespulse_bridge_*` family of docs/metrics.md is exported by the bridge.
fn bridge_series_documented(bridge: &Bridge) {
    let bm = bridge.scrape().expect("bridge metrics");
    let documented = bridge_documented();
    assert!(documented.len() >= 9, "{documented:?}");
    for name in documented {
        assert!(bm.text.contains(&format!("# TYPE {name} ")), "{name} is documented but not exported");
    }
}

/// The `salespulse_bridge_*` families of docs/metrics.md.
fn bridge_documented() -> Vec<String> {
    metric_rows()
        .into_iter()
        .map(|r| r[0].trim_matches('`').to_owned())
        .filter(|n| n.starts_with("salespulse_bridge_"))
        .collect()
}

/// docs/metrics.md says every bridge series adds up across instances with `sum`: two
/// bridges that each took part of the webhooks report, summed, what one bridge that took
/// them all reports.
#[test]
fn the_bridge_series_add_up_across_instances() {
    let events = unique("br-sum-events");
    create_topic(&events, 1);
    let start = || {
        let addr = format!("127.0.0.1:{}", free_port());
        let state = std::env::temp_dir().join(unique("bridge-sum-state"));
        let text = format!(
            "[kafka]\ndead_letter_topic = \"\"\n[bridge]\nlisten = \"{addr}\"\nstate_store = \"file://{}\"\n\
             default_currency = \"EUR\"\n[bridge.pipedrive]\nusername = \"pipedrive\"\npassword = \"{PIPEDRIVE_PASSWORD}\"\n",
            state.display()
        );
        Bridge::start(&config_file(&text), &addr, &["--topic", &events, "--reference-topic", ""])
    };
    let (one, two, both) = (start(), start(), start());
    let now = Utc::now();
    let part_a = ["pipedrive/lead-create.json", "pipedrive/activity-call.json", "pipedrive/deal-501-create.json"];
    let part_b = ["pipedrive/deal-502-create.json", "pipedrive/deal-502-lost.json", "pipedrive/unsupported.json"];
    for (bridge, files) in [(&one, &part_a), (&two, &part_b), (&both, &part_a), (&both, &part_b)] {
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
    let addr = format!("127.0.0.1:{}", free_port());
    let state = std::env::temp_dir().join(unique("bridge-down-state"));
    let text = format!(
        "[kafka]\ndead_letter_topic = \"\"\n[bridge]\nlisten = \"{addr}\"\nstate_store = \"file://{}\"\n\
         [bridge.pipedrive]\nusername = \"pipedrive\"\npassword = \"{PIPEDRIVE_PASSWORD}\"\n",
        state.display()
    );
    let args = ["--topic", events.as_str(), "--reference-topic", ""];
    let bridge = Bridge::start_on(&broker.address, &config_file(&text), &addr, &args);
    let now = Utc::now();
    assert_eq!(pipedrive(&bridge, &fixture("pipedrive/deal-501-create.json", now)), 200);

    broker.pause();
    let stage = fixture("pipedrive/deal-501-stage.json", now);
    let began = std::time::Instant::now();
    assert_eq!(pipedrive(&bridge, &stage), 503, "{}", bridge.log_text());
    // bridge.answer_within is 4 s: the answer comes before HubSpot's 5 s, with slack for a
    // loaded machine.
    assert!(began.elapsed() < Duration::from_secs(8), "answered after {:?}", began.elapsed());
    broker.resume();

    // The CRM retries until it is accepted.
    eventually(Duration::from_secs(60), "the retry accepted", || match pipedrive(&bridge, &stage) {
        200 => Ok(()),
        code => Err(format!("{code}\n{}", bridge.log_text())),
    });
    let produced = consume_on(&broker.address, &events, 2, Duration::from_secs(20));
    let types: Vec<String> = produced
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.payload).unwrap_or_default()["type"].to_string())
        .collect();
    assert!(types.contains(&"\"deal.stage_changed\"".to_owned()), "{types:?}");
}

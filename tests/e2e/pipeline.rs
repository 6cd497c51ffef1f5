//! The whole pipeline against a real broker: known events with malformed messages among
//! them go in; exact KPIs, rejection counts, dead letters and committed offsets come out.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use salespulse_e2e::*;

fn reference() -> Vec<(String, Vec<u8>)> {
    vec![
        roster_entry("ana", "emea"),
        roster_entry("ben", "emea"),
        roster_entry("cara", "na"),
        msg(
            "fx-usd",
            format!(
                r#"{{"event_id":"fx-usd","type":"fx.rate","occurred_at":"{}","currency":"USD","rate":0.9}}"#,
                at(600)
            ),
        ),
    ]
}

/// Malformed or refused messages, with the reason each must be counted under.
fn bad() -> Vec<((String, Vec<u8>), &'static str)> {
    vec![
        (("acc-1".into(), b"{not json".to_vec()), "invalid_json"),
        (
            msg(
                "acc-2",
                format!(r#"{{"event_id":"b2","type":"deal.closed","occurred_at":"{}","outcome":"won"}}"#, at(9)),
            ),
            "missing_field",
        ),
        (
            msg("acc-3", format!(r#"{{"event_id":"b3","type":"deal.teleported","occurred_at":"{}"}}"#, at(9))),
            "unknown_type",
        ),
        (("acc-4".into(), b"\xff\xfe\x00".to_vec()), "not_utf8"),
        (
            msg(
                "acc-5",
                format!(
                    r#"{{"event_id":"b5","type":"deal.closed","occurred_at":"{}","deal_id":"dx","outcome":"won","amount":100,"currency":"JPY"}}"#,
                    at(9)
                ),
            ),
            "unknown_currency",
        ),
        (
            msg(
                "acc-1",
                format!(
                    r#"{{"event_id":"b6","type":"activity.logged","occurred_at":"{}","rep_id":"ana","activity_id":"a","kind":"call"}}"#,
                    at(100 * 24 * 60)
                ),
            ),
            "too_old",
        ),
    ]
}

fn good() -> Vec<(String, Vec<u8>)> {
    let close = |id: &str, rep: &str, outcome: &str, money: &str, m: i64| {
        format!(
            r#"{{"event_id":"close-{id}","type":"deal.closed","occurred_at":"{}","deal_id":"{id}","rep_id":"{rep}","outcome":"{outcome}"{money}}}"#,
            at(m)
        )
    };
    let act = |id: &str, rep: &str, kind: &str, dir: &str, lead: &str, m: i64| {
        format!(
            r#"{{"event_id":"{id}","type":"activity.logged","occurred_at":"{}","rep_id":"{rep}","activity_id":"{id}","kind":"{kind}","direction":"{dir}"{lead}}}"#,
            at(m)
        )
    };
    let lead = |ty: &str, id: &str, m: i64| {
        format!(
            r#"{{"event_id":"{ty}-{id}","type":"lead.{ty}","occurred_at":"{}","lead_id":"{id}","rep_id":"ana"}}"#,
            at(m)
        )
    };
    let nps = |id: &str, rep: &str, score: u8| {
        format!(
            r#"{{"event_id":"{id}","type":"survey.responded","occurred_at":"{}","response_id":"{id}","survey":"nps","score":{score},"rep_id":"{rep}"}}"#,
            at(8)
        )
    };
    let won1 = close("d1", "ana", "won", r#","amount":1000,"currency":"EUR""#, 10);
    vec![
        msg("acc-1", won1.clone()),
        msg("acc-2", close("d2", "ben", "won", r#","amount":500,"currency":"USD""#, 12)),
        msg("acc-3", close("d3", "ana", "lost", "", 14)),
        msg("acc-4", close("d4", "cara", "no_decision", "", 15)),
        msg("acc-5", close("d5", "cara", "won", r#","amount":2000,"currency":"EUR""#, 16)),
        msg("acc-1", lead("created", "L1", 30)),
        msg("acc-2", lead("created", "L2", 30)),
        msg("acc-1", act("a-resp", "ana", "email", "outbound", r#","lead_id":"L1""#, 25)),
        msg("acc-1", lead("converted", "L1", 20)),
        msg("acc-3", act("a-call-out", "ben", "call", "outbound", "", 5)),
        msg("acc-3", act("a-call-in", "ben", "call", "inbound", "", 5)),
        msg("acc-4", nps("n1", "ana", 10)),
        msg("acc-5", nps("n2", "ben", 3)),
        msg("acc-1", won1),
        msg("acc-2", act("a-zed", "zed", "meeting", "outbound", "", 6)),
    ]
}

#[test]
#[allow(clippy::too_many_lines, reason = "one end-to-end story, read top to bottom")]
fn events_in_exact_kpis_out_bad_messages_dead_lettered_offsets_committed() {
    let (topic, reference_topic, dlq, group) = (unique("events"), unique("reference"), unique("dlq"), unique("group"));
    create_topic(&topic, 3);
    create_topic(&reference_topic, 1);
    create_topic(&dlq, 1);
    produce(&reference_topic, &reference());
    let bad = bad();
    let mut messages: Vec<_> = bad.iter().map(|(m, _)| m.clone()).collect();
    messages.extend(good());
    let offsets = produce(&topic, &messages);
    let total = messages.len() as f64;

    let mut svc = Service::builder()
        .topic(&topic)
        .reference_topic(&reference_topic)
        .group(&group)
        .dead_letter_topic(&dlq)
        .start();
    let m = eventually(Duration::from_secs(90), "every message consumed", || {
        let m = svc.scrape()?;
        match m.get("salespulse_events_consumed_total", &[]) {
            Some(n) if n >= total => Ok(m),
            other => Err(format!("consumed {other:?} of {total}")),
        }
    });
    let m = svc.fresh(m);
    let g = |name: &str, labels: &[(&str, &str)]| m.get(name, labels);
    let emea = |w: &'static str| [("team", "emea"), ("window", w)];
    let with = |base: [(&'static str, &'static str); 2], k: &'static str, v: &'static str| [base[0], base[1], (k, v)];

    assert_eq!(g("salespulse_events_consumed_total", &[]), Some(total));
    assert_eq!(g("salespulse_events_applied_total", &[]), Some(14.0));
    assert_eq!(g("salespulse_events_duplicate_total", &[]), Some(1.0));
    assert_eq!(g("salespulse_reference_events_total", &[]), Some(4.0));
    for (_, reason) in &bad {
        assert_eq!(g("salespulse_events_rejected_total", &[("reason", reason)]), Some(1.0), "{reason}");
    }
    assert_eq!(g("salespulse_events_rejected_total", &[("reason", "future")]), Some(0.0));

    assert_eq!(
        g("sales_won_revenue", &emea("1h")),
        Some(1450.0),
        "1000 EUR + 500 USD at 0.9; the duplicate is not counted"
    );
    assert_eq!(g("sales_average_deal_size", &emea("1h")), Some(725.0));
    assert_eq!(g("sales_deals_closed", &with(emea("1h"), "outcome", "won")), Some(2.0));
    assert_eq!(g("sales_deals_closed", &with(emea("1h"), "outcome", "lost")), Some(1.0));
    assert_eq!(g("sales_win_rate", &emea("24h")), Some(2.0 / 3.0));
    assert_eq!(g("sales_won_revenue", &[("team", "na"), ("window", "7d")]), Some(2000.0));
    assert_eq!(g("sales_deals_closed", &[("team", "na"), ("window", "1h"), ("outcome", "no_decision")]), Some(1.0));
    assert_eq!(g("sales_win_rate", &[("team", "na"), ("window", "1h")]), Some(1.0));
    assert_eq!(g("sales_leads_created", &emea("1h")), Some(2.0));
    assert_eq!(g("sales_leads_converted", &emea("1h")), Some(1.0));
    assert_eq!(g("sales_lead_conversion_rate", &emea("1h")), Some(0.5));
    assert_eq!(g("sales_lead_response_seconds_count", &emea("1h")), Some(1.0));
    assert_eq!(g("sales_lead_response_seconds_sum", &emea("1h")), Some(300.0));
    // A 300 s response: at the 300 s bound (a value at a bound counts), not at 60 s.
    assert_eq!(g("sales_lead_response_seconds_bucket", &with(emea("1h"), "le", "60")), Some(0.0));
    assert_eq!(g("sales_lead_response_seconds_bucket", &with(emea("1h"), "le", "300")), Some(1.0));
    assert_eq!(g("sales_lead_response_seconds_bucket", &with(emea("1h"), "le", "+Inf")), Some(1.0));
    assert_eq!(
        g("sales_activities", &[emea("1h")[0], emea("1h")[1], ("kind", "call"), ("direction", "inbound")]),
        Some(1.0)
    );
    assert_eq!(
        g("sales_activities", &[emea("1h")[0], emea("1h")[1], ("kind", "email"), ("direction", "outbound")]),
        Some(1.0)
    );
    assert_eq!(
        g(
            "sales_activities",
            &[("team", "unassigned"), ("window", "1h"), ("kind", "meeting"), ("direction", "outbound")]
        ),
        Some(1.0),
        "an unknown rep is unassigned"
    );
    assert_eq!(g("sales_nps", &emea("1h")), Some(0.0));
    assert_eq!(
        g("sales_survey_responses", &[emea("1h")[0], emea("1h")[1], ("survey", "nps"), ("category", "promoter")]),
        Some(1.0)
    );
    assert_eq!(g("sales_nps", &[("team", "na"), ("window", "1h")]), None, "no responses: absent, not NaN");
    assert!(!m.text.contains("NaN"), "no NaN anywhere");
    let at = |p: &'static str| [("partition", p), ("topic", topic.as_str()), ("consumergroup", group.as_str())];
    assert!(g("salespulse_event_lag_seconds", &at("0")).is_some());
    eventually(Duration::from_secs(30), "/readyz to answer 200", || match http_get(&svc.addr, "/readyz")? {
        (200, _) => Ok(()),
        (code, body) => Err(format!("{code} {body}")),
    });
    // Lag, in messages and in time, carries the labels kafka_exporter uses (topic,
    // partition, consumergroup); caught up, both are 0.
    eventually(Duration::from_secs(30), "no lag on any partition, in messages or seconds", || {
        let m = svc.scrape()?;
        let lags: Vec<_> = ["0", "1", "2"]
            .into_iter()
            .map(|p| (m.get("salespulse_consumer_lag", &at(p)), m.get("salespulse_consumer_lag_seconds", &at(p))))
            .collect();
        let partitions =
            m.get("salespulse_topic_partitions", &[("topic", topic.as_str()), ("consumergroup", group.as_str())]);
        match lags.iter().all(|l| *l == (Some(0.0), Some(0.0))) && partitions == Some(3.0) {
            true => Ok(()),
            false => Err(format!("lags {lags:?}, topic partitions {partitions:?}")),
        }
    });
    assert_eq!(http_get(&svc.addr, "/healthz").map(|r| r.0), Ok(200));
    check_with_promtool(&m.text);

    // Every rejected message is in the dead-letter topic, bytes intact, with its reason.
    let letters = consume(&dlq, bad.len(), Duration::from_secs(30));
    let reasons: BTreeSet<&str> =
        letters.iter().filter_map(|l| l.headers.get("salespulse.reason").map(String::as_str)).collect();
    let expected: BTreeSet<&str> = bad.iter().map(|(_, r)| *r).collect();
    assert_eq!(reasons, expected);
    assert!(letters.iter().any(|l| l.payload == b"{not json" && l.key.as_deref() == Some(b"acc-1".as_slice())));
    assert!(letters.iter().all(|l| l.headers.contains_key("salespulse.source.offset")));

    let status = svc.terminate(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}; log:\n{}", svc.log_text());
    let mut ends: BTreeMap<i32, i64> = BTreeMap::new();
    for (p, o) in offsets {
        let e = ends.entry(p).or_default();
        *e = (*e).max(o + 1);
    }
    assert_eq!(committed(&topic, &group, 3), ends, "offsets committed up to the last message of each partition");
}

/// Runs `promtool check metrics` on the scrape when promtool is installed (required when
/// `REQUIRE_PROMTOOL=1`, as in CI).
fn check_with_promtool(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if std::env::var("REQUIRE_PROMTOOL").as_deref() == Ok("1") => panic!("promtool is required: {e}"),
        Err(_) => {
            eprintln!("promtool not found: skipping the exposition lint");
            return;
        }
    };
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to promtool");
    let out = child.wait_with_output().expect("promtool output");
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A replay logs, while it runs, the messages left, the rate and an estimate, then once
/// that it caught up (`log.progress_interval` shortened so that a short replay shows it).
#[test]
fn a_replay_reports_its_progress_then_that_it_caught_up() {
    let (topic, reference) = (unique("progress"), unique("progress-ref"));
    create_topic(&topic, 6);
    create_topic(&reference, 1);
    generate(&topic, &reference, &["--events", "150000", "--days", "30", "--seed", "5"]);
    // High watermarks come with the client's statistics: every 100 ms here, so that the
    // replay is seen behind before it is over (it takes a second or two).
    let config = config_file(
        "[kafka]\ndead_letter_topic = \"\"\n[kafka.properties]\n\"statistics.interval.ms\" = \"100\"\n\
         [log]\nprogress_interval = \"100ms\"\n",
    );
    let service = Service::builder().config(&config).topic(&topic).reference_topic(&reference).start();
    eventually(Duration::from_secs(180), "the replay to be caught up", || {
        let log = service.log_text();
        if log.contains("caught up") { Ok(()) } else { Err(format!("log so far:\n{log}")) }
    });
    let log = service.log_text();
    let line = log.lines().find(|l| l.contains("catching up")).unwrap_or_else(|| panic!("no progress line:\n{log}"));
    for field in ["messages_left", "per_second", "eta"] {
        assert!(line.contains(field), "{field} not in {line}");
    }
    let done = log.lines().find(|l| l.contains("caught up")).expect("a caught-up line");
    assert!(done.contains("messages") && done.contains("seconds"), "{done}");
    assert_eq!(log.matches("caught up").count(), 1, "said once:\n{log}");
}

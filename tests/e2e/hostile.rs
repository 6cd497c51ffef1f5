//! Hostile input against a real broker: more than forty kinds of bad or tricky messages
//! among good ones. Every good event counts exactly, every bad one is dead-lettered once
//! with its reason (a forged reason header cannot pass for ours, a message too large to
//! count still arrives, cut and marked), the process stays up, and made-up teams and
//! stages cannot grow `/metrics` beyond the configured budgets.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{Duration as Span, Utc};
use salespulse_e2e::*;

const PARTITIONS: i32 = 3;
const MAX_TEAMS: usize = 5;
const MAX_STAGES: usize = 5;
const MAX_BYTES: usize = 64 * 1024;

/// What a message must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Counted,
    Duplicate,
    Rejected(&'static str),
}

struct Case {
    message: Outgoing,
    fate: Fate,
}

fn json(key: &str, text: String, fate: Fate) -> Case {
    Case { message: Outgoing { key: key.to_owned(), payload: Some(text.into_bytes()), headers: Vec::new() }, fate }
}

fn raw(key: &str, payload: Option<Vec<u8>>, fate: Fate) -> Case {
    Case { message: Outgoing { key: key.to_owned(), payload, headers: Vec::new() }, fate }
}

fn call(id: &str, rep: &str, extra: &str) -> String {
    call_at(id, rep, extra, &at(5))
}

fn call_at(id: &str, rep: &str, extra: &str, when: &str) -> String {
    format!(
        r#"{{"event_id":"{id}","type":"activity.logged","occurred_at":"{when}","rep_id":"{rep}","activity_id":"{id}","kind":"call"{extra}}}"#
    )
}

fn close(id: &str, money: &str) -> String {
    format!(
        r#"{{"event_id":"close-{id}","type":"deal.closed","occurred_at":"{}","deal_id":"{id}","rep_id":"ana","outcome":"won"{money}}}"#,
        at(6)
    )
}

fn deal(id: &str, stage: &str) -> String {
    format!(
        r#"{{"event_id":"create-{id}","type":"deal.created","occurred_at":"{}","deal_id":"{id}","rep_id":"ana","amount":10,"currency":"EUR","stage":"{stage}"}}"#,
        at(7)
    )
}

/// Good and tricky-but-valid messages.
fn good() -> Vec<Case> {
    use Fate::*;
    let mut out = vec![
        json("acc-1", call("g-call-1", "ana", ""), Counted),
        json(
            "acc-1",
            call("g-call-2", "ana", r#","lead_id":null,"schema_version":1.0,"not_in_the_contract":[1,{"x":2}]"#),
            Counted,
        ),
        json("acc-2", call("g-call-3", "ana", &format!(r#","padding":"{}""#, "p".repeat(50_000))), Counted),
        json("acc-3", close("g-d1", r#","amount":1000,"currency":"EUR""#), Counted),
        json("acc-3", close("g-d2", r#","currency":"EUR""#), Counted),
        json("acc-3", close("g-d1", r#","amount":1000,"currency":"EUR""#), Duplicate),
        json("acc-4", call("g-call-unicode", "ana", r#","team_id":"équipe-ü ✓""#), Counted),
        json(
            "acc-5",
            call("g-call-deep", "ana", &format!(r#","x":{}{}"#, "[".repeat(5000), "]".repeat(5000))),
            Counted,
        ),
        json(
            "acc-6",
            format!(
                r#"{{"event_id":"g-csat","type":"survey.responded","occurred_at":"{}","rep_id":"ana","response_id":"r-1","survey":"csat","score":5,"scale_max":5.0}}"#,
                at(5)
            ),
            Counted,
        ),
        json(
            "acc-7",
            format!(
                r#"{{"event_id":"g-pinned","type":"deal.closed","occurred_at":"{}","deal_id":"g-d3","team_id":"pinned-team","outcome":"won","amount":70,"currency":"EUR"}}"#,
                at(6)
            ),
            Counted,
        ),
    ];
    // Made-up teams and stages, far more than the budgets.
    for i in 0..40 {
        out.push(json(
            &format!("team-{i}"),
            call(&format!("g-team-{i}"), "x", &format!(r#","team_id":"made-up-{i}""#)),
            Counted,
        ));
    }
    for i in 0..30 {
        out.push(json(&format!("stage-{i}"), deal(&format!("g-stage-{i}"), &format!("made-up-stage-{i}")), Counted));
    }
    // Reference data on the events topic: the roster and the stages have budgets too.
    for i in 1..=7 {
        let fate = if i < MAX_TEAMS { Counted } else { Rejected("over_budget") };
        // One key: one partition, so the roster grows in this order.
        out.push(json(
            "roster",
            format!(
                r#"{{"event_id":"g-rep-{i}","type":"rep.updated","occurred_at":"{}","rep_id":"rep-{i}","team_id":"t{i}","active":true,"quota_carrying":true}}"#,
                at(30)
            ),
            fate,
        ));
    }
    for i in 1..=7 {
        let fate = if i <= MAX_STAGES { Counted } else { Rejected("over_budget") };
        out.push(json(
            "stages",
            format!(
                r#"{{"event_id":"g-stage-def-{i}","type":"stage.defined","occurred_at":"{}","stage":"defined-{i}","order":{i},"probability":0.5,"is_closed":false,"is_won":false}}"#,
                at(30)
            ),
            fate,
        ));
    }
    out
}

/// Bad messages, each with its reason.
#[allow(clippy::too_many_lines, reason = "one line per kind of bad message")]
fn bad() -> Vec<Case> {
    let r = Fate::Rejected;
    let valid = |extra: &str| call("b-x", "ana", extra);
    let with = |field: &str, value: &str| {
        format!(
            r#"{{"event_id":"b-{field}","type":"activity.logged","occurred_at":"{}","rep_id":"ana","activity_id":"a","kind":"call","{field}":{value}}}"#,
            at(5)
        )
    };
    let ts = |t: &str| format!(r#"{{"event_id":"b-ts","type":"lead.created","occurred_at":"{t}","lead_id":"l-1"}}"#);
    let texts: Vec<(String, &'static str)> = vec![
        ("{not json".into(), "invalid_json"),
        ("\u{feff}".to_owned() + &valid(""), "invalid_json"),
        (format!("[{:?}, \"activity.logged\"]", "b-array"), "wrong_type"),
        ("\"a string\"".into(), "wrong_type"),
        ("42".into(), "wrong_type"),
        ("null".into(), "wrong_type"),
        (valid("").replacen(r#""event_id":"b-x""#, r#""event_id":"b-x","event_id":"b-y""#, 1), "wrong_type"),
        (valid("").replacen(r#""type":"activity.logged","#, "", 1), "missing_field"),
        (valid("").replacen("activity.logged", "activity.teleported", 1), "unknown_type"),
        (valid(r#","schema_version":2"#), "unsupported_version"),
        (valid(r#","schema_version":"1""#), "wrong_type"),
        (valid("").replacen(r#""event_id":"b-x""#, r#""event_id":"""#, 1), "invalid_value"),
        (valid("").replacen("b-x", &"e".repeat(129), 1), "invalid_value"),
        (with("team_id", r#""""#), "invalid_value"),
        (with("team_id", &format!("{:?}", "t".repeat(60_000))), "invalid_value"),
        (valid("").replacen(r#""rep_id":"ana""#, r#""rep_id":"ana\u0007""#, 1), "invalid_value"),
        (with("stage", &format!("{:?}", "s".repeat(10_000))), "invalid_value"),
        (with("deal_id", r#""""#), "invalid_value"),
        (ts(&at(5).replacen('T', " ", 1)), "invalid_value"),
        (ts(&(Utc::now() - Span::minutes(5)).format("%Y-%m-%dT%H:%M:%S\u{2212}01:00").to_string()), "invalid_value"),
        (ts(&(Utc::now() - Span::minutes(5)).format("%Y-%m-%dT%H:%M:%S").to_string()), "invalid_value"),
        (ts("2026-02-30T10:00:00Z"), "invalid_value"),
        (close("b-huge", r#","amount":1.7e308,"currency":"EUR""#), "invalid_value"),
        (close("b-negative", r#","amount":-1,"currency":"EUR""#), "invalid_value"),
        (close("b-text", r#","amount":"12000","currency":"EUR""#), "wrong_type"),
        (close("b-1e16", r#","amount":1e16,"currency":"EUR""#), "invalid_value"),
        (close("b-lower", r#","amount":5,"currency":"eur""#), "invalid_value"),
        (close("b-jpy", r#","amount":5,"currency":"JPY""#), "unknown_currency"),
        (close("b-no-currency", r#","amount":5"#), "missing_field"),
        (close("b-fax", r#","kind":"fax""#), "invalid_value"),
        (valid(r#","probability":1.5"#), "invalid_value"),
        (valid(r#","duration_s":1e12"#), "invalid_value"),
        (
            format!(
                r#"{{"event_id":"b-nps","type":"survey.responded","occurred_at":"{}","response_id":"r","survey":"nps","score":11}}"#,
                at(5)
            ),
            "invalid_value",
        ),
        (
            format!(
                r#"{{"event_id":"b-csat","type":"survey.responded","occurred_at":"{}","response_id":"r","survey":"csat","score":7,"scale_max":5}}"#,
                at(5)
            ),
            "invalid_value",
        ),
        (
            format!(
                r#"{{"event_id":"b-scale","type":"survey.responded","occurred_at":"{}","response_id":"r","survey":"csat","score":3,"scale_max":5.5}}"#,
                at(5)
            ),
            "wrong_type",
        ),
        (deal("b-no-amount", "s").replacen(r#""amount":10,"#, "", 1), "missing_field"),
        (valid("").replacen(r#""rep_id":"ana","#, "", 1), "missing_field"),
        (call_at("b-old", "ana", "", &at(100 * 24 * 60)), "too_old"),
        (call_at("b-future", "ana", "", &(Utc::now() + Span::days(2)).to_rfc3339()), "future"),
    ];
    let mut out: Vec<Case> =
        texts.into_iter().enumerate().map(|(i, (text, reason))| json(&format!("bad-{i}"), text, r(reason))).collect();
    out.push(raw("bad-tombstone", None, r("empty")));
    out.push(raw("bad-utf8", Some(b"\xff\xfe{}".to_vec()), r("not_utf8")));
    let big = |n: usize| Some(format!(r#"{{"event_id":"b-big","pad":"{}"}}"#, "z".repeat(n)).into_bytes());
    out.push(raw("bad-too-large", big(100 * 1024), r("too_large")));
    out.push(raw("bad-far-too-large", big(1536 * 1024), r("too_large")));
    let mut forged = json("bad-forged", "{forged".into(), r("invalid_json"));
    forged.message.headers = vec![
        ("salespulse.reason".into(), b"forged".to_vec()),
        ("salespulse.source.offset".into(), b"-1".to_vec()),
        ("trace-id".into(), b"abc".to_vec()),
    ];
    out.push(forged);
    out
}

#[test]
#[allow(clippy::too_many_lines, reason = "one end-to-end story, read top to bottom")]
fn hostile_input_is_dead_lettered_with_its_reason_and_nothing_valid_is_lost() {
    let (topic, reference_topic, dlq, group) =
        (unique("hostile"), unique("hostile-ref"), unique("hostile-dlq"), unique("group"));
    create_topic(&topic, PARTITIONS);
    create_topic(&reference_topic, 1);
    create_topic(&dlq, 1);
    let roster = format!(
        r#"{{"event_id":"ref-ana","type":"rep.updated","occurred_at":"{}","rep_id":"ana","team_id":"emea","active":true,"quota_carrying":true}}"#,
        at(600)
    );
    produce(&reference_topic, &[("ana".into(), roster.into_bytes())]);
    let (good, bad) = (good(), bad());
    let kinds = bad.len() + 11; // and the tricky-but-valid kinds among the good ones
    assert!(kinds >= 40, "only {kinds} kinds of hostile input");
    // Interleaved: the bad among the good.
    let mut cases: Vec<&Case> = Vec::new();
    let (mut g, mut b) = (good.iter(), bad.iter());
    loop {
        match (g.next(), b.next()) {
            (None, None) => break,
            (x, y) => cases.extend(x.into_iter().chain(y)),
        }
    }
    let messages: Vec<Outgoing> = cases.iter().map(|c| c.message.clone()).collect();
    produce_all(&topic, &messages);
    let config = config_file(&format!(
        "[kpis]\nmax_teams = {MAX_TEAMS}\nmax_stages = {MAX_STAGES}\n[kafka]\nmax_message_bytes = {MAX_BYTES}\n"
    ));
    let mut svc = Service::builder()
        .config(&config)
        .topic(&topic)
        .reference_topic(&reference_topic)
        .group(&group)
        .dead_letter_topic(&dlq)
        .start();
    let total = cases.len() as f64;
    let m = eventually(Duration::from_secs(120), "every message consumed", || {
        let m = svc.scrape()?;
        match m.get("salespulse_events_consumed_total", &[]) {
            Some(n) if n >= total => Ok(m),
            other => Err(format!("consumed {other:?} of {total}")),
        }
    });
    let m = svc.fresh(m);
    let count = |f: Fate| cases.iter().filter(|c| c.fate == f).count() as f64;
    assert_eq!(m.get("salespulse_events_applied_total", &[]), Some(count(Fate::Counted)), "every good event counted");
    assert_eq!(m.get("salespulse_events_duplicate_total", &[]), Some(count(Fate::Duplicate)));
    let mut by_reason: BTreeMap<&str, f64> = BTreeMap::new();
    for c in &cases {
        if let Fate::Rejected(r) = c.fate {
            *by_reason.entry(r).or_default() += 1.0;
        }
    }
    let got: BTreeMap<&str, f64> = by_reason
        .keys()
        .chain(["missing_field", "wrong_type", "invalid_value", "invalid_json"].iter())
        .map(|r| (*r, m.get("salespulse_events_rejected_total", &[("reason", r)]).unwrap_or(0.0)))
        .filter(|(_, n)| *n > 0.0)
        .collect();
    assert_eq!(got, by_reason, "rejections by reason");

    // The good events' KPIs, exactly.
    let emea = |w: &'static str| [("team", "emea"), ("window", w)];
    let calls = |team: &str| {
        m.get("sales_activities", &[("team", team), ("window", "1h"), ("kind", "call"), ("direction", "outbound")])
    };
    assert_eq!(calls("emea"), Some(4.0));
    assert_eq!(calls("équipe-ü ✓"), Some(1.0));
    assert_eq!(
        m.get("sales_won_revenue", &emea("1h")),
        Some(1000.0),
        "the duplicate and the amountless close add nothing"
    );
    assert_eq!(m.get("sales_deals_closed", &[emea("1h")[0], emea("1h")[1], ("outcome", "won")]), Some(2.0));
    assert_eq!(
        m.get("sales_won_revenue", &[("team", "pinned-team"), ("window", "1h")]),
        Some(70.0),
        "a close with a team and no rep counts under its team"
    );
    assert_eq!(
        m.get("sales_survey_responses", &[emea("1h")[0], emea("1h")[1], ("survey", "csat"), ("category", "satisfied")]),
        Some(1.0),
        "scale_max written 5.0"
    );

    // Made-up teams and stages: within the budgets, the rest under _other, nothing lost.
    let label_values = |label: &str| -> BTreeSet<String> {
        m.text
            .lines()
            .filter(|l| l.starts_with("sales_"))
            .filter_map(|l| l.split(&format!("{label}=\"")).nth(1)?.split('"').next().map(str::to_owned))
            .collect()
    };
    let teams = label_values("team");
    let made_up = teams.iter().filter(|t| t.starts_with("made-up-")).count();
    assert!(made_up <= MAX_TEAMS * PARTITIONS as usize, "{made_up} made-up teams exported: {teams:?}");
    assert!(teams.contains("_other"));
    let folded = |label: &str| -> f64 {
        (0..PARTITIONS)
            .filter_map(|p| {
                let p = p.to_string();
                let labels = [
                    ("label", label),
                    ("partition", p.as_str()),
                    ("topic", topic.as_str()),
                    ("consumergroup", group.as_str()),
                ];
                m.get("salespulse_labels_folded_total", &labels)
            })
            .sum()
    };
    let counted_made_up: f64 = teams.iter().filter(|t| t.starts_with("made-up-")).filter_map(|t| calls(t)).sum();
    assert_eq!(counted_made_up + calls("_other").unwrap_or(0.0), 40.0, "every activity of a made-up team counted once");
    assert_eq!(calls("_other"), Some(folded("team")));
    let stages = label_values("stage");
    let made_up_stages = stages.iter().filter(|s| s.starts_with("made-up-stage-")).count();
    assert!(made_up_stages <= MAX_STAGES * PARTITIONS as usize, "{made_up_stages} made-up stages: {stages:?}");
    assert!(stages.contains("_other") && folded("stage") > 0.0);
    assert!(!stages.contains("defined-6") && !stages.contains("defined-7"), "no stage defined beyond the budget");
    assert!(!m.text.contains("NaN") && !m.text.contains("Inf "), "only finite values");

    // Ten times more made-up teams and stages: not one series more.
    let series = |text: &str| -> BTreeSet<String> {
        text.lines()
            .filter(|l| l.starts_with("sales_"))
            .filter_map(|l| l.rsplit_once(' ').map(|(k, _)| k.to_owned()))
            .collect()
    };
    let before = series(&m.text);
    let more: Vec<Outgoing> = (0..400)
        .map(|i| {
            let text = if i % 2 == 0 {
                call(&format!("g2-team-{i}"), "x", &format!(r#","team_id":"more-{i}""#))
            } else {
                deal(&format!("g2-stage-{i}"), &format!("more-stage-{i}"))
            };
            Outgoing { key: format!("more-{i}"), payload: Some(text.into_bytes()), headers: Vec::new() }
        })
        .collect();
    produce_all(&topic, &more);
    let m2 = eventually(Duration::from_secs(60), "the second batch consumed", || {
        let m = svc.scrape()?;
        match m.get("salespulse_events_applied_total", &[]) {
            Some(n) if n >= count(Fate::Counted) + 400.0 => Ok(m),
            other => Err(format!("applied {other:?}")),
        }
    });
    let m2 = svc.fresh(m2);
    let after = series(&m2.text);
    let new: Vec<_> = after.difference(&before).take(5).collect();
    assert!(new.is_empty(), "{} new series, e.g. {new:?}", after.len() - before.len());
    assert_eq!(calls_in(&m2, "_other"), calls("_other").map(|n| n + 200.0), "every new team under _other");

    // Every bad message is dead-lettered once, with its own reason.
    let rejected = count_rejected(&cases);
    let letters = consume(&dlq, rejected, Duration::from_secs(60));
    assert_eq!(letters.len(), rejected, "one dead letter per rejected message");
    let expected: BTreeMap<String, &str> = cases
        .iter()
        .filter_map(|c| match c.fate {
            Fate::Rejected(r) => Some((c.message.key.clone(), r)),
            _ => None,
        })
        .collect();
    for l in &letters {
        let key = String::from_utf8_lossy(l.key.as_deref().unwrap_or_default()).into_owned();
        assert_eq!(l.headers.get("salespulse.reason").map(String::as_str), expected.get(&key).copied(), "{key}");
    }
    let letter = |key: &str| letters.iter().find(|l| l.key.as_deref() == Some(key.as_bytes())).expect(key);
    let forged = letter("bad-forged");
    assert_eq!(forged.headers.get("salespulse.reason").map(String::as_str), Some("invalid_json"));
    assert_eq!(forged.headers.get("original.salespulse.reason").map(String::as_str), Some("forged"));
    assert_eq!(forged.headers.get("original.salespulse.source.offset").map(String::as_str), Some("-1"));
    assert_eq!(forged.headers.get("trace-id").map(String::as_str), Some("abc"));
    assert_ne!(forged.headers.get("salespulse.source.offset").map(String::as_str), Some("-1"));
    for key in ["bad-too-large", "bad-far-too-large"] {
        let l = letter(key);
        let original = cases.iter().find(|c| c.message.key == key).and_then(|c| c.message.payload.clone()).unwrap();
        assert_eq!(l.payload.len(), MAX_BYTES, "{key}: cut to max_message_bytes");
        assert_eq!(l.payload[..], original[..MAX_BYTES], "{key}: its first bytes");
        assert_eq!(l.headers.get("salespulse.truncated").map(String::as_str), Some("true"));
        assert_eq!(l.headers.get("salespulse.original_size"), Some(&original.len().to_string()));
    }
    assert!(!letter("bad-0").headers.contains_key("salespulse.truncated"), "only cut letters are marked");

    assert_eq!(http_get(&svc.addr, "/healthz").map(|r| r.0), Ok(200), "still alive");
    let status = svc.terminate(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}; log:\n{}", svc.log_text());
}

fn calls_in(m: &Samples, team: &str) -> Option<f64> {
    m.get("sales_activities", &[("team", team), ("window", "1h"), ("kind", "call"), ("direction", "outbound")])
}

fn count_rejected(cases: &[&Case]) -> usize {
    cases.iter().filter(|c| matches!(c.fate, Fate::Rejected(_))).count()
}

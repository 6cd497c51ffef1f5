//! Decoder unit tests: each reason label, defaults, and encode/decode round trips.

use crate::*;

fn ok(json: &str) -> Event {
    decode(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn reason(json: &[u8]) -> &'static str {
    decode(json, 0).expect_err("should be rejected").reason()
}

const HEAD: &str = r#""event_id":"e1","occurred_at":"2026-11-26T10:00:00+01:00""#;

#[test]
fn decodes_envelope_and_converts_offset_to_utc() {
    let e = ok(&format!(r#"{{{HEAD},"type":"lead.created","lead_id":"l1","extra":{{"x":1}}}}"#));
    assert_eq!(e.event_id, "e1");
    assert_eq!(e.occurred_at.to_rfc3339(), "2026-11-26T09:00:00+00:00");
    assert_eq!(e.body, Body::LeadCreated { lead_id: "l1".into(), channel: None });
}

#[test]
fn applies_defaults() {
    let e = ok(&format!(r#"{{{HEAD},"type":"activity.logged","rep_id":"r","activity_id":"a","kind":"call"}}"#));
    let Body::ActivityLogged(a) = e.body else { panic!("wrong body") };
    assert_eq!((a.direction, a.automated), (Direction::Outbound, false));
    let e = ok(&format!(r#"{{{HEAD},"type":"survey.responded","response_id":"r","survey":"csat","score":5}}"#));
    assert_eq!(
        e.body,
        Body::SurveyResponded { response_id: "r".into(), survey: Survey::Csat { score: 5, scale_max: 5 } }
    );
    let e = ok(&format!(
        r#"{{{HEAD},"type":"deal.created","deal_id":"d","rep_id":"r","amount":1,"currency":"USD","stage":"s"}}"#
    ));
    let Body::DealCreated(d) = e.body else { panic!("wrong body") };
    assert_eq!(d.deal_type, DealType::NewBusiness);
}

#[test]
fn each_reason_has_its_trigger() {
    assert_eq!(decode(b"", 0).unwrap_err().reason(), "empty");
    assert_eq!(decode(br#"{"a":1}"#, 3).unwrap_err(), DecodeError::TooLarge { size: 7, limit: 3 });
    assert_eq!(reason(b"{\"type\":\"\xff\"}"), "not_utf8");
    assert_eq!(reason(b"{not json"), "invalid_json");
    assert_eq!(reason(b"[1,2]"), "wrong_type");
    assert_eq!(reason(format!(r#"{{{HEAD},"type":"lead.created","lead_id":7}}"#).as_bytes()), "wrong_type");
    assert_eq!(reason(format!(r#"{{{HEAD},"type":"lead.created"}}"#).as_bytes()), "missing_field");
    assert_eq!(reason(br#"{"event_id":"e","type":"lead.created","lead_id":"l"}"#), "missing_field");
    assert_eq!(reason(format!(r#"{{{HEAD},"type":"lead.exploded"}}"#).as_bytes()), "unknown_type");
    assert_eq!(
        reason(format!(r#"{{{HEAD},"type":"lead.created","lead_id":"l","schema_version":2}}"#).as_bytes()),
        "unsupported_version"
    );
    let bad_values = [
        r#""type":"deal.amount_changed","deal_id":"d","amount":-1,"currency":"EUR""#,
        r#""type":"deal.amount_changed","deal_id":"d","amount":1,"currency":"eur""#,
        r#""type":"deal.stage_changed","deal_id":"d","stage":"s","probability":1.5"#,
        r#""type":"survey.responded","response_id":"r","survey":"nps","score":7.5"#,
        r#""type":"survey.responded","response_id":"r","survey":"csat","score":6"#,
        r#""type":"sentiment.scored","score":-1.1,"channel":"call""#,
        r#""type":"sentiment.scored","score":0.1,"channel":"fax""#,
        r#""type":"quota.set","rep_id":"r","period":"2026-13","amount":1,"currency":"EUR""#,
        r#""type":"fx.rate","currency":"USD","rate":0"#,
        r#""type":"activity.logged","rep_id":"r","activity_id":"a","kind":"telepathy""#,
    ];
    for body in bad_values {
        assert_eq!(reason(format!(r#"{{{HEAD},{body}}}"#).as_bytes()), "invalid_value", "{body}");
    }
    let long_id = "x".repeat(MAX_ID_CHARS + 1);
    let json = format!(
        r#"{{"event_id":"{long_id}","type":"lead.created","occurred_at":"2026-11-26T10:00:00Z","lead_id":"l"}}"#
    );
    assert_eq!(reason(json.as_bytes()), "invalid_value");
}

#[test]
fn missing_field_names_the_field_and_type() {
    let err =
        decode(format!(r#"{{{HEAD},"type":"deal.closed","deal_id":"d","outcome":"won","amount":5}}"#).as_bytes(), 0)
            .unwrap_err();
    assert_eq!(err, DecodeError::MissingField { field: "currency", event_type: "deal.closed" });
    assert_eq!(err.to_string(), "missing field `currency` (required by deal.closed)");
}

#[test]
fn every_reason_is_listed_once() {
    let all = [
        DecodeError::Empty,
        DecodeError::TooLarge { size: 2, limit: 1 },
        DecodeError::NotUtf8 { valid_up_to: 0 },
        DecodeError::InvalidJson { detail: String::new() },
        DecodeError::WrongType { detail: String::new() },
        DecodeError::MissingField { field: "f", event_type: "t" },
        DecodeError::InvalidValue { field: "f", detail: String::new() },
        DecodeError::UnknownType { event_type: String::new() },
        DecodeError::UnsupportedVersion { version: 2 },
    ];
    let reasons: Vec<&str> = all.iter().map(DecodeError::reason).collect();
    assert_eq!(reasons, DecodeError::REASONS);
}

#[test]
fn encode_then_decode_is_identity() {
    let samples = [
        format!(
            r#"{{{HEAD},"type":"activity.logged","rep_id":"r","activity_id":"a","kind":"demo","direction":"inbound","lead_id":"l","duration_s":30.5,"automated":true}}"#
        ),
        format!(
            r#"{{{HEAD},"type":"deal.closed","deal_id":"d","outcome":"lost","amount":10.25,"currency":"GBP","loss_reason":"price","team_id":"t"}}"#
        ),
        format!(r#"{{{HEAD},"type":"survey.responded","response_id":"r","survey":"csat","score":7,"scale_max":7}}"#),
        format!(r#"{{{HEAD},"type":"rep.updated","rep_id":"r","team_id":"t","active":false,"quota_carrying":true}}"#),
        format!(r#"{{{HEAD},"type":"market.size_recorded","period":"2026-Q1","amount":5e6,"currency":"EUR"}}"#),
        format!(
            r#"{{{HEAD},"type":"stage.defined","stage":"s","order":2,"probability":0.25,"is_closed":true,"is_won":false}}"#
        ),
    ];
    for json in samples {
        let event = ok(&json);
        let again = decode(&encode(&event), 0).expect("re-decodes");
        assert_eq!(event, again, "{json}");
    }
}

//! The decoder and the published JSON Schema give every document the same verdict:
//! documents generated from the valid examples of docs/events.md, near-valid ones and
//! mutated ones (fields removed, nulled, retyped, set to edge values; the whole document
//! replaced by another JSON value) are accepted by both or refused by both.

mod common;

use proptest::prelude::*;
use serde_json::{Value, json};

/// Every field of the contract, and one it does not know (allowed, ignored).
const FIELDS: &[&str] = &[
    "event_id",
    "type",
    "occurred_at",
    "rep_id",
    "team_id",
    "account_id",
    "source",
    "schema_version",
    "activity_id",
    "kind",
    "direction",
    "lead_id",
    "deal_id",
    "duration_s",
    "automated",
    "action",
    "channel",
    "amount",
    "currency",
    "stage",
    "deal_type",
    "probability",
    "outcome",
    "loss_reason",
    "reason",
    "status",
    "mrr",
    "response_id",
    "survey",
    "score",
    "scale_max",
    "course_id",
    "active",
    "quota_carrying",
    "period",
    "order",
    "is_closed",
    "is_won",
    "category",
    "rate",
    "not_in_the_contract",
];

/// Values at and around every rule's edges.
fn edge_values() -> Vec<Value> {
    let long = "x".repeat(129);
    let max_id = "y".repeat(128);
    vec![
        Value::Null,
        json!(""),
        json!(" "),
        json!(long),
        json!(max_id),
        json!("a\u{7}b"),
        json!("tab\there"),
        json!("é-ünïcode-✓"),
        json!("rep-ana"),
        json!(0),
        json!(-1),
        json!(-0.01),
        json!(0.5),
        json!(1),
        json!(1.0),
        json!(1.5),
        json!(2),
        json!(5),
        json!(5.0),
        json!(5.5),
        json!(7),
        json!(10),
        json!(11),
        json!(100),
        json!(101),
        json!(1e9),
        json!(1.5e9),
        json!(1e15),
        json!(1.1e15),
        json!(1.7e308),
        json!(9_007_199_254_740_993_i64),
        json!(true),
        json!(false),
        json!([]),
        json!({}),
        json!("won"),
        json!("lost"),
        json!("call"),
        json!("fax"),
        json!("nps"),
        json!("csat"),
        json!("customer"),
        json!("sales"),
        json!("outbound"),
        json!("message_sent"),
        json!("renewal"),
        json!("deal.closed"),
        json!("deal.created"),
        json!("activity.logged"),
        json!("EUR"),
        json!("eur"),
        json!("EURO"),
        json!("2026-Q4"),
        json!("2026-11"),
        json!("2026-13"),
        json!("2026"),
        json!("2026-11-27T10:00:00Z"),
        json!("2026-11-27T10:00:00.123+01:00"),
        json!("2026-11-27t10:00:00z"),
        json!("2026-11-27 10:00:00Z"),
        json!("2026-11-27T10:00:00\u{2212}01:00"),
        json!("2026-11-27T10:00:00+0100"),
        json!("2026-11-27T10:00:60Z"),
        json!("2016-12-31T23:59:60Z"),
        json!("2016-12-31T23:59:60.5+00:00"),
        json!("2017-01-01T00:59:60+01:00"),
        json!("2026-11-27T24:00:00Z"),
        json!("2025-02-29T10:00:00Z"),
        json!("2024-02-29T10:00:00Z"),
        json!("2026-04-31T10:00:00Z"),
        json!("2026-11-27T10:00:00+24:00"),
        json!("2026-11-27"),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(usize),
    Set(usize, usize),
}

fn apply(doc: &mut Value, m: &Mutation, values: &[Value]) {
    let Some(obj) = doc.as_object_mut() else { return };
    match *m {
        Mutation::Remove(f) => {
            obj.remove(FIELDS[f % FIELDS.len()]);
        }
        Mutation::Set(f, v) => {
            obj.insert(FIELDS[f % FIELDS.len()].to_owned(), values[v % values.len()].clone());
        }
    }
}

/// The whole document replaced by another JSON value (`Some(n)`), else kept.
fn reshape(doc: Value, how: Option<u8>) -> Value {
    let Some(how) = how else { return doc };
    let values: Vec<Value> = doc.as_object().map(|o| o.values().cloned().collect()).unwrap_or_default();
    match how % 4 {
        0 => Value::Array(values),
        1 => Value::Array(vec![doc]),
        2 => json!("a string"),
        _ => json!(42),
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::Remove),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(f, v)| Mutation::Set(f, v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn decoder_and_schema_give_the_same_verdict(
        base in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 0..4),
        how in prop::option::weighted(0.03, any::<u8>()),
    ) {
        thread_local! {
            static SETUP: (Vec<Value>, jsonschema::Validator, Vec<Value>) = {
                let docs = common::examples()
                    .into_iter()
                    .filter(|e| e.rejected.is_none())
                    .map(|e| serde_json::from_str(&e.json).expect("examples are JSON"))
                    .collect();
                (docs, common::validator(), edge_values())
            };
        }
        SETUP.with(|(docs, validator, values)| {
            let mut doc = docs[base.index(docs.len())].clone();
            for m in &mutations {
                apply(&mut doc, m, values);
            }
            let doc = reshape(doc, how);
            let text = serde_json::to_string(&doc).expect("serialises");
            let decoded = salespulse_events::decode(text.as_bytes(), 0);
            let errors: Vec<String> = validator.iter_errors(&doc).take(3).map(|e| e.to_string()).collect();
            prop_assert_eq!(
                decoded.is_ok(),
                errors.is_empty(),
                "decoder: {:?}\nschema: {:?}\n{}",
                decoded.as_ref().err().map(ToString::to_string),
                errors,
                text
            );
            Ok(())
        })?;
    }
}

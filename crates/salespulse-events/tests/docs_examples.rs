//! The examples of docs/events.md, the JSON Schema and the Rust decoder must agree:
//! every example validates against the schema and decodes; every `rejected=REASON`
//! example fails both, the decoder with that reason.

use salespulse_events::{JSON_SCHEMA, decode};

mod common;

use common::{examples, validator};

#[test]
fn every_valid_example_passes_schema_and_decoder() {
    let v = validator();
    let valid: Vec<_> = examples().into_iter().filter(|e| e.rejected.is_none()).collect();
    assert!(valid.len() >= 25, "expected the docs to show every type, found {} examples", valid.len());
    let mut types = std::collections::BTreeSet::new();
    for ex in &valid {
        let instance: serde_json::Value = serde_json::from_str(&ex.json).unwrap_or_else(|e| panic!("{e}: {}", ex.json));
        let errors: Vec<String> = v.iter_errors(&instance).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "schema rejects a documented example: {errors:?}\n{}", ex.json);
        let event = decode(ex.json.as_bytes(), 0)
            .unwrap_or_else(|e| panic!("decoder rejects a documented example: {e}\n{}", ex.json));
        types.insert(event.event_type());
    }
    for ty in salespulse_events::EventType::ALL {
        assert!(types.contains(ty), "docs/events.md has no example of {}", ty.as_str());
    }
}

#[test]
fn every_rejected_example_fails_schema_and_decoder_with_its_reason() {
    let v = validator();
    let rejected: Vec<_> = examples().into_iter().filter(|e| e.rejected.is_some()).collect();
    assert!(rejected.len() >= 4, "expected rejected examples in the docs");
    for ex in rejected {
        let instance: serde_json::Value = serde_json::from_str(&ex.json).expect("rejected examples are still JSON");
        assert!(!v.is_valid(&instance), "schema accepts an example documented as rejected:\n{}", ex.json);
        let err = decode(ex.json.as_bytes(), 0).expect_err("decoder accepts an example documented as rejected");
        assert_eq!(Some(err.reason()), ex.rejected.as_deref(), "{err}\n{}", ex.json);
    }
}

#[test]
fn schema_lists_exactly_the_decoder_types() {
    let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let listed: Vec<&str> =
        schema["properties"]["type"]["enum"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let known: Vec<&str> = salespulse_events::EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(listed, known);
}

//! What the tests of the contract share: the JSON examples of docs/events.md and the
//! published schema, compiled.

use salespulse_events::JSON_SCHEMA;

pub struct Example {
    pub json: String,
    pub rejected: Option<String>,
}

pub fn examples() -> Vec<Example> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/events.md");
    let text = std::fs::read_to_string(path).expect("docs/events.md is readable");
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("json") => {
                let rejected = info.split_whitespace().find_map(|w| w.strip_prefix("rejected=")).map(str::to_owned);
                current = Some(Example { json: String::new(), rejected });
            }
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some(ex), None) => {
                ex.json.push_str(line);
                ex.json.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

pub fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(JSON_SCHEMA).expect("schema is JSON");
    jsonschema::draft202012::new(&schema).expect("schema compiles")
}

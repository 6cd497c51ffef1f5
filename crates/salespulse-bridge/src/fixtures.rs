//! The CRM fixtures of `tests/fixtures/bridge` (one sales story as each CRM sends it),
//! with their times filled in, for the bridge's tests and the end-to-end tests.
//!
//! A fixture's times are relative to the moment a test runs: `"{{ms:-90}}"` (quotes
//! included) becomes the epoch milliseconds of 90 minutes before, `"{{s:-90}}"` epoch
//! seconds, and `{{iso:-90}}` inside a string an RFC 3339 time.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::config::BridgeSection;
use crate::source::Source;

/// Where the fixtures are.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bridge")
}

/// A fixture file (relative to [`dir`]) with its times filled in relative to `now`.
pub fn fixture(relative: &str, now: DateTime<Utc>) -> String {
    let path = dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    fill_times(&text, now)
}

/// The story's `[bridge]` stages and owners (`story.toml`), EUR by default.
pub fn story_config() -> BridgeSection {
    #[derive(serde::Deserialize)]
    struct File {
        bridge: BridgeSection,
    }
    let text = std::fs::read_to_string(dir().join("story.toml")).expect("story.toml");
    let mut cfg = toml::from_str::<File>(&text).expect("story.toml is a [bridge] section").bridge;
    cfg.default_currency = "EUR".into();
    cfg
}

/// The Pipedrive webhooks of the story, in the order they are sent.
pub fn pipedrive_story() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir().join("pipedrive"))
        .map(|d| d.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    names.sort();
    names.into_iter().filter(|n| n.ends_with(".json")).map(|n| format!("pipedrive/{n}")).collect()
}

/// One KPI sample the story must give: name, labels, value.
pub type Want = (&'static str, Vec<(&'static str, &'static str)>, f64);

/// The teams and stages of a source's story: (first rep's team, second rep's team, first
/// stage, second stage).
pub fn names(source: Source) -> (&'static str, &'static str, &'static str, &'static str) {
    match source {
        Source::Salesforce => ("sf-north", "sf-south", "Prospecting", "Needs Analysis"),
        Source::HubSpot => ("hs-north", "hs-south", "hs-appointment", "hs-qualified"),
        Source::Pipedrive => ("pd-north", "pd-south", "pd-qualified", "pd-proposal"),
    }
}

/// Every KPI the story touches, as it must be once all of a source's fixtures are
/// delivered (README.md tells the story): a deal won (10 000, 190 minutes after its
/// creation) and one lost; a lead answered after 40 minutes by a call logged on it and
/// converted, two waiting (one with only a planned call); an inbound call and an email; a
/// deal moved to the second rep's team in the second stage (6 000); a deal deleted and
/// restored in the first stage (3 000); a deal in an unknown stage, dead-lettered.
pub fn expected(source: Source) -> Vec<Want> {
    let (north, south, s1, s2) = names(source);
    let day = |team| vec![("team", team), ("window", "24h")];
    let with = |team, k: &'static str, v: &'static str| vec![("team", team), ("window", "24h"), (k, v)];
    let activity = |kind, direction| vec![("team", north), ("window", "24h"), ("kind", kind), ("direction", direction)];
    vec![
        ("sales_won_revenue", day(north), 10_000.0),
        ("sales_win_rate", day(north), 0.5),
        ("sales_deals_closed", with(north, "outcome", "won"), 1.0),
        ("sales_deals_closed", with(north, "outcome", "lost"), 1.0),
        ("sales_pipeline_value", vec![("team", north), ("stage", s1)], 3_000.0),
        ("sales_pipeline_deals", vec![("team", north), ("stage", s1)], 1.0),
        ("sales_pipeline_value", vec![("team", south), ("stage", s2)], 6_000.0),
        ("sales_pipeline_deals", vec![("team", south), ("stage", s2)], 1.0),
        ("sales_leads_created", day(north), 3.0),
        ("sales_leads_converted", day(north), 1.0),
        ("sales_lead_conversion_rate", day(north), 1.0 / 3.0),
        ("sales_lead_response_seconds_count", day(north), 1.0),
        ("sales_lead_response_seconds_sum", day(north), 2_400.0),
        ("sales_leads_awaiting_response", vec![("team", north)], 2.0),
        ("sales_activities", activity("call", "outbound"), 1.0),
        ("sales_activities", activity("call", "inbound"), 1.0),
        ("sales_activities", activity("email", "outbound"), 1.0),
        ("sales_cycle_seconds_count", day(north), 1.0),
        ("sales_cycle_seconds_sum", day(north), 11_400.0),
    ]
}

/// The age the oldest waiting lead of the story has `minutes_since_start` after the
/// story's `now`: it was created 300 minutes before.
pub fn oldest_wait_seconds(minutes_since_start: f64) -> f64 {
    (300.0 + minutes_since_start) * 60.0
}

/// `text` with every `{{kind:minutes}}` placeholder replaced (see the module).
pub fn fill_times(text: &str, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").map(|e| start + e + 2).expect("a closed {{...}}");
        let (kind, minutes) = rest[start + 2..end - 2].split_once(':').expect("{{kind:minutes}}");
        let t = now + chrono::Duration::minutes(minutes.parse().expect("minutes"));
        let (value, quoted) = match kind {
            "ms" => (t.timestamp_millis().to_string(), true),
            "s" => (t.timestamp().to_string(), true),
            "iso" => (t.to_rfc3339_opts(SecondsFormat::Millis, true), false),
            other => panic!("unknown fixture time {other}"),
        };
        // A number replaces the quotes around its placeholder too.
        let (head, skip) = if quoted && rest[..start].ends_with('"') { (start - 1, 1) } else { (start, 0) };
        out.push_str(&rest[..head]);
        out.push_str(&value);
        rest = &rest[end + skip..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_filled_in_with_or_without_quotes() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let got = fill_times(r#"{"a":"{{ms:-1}}","b":"at {{iso:1}}","c":"{{s:0}}"}"#, now);
        assert_eq!(got, r#"{"a":1699999940000,"b":"at 2023-11-14T22:14:20.000Z","c":1700000000}"#);
    }
}

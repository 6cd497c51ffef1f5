//! The worked examples of docs/kpis.md, run against the engine.
//!
//! Each ```example block is: optional `now` and `config` lines, `at WHEN [xN] {event}`
//! lines (WHEN is `-90m`, `-2h`, `-3d` before now, or an RFC 3339 time), and `expect`
//! lines: `expect series{labels} VALUE` or `absent`; a histogram's parts are `_bucket`
//! (with `le`), `_sum` and `_count`.

use chrono::{DateTime, Duration, Utc};
use salespulse_engine::calendar::Calendar;
use salespulse_engine::kpis::{Family, Value, families};
use salespulse_engine::{EngineConfig, Reference, RepInfo, Shard};
use salespulse_events::{Currency, decode};

const DEFAULT_NOW: &str = "2026-11-26T12:00:00Z";

struct Example {
    title: String,
    lines: Vec<String>,
}

fn examples() -> Vec<Example> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/kpis.md")).expect("docs/kpis.md");
    let (mut out, mut title, mut current): (Vec<Example>, String, Option<Vec<String>>) =
        (Vec::new(), String::new(), None);
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            title = h.to_owned();
        }
        match (&mut current, line.trim()) {
            (None, "```example") => current = Some(Vec::new()),
            (Some(_), "```") => out.push(Example { title: title.clone(), lines: current.take().unwrap_or_default() }),
            (Some(lines), l) if !l.is_empty() => lines.push(l.to_owned()),
            _ => {}
        }
    }
    out
}

fn duration(text: &str) -> Duration {
    let (n, unit) = text.split_at(text.len() - 1);
    let n: i64 = n.parse().unwrap_or_else(|_| panic!("bad duration {text}"));
    match unit {
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => panic!("bad duration unit in {text}"),
    }
}

fn configure(cfg: &mut EngineConfig, settings: &str) {
    let (mut tz, mut fiscal) = (chrono_tz::UTC, 1);
    for kv in settings.split_whitespace() {
        let (k, v) = kv.split_once('=').expect("key=value");
        match k {
            "gross_margin" => cfg.gross_margin = v.parse().unwrap(),
            "stalled_after" => cfg.stalled_default_ms = duration(v).num_milliseconds(),
            "per_rep" => cfg.per_rep = v.parse().unwrap(),
            "time_zone" => tz = v.parse().unwrap(),
            "fiscal_year_start_month" => fiscal = v.parse().unwrap(),
            k if k.starts_with("stalled_after.") => {
                cfg.stalled_after_ms.insert(k["stalled_after.".len()..].to_owned(), duration(v).num_milliseconds());
            }
            other => panic!("unknown example setting {other}"),
        }
    }
    cfg.calendar = Calendar::new(tz, fiscal, false);
}

/// The value of `series{labels}` in `fams`, handling `_sum`, `_count` and `_bucket`.
fn lookup(fams: &[Family], series: &str) -> Option<f64> {
    let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
    let mut want: Vec<(String, String)> = labels
        .trim_end_matches('}')
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("label=value");
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect();
    let le = want.iter().position(|(k, _)| k == "le").map(|i| want.remove(i).1.parse::<f64>().unwrap());
    want.sort();
    let family = |suffix: &str| name.strip_suffix(suffix).filter(|b| fams.iter().any(|f| f.name == *b));
    let (base, part) = match (family("_sum"), family("_count"), family("_bucket")) {
        (Some(b), _, _) => (b, "sum"),
        (_, Some(b), _) => (b, "count"),
        (_, _, Some(b)) => (b, "bucket"),
        _ => (name, "value"),
    };
    let fam = fams.iter().find(|f| f.name == base).unwrap_or_else(|| panic!("no family {base}"));
    let metric = fam.metrics.iter().find(|m| {
        let mut have: Vec<(String, String)> = m.labels.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        have.sort();
        have == want
    })?;
    match (&metric.value, part, le) {
        (Value::Gauge(v), "value", None) => Some(*v),
        (Value::Summary { sum, .. } | Value::Histogram { sum, .. }, "sum", None) => Some(*sum),
        (Value::Summary { count, .. } | Value::Histogram { count, .. }, "count", None) => Some(*count as f64),
        (Value::Histogram { count, .. }, "bucket", Some(le)) if le.is_infinite() => Some(*count as f64),
        (Value::Histogram { buckets, .. }, "bucket", Some(le)) => {
            buckets.iter().find(|(b, _)| *b == le).map(|(_, n)| *n as f64)
        }
        other => panic!("cannot read {series} from {other:?}"),
    }
}

fn run(ex: &Example) -> Vec<String> {
    let mut now: DateTime<Utc> = DEFAULT_NOW.parse().unwrap();
    let mut cfg = EngineConfig::default();
    let eur = Currency::parse("EUR").unwrap();
    let mut reference = Reference::new(eur);
    reference.set_rate(Currency::parse("USD").unwrap(), 0.9);
    for (rep, team) in [("ana", "emea"), ("ben", "emea"), ("cara", "na")] {
        reference.set_rep(rep, RepInfo { team: team.into(), active: true, quota_carrying: true });
    }
    let mut shard: Option<Shard> = None;
    let mut failures = Vec::new();
    for (n, line) in ex.lines.iter().enumerate() {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        match verb {
            "now" => now = rest.parse().unwrap(),
            "config" => configure(&mut cfg, rest),
            "at" => {
                let shard = shard.get_or_insert_with(|| Shard::new(cfg.clone()));
                let (when, rest) = rest.split_once(' ').expect("at WHEN {event}");
                let (times, json) = match rest.strip_prefix('x') {
                    Some(r) => {
                        let (k, j) = r.split_once(' ').expect("xN {event}");
                        (k.parse::<usize>().unwrap(), j)
                    }
                    None => (1, rest),
                };
                let at = match when.strip_prefix('-') {
                    Some(d) => now - duration(d),
                    None => when.parse().unwrap(),
                };
                for i in 0..times {
                    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
                    v["event_id"] = format!("ex-{n}-{i}").into();
                    v["occurred_at"] = at.to_rfc3339().into();
                    let event =
                        decode(v.to_string().as_bytes(), 0).unwrap_or_else(|e| panic!("{}: {e}: {json}", ex.title));
                    let result = if event.event_type().is_reference() {
                        reference.apply(&event).map(|_| ())
                    } else {
                        shard.apply(&event, &reference, now).map(|_| ())
                    };
                    result.unwrap_or_else(|e| panic!("{}: event refused ({e}): {json}", ex.title));
                }
            }
            "expect" => {
                let shard = shard.get_or_insert_with(|| Shard::new(cfg.clone()));
                let fams = families(&shard.view(now, &reference), &reference, &cfg, now).families;
                let (series, want) = rest.rsplit_once(' ').expect("expect SERIES VALUE");
                let got = lookup(&fams, series);
                let ok = match (want, got) {
                    ("absent", None) => true,
                    (w, Some(g)) if w != "absent" => {
                        let w: f64 = w.parse().unwrap();
                        (g - w).abs() <= 1e-9 * w.abs().max(1.0)
                    }
                    _ => false,
                };
                if !ok {
                    failures.push(format!("{}: {series}: expected {want}, got {got:?}", ex.title));
                }
            }
            other => panic!("{}: unknown line {other}", ex.title),
        }
    }
    failures
}

#[test]
fn every_worked_example_of_the_kpi_catalogue_holds() {
    let all = examples();
    assert!(all.len() >= 30, "found {} examples", all.len());
    let failures: Vec<String> = all.iter().flat_map(run).collect();
    assert!(failures.is_empty(), "{} expectations failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_kpi_of_the_catalogue_has_a_worked_example() {
    let titles: Vec<String> = examples().into_iter().map(|e| e.title).collect();
    for kpi in 1..=33 {
        let covered = titles.iter().any(|t| {
            let numbers = t.split('.').next().unwrap_or_default();
            numbers.split(',').any(|n| n.trim() == kpi.to_string())
        });
        assert!(covered, "KPI {kpi} has no worked example in docs/kpis.md");
    }
}

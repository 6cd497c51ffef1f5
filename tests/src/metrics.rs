//! A tiny `/metrics` reader: HTTP GET over a TCP stream and a text-format parser.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// GETs `path` from `addr`; returns (status, body).
pub fn http_get(addr: &str, path: &str) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).map_err(|e| e.to_string())?;
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no status")?;
    Ok((status, body.to_owned()))
}

/// Parsed samples: `name{label="value",...}` (labels sorted by name) → value.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub text: String,
    pub values: BTreeMap<String, f64>,
}

/// The canonical key of a sample: name plus labels sorted by name.
pub fn key(name: &str, labels: &[(&str, &str)]) -> String {
    let mut l: Vec<_> = labels.to_vec();
    l.sort();
    let inner: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    if inner.is_empty() { name.to_owned() } else { format!("{name}{{{}}}", inner.join(",")) }
}

impl Samples {
    /// Parses Prometheus text format (no escapes in label values are needed here).
    pub fn parse(text: &str) -> Samples {
        let mut values = BTreeMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let Some((series, value)) = line.rsplit_once(' ') else { continue };
            let Ok(v) = value.parse::<f64>() else { continue };
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let pairs: Vec<(&str, &str)> =
                labels.split(',').filter_map(|p| p.split_once('=')).map(|(k, v)| (k, v.trim_matches('"'))).collect();
            values.insert(key(name, &pairs), v);
        }
        Samples { text: text.to_owned(), values }
    }

    /// The sum of every sample of `name`, whatever its labels (0 when none).
    pub fn sum(&self, name: &str) -> f64 {
        self.values
            .iter()
            .filter(|(k, _)| k.as_str() == name || k.strip_prefix(name).is_some_and(|rest| rest.starts_with('{')))
            .map(|(_, v)| v)
            .sum()
    }

    /// The value of a sample, if present.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.values.get(&key(name, labels)).copied()
    }
}

/// The KPI series of a scrape (`sales_*`), without those that move with the clock alone
/// (the age of the oldest waiting lead).
pub fn kpis(s: &Samples) -> BTreeMap<String, f64> {
    s.values
        .iter()
        .filter(|(k, _)| k.starts_with("sales_") && !k.starts_with("sales_lead_oldest_wait_seconds"))
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

/// The differences between two KPI maps (at most `max` of them, for messages).
pub fn differences(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>, max: usize) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(x), Some(y)) => (x - y).abs() > 1e-6 * x.abs().max(y.abs()).max(1.0),
            _ => true,
        })
        .take(max)
        .map(|k| format!("{k}: {:?} vs {:?}", a.get(k), b.get(k)))
        .collect()
}

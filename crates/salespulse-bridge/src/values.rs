//! Reading the values CRMs send: ids as strings or integers, numbers as JSON numbers or
//! strings (HubSpot sends every value as a string), times as epoch seconds, milliseconds
//! or RFC 3339. Anything else is absent (`None`), never a guess.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A CRM id as a canonical id: a non-empty string or integer, at most 128 characters,
/// no control character.
pub fn id_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        _ => return None,
    };
    let ok = !s.is_empty() && s.chars().count() <= 128 && !s.chars().any(char::is_control);
    ok.then_some(s)
}

/// A number sent as a JSON number or a string; empty is absent.
pub fn number_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if !s.trim().is_empty() => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// A time sent as epoch milliseconds, epoch seconds (below 1e11), either as a number or a
/// string of digits, as RFC 3339, or as `YYYY-MM-DD HH:MM:SS` in UTC (Pipedrive's API v1).
pub fn time_of(v: Option<&Value>) -> Option<DateTime<Utc>> {
    let epoch = |n: i64| {
        if n.abs() < 100_000_000_000 { DateTime::from_timestamp(n, 0) } else { DateTime::from_timestamp_millis(n) }
    };
    match v? {
        Value::Number(n) => epoch(n.as_i64()?),
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(n) => epoch(n),
                Err(_) => DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)).or_else(|| {
                    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok().map(|t| t.and_utc())
                }),
            }
        }
        _ => None,
    }
}

/// A short text value: a trimmed, non-empty string.
pub fn text_of(v: Option<&Value>) -> Option<&str> {
    v?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A boolean sent as JSON or as `"true"`/`"false"`.
pub fn flag_of(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_numbers_and_times_accept_what_crms_send() {
        assert_eq!(id_of(Some(&Value::from(42))), Some("42".into()));
        assert_eq!(id_of(Some(&Value::from(" 006A "))), Some("006A".into()));
        assert_eq!(id_of(Some(&Value::from(""))), None);
        assert_eq!(id_of(Some(&Value::from("a\u{0}b"))), None);
        assert_eq!(id_of(Some(&Value::from(1.5))), None);
        assert_eq!(number_of(Some(&Value::from("1200.50"))), Some(1200.5));
        assert_eq!(number_of(Some(&Value::from(""))), None);
        let t = time_of(Some(&Value::from(1_732_600_000_000i64))).unwrap();
        assert_eq!(t, time_of(Some(&Value::from(1_732_600_000i64))).unwrap());
        assert_eq!(t, time_of(Some(&Value::from("1732600000000"))).unwrap(), "HubSpot sends strings");
        assert_eq!(t, time_of(Some(&Value::from("2024-11-26T05:46:40Z"))).unwrap());
        assert_eq!(t, time_of(Some(&Value::from("2024-11-26 05:46:40"))).unwrap(), "Pipedrive v1");
        assert_eq!(flag_of(Some(&Value::from("true"))), Some(true));
        assert_eq!(text_of(Some(&Value::from("  "))), None);
    }
}

//! Reading the fields of one message: required fields named in their errors, and the
//! parsers of the value kinds the event types share (money, enums, periods, timestamps).

use chrono::{DateTime, Timelike, Utc};

use crate::error::DecodeError;
use crate::model::{Currency, Money};
use crate::period::Period;
use crate::validate;
use crate::wire::Wire;

/// The wire fields of one message, with the event type its errors name.
pub(super) struct Fields<'a> {
    pub w: Wire<'a>,
    pub ty: &'static str,
}

/// Builds "missing field" errors for one event type; `Copy`, so it borrows nothing.
#[derive(Clone, Copy)]
pub(super) struct Need(pub &'static str);

impl Need {
    pub fn missing(self, field: &'static str) -> DecodeError {
        DecodeError::MissingField { field, event_type: self.0 }
    }

    pub fn req<T>(self, v: Option<T>, field: &'static str) -> Result<T, DecodeError> {
        v.ok_or_else(|| self.missing(field))
    }
}

impl Fields<'_> {
    pub fn missing(&self, field: &'static str) -> DecodeError {
        Need(self.ty).missing(field)
    }

    /// `amount` (or `mrr`) with its `currency`; `None` only when both are absent and the
    /// amount is optional.
    pub fn money(&mut self, field: &'static str, required: bool) -> Result<Option<Money>, DecodeError> {
        let amount = if field == "mrr" { self.w.mrr } else { self.w.amount };
        match (amount, self.w.currency.take()) {
            // A currency alone says nothing (checked as a code all the same).
            (None, Some(c)) if !required => currency(&c).map(|_| None),
            (None, None) if !required => Ok(None),
            (None, _) => Err(self.missing(field)),
            (Some(_), None) => Err(self.missing("currency")),
            (Some(a), Some(c)) => {
                let amount = validate::amount(a).map_err(|e| invalid(field, e))?;
                Ok(Some(Money { amount, currency: currency(&c)? }))
            }
        }
    }

    /// A required amount: `amount` (or `mrr`) and `currency`.
    pub fn required_money(&mut self, field: &'static str) -> Result<Money, DecodeError> {
        self.money(field, true)?.ok_or_else(|| self.missing(field))
    }
}

pub(super) fn invalid(field: &'static str, detail: String) -> DecodeError {
    DecodeError::InvalidValue { field, detail }
}

pub(super) fn currency(code: &str) -> Result<Currency, DecodeError> {
    Currency::parse(code)
        .ok_or_else(|| invalid("currency", format!("{code:?} is not an ISO 4217 code (three capital letters)")))
}

pub(super) fn one_of<T>(
    field: &'static str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<T, DecodeError> {
    parse(text).ok_or_else(|| invalid(field, format!("{text:?} is not one of: {}", expected.trim_end())))
}

/// An optional probability, in 0..1 when present.
pub(super) fn probability(v: Option<f64>) -> Result<Option<f64>, DecodeError> {
    v.map(validate::unit_interval).transpose().map_err(|e| invalid("probability", e))
}

pub(super) fn integer_score(v: f64, lo: u8, hi: u8) -> Result<u8, DecodeError> {
    if v.fract() != 0.0 || v < f64::from(lo) || v > f64::from(hi) {
        return Err(invalid("score", format!("{v} is not an integer in {lo}..{hi}")));
    }
    Ok(v as u8)
}

pub(super) fn period(text: &str) -> Result<Period, DecodeError> {
    Period::parse(text).ok_or_else(|| invalid("period", format!("{text:?} is not YYYY, YYYY-MM or YYYY-Qn")))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T` and `Z` in either case: the
/// shape RFC 3339 and the JSON Schema give a timestamp. chrono alone also takes a space
/// for the `T` and a U+2212 minus; it checks the ranges and the calendar after this.
fn rfc3339_shape(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let fixed = digits(0..4)
        && at(4, b"-")
        && digits(5..7)
        && at(7, b"-")
        && digits(8..10)
        && at(10, b"Tt")
        && digits(11..13)
        && at(13, b":")
        && digits(14..16)
        && at(16, b":")
        && digits(17..19);
    if !fixed {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        let start = i + 1;
        i = start + b[start..].iter().take_while(|d| d.is_ascii_digit()).count();
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', rest @ ..] => rest.len() == 5 && digits(i + 1..i + 3) && at(i + 3, b":") && digits(i + 4..i + 6),
        _ => false,
    }
}

pub(super) fn timestamp(text: &str) -> Result<DateTime<Utc>, DecodeError> {
    if !rfc3339_shape(text) {
        return Err(invalid(
            "occurred_at",
            format!("{text:?} is not an RFC 3339 timestamp with offset (YYYY-MM-DDTHH:MM:SSZ or +HH:MM)"),
        ));
    }
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|e| invalid("occurred_at", format!("{text:?} is not an RFC 3339 timestamp with offset ({e})")))?;
    // A leap second (`:60`) is only ever inserted at 23:59:60 UTC; the contract takes it
    // written so (`Z` or a zero offset), as the JSON Schema does.
    let leap = t.nanosecond() >= 1_000_000_000;
    let utc_midnight = (t.hour(), t.minute(), t.second()) == (23, 59, 59) && t.offset().local_minus_utc() == 0;
    if leap && !utc_midnight {
        return Err(invalid("occurred_at", format!("{text:?} has a leap second that is not 23:59:60Z")));
    }
    Ok(t.with_timezone(&Utc))
}

//! The rules every field obeys whatever the event type, as the JSON Schema's top-level
//! `properties` state them: a field an event type does not read is still checked, so the
//! decoder and the schema give every document the same verdict.

use crate::error::DecodeError;
use crate::model::*;
use crate::validate;
use crate::wire::Wire;

use super::fields::invalid;

/// Longest id (`event_id`, `rep_id`, `team_id`, `deal_id`, `stage`...), in characters.
/// Ids become label values and state keys.
pub const MAX_ID_CHARS: usize = 128;

/// An id: 1 to [`MAX_ID_CHARS`] characters, none of them a control character.
pub(super) fn id(field: &'static str, v: &str) -> Result<(), DecodeError> {
    // Most ids are short ASCII: one pass over the bytes.
    let ascii_ok = v.len() <= MAX_ID_CHARS && v.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ascii_ok && !v.is_empty() {
        return Ok(());
    }
    let chars = v.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS {
        return Err(invalid(field, format!("length {chars} is outside 1..{MAX_ID_CHARS}")));
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(invalid(field, format!("holds the control character U+{:04X}", u32::from(c))));
    }
    Ok(())
}

fn enumerated<T>(
    field: &'static str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<(), DecodeError> {
    match v {
        Some(text) => super::fields::one_of(field, text, parse, expected).map(|_| ()),
        None => Ok(()),
    }
}

fn number(field: &'static str, v: Option<f64>, rule: fn(f64) -> Result<f64, String>) -> Result<(), DecodeError> {
    v.map(rule).transpose().map(|_| ()).map_err(|e| invalid(field, e))
}

/// Checks every present field of `w` against its own rule.
pub(super) fn fields(w: &Wire) -> Result<(), DecodeError> {
    let ids = [
        ("event_id", &w.event_id),
        ("rep_id", &w.rep_id),
        ("team_id", &w.team_id),
        ("account_id", &w.account_id),
        ("activity_id", &w.activity_id),
        ("lead_id", &w.lead_id),
        ("deal_id", &w.deal_id),
        ("stage", &w.stage),
        ("response_id", &w.response_id),
        ("course_id", &w.course_id),
    ];
    for (field, v) in ids {
        if let Some(v) = v {
            id(field, v)?;
        }
    }
    if let Some(t) = &w.occurred_at {
        super::fields::timestamp(t)?;
    }
    if let Some(v) = w.schema_version.filter(|v| *v != 1) {
        return Err(DecodeError::UnsupportedVersion { version: v });
    }
    enumerated("kind", w.kind.as_deref(), ActivityKind::parse, ActivityKind::expected())?;
    enumerated("direction", w.direction.as_deref(), Direction::parse, Direction::expected())?;
    enumerated("action", w.action.as_deref(), SocialAction::parse, SocialAction::expected())?;
    enumerated("deal_type", w.deal_type.as_deref(), DealType::parse, DealType::expected())?;
    enumerated("outcome", w.outcome.as_deref(), Outcome::parse, Outcome::expected())?;
    enumerated("status", w.status.as_deref(), CustomerStatus::parse, CustomerStatus::expected())?;
    enumerated("survey", w.survey.as_deref(), SurveyKind::parse, SurveyKind::expected())?;
    enumerated("category", w.category.as_deref(), SpendCategory::parse, SpendCategory::expected())?;
    if let Some(c) = &w.currency {
        super::fields::currency(c)?;
    }
    if let Some(p) = &w.period {
        super::fields::period(p)?;
    }
    number("amount", w.amount, validate::amount)?;
    number("mrr", w.mrr, validate::amount)?;
    number("duration_s", w.duration_s, validate::duration)?;
    number("probability", w.probability, validate::unit_interval)?;
    number("rate", w.rate, validate::rate)?;
    if let Some(m) = w.scale_max.filter(|m| !(2..=100).contains(m)) {
        return Err(invalid("scale_max", format!("{m} is outside 2..100")));
    }
    Ok(())
}

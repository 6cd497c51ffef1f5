//! Calls, emails, meetings, notes and tasks: their properties, one change at a time.
//! Done means: a call `COMPLETED`; an email sent (any email not `SCHEDULED`, `SENDING`,
//! `FAILED` or `BOUNCED`); a meeting `COMPLETED`, or past its end time unless cancelled
//! or a no-show; a task `COMPLETED`, of type `CALL`, `EMAIL` or `LINKED_IN` (a to-do is not
//! a touch); a note when written. Direction: `hs_call_direction`, `hs_email_direction`.

use salespulse_events::{ActivityKind, Direction};

use crate::mapped::Mapped;
use crate::records::{Kind, Known, record_key};
use crate::values::{id_of, number_of, text_of, time_of};

use super::hook::{Hook, Object, SOURCE};

pub(super) fn map(h: &Hook<'_>, known: &mut Known, mapped: &mut Mapped) {
    let r = known.entry(&record_key(SOURCE, Kind::Activity, &h.id));
    let field = if h.property.is_empty() { h.action } else { h.property };
    if !r.fresh(field, h.ms()) {
        mapped.ignored += 1;
        return;
    }
    let a = &mut r.activity;
    let text = text_of(h.value);
    let ms = || time_of(h.value).map(|t| t.timestamp_millis());
    match (h.action, h.property) {
        ("creation", _) => {
            a.kind = match h.object {
                Object::Call => Some(ActivityKind::Call),
                Object::Email => Some(ActivityKind::Email),
                Object::Meeting => Some(ActivityKind::Meeting),
                Object::Note => Some(ActivityKind::Note),
                _ => a.kind,
            };
            a.done |= matches!(h.object, Object::Email | Object::Note);
            a.at = a.at.or(Some(h.ms()));
        }
        ("deletion", _) => a.void = true,
        ("propertyChange", "hubspot_owner_id") => r.owner = id_of(h.value),
        ("propertyChange", "hs_timestamp" | "hs_meeting_start_time") => a.at = ms().or(a.at),
        ("propertyChange", "hs_meeting_end_time") => a.ends = ms(),
        ("propertyChange", "hs_call_direction" | "hs_email_direction") => {
            a.direction = match text {
                Some("INBOUND" | "INCOMING_EMAIL") => Some(Direction::Inbound),
                Some(_) => Some(Direction::Outbound),
                None => None,
            }
        }
        ("propertyChange", "hs_call_status" | "hs_task_status") => a.done = text == Some("COMPLETED"),
        ("propertyChange", "hs_email_status") => {
            a.done = !matches!(text, Some("SCHEDULED" | "SENDING" | "FAILED" | "BOUNCED"))
        }
        ("propertyChange", "hs_meeting_outcome") => {
            a.done = text == Some("COMPLETED");
            a.void = matches!(text, Some("CANCELED" | "NO_SHOW"));
        }
        ("propertyChange", "hs_call_duration") => a.duration_s = number_of(h.value).map(|ms| ms / 1000.0),
        ("propertyChange", "hs_task_type") => {
            a.kind = match text {
                Some("CALL") => Some(ActivityKind::Call),
                Some("EMAIL") => Some(ActivityKind::Email),
                Some("LINKED_IN") => Some(ActivityKind::LinkedinMessage),
                _ => None,
            }
        }
        ("propertyChange", "hs_task_completion_date") => a.at = ms().or(a.at),
        _ => mapped.ignored += 1,
    }
}

//! Tasks and events: activities, counted once done. A task is done when it is closed
//! (`IsClosed`, or `Status` `Completed`), at its `CompletedDateTime`; an event (a meeting)
//! once its `EndDateTime` has passed, at its start. `TaskSubtype` (else `Type`) gives the
//! kind, `CallType` a call's direction (an internal call is not a customer touch); the
//! lead it touches is its `WhoId` when that is a lead (`00Q…`), the deal its `WhatId`
//! when that is an opportunity (`006…`).

use salespulse_events::{ActivityKind, Direction};

use crate::activities::count_if_ready;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, record_key};
use crate::tables::Tables;
use crate::values::{number_of, time_of};

use super::change::{Change, SOURCE};

pub(super) fn map(e: &Change<'_>, entity: &str, id: &str, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let r = known.entry(&record_key(SOURCE, Kind::Activity, id));
    if e.change == "DELETE" {
        r.activity.void = true;
        mapped.ignored += 1;
        return;
    }
    let ms = e.ms();
    let mut fresh = |field: &str| r.fresh(field, ms);
    let owner = e.id("OwnerId").filter(|_| fresh("OwnerId"));
    let account = e.id("AccountId").filter(|_| fresh("AccountId"));
    let who = e.field("WhoId").filter(|_| fresh("WhoId"));
    let what = e.field("WhatId").filter(|_| fresh("WhatId"));
    let a = &mut r.activity;
    if let Some(who) = who {
        a.lead = who.and_then(|v| crate::values::id_of(Some(v))).filter(|w| w.starts_with("00Q"));
    }
    if let Some(what) = what {
        a.deal = what.and_then(|v| crate::values::id_of(Some(v))).filter(|w| w.starts_with("006"));
    }
    if entity == "Event" {
        event_fields(e, a);
    } else {
        task_fields(e, a);
    }
    if owner.is_some() {
        r.owner = owner;
    }
    if account.is_some() {
        r.account = account;
    }
    if !count_if_ready(SOURCE, id, e.at, known, t, mapped) {
        mapped.ignored += 1;
    }
}

/// A task: its kind, direction, completion and duration.
fn task_fields(e: &Change<'_>, a: &mut crate::records::ActivityFacts) {
    let kind = e.text("TaskSubtype").and_then(task_kind).or_else(|| e.text("Type").and_then(task_kind));
    if kind.is_some() {
        a.kind = kind;
    }
    match e.text("CallType") {
        Some("Inbound") => a.direction = Some(Direction::Inbound),
        Some("Outbound") => a.direction = Some(Direction::Outbound),
        Some("Internal") => a.void = true,
        _ => {}
    }
    let closed = e.flag("IsClosed").or_else(|| e.text("Status").map(|s| s == "Completed"));
    if let Some(closed) = closed {
        a.done = closed;
    }
    if let Some(t) = time_of(e.field("CompletedDateTime").flatten()) {
        a.at = Some(t.timestamp_millis());
    }
    if let Some(d) = e.field("CallDurationInSeconds").flatten().and_then(|v| number_of(Some(v))) {
        a.duration_s = Some(d);
    }
}

/// An event: a meeting (a demo when its `Type` says so) that counts once it has ended.
fn event_fields(e: &Change<'_>, a: &mut crate::records::ActivityFacts) {
    if let Some(kind) = e.text("Type") {
        a.kind = Some(if kind == "Demo" { ActivityKind::Demo } else { ActivityKind::Meeting });
    } else if a.kind.is_none() {
        a.kind = Some(ActivityKind::Meeting);
    }
    let start = time_of(e.field("StartDateTime").flatten()).or_else(|| time_of(e.field("ActivityDateTime").flatten()));
    if let Some(start) = start {
        a.at = Some(start.timestamp_millis());
    }
    let minutes = e.field("DurationInMinutes").flatten().and_then(|v| number_of(Some(v)));
    if let Some(m) = minutes {
        a.duration_s = Some(m * 60.0);
    }
    let end = time_of(e.field("EndDateTime").flatten()).map(|t| t.timestamp_millis());
    #[allow(clippy::cast_possible_truncation, reason = "minutes of a meeting")]
    let end = end.or_else(|| Some(a.at? + (minutes? * 60_000.0) as i64));
    if let Some(end) = end {
        a.ends = Some(end);
        a.done = end <= e.ms();
    }
}

fn task_kind(s: &str) -> Option<ActivityKind> {
    Some(match s {
        "Call" => ActivityKind::Call,
        "Email" | "ListEmail" => ActivityKind::Email,
        "LinkedIn" => ActivityKind::LinkedinMessage,
        "Meeting" => ActivityKind::Meeting,
        "Demo" => ActivityKind::Demo,
        _ => return None,
    })
}

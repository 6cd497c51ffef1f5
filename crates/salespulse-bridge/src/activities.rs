//! Activities (calls, emails, meetings, notes...) from any CRM: each counts once, as one
//! `activity.logged`, when it is done — a completed task, a logged call, a meeting that
//! took place — and owned by a rep; a planned one waits (and a meeting counts once its
//! end has passed: [`due`]). Its id derives from the CRM record alone, so however many
//! changes lead to it, it is one event.

use chrono::{DateTime, Utc};
use salespulse_events::{Activity, Body, Direction};

use crate::ids::new_event;
use crate::keys::route;
use crate::mapped::Mapped;
use crate::records::{Kind, Known, Record, parse_record_key, record_key};
use crate::source::Source;
use crate::tables::Tables;

/// Whether an activity has all it needs to count and has not counted yet.
fn ready(r: &Record) -> bool {
    let a = &r.activity;
    !r.announced && !a.void && a.done && a.kind.is_some() && r.owner.is_some()
}

/// Counts the activity `id` of `source` if it is ready: its event goes to `mapped`, at
/// the time it happened (else `at`, the change that made it ready). Whether it counted
/// now. An activity whose owner is not a rep never counts.
pub fn count_if_ready(
    source: Source,
    id: &str,
    at: DateTime<Utc>,
    known: &mut Known,
    t: &Tables,
    m: &mut Mapped,
) -> bool {
    let r = known.entry(&record_key(source, Kind::Activity, id));
    if !ready(r) {
        return false;
    }
    let Some(rep) = r.owner.as_deref().and_then(|o| t.rep(source, o)) else {
        r.activity.void = true;
        return false;
    };
    let a = &r.activity;
    let Some(kind) = a.kind else { return false };
    r.announced = true;
    let a = &r.activity;
    let when = a.at.and_then(DateTime::from_timestamp_millis).unwrap_or(at);
    let body = Body::ActivityLogged(Activity {
        activity_id: id.into(),
        kind,
        direction: a.direction.unwrap_or(Direction::Outbound),
        lead_id: a.lead.as_deref().map(Into::into),
        deal_id: a.deal.as_deref().map(Into::into),
        duration_s: a.duration_s.filter(|d| *d >= 0.0),
        automated: false,
    });
    let mut e = new_event(source, &["activity", id, "logged"], when, body);
    e.rep_id = Some(rep.into());
    e.account_id = r.account.as_deref().map(Into::into);
    m.out.push(route(e, source, known));
    true
}

/// Counts every planned activity of `source` whose end has passed by `now` (the bridge
/// calls it regularly).
pub fn due(now: DateTime<Utc>, source: Source, known: &mut Known, t: &Tables) -> Mapped {
    let mut m = Mapped::default();
    for key in known.due_by(now.timestamp_millis()) {
        let Some((from, Kind::Activity, id)) = parse_record_key(&key) else { continue };
        if from != source {
            continue;
        }
        let id = id.to_owned();
        known.entry(&key).activity.done = true;
        if !count_if_ready(from, &id, now, known, t, &mut m) {
            m.ignored += 1;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use salespulse_events::ActivityKind;

    use super::*;
    use crate::records::ActivityFacts;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn plan(known: &mut Known, id: &str, facts: ActivityFacts) {
        known.begin();
        let r = known.entry(&record_key(Source::Salesforce, Kind::Activity, id));
        r.owner = Some("005A".into());
        r.activity = facts;
        known.commit();
    }

    #[test]
    fn an_activity_counts_once_when_done() {
        let (mut known, t) = (Known::new(100), Tables::default());
        let call =
            ActivityFacts { kind: Some(ActivityKind::Call), lead: Some("00Q1".into()), ..ActivityFacts::default() };
        plan(&mut known, "t1", call);
        let mut m = Mapped::default();
        count_if_ready(Source::Salesforce, "t1", at(5), &mut known, &t, &mut m);
        assert!(m.out.is_empty(), "planned: not yet");
        known.entry(&record_key(Source::Salesforce, Kind::Activity, "t1")).activity.done = true;
        count_if_ready(Source::Salesforce, "t1", at(9), &mut known, &t, &mut m);
        count_if_ready(Source::Salesforce, "t1", at(10), &mut known, &t, &mut m);
        assert_eq!(m.out.len(), 1, "once");
        assert_eq!(m.out[0].key, "00Q1", "keyed by the lead it touches");
        assert_eq!(m.out[0].event.event_id, "salesforce:activity:t1:logged");
        assert_eq!(m.out[0].event.occurred_at, at(9));
    }

    #[test]
    fn a_meeting_counts_once_its_end_has_passed() {
        let (mut known, t) = (Known::new(100), Tables::default());
        let meeting = ActivityFacts {
            kind: Some(ActivityKind::Meeting),
            at: Some(1_000),
            ends: Some(2_000),
            ..ActivityFacts::default()
        };
        plan(&mut known, "e1", meeting);
        assert!(due(at(1_999), Source::Salesforce, &mut known, &t).out.is_empty());
        let m = due(at(2_000), Source::Salesforce, &mut known, &t);
        assert_eq!(m.out.len(), 1);
        assert_eq!(m.out[0].event.occurred_at, at(1_000), "when it took place");
        known.commit();
        assert!(due(at(3_000), Source::Salesforce, &mut known, &t).out.is_empty(), "once");
    }
}

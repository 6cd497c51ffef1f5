//! The one place the bridge keys what it produces: the rule of docs/events.md
//! ([`salespulse_events::Event::message_key`]), with the key each deal was first given
//! remembered in its record, so a deal whose account becomes known later, and every
//! activity about it, stay on its partition.

use salespulse_events::{Event, Subject};

use crate::mapped::{Out, Topic};
use crate::records::{Kind, Known, record_key};
use crate::source::Source;

/// `event` as a message to the events topic, keyed by the rule.
pub fn route(event: Event, source: Source, known: &mut Known) -> Out {
    let key = match event.subject() {
        Subject::Deal(deal) => {
            let record = known.entry(&record_key(source, Kind::Deal, deal));
            let key = event.message_key(record.key.as_deref()).to_owned();
            record.key.get_or_insert_with(|| key.clone());
            key
        }
        _ => event.message_key(None).to_owned(),
    };
    Out { topic: Topic::Events, key, event }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use salespulse_events::{Activity, ActivityKind, Body, Direction};

    use super::*;
    use crate::ids::new_event;

    fn at() -> chrono::DateTime<chrono::Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_deal_keeps_its_first_key_and_its_activities_follow_it() {
        let mut known = Known::new(100);
        let stage = |account: Option<&str>| {
            let mut e = new_event(
                Source::HubSpot,
                &["1"],
                at(),
                Body::DealStageChanged { deal_id: "d1".into(), stage: "s".into(), probability: None },
            );
            e.account_id = account.map(Into::into);
            e
        };
        assert_eq!(route(stage(None), Source::HubSpot, &mut known).key, "d1");
        assert_eq!(route(stage(Some("a1")), Source::HubSpot, &mut known).key, "d1", "the account learnt later");
        let call = Body::ActivityLogged(Activity {
            activity_id: "c1".into(),
            kind: ActivityKind::Call,
            direction: Direction::Outbound,
            lead_id: None,
            deal_id: Some("d1".into()),
            duration_s: None,
            automated: false,
        });
        assert_eq!(route(new_event(Source::HubSpot, &["2"], at(), call), Source::HubSpot, &mut known).key, "d1");
        assert_eq!(route(stage(Some("a1")), Source::Pipedrive, &mut known).key, "a1", "records are per source");
    }
}

//! Reference sync: the stages and owners of `[[bridge.stages]]` and `[[bridge.owners]]`,
//! published to the reference topic when the bridge starts, so the service's roster and
//! stage definitions need no separate feed. Event ids are derived from the content, so
//! publishing the same table again is a duplicate, and a changed row is a new fact.

use chrono::{DateTime, Utc};
use salespulse_events::{Body, Event, StageDefinition};

use crate::config::BridgeSection;
use crate::ids::event_id;
use crate::mapped::{Mapped, Out, Topic};

/// A reference event with its id, keyed by what it defines.
fn reference(kind: &str, content: &str, key: String, at: DateTime<Utc>, body: Body) -> Out {
    let event = Event {
        event_id: event_id("bridge", &[kind, &digest(content)]).into(),
        occurred_at: at,
        rep_id: None,
        team_id: None,
        account_id: None,
        source: Some("bridge".into()),
        body,
    };
    Out { topic: Topic::Reference, key, event }
}

/// The reference events of the configured tables, at `at`.
pub fn events(cfg: &BridgeSection, at: DateTime<Utc>) -> Mapped {
    let mut mapped = Mapped::default();
    for s in &cfg.stages {
        let name = s.name.clone().unwrap_or_else(|| s.id.clone());
        let content = format!("{name}|{}|{}|{}|{}", s.order, s.probability, s.is_closed, s.is_won);
        let def = StageDefinition {
            stage: name.clone().into(),
            order: s.order,
            probability: s.probability,
            is_closed: s.is_closed,
            is_won: s.is_won,
        };
        mapped.out.push(reference("stage", &content, name, at, Body::StageDefined(def)));
    }
    for o in cfg.owners.iter().filter(|o| o.is_rep) {
        let Some(team) = &o.team else { continue };
        let rep = o.rep.clone().unwrap_or_else(|| o.id.clone());
        let content = format!("{rep}|{team}|{}|{}", o.active, o.quota_carrying);
        let body =
            Body::RepUpdated { team_id: team.clone().into(), active: o.active, quota_carrying: o.quota_carrying };
        let mut out = reference("rep", &content, rep.clone(), at, body);
        out.event.rep_id = Some(rep.into());
        mapped.out.push(out);
    }
    mapped
}

fn digest(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{OwnerMap, StageMap};
    use crate::source::Source;

    #[test]
    fn the_tables_become_valid_reference_events_with_stable_ids() {
        let cfg = BridgeSection {
            stages: vec![StageMap {
                source: Source::HubSpot.into(),
                id: "closedwon".into(),
                name: Some("Closed Won".into()),
                order: 6,
                probability: 1.0,
                is_closed: true,
                is_won: true,
            }],
            owners: vec![OwnerMap {
                source: Source::HubSpot.into(),
                id: "101".into(),
                rep: Some("ana".into()),
                team: Some("emea".into()),
                is_rep: true,
                active: true,
                quota_carrying: true,
            }],
            ..BridgeSection::default()
        };
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut a = events(&cfg, at);
        crate::sink::validate(&mut a, 0);
        assert!(a.rejects.is_empty(), "{:?}", a.rejects);
        assert_eq!(a.out.iter().map(|o| o.event_type()).collect::<Vec<_>>(), ["stage.defined", "rep.updated"]);
        let b = events(&cfg, at + chrono::Duration::hours(1));
        assert_eq!(a.out[0].event.event_id, b.out[0].event.event_id);
        assert_eq!((a.out[0].key.as_str(), a.out[1].key.as_str()), ("Closed Won", "ana"));
    }
}

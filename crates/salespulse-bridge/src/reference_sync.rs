//! Reference sync: the stages and owners of `[[bridge.stages]]` and `[[bridge.owners]]`,
//! published to the reference topic when the bridge starts, so the service's roster and
//! stage definitions need no separate feed. Event ids are derived from the content, so
//! publishing the same table again is a duplicate, and a changed row is a new fact.

use chrono::{DateTime, Utc};

use crate::canonical::{Canon, Topic};
use crate::config::BridgeConfig;
use crate::mapping::Mapped;

/// The reference events of the configured tables, at `at`.
pub fn events(cfg: &BridgeConfig, at: DateTime<Utc>) -> Mapped {
    let mut mapped = Mapped::default();
    for s in &cfg.stages {
        let name = s.name.clone().unwrap_or_else(|| s.id.clone());
        let content = format!("{name}|{}|{}|{}|{}", s.order, s.probability, s.is_closed, s.is_won);
        let canon = Canon::new("bridge", &["stage", &digest(&content)], "stage.defined", at)
            .set("stage", Some(name))
            .set("order", Some(s.order))
            .set("probability", Some(s.probability))
            .set("is_closed", Some(s.is_closed))
            .set("is_won", Some(s.is_won));
        mapped.out.push(canon.to(Topic::Reference));
    }
    for o in &cfg.owners {
        let Some(team) = &o.team else { continue };
        let rep = o.rep.clone().unwrap_or_else(|| o.id.clone());
        let content = format!("{rep}|{team}|{}|{}", o.active, o.quota_carrying);
        let canon = Canon::new("bridge", &["rep", &digest(&content)], "rep.updated", at)
            .set("rep_id", Some(rep))
            .set("team_id", Some(team.as_str()))
            .set("active", Some(o.active))
            .set("quota_carrying", Some(o.quota_carrying));
        mapped.out.push(canon.to(Topic::Reference));
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

    #[test]
    fn the_tables_become_valid_reference_events_with_stable_ids() {
        let cfg = BridgeConfig {
            stages: vec![StageMap {
                source: "hubspot".into(),
                id: "closedwon".into(),
                name: Some("Closed Won".into()),
                order: 6,
                probability: 1.0,
                is_closed: true,
                is_won: true,
            }],
            owners: vec![OwnerMap {
                source: "hubspot".into(),
                id: "101".into(),
                rep: Some("ana".into()),
                team: Some("emea".into()),
                active: true,
                quota_carrying: true,
            }],
            ..BridgeConfig::default()
        };
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut a = events(&cfg, at);
        crate::sink::validate(&mut a, 0);
        assert!(a.rejects.is_empty(), "{:?}", a.rejects);
        assert_eq!(a.out.iter().map(|o| o.event_type()).collect::<Vec<_>>(), ["stage.defined", "rep.updated"]);
        let b = events(&cfg, at + chrono::Duration::hours(1));
        assert_eq!(a.out[0].event["event_id"], b.out[0].event["event_id"]);
    }
}

//! The configured tables a mapping looks CRM values up in: stages (`[[bridge.stages]]`)
//! and owners (`[[bridge.owners]]`), by source and CRM id; what an unknown stage becomes;
//! the currency of amounts sent without one.

use std::collections::HashMap;

use salespulse_events::Currency;

use crate::config::{BridgeSection, OwnerMap, StageMap, UnmappedStage};
use crate::source::Source;

/// A CRM stage as the events carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    /// The configured probability (none for a raw id kept by `unmapped_stage = "keep"`).
    pub probability: Option<f64>,
}

/// The tables of one bridge.
#[derive(Debug, Clone)]
pub struct Tables {
    stages: HashMap<(Source, String), StageMap>,
    owners: HashMap<(Source, String), OwnerMap>,
    pub unmapped_stage: UnmappedStage,
    pub default_currency: Currency,
}

impl Default for Tables {
    fn default() -> Tables {
        Tables::new(&BridgeSection::default())
    }
}

impl Tables {
    pub fn new(cfg: &BridgeSection) -> Tables {
        Tables {
            stages: cfg.stages.iter().filter_map(|s| Some(((s.source.source()?, s.id.clone()), s.clone()))).collect(),
            owners: cfg.owners.iter().filter_map(|o| Some(((o.source.source()?, o.id.clone()), o.clone()))).collect(),
            unmapped_stage: cfg.unmapped_stage,
            // `check` refuses a code that is not one; USD is the default's default.
            default_currency: Currency::parse(&cfg.default_currency).unwrap_or(Currency::USD),
        }
    }

    /// The canonical stage of a CRM stage id; `None` when it is not configured and
    /// unknown stages are dead-lettered (the default).
    pub fn stage(&self, source: Source, id: &str) -> Option<Stage> {
        match self.stages.get(&(source, id.to_owned())) {
            Some(s) => {
                Some(Stage { name: s.name.clone().unwrap_or_else(|| id.to_owned()), probability: Some(s.probability) })
            }
            None if self.unmapped_stage == UnmappedStage::Keep => {
                Some(Stage { name: id.to_owned(), probability: None })
            }
            None => None,
        }
    }

    /// The rep a CRM owner is: the configured rep, else the owner id itself; `None` for an
    /// owner configured as not a rep (a queue, a shared inbox, an admin user).
    pub fn rep(&self, source: Source, owner: &str) -> Option<String> {
        match self.owners.get(&(source, owner.to_owned())) {
            Some(o) if !o.is_rep => None,
            Some(o) => Some(o.rep.clone().unwrap_or_else(|| owner.to_owned())),
            None => Some(owner.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(unmapped_stage: UnmappedStage) -> BridgeSection {
        let toml = r#"
            [[stages]]
            source = "hubspot"
            id = "closedwon"
            name = "Won"
            order = 9
            probability = 1.0
            is_closed = true
            is_won = true

            [[owners]]
            source = "hubspot"
            id = "1"
            rep = "ana"

            [[owners]]
            source = "hubspot"
            id = "2"
            is_rep = false
        "#;
        BridgeSection { unmapped_stage, ..toml::from_str(toml).unwrap() }
    }

    #[test]
    fn stages_are_configured_or_dead_lettered_unless_raw_ids_are_kept() {
        let t = Tables::new(&cfg(UnmappedStage::DeadLetter));
        assert_eq!(t.stage(Source::HubSpot, "closedwon"), Some(Stage { name: "Won".into(), probability: Some(1.0) }));
        assert_eq!(t.stage(Source::Pipedrive, "closedwon"), None, "stages are per source");
        assert_eq!(t.stage(Source::HubSpot, "164"), None);
        let keep = Tables::new(&cfg(UnmappedStage::Keep));
        assert_eq!(keep.stage(Source::HubSpot, "164"), Some(Stage { name: "164".into(), probability: None }));
    }

    #[test]
    fn owners_are_reps_unless_said_otherwise() {
        let t = Tables::new(&cfg(UnmappedStage::DeadLetter));
        assert_eq!(t.rep(Source::HubSpot, "1").as_deref(), Some("ana"));
        assert_eq!(t.rep(Source::HubSpot, "2"), None, "a queue is not a rep");
        assert_eq!(t.rep(Source::HubSpot, "3").as_deref(), Some("3"), "an unconfigured owner is its id");
    }
}

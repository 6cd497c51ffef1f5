//! The CRMs the bridge reads: one name per CRM, from the configuration to the `source`
//! label of every series and the `source` field of every event.

use serde::{Deserialize, Serialize};

/// A CRM the bridge maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Salesforce,
    HubSpot,
    Pipedrive,
}

impl Source {
    /// Every source, in the order the docs list them.
    pub const ALL: [Source; 3] = [Source::Salesforce, Source::HubSpot, Source::Pipedrive];

    /// The source of a name.
    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The name in configuration files, labels and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Salesforce => "salesforce",
            Source::HubSpot => "hubspot",
            Source::Pipedrive => "pipedrive",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_serde_name() {
        for s in Source::ALL {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(text, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Source>(&text).unwrap(), s);
        }
    }
}

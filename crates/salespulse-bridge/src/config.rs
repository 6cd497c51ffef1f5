//! `[bridge]`: what `salespulse bridge` listens to and how CRM values map to the
//! canonical contract. Every problem is listed at once by [`BridgeSection::check`].

use std::net::SocketAddr;
use std::time::Duration;

use salespulse_store::StoreUrl;
use serde::{Deserialize, Serialize};

use crate::source::Source;

/// The `[bridge]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgeSection {
    /// HTTP listen address of the webhook receiver and the bridge's own `/metrics`.
    pub listen: SocketAddr,
    /// Largest webhook body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// A webhook whose events are not acknowledged by Kafka within this time gets 503, so
    /// the CRM sends it again before its own timeout (HubSpot waits 5 s).
    #[serde(with = "humantime_serde")]
    pub answer_within: Duration,
    /// Records (deals, leads) whose last known fields are kept; the least recently
    /// changed are forgotten beyond it.
    pub max_records: usize,
    /// Where the bridge keeps its state: `file://DIR` or `kafka://TOPIC` (the snapshot
    /// store of the service; its own key).
    pub state_store: StoreUrl,
    /// Currency of amounts a CRM sends without one.
    pub default_currency: String,
    /// What a deal in a stage `[[bridge.stages]]` does not list becomes:
    /// `"dead_letter"` (the change goes to the dead-letter topic as `unmapped_stage`) or
    /// `"keep"` (the stage is named by its raw CRM id).
    pub unmapped_stage: UnmappedStage,
    pub salesforce: SalesforceSection,
    /// `[bridge.hubspot]`: set, HubSpot is on (and needs its app secret).
    pub hubspot: Option<HubSpotSection>,
    /// `[bridge.pipedrive]`: set, Pipedrive is on (and needs its user and password).
    pub pipedrive: Option<PipedriveSection>,
    /// CRM stage ids and their canonical definitions (published to the reference topic).
    pub stages: Vec<StageMap>,
    /// CRM owner ids and the rep (and team) they are (published to the reference topic).
    pub owners: Vec<OwnerMap>,
}

impl Default for BridgeSection {
    fn default() -> BridgeSection {
        BridgeSection {
            listen: SocketAddr::from(([0, 0, 0, 0], 9465)),
            max_body_bytes: 1024 * 1024,
            answer_within: Duration::from_secs(4),
            max_records: 1_000_000,
            state_store: StoreUrl::File("./salespulse-bridge-state".into()),
            default_currency: "USD".into(),
            unmapped_stage: UnmappedStage::DeadLetter,
            salesforce: SalesforceSection::default(),
            hubspot: None,
            pipedrive: None,
            stages: Vec::new(),
            owners: Vec::new(),
        }
    }
}

/// The CRM a table row is for, as written: a source, or a name that is none (which
/// [`BridgeSection::check`] reports with the other problems, rather than the file failing
/// to parse on it alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceName {
    Known(Source),
    Unknown(String),
}

impl SourceName {
    pub fn source(&self) -> Option<Source> {
        match self {
            SourceName::Known(s) => Some(*s),
            SourceName::Unknown(_) => None,
        }
    }

    fn problem(&self, at: &str) -> Option<String> {
        let SourceName::Unknown(name) = self else { return None };
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
        Some(format!("{at}.source: {name:?} is not one of {names:?}"))
    }
}

impl<'de> Deserialize<'de> for SourceName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SourceName, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Source::parse(&name).map_or(SourceName::Unknown(name), SourceName::Known))
    }
}

impl Serialize for SourceName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SourceName::Known(source) => s.serialize_str(source.as_str()),
            SourceName::Unknown(name) => s.serialize_str(name),
        }
    }
}

impl From<Source> for SourceName {
    fn from(s: Source) -> SourceName {
        SourceName::Known(s)
    }
}

/// What a deal in an unknown CRM stage becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmappedStage {
    /// Dead-lettered as `unmapped_stage`, counted by source, logged: add the stage to
    /// `[[bridge.stages]]`.
    #[default]
    DeadLetter,
    /// Named by the raw CRM id, with no probability.
    Keep,
}

/// `[bridge.salesforce]`: change events written by the Kafka Connect Salesforce CDC
/// source connector (JSON).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceSection {
    /// Topics of change events; empty: Salesforce is off.
    pub topics: Vec<String>,
    /// Consumer group of the bridge on those topics.
    pub group_id: String,
}

/// The environment variable of HubSpot's app secret (or `..._FILE`).
pub const HUBSPOT_SECRET_VARIABLE: &str = "SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET";
/// The environment variable of Pipedrive's webhook password (or `..._FILE`).
pub const PIPEDRIVE_PASSWORD_VARIABLE: &str = "SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD";

/// `[bridge.hubspot]`: webhooks at `POST /webhooks/hubspot`.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubSpotSection {
    /// The app's client secret (signature v3), required. Best read from
    /// `SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET` or `..._FILE`.
    pub app_secret: String,
    /// Requests whose timestamp is older than this are refused (replays).
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
    /// The public URL the webhooks are sent to, up to the host (`https://bridge.example.com`):
    /// part of what is signed. Empty: `http://` and the request's `Host`.
    pub public_url: String,
}

impl Default for HubSpotSection {
    fn default() -> HubSpotSection {
        HubSpotSection { app_secret: String::new(), max_age: Duration::from_secs(300), public_url: String::new() }
    }
}

/// `[bridge.pipedrive]`: webhooks v2 at `POST /webhooks/pipedrive`, with basic auth.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipedriveSection {
    /// Basic-auth user set on the webhook, required.
    pub username: String,
    /// Its password, required. Best read from `SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD` or
    /// `..._FILE`.
    pub password: String,
}

/// Shows whether a secret is set, never what it is.
fn redacted(secret: &str) -> &'static str {
    if secret.is_empty() { "" } else { "<redacted>" }
}

impl std::fmt::Debug for HubSpotSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotSection")
            .field("app_secret", &redacted(&self.app_secret))
            .field("max_age", &self.max_age)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl std::fmt::Debug for PipedriveSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipedriveSection")
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .finish()
    }
}

/// One CRM stage: `id` as the CRM sends it, `name` as the events carry it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StageMap {
    pub source: SourceName,
    pub id: String,
    /// The canonical stage; the CRM id when absent.
    pub name: Option<String>,
    pub order: i64,
    pub probability: f64,
    #[serde(default)]
    pub is_closed: bool,
    #[serde(default)]
    pub is_won: bool,
}

/// One CRM owner (user id) and the rep it is.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerMap {
    pub source: SourceName,
    pub id: String,
    /// The canonical rep id; the CRM id when absent.
    pub rep: Option<String>,
    /// When set, the bridge publishes the rep to the roster with this team.
    pub team: Option<String>,
    /// `false`: a queue, a shared inbox or an admin user, not a rep: its deals wait for a
    /// rep, its leads are unassigned, its activities are not counted.
    #[serde(default = "yes")]
    pub is_rep: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub quota_carrying: bool,
}

fn yes() -> bool {
    true
}

impl BridgeSection {
    /// Every problem of the section, each naming its key.
    pub fn check(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.answer_within.is_zero() {
            errors.push("bridge.answer_within: must be above 0".into());
        }
        if self.max_body_bytes == 0 {
            errors.push("bridge.max_body_bytes: must be above 0".into());
        }
        if self.max_records == 0 {
            errors.push("bridge.max_records: must be above 0".into());
        }
        if salespulse_events::Currency::parse(&self.default_currency).is_none() {
            errors.push(format!("bridge.default_currency: {:?} is not an ISO 4217 code", self.default_currency));
        }
        if !self.salesforce.topics.is_empty() && self.salesforce.group_id.is_empty() {
            errors.push("bridge.salesforce.group_id: required when topics are set".into());
        }
        if let Some(h) = &self.hubspot {
            let scheme = h.public_url.split_once("://").map(|(s, _)| s);
            if !h.public_url.is_empty() && !matches!(scheme, Some("http" | "https")) {
                errors.push(format!("bridge.hubspot.public_url: {:?} is not an http:// or https:// URL", h.public_url));
            }
        }
        if let Some(p) = &self.pipedrive
            && p.username.is_empty()
        {
            errors.push("bridge.pipedrive.username: required when [bridge.pipedrive] is set".into());
        }
        for (i, s) in self.stages.iter().enumerate() {
            errors.extend(s.source.problem(&format!("bridge.stages[{i}]")));
            if !(0.0..=1.0).contains(&s.probability) {
                errors.push(format!("bridge.stages[{i}].probability: {} is not within 0 to 1", s.probability));
            }
            if s.is_won && !s.is_closed {
                errors.push(format!("bridge.stages[{i}]: a won stage is closed (is_closed = true)"));
            }
        }
        for (i, o) in self.owners.iter().enumerate() {
            errors.extend(o.source.problem(&format!("bridge.owners[{i}]")));
            if !o.is_rep && (o.rep.is_some() || o.team.is_some()) {
                errors.push(format!("bridge.owners[{i}]: an owner that is not a rep has no rep or team"));
            }
        }
        errors
    }

    /// Every secret a source that is on lacks, naming the setting and its environment
    /// variable (checked by `salespulse bridge` and `salespulse check`, not by the service,
    /// which shares the file but not the bridge's secrets).
    pub fn check_secrets(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.hubspot.as_ref().is_some_and(|h| h.app_secret.is_empty()) {
            errors.push(format!(
                "bridge.hubspot.app_secret: required when [bridge.hubspot] is set (HubSpot does not retry a \
                 refused webhook): set {HUBSPOT_SECRET_VARIABLE} or {HUBSPOT_SECRET_VARIABLE}_FILE"
            ));
        }
        if self.pipedrive.as_ref().is_some_and(|p| p.password.is_empty()) {
            errors.push(format!(
                "bridge.pipedrive.password: required when [bridge.pipedrive] is set: set \
                 {PIPEDRIVE_PASSWORD_VARIABLE} or {PIPEDRIVE_PASSWORD_VARIABLE}_FILE"
            ));
        }
        errors
    }

    /// How long a webhook may wait for Kafka.
    pub fn answer_within(&self) -> Duration {
        self.answer_within
    }

    /// The oldest signed HubSpot request accepted.
    pub fn hubspot_max_age(&self) -> Duration {
        self.hubspot.as_ref().map_or(HubSpotSection::default().max_age, |h| h.max_age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let cfg = BridgeSection {
            hubspot: Some(HubSpotSection { app_secret: "hs-very-secret".into(), ..HubSpotSection::default() }),
            pipedrive: Some(PipedriveSection { username: "pd".into(), password: "pd-very-secret".into() }),
            ..BridgeSection::default()
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn every_problem_is_listed() {
        // An address, a duration or a store URL of the wrong form is refused when read
        // (with its line); what is left is checked here.
        let mut cfg = BridgeSection {
            answer_within: Duration::ZERO,
            pipedrive: Some(PipedriveSection::default()),
            hubspot: Some(HubSpotSection { public_url: "ftp://x".into(), ..HubSpotSection::default() }),
            ..BridgeSection::default()
        };
        cfg.stages.push(StageMap {
            source: SourceName::Unknown("zoho".into()),
            id: "s".into(),
            name: None,
            order: 1,
            probability: 2.0,
            is_closed: false,
            is_won: true,
        });
        let errors = cfg.check();
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(errors.iter().any(|e| e.starts_with("bridge.stages[0].source: \"zoho\"")), "{errors:#?}");
        let secrets = cfg.check_secrets();
        assert_eq!(secrets.len(), 2, "{secrets:#?}");
        assert!(secrets[0].contains("SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET_FILE"), "{secrets:?}");
        assert!(secrets[1].contains("SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD"), "{secrets:?}");
    }
}

//! `[bridge]`: what `salespulse bridge` listens to and how CRM values map to the
//! canonical contract. Every problem is listed at once by [`BridgeConfig::check`].

use std::time::Duration;

use serde::Deserialize;

/// The `[bridge]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgeConfig {
    /// HTTP listen address of the webhook receiver and the bridge's own `/metrics`.
    pub listen: String,
    /// Largest webhook body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// A webhook whose events are not acknowledged by Kafka within this time gets 503, so
    /// the CRM sends it again before its own timeout (HubSpot waits 5 s).
    pub answer_within: String,
    /// Records (deals, leads) whose last known fields are kept; the least recently
    /// changed are forgotten beyond it.
    pub max_records: usize,
    /// Where the bridge keeps its state: `file://DIR` or `kafka://TOPIC` (the snapshot
    /// store of the service; its own key).
    pub state_store: String,
    /// Currency of amounts a CRM sends without one.
    pub default_currency: String,
    pub salesforce: SalesforceConfig,
    pub hubspot: HubSpotConfig,
    pub pipedrive: PipedriveConfig,
    /// CRM stage ids and their canonical definitions (published to the reference topic).
    pub stages: Vec<StageMap>,
    /// CRM owner ids and the rep (and team) they are (published to the reference topic).
    pub owners: Vec<OwnerMap>,
}

impl Default for BridgeConfig {
    fn default() -> BridgeConfig {
        BridgeConfig {
            listen: "0.0.0.0:9465".into(),
            max_body_bytes: 1024 * 1024,
            answer_within: "4s".into(),
            max_records: 1_000_000,
            state_store: "file://./salespulse-bridge-state".into(),
            default_currency: "USD".into(),
            salesforce: SalesforceConfig::default(),
            hubspot: HubSpotConfig::default(),
            pipedrive: PipedriveConfig::default(),
            stages: Vec::new(),
            owners: Vec::new(),
        }
    }
}

/// `[bridge.salesforce]`: change events written by the Kafka Connect Salesforce CDC
/// source connector (JSON).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceConfig {
    /// Topics of change events; empty: Salesforce is off.
    pub topics: Vec<String>,
    /// Consumer group of the bridge on those topics.
    pub group_id: String,
}

/// `[bridge.hubspot]`: webhooks at `POST /webhooks/hubspot`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubSpotConfig {
    /// The app's client secret (signature v3); empty: HubSpot is off. Also read from
    /// `SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET` or `..._FILE`.
    pub app_secret: String,
    /// Requests whose timestamp is older than this are refused (replays).
    pub max_age: String,
    /// The public URL the webhooks are sent to, up to the host (`https://bridge.example.com`):
    /// part of what is signed. Empty: `http://` and the request's `Host`.
    pub public_url: String,
}

impl Default for HubSpotConfig {
    fn default() -> HubSpotConfig {
        HubSpotConfig { app_secret: String::new(), max_age: "5m".into(), public_url: String::new() }
    }
}

/// `[bridge.pipedrive]`: webhooks v2 at `POST /webhooks/pipedrive`, with basic auth.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipedriveConfig {
    /// Basic-auth user set on the webhook; empty: Pipedrive is off.
    pub username: String,
    /// Its password. Also read from `SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD` or `..._FILE`.
    pub password: String,
}

/// Shows whether a secret is set, never what it is.
fn redacted(secret: &str) -> &'static str {
    if secret.is_empty() { "" } else { "<redacted>" }
}

impl std::fmt::Debug for HubSpotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotConfig")
            .field("app_secret", &redacted(&self.app_secret))
            .field("max_age", &self.max_age)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl std::fmt::Debug for PipedriveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipedriveConfig")
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .finish()
    }
}

/// One CRM stage: `id` as the CRM sends it, `name` as the events carry it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMap {
    /// `salesforce`, `hubspot` or `pipedrive`.
    pub source: String,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerMap {
    pub source: String,
    pub id: String,
    /// The canonical rep id; the CRM id when absent.
    pub rep: Option<String>,
    /// When set, the bridge publishes the rep to the roster with this team.
    pub team: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub quota_carrying: bool,
}

fn yes() -> bool {
    true
}

/// The sources a mapping entry may name.
pub const SOURCES: [&str; 3] = ["salesforce", "hubspot", "pipedrive"];

impl BridgeConfig {
    /// Every problem of the section, each naming its key.
    pub fn check(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            errors.push(format!("bridge.listen: {:?} is not an address (host:port)", self.listen));
        }
        if humantime::parse_duration(&self.answer_within).map_or(true, |d| d.is_zero()) {
            errors.push(format!("bridge.answer_within: {:?} is not a duration above 0", self.answer_within));
        }
        if self.max_body_bytes == 0 {
            errors.push("bridge.max_body_bytes: must be above 0".into());
        }
        if self.max_records == 0 {
            errors.push("bridge.max_records: must be above 0".into());
        }
        if !self.state_store.starts_with("file://") && !self.state_store.starts_with("kafka://") {
            errors.push(format!("bridge.state_store: {:?} is neither file://DIR nor kafka://TOPIC", self.state_store));
        }
        if salespulse_events::Currency::parse(&self.default_currency).is_none() {
            errors.push(format!("bridge.default_currency: {:?} is not an ISO 4217 code", self.default_currency));
        }
        if !self.salesforce.topics.is_empty() && self.salesforce.group_id.is_empty() {
            errors.push("bridge.salesforce.group_id: required when topics are set".into());
        }
        if humantime::parse_duration(&self.hubspot.max_age).is_err() {
            errors.push(format!("bridge.hubspot.max_age: {:?} is not a duration", self.hubspot.max_age));
        }
        if !self.hubspot.public_url.is_empty() && !self.hubspot.public_url.starts_with("http") {
            errors.push(format!("bridge.hubspot.public_url: {:?} is not an http(s) URL", self.hubspot.public_url));
        }
        if self.pipedrive.username.is_empty() != self.pipedrive.password.is_empty() {
            errors.push("bridge.pipedrive: username and password go together".into());
        }
        for (i, s) in self.stages.iter().enumerate() {
            if !SOURCES.contains(&s.source.as_str()) {
                errors.push(format!("bridge.stages[{i}].source: {:?} is not one of {SOURCES:?}", s.source));
            }
            if !(0.0..=1.0).contains(&s.probability) {
                errors.push(format!("bridge.stages[{i}].probability: {} is not within 0 to 1", s.probability));
            }
            if s.is_won && !s.is_closed {
                errors.push(format!("bridge.stages[{i}]: a won stage is closed (is_closed = true)"));
            }
        }
        for (i, o) in self.owners.iter().enumerate() {
            if !SOURCES.contains(&o.source.as_str()) {
                errors.push(format!("bridge.owners[{i}].source: {:?} is not one of {SOURCES:?}", o.source));
            }
        }
        errors
    }

    /// How long a webhook may wait for Kafka.
    pub fn answer_within(&self) -> Duration {
        humantime::parse_duration(&self.answer_within).unwrap_or(Duration::from_secs(4))
    }

    /// The oldest signed HubSpot request accepted.
    pub fn hubspot_max_age(&self) -> Duration {
        humantime::parse_duration(&self.hubspot.max_age).unwrap_or(Duration::from_secs(300))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut cfg = BridgeConfig::default();
        cfg.hubspot.app_secret = "hs-very-secret".into();
        cfg.pipedrive.password = "pd-very-secret".into();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn every_problem_is_listed() {
        let mut cfg = BridgeConfig { listen: "x".into(), answer_within: "soon".into(), ..BridgeConfig::default() };
        cfg.pipedrive.username = "pd".into();
        cfg.stages.push(StageMap {
            source: "zoho".into(),
            id: "s".into(),
            name: None,
            order: 1,
            probability: 2.0,
            is_closed: false,
            is_won: true,
        });
        let errors = cfg.check();
        assert_eq!(errors.len(), 6, "{errors:#?}");
    }
}

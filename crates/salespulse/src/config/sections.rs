//! The configuration file (TOML) and its defaults.
//!
//! The file is one serde tree with `deny_unknown_fields`; every field has a default that
//! runs against a broker on localhost. Values are checked all at once by `Config::check`
//! (in `settings.rs`), which lists every problem before the service refuses to start.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use salespulse_engine::EngineConfig;
use salespulse_exporter::HttpLimits;
use salespulse_store::StoreUrl;

use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kafka: KafkaSection,
    pub http: HttpSection,
    pub engine: EngineSection,
    pub state: StateSection,
    pub calendar: CalendarSection,
    pub kpis: KpisSection,
    pub reference: ReferenceSection,
    pub log: LogSection,
    pub board: BoardSection,
    /// `[bridge]`: `salespulse bridge` (CRM sources); see docs/sources.md.
    pub bridge: salespulse_bridge::BridgeSection,
}

/// `[kafka]`: where events come from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaSection {
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The events topic.
    pub topic: String,
    /// The reference-data topic, read whole before events; "" to use files only.
    pub reference_topic: String,
    /// Consumer group id; every instance of one deployment shares it.
    pub group_id: String,
    /// A static member id, one per instance and stable across its restarts (the pod name
    /// of a StatefulSet): a restart within `session.timeout.ms` moves no partition and
    /// triggers no rebalance. "" for a dynamic member.
    pub group_instance_id: String,
    /// Where rejected messages go; "" to only count and log them.
    pub dead_letter_topic: String,
    /// Messages larger than this many bytes are rejected.
    pub max_message_bytes: usize,
    /// Threads that decode and apply events, each holding a share of the partitions; 0
    /// for one per core.
    pub workers: usize,
    /// Extra librdkafka properties for every client: SASL, SSL, timeouts...
    pub properties: BTreeMap<String, String>,
    /// A `key=value` file of more librdkafka properties (credentials kept out of this
    /// file, e.g. mounted from a Kubernetes Secret); "" for none.
    pub properties_file: String,
}

impl Default for KafkaSection {
    fn default() -> KafkaSection {
        KafkaSection {
            brokers: "localhost:9092".into(),
            topic: "crm.events".into(),
            reference_topic: "crm.reference".into(),
            group_id: "salespulse".into(),
            group_instance_id: String::new(),
            dead_letter_topic: "crm.events.dlq".into(),
            max_message_bytes: 64 * 1024,
            workers: 0,
            properties: BTreeMap::new(),
            properties_file: String::new(),
        }
    }
}

/// `[http]`: the metrics and health endpoints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSection {
    /// Listen address of `/metrics`, `/healthz` and `/readyz`.
    pub listen: SocketAddr,
    /// A request's headers must arrive within this time.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A connection with no traffic for this long is closed.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// Connections served at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// TLS and basic auth, in the web configuration format of the Prometheus exporter
    /// toolkit; "" for plain HTTP without authentication.
    pub web_config_file: String,
}

impl Default for HttpSection {
    fn default() -> HttpSection {
        let limits = HttpLimits::default();
        HttpSection {
            listen: SocketAddr::from(([0, 0, 0, 0], 9898)),
            header_read_timeout: limits.header_read_timeout,
            idle_timeout: limits.idle_timeout,
            max_connections: limits.max_connections,
            web_config_file: String::new(),
        }
    }
}

/// `[engine]`: KPI computation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    /// Currency every amount is converted to (ISO 4217).
    pub base_currency: String,
    /// Starting exchange rates: units of base currency per unit of each currency.
    /// `fx.rate` events update them.
    pub fx: BTreeMap<String, f64>,
    /// How long an `event_id` is remembered for duplicate detection (e.g. "7d").
    #[serde(with = "humantime_serde")]
    pub dedup_horizon: Duration,
    /// At most this many `event_id`s are remembered per partition.
    pub dedup_max_ids: usize,
    /// Events further than this in the future are rejected (e.g. "5m").
    #[serde(with = "humantime_serde")]
    pub max_future_skew: Duration,
    /// Which rate converts an amount.
    pub fx_rates: FxRates,
    /// At most this many deals, leads and accounts held per partition; an event that would
    /// add one more is rejected (`over_budget`) and kept in the dead-letter topic.
    pub max_entities: usize,
}

impl Default for EngineSection {
    fn default() -> EngineSection {
        let engine = EngineConfig::default();
        EngineSection {
            base_currency: "EUR".into(),
            fx: BTreeMap::new(),
            dedup_horizon: duration(engine.dedup_horizon_ms),
            dedup_max_ids: engine.dedup_max_ids,
            max_future_skew: duration(engine.max_future_skew_ms),
            fx_rates: FxRates::Dated,
            max_entities: engine.max_entities,
        }
    }
}

/// `[state]`: durable state.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateSection {
    /// Where snapshots go: `file://DIR` or `kafka://TOPIC` (a compacted topic).
    pub store: StoreUrl,
    /// How often each changed partition is snapshotted; offsets are committed after.
    #[serde(with = "humantime_serde")]
    pub snapshot_interval: Duration,
    /// Where a partition without a snapshot starts.
    pub when_missing: WhenMissing,
    /// `/readyz` waits until every partition is at most this many messages behind.
    pub ready_max_lag: i64,
}

impl Default for StateSection {
    fn default() -> StateSection {
        StateSection {
            store: StoreUrl::File("state".into()),
            snapshot_interval: Duration::from_secs(30),
            when_missing: WhenMissing::Rebuild,
            ready_max_lag: 1000,
        }
    }
}

/// `[calendar]`: the calendar of `mtd`, `qtd`, `ytd`, quotas and market sizes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarSection {
    /// IANA time zone whose midnights bound months, quarters and years.
    pub time_zone: String,
    /// First month of the fiscal year, 1 (January) to 12.
    pub fiscal_year_start_month: u32,
    /// Whether fiscal year `2026` is the one that starts in 2026 or ends in it.
    pub fiscal_year_named_by: FiscalYearNamedBy,
}

impl Default for CalendarSection {
    fn default() -> CalendarSection {
        CalendarSection {
            time_zone: "UTC".into(),
            fiscal_year_start_month: 1,
            fiscal_year_named_by: FiscalYearNamedBy::Start,
        }
    }
}

/// `[kpis]`: KPI settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KpisSection {
    /// Gross margin applied to customer lifetime value, 0 to 1 (1: revenue lifetime value).
    pub gross_margin: f64,
    /// An open deal is stalled after this long in one stage...
    #[serde(with = "humantime_serde")]
    pub stalled_after: Duration,
    /// ...unless its stage has its own limit here (stage name = duration).
    pub stalled_after_by_stage: BTreeMap<String, humantime_serde::Serde<Duration>>,
    /// Also export the per-rep series (`sales_rep_*`).
    pub per_rep_series: bool,
    /// At most this many per-rep series per scrape; the rest are cut and counted.
    pub rep_series_budget: usize,
    /// At most this many distinct teams per partition from events' `team_id` (and in the
    /// roster from reference events); later ones count under `_other`.
    pub max_teams: usize,
    /// At most this many distinct stages per partition (and defined by reference events);
    /// later ones count under `_other`.
    pub max_stages: usize,
    /// At most this many distinct `rep_id`s per partition; later ones count under
    /// `_other` (team `unassigned` unless the event names its team).
    pub max_reps: usize,
}

impl Default for KpisSection {
    fn default() -> KpisSection {
        let engine = EngineConfig::default();
        KpisSection {
            gross_margin: engine.gross_margin,
            stalled_after: duration(engine.stalled_default_ms),
            stalled_after_by_stage: BTreeMap::new(),
            per_rep_series: engine.per_rep,
            rep_series_budget: engine.rep_series_budget,
            max_teams: engine.max_teams,
            max_stages: engine.max_stages,
            max_reps: engine.max_reps,
        }
    }
}

/// `[reference]`: reference data from files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferenceSection {
    /// Roster: `rep_id,team_id,active,quota_carrying` (CSV with a header, or TOML `[[reps]]`).
    pub roster_file: Option<PathBuf>,
    /// Quotas: `rep_id,period,amount,currency` (CSV, or TOML `[[quotas]]`).
    pub quotas_file: Option<PathBuf>,
    /// Stages: `stage,order,probability` (CSV, or TOML `[[stages]]`).
    pub stages_file: Option<PathBuf>,
    /// Exchange rates: `currency,rate` (CSV, or TOML `[[rates]]`).
    pub fx_file: Option<PathBuf>,
    /// How often the files are checked for changes (SIGHUP reloads at once).
    #[serde(with = "humantime_serde")]
    pub reload_interval: Duration,
    /// Load a file with no rows (removing what it held) instead of refusing it.
    pub allow_empty_files: bool,
}

impl Default for ReferenceSection {
    fn default() -> ReferenceSection {
        ReferenceSection {
            roster_file: None,
            quotas_file: None,
            stages_file: None,
            fx_file: None,
            reload_interval: Duration::from_secs(10),
            allow_empty_files: false,
        }
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    /// One line of text or one JSON object per event.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,salespulse_kafka=debug`.
    pub level: String,
    /// While catching up (a replay, a backlog), how often the messages left, the rate and
    /// an estimate are logged.
    #[serde(with = "humantime_serde")]
    pub progress_interval: Duration,
}

impl Default for LogSection {
    fn default() -> LogSection {
        LogSection { format: LogFormat::Text, level: "info".into(), progress_interval: Duration::from_secs(5) }
    }
}

/// `[board]`: the live team board (`/board`) and its JSON API (`/api/v1/`), on the
/// `[http]` listener; see docs/board.md.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoardSection {
    /// Serve the board and its API.
    pub enabled: bool,
    /// The other instances of the consumer group, as `http://host:port` (or `https://`):
    /// the board merges their parts with its own.
    pub peers: Vec<String>,
    /// Every address behind this name is an instance of the group (a headless Service),
    /// as `http://name:port`; "" for none.
    pub peer_service: String,
    /// Basic auth towards the peers: the user, and a file holding its password ("" for
    /// none).
    pub peer_username: String,
    pub peer_password_file: String,
    /// CA certificates (PEM) that sign the peers' certificates, for `https` peers.
    pub peer_ca_file: String,
    /// Board pages connected at once; more are refused (503).
    pub max_clients: usize,
    /// Updates queued for one page; a page that falls this far behind is dropped (it
    /// reconnects to the newest state).
    pub client_queue: usize,
    /// Leads waiting longer than this are shown past the SLA.
    #[serde(with = "humantime_serde")]
    pub lead_response_sla: Duration,
}

impl Default for BoardSection {
    fn default() -> BoardSection {
        let board = salespulse_board::BoardConfig::default();
        BoardSection {
            enabled: true,
            peers: Vec::new(),
            peer_service: String::new(),
            peer_username: String::new(),
            peer_password_file: String::new(),
            peer_ca_file: String::new(),
            max_clients: board.max_clients,
            client_queue: board.client_queue,
            lead_response_sla: board.lead_response_sla,
        }
    }
}

/// A duration in milliseconds (as the engine takes it) as a [`Duration`].
fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// `engine.fx_rates`: which exchange rate converts an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FxRates {
    /// An `fx.rate` applies from its `occurred_at`: a won deal converts at the rate in
    /// force at its close, open amounts at the current rate.
    Dated,
    /// Every amount converts at the latest rate.
    Latest,
}

/// `state.when_missing`: where a partition without a snapshot starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenMissing {
    /// From the earliest offset: its history is rebuilt.
    Rebuild,
    /// From the group's committed offset: its history is not rebuilt.
    Committed,
}

impl From<WhenMissing> for salespulse_kafka::Start {
    fn from(w: WhenMissing) -> salespulse_kafka::Start {
        match w {
            WhenMissing::Rebuild => salespulse_kafka::Start::Beginning,
            WhenMissing::Committed => salespulse_kafka::Start::Committed,
        }
    }
}

/// `calendar.fiscal_year_named_by`: fiscal year `2026` starts in 2026, or ends in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FiscalYearNamedBy {
    Start,
    End,
}

/// `log.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event (no colours unless stderr is a terminal).
    Text,
    /// One JSON object per event.
    Json,
}

#[cfg(test)]
mod tests {
    use super::Config;

    /// Every key path of a TOML table, `section.key`.
    fn paths(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, v) in t {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                match v {
                    toml::Value::Table(t) if !t.is_empty() => paths(v, &path, out),
                    // Empty by default (a map of rates, lists of mappings): shown as examples.
                    toml::Value::Table(_) => {}
                    toml::Value::Array(a) if a.is_empty() && prefix.starts_with("bridge") => {}
                    _ => out.push(path),
                }
            }
        }
    }

    #[test]
    fn the_file_in_docs_configuration_is_accepted_and_shows_every_setting() {
        let doc = include_str!("../../../../docs/configuration.md");
        let block = doc
            .split("## File")
            .nth(1)
            .and_then(|s| s.split("```toml\n").nth(1))
            .and_then(|s| s.split("```").next())
            .expect("the file block of docs/configuration.md");
        let shown: toml::Value = toml::from_str(block).expect("the documented file parses");
        let _: Config = toml::from_str(block).expect("the documented file is a configuration");
        let mut defaults = Vec::new();
        paths(&toml::Value::try_from(Config::default()).unwrap(), "", &mut defaults);
        let mut documented = Vec::new();
        paths(&shown, "", &mut documented);
        let missing: Vec<&String> = defaults.iter().filter(|p| !documented.contains(p)).collect();
        assert!(missing.is_empty(), "settings missing from docs/configuration.md: {missing:?}");
    }
}

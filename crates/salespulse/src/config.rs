//! The configuration file (TOML), its defaults, and its validation.
//!
//! The file is one serde tree with `deny_unknown_fields`; every field has a default that
//! runs against a broker on localhost. Values are checked all at once by [`Config::check`],
//! which lists every problem before the service refuses to start.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub kafka: Kafka,
    pub http: Http,
    pub engine: Engine,
    pub state: StateConfig,
    pub calendar: CalendarConfig,
    pub kpis: Kpis,
    pub reference: ReferenceFiles,
    pub log: Log,
}

/// `[kafka]`: where events come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Kafka {
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The events topic.
    pub topic: String,
    /// The reference-data topic, read whole before events; "" to use files only.
    pub reference_topic: String,
    /// Consumer group id; every instance of one deployment shares it.
    pub group_id: String,
    /// Where rejected messages go; "" to only count and log them.
    pub dead_letter_topic: String,
    /// Messages larger than this many bytes are rejected.
    pub max_message_bytes: usize,
    /// Extra librdkafka properties for every client: SASL, SSL, timeouts...
    pub properties: BTreeMap<String, String>,
}

impl Default for Kafka {
    fn default() -> Kafka {
        Kafka {
            brokers: "localhost:9092".into(),
            topic: "crm.events".into(),
            reference_topic: "crm.reference".into(),
            group_id: "salespulse".into(),
            dead_letter_topic: "crm.events.dlq".into(),
            max_message_bytes: 64 * 1024,
            properties: BTreeMap::new(),
        }
    }
}

/// `[http]`: the metrics and health endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// Listen address of `/metrics`, `/healthz` and `/readyz`.
    pub listen: String,
}

impl Default for Http {
    fn default() -> Http {
        Http { listen: "0.0.0.0:9898".into() }
    }
}

/// `[engine]`: KPI computation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Engine {
    /// Currency every amount is converted to (ISO 4217).
    pub base_currency: String,
    /// Starting exchange rates: units of base currency per unit of each currency.
    /// `fx.rate` events update them.
    pub fx: BTreeMap<String, f64>,
    /// How long an `event_id` is remembered for duplicate detection (e.g. "7d").
    pub dedup_horizon: String,
    /// At most this many `event_id`s are remembered per partition.
    pub dedup_max_ids: usize,
    /// Events further than this in the future are rejected (e.g. "5m").
    pub max_future_skew: String,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine {
            base_currency: "EUR".into(),
            fx: BTreeMap::new(),
            dedup_horizon: "7d".into(),
            dedup_max_ids: 1_000_000,
            max_future_skew: "5m".into(),
        }
    }
}

/// `[state]`: durable state.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// Where snapshots go: `file://DIR` or `kafka://TOPIC` (a compacted topic).
    pub store: String,
    /// How often each changed partition is snapshotted; offsets are committed after.
    pub snapshot_interval: String,
    /// Without a snapshot, a partition starts from the earliest offset ("rebuild") or
    /// from the group's committed offset ("committed": its history is not rebuilt).
    pub when_missing: String,
    /// `/readyz` waits until every partition is at most this many messages behind.
    pub ready_max_lag: i64,
}

impl Default for StateConfig {
    fn default() -> StateConfig {
        StateConfig {
            store: "file://state".into(),
            snapshot_interval: "30s".into(),
            when_missing: "rebuild".into(),
            ready_max_lag: 1000,
        }
    }
}

/// `[calendar]`: the calendar of `mtd`, `qtd`, `ytd`, quotas and market sizes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarConfig {
    /// IANA time zone whose midnights bound months, quarters and years.
    pub time_zone: String,
    /// First month of the fiscal year, 1 (January) to 12.
    pub fiscal_year_start_month: u32,
    /// Whether fiscal year `2026` is the one that starts in 2026 ("start") or ends in it ("end").
    pub fiscal_year_named_by: String,
}

impl Default for CalendarConfig {
    fn default() -> CalendarConfig {
        CalendarConfig { time_zone: "UTC".into(), fiscal_year_start_month: 1, fiscal_year_named_by: "start".into() }
    }
}

/// `[kpis]`: KPI settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Kpis {
    /// Gross margin applied to customer lifetime value, 0 to 1 (1: revenue lifetime value).
    pub gross_margin: f64,
    /// An open deal is stalled after this long in one stage...
    pub stalled_after: String,
    /// ...unless its stage has its own limit here (stage name = duration).
    pub stalled_after_by_stage: BTreeMap<String, String>,
    /// Also export the per-rep series (`sales_rep_*`).
    pub per_rep_series: bool,
    /// At most this many per-rep series per scrape; the rest are cut and counted.
    pub rep_series_budget: usize,
}

impl Default for Kpis {
    fn default() -> Kpis {
        Kpis {
            gross_margin: 1.0,
            stalled_after: "30d".into(),
            stalled_after_by_stage: BTreeMap::new(),
            per_rep_series: false,
            rep_series_budget: 10_000,
        }
    }
}

/// `[reference]`: reference data from files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferenceFiles {
    /// Roster: `rep_id,team_id,active,quota_carrying` (CSV with a header, or TOML `[[reps]]`).
    pub roster_file: Option<PathBuf>,
    /// Quotas: `rep_id,period,amount,currency` (CSV, or TOML `[[quotas]]`).
    pub quotas_file: Option<PathBuf>,
    /// Stages: `stage,order,probability` (CSV, or TOML `[[stages]]`).
    pub stages_file: Option<PathBuf>,
    /// Exchange rates: `currency,rate` (CSV, or TOML `[[rates]]`).
    pub fx_file: Option<PathBuf>,
    /// How often the files are checked for changes (SIGHUP reloads at once).
    pub reload_interval: String,
}

impl Default for ReferenceFiles {
    fn default() -> ReferenceFiles {
        ReferenceFiles {
            roster_file: None,
            quotas_file: None,
            stages_file: None,
            fx_file: None,
            reload_interval: "10s".into(),
        }
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `info,salespulse_kafka=debug`.
    pub level: String,
}

impl Default for Log {
    fn default() -> Log {
        Log { format: "text".into(), level: "info".into() }
    }
}

/// Checked, typed settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub snapshot_interval: Duration,
    pub dedup_horizon: Duration,
    pub max_future_skew: Duration,
    pub base_currency: salespulse_events::Currency,
    pub fx: Vec<(salespulse_events::Currency, f64)>,
    pub calendar: salespulse_engine::calendar::Calendar,
    pub stalled_after: Duration,
    pub stalled_after_by_stage: Vec<(String, Duration)>,
    pub reload_interval: Duration,
}

fn duration(field: &str, text: &str, errors: &mut Vec<String>) -> Duration {
    humantime::parse_duration(text).unwrap_or_else(|e| {
        errors.push(format!("{field} = {text:?}: {e} (use e.g. \"5s\", \"10m\", \"7d\")"));
        Duration::ZERO
    })
}

impl Config {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        use anyhow::Context;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }

    /// Checks every value; returns the typed settings or the list of every problem.
    pub fn check(&self) -> Result<Settings, Vec<String>> {
        let mut errors = Vec::new();
        let k = &self.kafka;
        if k.brokers.trim().is_empty() {
            errors.push("kafka.brokers is empty (expected host:port[,host:port...])".into());
        }
        for (name, value) in [("kafka.topic", &k.topic), ("kafka.group_id", &k.group_id)] {
            if value.trim().is_empty() {
                errors.push(format!("{name} is empty"));
            }
        }
        for (name, value) in [
            ("kafka.topic", &k.topic),
            ("kafka.reference_topic", &k.reference_topic),
            ("kafka.dead_letter_topic", &k.dead_letter_topic),
        ] {
            if value.len() > 249 || !value.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                errors.push(format!(
                    "{name} = {value:?} is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)"
                ));
            }
        }
        if !k.dead_letter_topic.is_empty() && k.dead_letter_topic == k.topic {
            errors.push("kafka.dead_letter_topic must differ from kafka.topic".into());
        }
        if k.max_message_bytes < 256 {
            errors.push(format!("kafka.max_message_bytes = {} is too small (at least 256)", k.max_message_bytes));
        }
        let st = &self.state;
        let snapshot_interval = duration("state.snapshot_interval", &st.snapshot_interval, &mut errors);
        if snapshot_interval.is_zero() && !errors.iter().any(|e| e.starts_with("state.snapshot_interval")) {
            errors.push("state.snapshot_interval must be more than 0".into());
        }
        let store_ok = st.store.strip_prefix("file://").is_some_and(|d| !d.is_empty())
            || st.store.strip_prefix("kafka://").is_some_and(|t| !t.is_empty());
        if !store_ok {
            errors.push(format!("state.store = {:?} must be file://DIR or kafka://TOPIC", st.store));
        }
        if !["rebuild", "committed"].contains(&st.when_missing.as_str()) {
            errors.push(format!("state.when_missing = {:?} must be \"rebuild\" or \"committed\"", st.when_missing));
        }
        if st.ready_max_lag < 0 {
            errors.push(format!("state.ready_max_lag = {} must be 0 or more", st.ready_max_lag));
        }
        let listen = self.http.listen.parse::<SocketAddr>().unwrap_or_else(|e| {
            errors.push(format!("http.listen = {:?}: {e} (expected ip:port, e.g. 0.0.0.0:9898)", self.http.listen));
            SocketAddr::from(([0, 0, 0, 0], 0))
        });
        let e = &self.engine;
        let base_currency = salespulse_events::Currency::parse(&e.base_currency).unwrap_or_else(|| {
            errors.push(format!("engine.base_currency = {:?} is not an ISO 4217 code", e.base_currency));
            salespulse_events::Currency::parse("EUR").expect("valid")
        });
        let mut fx = Vec::new();
        for (code, rate) in &e.fx {
            match salespulse_events::Currency::parse(code) {
                Some(c) if rate.is_finite() && *rate > 0.0 => fx.push((c, *rate)),
                Some(_) => errors.push(format!("engine.fx.{code} = {rate} must be a number > 0")),
                None => errors.push(format!("engine.fx.{code}: {code:?} is not an ISO 4217 code")),
            }
        }
        let dedup_horizon = duration("engine.dedup_horizon", &e.dedup_horizon, &mut errors);
        let max_future_skew = duration("engine.max_future_skew", &e.max_future_skew, &mut errors);
        if e.dedup_max_ids == 0 {
            errors.push("engine.dedup_max_ids must be at least 1".into());
        }
        let cal = &self.calendar;
        let tz = cal.time_zone.parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            errors.push(format!(
                "calendar.time_zone = {:?} is not an IANA time zone (e.g. \"Europe/Paris\")",
                cal.time_zone
            ));
            chrono_tz::UTC
        });
        if !(1..=12).contains(&cal.fiscal_year_start_month) {
            errors.push(format!("calendar.fiscal_year_start_month = {} must be 1 to 12", cal.fiscal_year_start_month));
        }
        let named_by_end = match cal.fiscal_year_named_by.as_str() {
            "start" => false,
            "end" => true,
            other => {
                errors.push(format!("calendar.fiscal_year_named_by = {other:?} must be \"start\" or \"end\""));
                false
            }
        };
        let calendar = salespulse_engine::calendar::Calendar::new(tz, cal.fiscal_year_start_month, named_by_end);
        let k = &self.kpis;
        if !(0.0..=1.0).contains(&k.gross_margin) {
            errors.push(format!("kpis.gross_margin = {} must be 0 to 1", k.gross_margin));
        }
        let stalled_after = duration("kpis.stalled_after", &k.stalled_after, &mut errors);
        let stalled_after_by_stage = k
            .stalled_after_by_stage
            .iter()
            .map(|(stage, d)| {
                (stage.clone(), duration(&format!("kpis.stalled_after_by_stage.{stage}"), d, &mut errors))
            })
            .collect();
        let rf = &self.reference;
        for (name, p) in [
            ("roster_file", &rf.roster_file),
            ("quotas_file", &rf.quotas_file),
            ("stages_file", &rf.stages_file),
            ("fx_file", &rf.fx_file),
        ] {
            if let Some(p) = p.as_ref().filter(|p| !p.is_file()) {
                errors.push(format!("reference.{name} = {:?} does not exist", p.display().to_string()));
            }
        }
        let reload_interval = duration("reference.reload_interval", &rf.reload_interval, &mut errors);
        if !["text", "json"].contains(&self.log.format.as_str()) {
            errors.push(format!("log.format = {:?} must be \"text\" or \"json\"", self.log.format));
        }
        if let Err(err) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            errors.push(format!("log.level = {:?}: {err}", self.log.level));
        }
        if errors.is_empty() {
            Ok(Settings {
                listen,
                snapshot_interval,
                dedup_horizon,
                max_future_skew,
                base_currency,
                fx,
                calendar,
                stalled_after,
                stalled_after_by_stage,
                reload_interval,
            })
        } else {
            Err(errors)
        }
    }
}

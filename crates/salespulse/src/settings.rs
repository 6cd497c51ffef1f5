//! Checking a configuration: every problem of every section at once, and the typed
//! [`Settings`] it yields. One `check` per section, in the order of the file.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use salespulse_engine::calendar::Calendar;
use salespulse_events::{Currency, validate};
use salespulse_exporter::{HttpLimits, WebConfig};

use crate::config::{
    CalendarSection, Config, EngineSection, HttpSection, KafkaSection, KpisSection, LogSection, ReferenceSection,
    StateSection,
};

/// Checked, typed settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub http: HttpLimits,
    pub web: WebConfig,
    pub snapshot_interval: Duration,
    pub dedup_horizon: Duration,
    pub max_future_skew: Duration,
    pub base_currency: Currency,
    pub fx: Vec<(Currency, f64)>,
    pub calendar: Calendar,
    pub stalled_after: Duration,
    pub stalled_after_by_stage: Vec<(String, Duration)>,
    pub reload_interval: Duration,
}

/// Problems found so far, across sections.
type Problems = Vec<String>;

fn duration(field: &str, text: &str, errors: &mut Problems) -> Duration {
    humantime::parse_duration(text).unwrap_or_else(|e| {
        errors.push(format!("{field} = {text:?}: {e} (use e.g. \"5s\", \"10m\", \"7d\")"));
        Duration::ZERO
    })
}

impl Config {
    /// Checks every value; returns the typed settings or the list of every problem.
    pub fn check(&self) -> Result<Settings, Vec<String>> {
        let mut errors = Problems::new();
        self.kafka.check(&mut errors);
        let snapshot_interval = self.state.check(&mut errors);
        let (listen, http) = self.http.check(&mut errors);
        let web = self.http.web(&mut errors);
        let engine = self.engine.check(&mut errors);
        let calendar = self.calendar.check(&mut errors);
        let (stalled_after, stalled_after_by_stage) = self.kpis.check(&mut errors);
        let reload_interval = self.reference.check(&mut errors);
        self.log.check(&mut errors);
        errors.extend(self.bridge.check());
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            listen,
            http,
            web,
            snapshot_interval,
            dedup_horizon: engine.dedup_horizon,
            max_future_skew: engine.max_future_skew,
            base_currency: engine.base_currency,
            fx: engine.fx,
            calendar,
            stalled_after,
            stalled_after_by_stage,
            reload_interval,
        })
    }
}

impl KafkaSection {
    fn check(&self, errors: &mut Problems) {
        if self.brokers.trim().is_empty() {
            errors.push("kafka.brokers is empty (expected host:port[,host:port...])".into());
        } else {
            errors.extend(salespulse_kafka::broker_problems(&self.brokers));
        }
        for (name, value) in [("kafka.topic", &self.topic), ("kafka.group_id", &self.group_id)] {
            if value.trim().is_empty() {
                errors.push(format!("{name} is empty"));
            }
        }
        for (name, value) in [
            ("kafka.topic", &self.topic),
            ("kafka.reference_topic", &self.reference_topic),
            ("kafka.dead_letter_topic", &self.dead_letter_topic),
        ] {
            if value.len() > 249 || !value.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                errors.push(format!(
                    "{name} = {value:?} is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)"
                ));
            }
        }
        if !self.dead_letter_topic.is_empty() && self.dead_letter_topic == self.topic {
            errors.push("kafka.dead_letter_topic must differ from kafka.topic".into());
        }
        if self.max_message_bytes < 256 {
            errors.push(format!("kafka.max_message_bytes = {} is too small (at least 256)", self.max_message_bytes));
        }
    }
}

impl StateSection {
    /// The snapshot interval.
    fn check(&self, errors: &mut Problems) -> Duration {
        let snapshot_interval = duration("state.snapshot_interval", &self.snapshot_interval, errors);
        if snapshot_interval.is_zero() && !errors.iter().any(|e| e.starts_with("state.snapshot_interval")) {
            errors.push("state.snapshot_interval must be more than 0".into());
        }
        let store_ok = self.store.strip_prefix("file://").is_some_and(|d| !d.is_empty())
            || self.store.strip_prefix("kafka://").is_some_and(|t| !t.is_empty());
        if !store_ok {
            errors.push(format!("state.store = {:?} must be file://DIR or kafka://TOPIC", self.store));
        }
        if !["rebuild", "committed"].contains(&self.when_missing.as_str()) {
            errors.push(format!("state.when_missing = {:?} must be \"rebuild\" or \"committed\"", self.when_missing));
        }
        if self.ready_max_lag < 0 {
            errors.push(format!("state.ready_max_lag = {} must be 0 or more", self.ready_max_lag));
        }
        snapshot_interval
    }
}

impl HttpSection {
    /// The web configuration (TLS, users), read and checked.
    fn web(&self, errors: &mut Problems) -> WebConfig {
        if self.web_config_file.is_empty() {
            return WebConfig::default();
        }
        WebConfig::load(Path::new(&self.web_config_file)).unwrap_or_else(|e| {
            errors.extend(e.into_iter().map(|e| format!("http.web_config_file: {e}")));
            WebConfig::default()
        })
    }

    /// The listen address and the connection limits.
    fn check(&self, errors: &mut Problems) -> (SocketAddr, HttpLimits) {
        let listen = self.listen.parse::<SocketAddr>().unwrap_or_else(|e| {
            errors.push(format!("http.listen = {:?}: {e} (expected ip:port, e.g. 0.0.0.0:9898)", self.listen));
            SocketAddr::from(([0, 0, 0, 0], 0))
        });
        let limits = HttpLimits {
            header_read_timeout: duration("http.header_read_timeout", &self.header_read_timeout, errors),
            idle_timeout: duration("http.idle_timeout", &self.idle_timeout, errors),
            max_connections: self.max_connections,
        };
        if limits.header_read_timeout.is_zero() || limits.idle_timeout.is_zero() {
            errors.push("http.header_read_timeout and http.idle_timeout must be more than 0".into());
        }
        if !(1..=100_000).contains(&self.max_connections) {
            errors.push(format!("http.max_connections = {} must be 1 to 100000", self.max_connections));
        }
        (listen, limits)
    }
}

/// The typed values of `[engine]`.
struct EngineSettings {
    base_currency: Currency,
    fx: Vec<(Currency, f64)>,
    dedup_horizon: Duration,
    max_future_skew: Duration,
}

impl EngineSection {
    fn check(&self, errors: &mut Problems) -> EngineSettings {
        let base_currency = Currency::parse(&self.base_currency).unwrap_or_else(|| {
            errors.push(format!("engine.base_currency = {:?} is not an ISO 4217 code", self.base_currency));
            Currency::parse("EUR").expect("valid")
        });
        if !matches!(self.fx_rates.as_str(), "dated" | "latest") {
            errors.push(format!("engine.fx_rates = {:?} must be \"dated\" or \"latest\"", self.fx_rates));
        }
        let mut fx = Vec::new();
        for (code, rate) in &self.fx {
            match (Currency::parse(code), validate::rate(*rate)) {
                (Some(c), Ok(rate)) => fx.push((c, rate)),
                (Some(_), Err(e)) => errors.push(format!("engine.fx.{code}: {e}")),
                (None, _) => errors.push(format!("engine.fx.{code}: {code:?} is not an ISO 4217 code")),
            }
        }
        let dedup_horizon = duration("engine.dedup_horizon", &self.dedup_horizon, errors);
        let max_future_skew = duration("engine.max_future_skew", &self.max_future_skew, errors);
        if self.max_entities == 0 {
            errors.push("engine.max_entities must be at least 1".into());
        }
        if self.dedup_max_ids == 0 {
            errors.push("engine.dedup_max_ids must be at least 1".into());
        }
        EngineSettings { base_currency, fx, dedup_horizon, max_future_skew }
    }
}

impl CalendarSection {
    fn check(&self, errors: &mut Problems) -> Calendar {
        let tz = self.time_zone.parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            errors.push(format!(
                "calendar.time_zone = {:?} is not an IANA time zone (e.g. \"Europe/Paris\")",
                self.time_zone
            ));
            chrono_tz::UTC
        });
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            errors.push(format!("calendar.fiscal_year_start_month = {} must be 1 to 12", self.fiscal_year_start_month));
        }
        let named_by_end = match self.fiscal_year_named_by.as_str() {
            "start" => false,
            "end" => true,
            other => {
                errors.push(format!("calendar.fiscal_year_named_by = {other:?} must be \"start\" or \"end\""));
                false
            }
        };
        Calendar::new(tz, self.fiscal_year_start_month, named_by_end)
    }
}

impl KpisSection {
    /// The default stall limit and the per-stage ones.
    fn check(&self, errors: &mut Problems) -> (Duration, Vec<(String, Duration)>) {
        if let Err(e) = validate::unit_interval(self.gross_margin) {
            errors.push(format!("kpis.gross_margin: {e}"));
        }
        if self.max_teams == 0 {
            errors.push("kpis.max_teams must be at least 1".into());
        }
        if self.max_reps == 0 {
            errors.push("kpis.max_reps must be at least 1".into());
        }
        if !(1..=salespulse_engine::MAX_STAGE_BUDGET).contains(&self.max_stages) {
            errors.push(format!(
                "kpis.max_stages = {} must be 1 to {}",
                self.max_stages,
                salespulse_engine::MAX_STAGE_BUDGET
            ));
        }
        let stalled_after = duration("kpis.stalled_after", &self.stalled_after, errors);
        let by_stage = self
            .stalled_after_by_stage
            .iter()
            .map(|(stage, d)| (stage.clone(), duration(&format!("kpis.stalled_after_by_stage.{stage}"), d, errors)))
            .collect();
        (stalled_after, by_stage)
    }
}

impl ReferenceSection {
    /// The reload interval.
    fn check(&self, errors: &mut Problems) -> Duration {
        for (name, p) in [
            ("roster_file", &self.roster_file),
            ("quotas_file", &self.quotas_file),
            ("stages_file", &self.stages_file),
            ("fx_file", &self.fx_file),
        ] {
            if let Some(p) = p.as_ref().filter(|p| !p.is_file()) {
                errors.push(format!("reference.{name} = {:?} does not exist", p.display().to_string()));
            }
        }
        duration("reference.reload_interval", &self.reload_interval, errors)
    }
}

impl LogSection {
    fn check(&self, errors: &mut Problems) {
        if !["text", "json"].contains(&self.format.as_str()) {
            errors.push(format!("log.format = {:?} must be \"text\" or \"json\"", self.format));
        }
        if let Err(err) = tracing_subscriber::EnvFilter::try_new(&self.level) {
            errors.push(format!("log.level = {:?}: {err}", self.level));
        }
    }
}

//! Checking a configuration: every problem of every section at once, and the typed
//! [`Settings`] it yields. Each section checks itself into what its library takes (the
//! exporter's [`HttpLimits`], the engine's [`EngineConfig`]...); values already typed when
//! read (durations, addresses, the store URL, the choices) are not checked again.

use std::path::Path;
use std::time::Duration;

use salespulse_board::{BoardConfig, PeerClient, PeerUrl};
use salespulse_engine::EngineConfig;
use salespulse_engine::calendar::Calendar;
use salespulse_events::{Currency, validate};
use salespulse_exporter::{HttpLimits, WebConfig};
use salespulse_kafka::SourceConfig;

use crate::config::sections::{
    BoardSection, CalendarSection, Config, EngineSection, FiscalYearNamedBy, HttpSection, KafkaSection, KpisSection,
    LogSection, ReferenceSection, StateSection,
};

/// Checked, typed settings: what the libraries take.
#[derive(Debug, Clone)]
pub struct Settings {
    pub http: HttpLimits,
    pub web: WebConfig,
    pub base_currency: Currency,
    pub fx: Vec<(Currency, f64)>,
    pub engine: EngineConfig,
    /// The board's settings; `None` when it is off.
    pub board: Option<BoardConfig>,
}

/// The cores this process may use: the default number of workers.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Problems found so far, across sections.
type Problems = Vec<String>;

/// A duration in milliseconds, as the engine takes it.
fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Config {
    /// Checks every value; returns the typed settings or the list of every problem.
    pub fn check(&self) -> Result<Settings, Vec<String>> {
        let mut errors = Problems::new();
        self.kafka.check(&mut errors);
        self.state.check(&mut errors);
        let http = self.http.check(&mut errors);
        let web = self.http.web(&mut errors);
        let (base_currency, fx) = self.engine.currencies(&mut errors);
        let mut engine = self.engine.engine(&mut errors);
        engine.calendar = self.calendar.check(&mut errors);
        self.kpis.check(&mut engine, &mut errors);
        self.reference.check(&mut errors);
        self.log.check(&mut errors);
        let board = self.board.check(&mut errors);
        errors.extend(self.bridge.check());
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings { http, web, base_currency, fx, engine, board })
    }
}

impl KafkaSection {
    /// What the Kafka clients take; offsets are committed after each snapshot.
    pub fn source(&self, checkpoint_interval: Duration) -> SourceConfig {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        SourceConfig {
            brokers: self.brokers.clone(),
            topic: self.topic.clone(),
            group_id: self.group_id.clone(),
            group_instance_id: non_empty(&self.group_instance_id),
            dead_letter_topic: non_empty(&self.dead_letter_topic),
            max_message_bytes: self.max_message_bytes,
            checkpoint_interval,
            workers: if self.workers == 0 { cores() } else { self.workers },
            properties: self.properties.clone(),
        }
    }

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
        let id = &self.group_instance_id;
        if id.len() > 249 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            errors.push(format!(
                "kafka.group_instance_id = {id:?} is not a valid member id (letters, digits, '.', '_', '-'; at most 249)"
            ));
        }
        if !self.dead_letter_topic.is_empty() && self.dead_letter_topic == self.topic {
            errors.push("kafka.dead_letter_topic must differ from kafka.topic".into());
        }
        if self.workers > 256 {
            errors.push(format!("kafka.workers = {} is too many (at most 256; 0 for one per core)", self.workers));
        }
        if self.max_message_bytes < 256 {
            errors.push(format!("kafka.max_message_bytes = {} is too small (at least 256)", self.max_message_bytes));
        }
    }
}

impl StateSection {
    fn check(&self, errors: &mut Problems) {
        if self.snapshot_interval.is_zero() {
            errors.push("state.snapshot_interval must be more than 0".into());
        }
        if self.ready_max_lag < 0 {
            errors.push(format!("state.ready_max_lag = {} must be 0 or more", self.ready_max_lag));
        }
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

    /// The connection limits.
    fn check(&self, errors: &mut Problems) -> HttpLimits {
        if self.header_read_timeout.is_zero() || self.idle_timeout.is_zero() {
            errors.push("http.header_read_timeout and http.idle_timeout must be more than 0".into());
        }
        if !(1..=100_000).contains(&self.max_connections) {
            errors.push(format!("http.max_connections = {} must be 1 to 100000", self.max_connections));
        }
        HttpLimits {
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
        }
    }
}

impl EngineSection {
    /// The base currency and the starting exchange rates.
    fn currencies(&self, errors: &mut Problems) -> (Currency, Vec<(Currency, f64)>) {
        let base_currency = Currency::parse(&self.base_currency).unwrap_or_else(|| {
            errors.push(format!("engine.base_currency = {:?} is not an ISO 4217 code", self.base_currency));
            Currency::parse("EUR").expect("valid")
        });
        let mut fx = Vec::new();
        for (code, rate) in &self.fx {
            match (Currency::parse(code), validate::rate(*rate)) {
                (Some(c), Ok(rate)) => fx.push((c, rate)),
                (Some(_), Err(e)) => errors.push(format!("engine.fx.{code}: {e}")),
                (None, _) => errors.push(format!("engine.fx.{code}: {code:?} is not an ISO 4217 code")),
            }
        }
        (base_currency, fx)
    }

    /// The engine's settings of this section (the others from their defaults).
    fn engine(&self, errors: &mut Problems) -> EngineConfig {
        if self.max_entities == 0 {
            errors.push("engine.max_entities must be at least 1".into());
        }
        if self.dedup_max_ids == 0 {
            errors.push("engine.dedup_max_ids must be at least 1".into());
        }
        EngineConfig {
            dedup_horizon_ms: ms(self.dedup_horizon),
            dedup_max_ids: self.dedup_max_ids,
            max_future_skew_ms: ms(self.max_future_skew),
            max_entities: self.max_entities,
            ..EngineConfig::default()
        }
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
        Calendar::new(tz, self.fiscal_year_start_month, self.fiscal_year_named_by == FiscalYearNamedBy::End)
    }
}

impl KpisSection {
    /// Sets the engine's settings of this section.
    fn check(&self, engine: &mut EngineConfig, errors: &mut Problems) {
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
        engine.gross_margin = self.gross_margin;
        engine.stalled_default_ms = ms(self.stalled_after);
        engine.stalled_after_ms =
            self.stalled_after_by_stage.iter().map(|(stage, d)| (stage.clone(), ms(**d))).collect();
        engine.per_rep = self.per_rep_series;
        engine.rep_series_budget = self.rep_series_budget;
        engine.max_teams = self.max_teams;
        engine.max_stages = self.max_stages;
        engine.max_reps = self.max_reps;
    }
}

impl ReferenceSection {
    fn check(&self, errors: &mut Problems) {
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
        if self.reload_interval.is_zero() {
            errors.push("reference.reload_interval must be more than 0".into());
        }
    }
}

impl LogSection {
    fn check(&self, errors: &mut Problems) {
        if self.progress_interval.is_zero() {
            errors.push("log.progress_interval must be more than 0".into());
        }
        if let Err(err) = tracing_subscriber::EnvFilter::try_new(&self.level) {
            errors.push(format!("log.level = {:?}: {err}", self.level));
        }
    }
}

impl BoardSection {
    /// The board's settings, `None` when it is off. A password file is read here, and
    /// never shown.
    fn check(&self, errors: &mut Problems) -> Option<BoardConfig> {
        let url = |key: &str, v: &str, errors: &mut Problems| {
            v.parse::<PeerUrl>().map_err(|e| errors.push(format!("board.{key} = {v:?}: {e}"))).ok()
        };
        let peers: Vec<PeerUrl> = self.peers.iter().filter_map(|p| url("peers", p, errors)).collect();
        let service =
            (!self.peer_service.is_empty()).then(|| url("peer_service", &self.peer_service, errors)).flatten();
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let (user, password, ca) =
            (non_empty(&self.peer_username), non_empty(&self.peer_password_file), non_empty(&self.peer_ca_file));
        let client = PeerClient::new(user.as_deref(), password.as_deref().map(Path::new), ca.as_deref().map(Path::new))
            .map_err(|e| errors.push(format!("board: {e}")))
            .ok();
        if ca.is_none() && peers.iter().chain(&service).any(|p| p.tls) {
            errors.push("board: https peers need board.peer_ca_file".into());
        }
        for (key, v) in [("max_clients", self.max_clients), ("client_queue", self.client_queue)] {
            if v == 0 {
                errors.push(format!("board.{key} must be at least 1"));
            }
        }
        if self.lead_response_sla.is_zero() {
            errors.push("board.lead_response_sla must be more than 0".into());
        }
        (self.enabled).then(|| BoardConfig {
            peers,
            peer_service: service,
            client: client.unwrap_or_default(),
            max_clients: self.max_clients,
            client_queue: self.client_queue,
            lead_response_sla: self.lead_response_sla,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::sections::Config;

    #[test]
    fn every_board_problem_is_listed_at_once_and_a_password_file_is_never_shown() {
        let dir = std::env::temp_dir().join(format!("salespulse-board-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let password = dir.join("password");
        std::fs::write(&password, "hunter2\n").unwrap();
        let text = format!(
            "[board]\npeers = [\"kafka:9092\", \"https://sp-1:9898\"]\npeer_service = \"http://sp/x\"\n\
             peer_password_file = {:?}\nmax_clients = 0\nlead_response_sla = \"0s\"\n",
            password.display().to_string()
        );
        let config: Config = toml::from_str(&text).unwrap();
        let errors = config.check().unwrap_err().join("\n");
        for needle in [
            "board.peers = \"kafka:9092\"",
            "board.peer_service = \"http://sp/x\"",
            "a password file a user",
            "https peers need board.peer_ca_file",
            "board.max_clients",
            "board.lead_response_sla",
        ] {
            assert!(errors.contains(needle), "{needle} not in:\n{errors}");
        }
        assert!(!errors.contains("hunter2"), "{errors}");
        let off: Config = toml::from_str("[board]\nenabled = false\n").unwrap();
        assert!(off.check().unwrap().board.is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}

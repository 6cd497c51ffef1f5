//! Checking a configuration: every problem at once, and the typed settings.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::config::Config;

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

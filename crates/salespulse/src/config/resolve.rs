//! Turns the config file plus environment and flags into [`Resolved`]: the configuration,
//! its checked settings, and the reference files with what they held at startup.

use salespulse_kafka::SourceConfig;
use salespulse_node::{Loaded, NodeConfig, ReferenceFiles};

use crate::cli::Common;
use crate::config::check::Settings;
use crate::config::layers::Layers;
use crate::config::sections::Config;

/// The configuration after overrides, and its checked form.
#[derive(Debug)]
pub struct Resolved {
    pub config: Config,
    pub settings: Settings,
    /// The reference files and what they held at startup.
    pub files: ReferenceFiles,
    pub loaded: Loaded,
    /// Where each value came from (for `check --print`).
    pub layers: Layers,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Parses `KEY=VALUE` librdkafka properties.
pub fn properties(pairs: &[String], errors: &mut Vec<String>) -> Vec<(String, String)> {
    pairs
        .iter()
        .enumerate()
        .filter_map(|(n, p)| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Some((k.trim().to_owned(), v.to_owned())),
            _ => {
                // It may hold a secret: say which one it is, not what it says.
                errors.push(format!("-X/--kafka-property number {} is not KEY=VALUE", n + 1));
                None
            }
        })
        .collect()
}

/// Reads a `key=value` properties file (`#` and `!` start comments, as in Kafka's own
/// client.properties); every bad line is reported.
pub fn properties_file(path: &str, errors: &mut Vec<String>) -> Vec<(String, String)> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            errors.push(format!("kafka.properties_file: cannot read {path}: {e}"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => out.push((k.trim().to_owned(), v.trim().to_owned())),
            // The line may hold a secret: say where it is, not what it says.
            _ => errors.push(format!("kafka.properties_file: {path}, line {}: not key=value", n + 1)),
        }
    }
    out
}

/// What the configuration is resolved for: each command checks what it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `run`, `topics`: the service. The bridge's secrets, which a shared file may leave
    /// to the bridge's own environment, are not required.
    Service,
    /// `bridge`: `--listen` is the bridge's address; its secrets are required.
    Bridge,
    /// `check`: everything, the bridge's secrets included.
    Check,
}

/// The layers of `args`: the file (if any), the environment, then the flags.
fn layers(args: &Common, purpose: Purpose) -> Layers {
    let mut layers = Layers::default();
    if let Some(path) = &args.config {
        layers.file(path);
    }
    layers.env(std::env::vars());
    let listen = if purpose == Purpose::Bridge { "bridge.listen" } else { "http.listen" };
    let flags = [
        (&args.brokers, "kafka.brokers", "--brokers or SALESPULSE_BROKERS"),
        (&args.topic, "kafka.topic", "--topic or SALESPULSE_TOPIC"),
        (&args.reference_topic, "kafka.reference_topic", "--reference-topic or SALESPULSE_REFERENCE_TOPIC"),
        (&args.group, "kafka.group_id", "--group or SALESPULSE_GROUP"),
        (&args.dead_letter_topic, "kafka.dead_letter_topic", "--dead-letter-topic or SALESPULSE_DEAD_LETTER_TOPIC"),
        (&args.listen, listen, "--listen or SALESPULSE_LISTEN"),
        (&args.state, "state.store", "--state or SALESPULSE_STATE"),
        (&args.log_format, "log.format", "--log-format or SALESPULSE_LOG_FORMAT"),
        (&args.log_level, "log.level", "--log-level or SALESPULSE_LOG_LEVEL"),
    ];
    for (value, path, flag) in flags {
        if let Some(v) = value {
            layers.flag(path, v, flag);
        }
    }
    layers
}

/// Reads every layer, applies overrides, checks everything at once: every problem found,
/// each with where its value came from.
pub fn resolve(args: &Common, purpose: Purpose) -> anyhow::Result<Result<Resolved, Vec<String>>> {
    let mut layers = layers(args, purpose);
    let mut config = layers.typed();
    let located = layers.take_problems();
    let (resolved, problems) = checked(args, purpose, &mut config, layers);
    match resolved {
        Some(r) if located.is_empty() && problems.is_empty() => Ok(Ok(r)),
        _ => Ok(Err(located.into_iter().chain(problems).collect())),
    }
}

/// The checks of a typed configuration.
fn checked(args: &Common, purpose: Purpose, config: &mut Config, layers: Layers) -> (Option<Resolved>, Vec<String>) {
    let mut errors = Vec::new();
    if !config.kafka.properties_file.is_empty() {
        let from_file = properties_file(&config.kafka.properties_file, &mut errors);
        config.kafka.properties.extend(from_file);
    }
    config.kafka.properties.extend(properties(&args.kafka_properties, &mut errors));
    config.kafka.properties.extend(crate::config::secrets::from_env(|name| std::env::var(name).ok(), &mut errors));
    errors.extend(salespulse_kafka::property_problems(&config.kafka.properties));
    // Every client's librdkafka configuration, built without connecting: unknown names and
    // bad values fail here, named, never shown with their value.
    errors.extend(salespulse_kafka::client_problems(&config.kafka.source(config.state.snapshot_interval)));
    // An empty variable (a compose file passing one through unset) is no secret.
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let bridge = &mut config.bridge;
    if let Some(s) = crate::config::secrets::one(salespulse_bridge::HUBSPOT_SECRET_VARIABLE, env, &mut errors) {
        bridge.hubspot.get_or_insert_with(Default::default).app_secret = s;
    }
    if let Some(s) = crate::config::secrets::one(salespulse_bridge::PIPEDRIVE_PASSWORD_VARIABLE, env, &mut errors) {
        bridge.pipedrive.get_or_insert_with(Default::default).password = s;
    }
    if purpose != Purpose::Service {
        errors.extend(bridge.check_secrets());
    }
    let rf = &config.reference;
    let files = ReferenceFiles {
        roster: rf.roster_file.clone(),
        quotas: rf.quotas_file.clone(),
        stages: rf.stages_file.clone(),
        fx: rf.fx_file.clone(),
        allow_empty: rf.allow_empty_files,
    };
    let checked = config.check();
    // File contents are checked only when every file exists (else that is the problem).
    let loaded = match &checked {
        Err(e) if e.iter().any(|m| m.starts_with("reference.")) => Loaded::default(),
        _ => files.read().unwrap_or_else(|e| {
            errors.extend(e);
            Loaded::default()
        }),
    };
    let config = config.clone();
    match checked {
        Ok(settings) if errors.is_empty() => (Some(Resolved { config, settings, files, loaded, layers }), Vec::new()),
        Ok(_) => (None, errors.iter().map(|e| layers.locate(e)).collect()),
        Err(mut more) => {
            more.extend(errors);
            (None, more.iter().map(|e| layers.locate(e)).collect())
        }
    }
}

impl Resolved {
    /// Everything `salespulse bridge` needs.
    pub fn bridge(&self) -> salespulse_bridge::BridgeRun {
        salespulse_bridge::BridgeRun {
            cfg: self.config.bridge.clone(),
            kafka: self.source(),
            reference_topic: self.reference_topic(),
            web: self.settings.web.clone(),
        }
    }

    /// Settings of the Kafka source.
    pub fn source(&self) -> SourceConfig {
        self.config.kafka.source(self.config.state.snapshot_interval)
    }

    /// Settings of the node: its engine, snapshot keys, start without a snapshot and
    /// readiness.
    pub fn node(&self) -> NodeConfig {
        let st = &self.config.state;
        NodeConfig {
            engine: self.settings.engine.clone(),
            group: self.config.kafka.group_id.clone(),
            topic: self.config.kafka.topic.clone(),
            when_missing: st.when_missing.into(),
            ready_max_lag: st.ready_max_lag,
        }
    }

    /// The reference topic, if any.
    pub fn reference_topic(&self) -> Option<String> {
        non_empty(&self.config.kafka.reference_topic)
    }
}

/// Prints every configuration problem to stderr.
pub fn report(errors: &[String]) {
    let plural = if errors.len() == 1 { "" } else { "s" };
    eprintln!("salespulse: invalid configuration ({} problem{plural}):", errors.len());
    for e in errors {
        eprintln!("  - {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::{Purpose, properties_file, resolve};
    use crate::cli::Common;

    fn common(config: &str, listen: Option<&str>) -> Common {
        let dir = std::env::temp_dir().join(format!("salespulse-resolve-{}-{}", std::process::id(), config.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("salespulse.toml");
        std::fs::write(&path, config).unwrap();
        Common {
            config: Some(path),
            brokers: None,
            topic: None,
            reference_topic: None,
            group: None,
            dead_letter_topic: None,
            listen: listen.map(str::to_owned),
            state: None,
            log_format: None,
            log_level: None,
            kafka_properties: Vec::new(),
        }
    }

    #[test]
    fn listen_is_the_bridge_address_for_the_bridge_and_the_service_address_else() {
        let c = common("", Some("127.0.0.1:9999"));
        let bridge = resolve(&c, Purpose::Bridge).unwrap().unwrap();
        assert_eq!(bridge.config.bridge.listen.to_string(), "127.0.0.1:9999");
        assert_ne!(bridge.config.http.listen.to_string(), "127.0.0.1:9999");
        let service = resolve(&c, Purpose::Service).unwrap().unwrap();
        assert_eq!(service.config.http.listen.to_string(), "127.0.0.1:9999");
    }

    #[test]
    fn the_service_does_not_need_the_bridge_secrets_of_a_shared_file() {
        let c = common("[bridge.hubspot]\n[bridge.pipedrive]\nusername = \"pd\"\n", None);
        assert!(resolve(&c, Purpose::Service).unwrap().is_ok(), "run and topics start");
        let errors = resolve(&c, Purpose::Bridge).unwrap().err().unwrap_or_default();
        assert_eq!(errors.len(), 2, "the bridge needs both: {errors:?}");
    }

    fn file(text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("salespulse-props-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("client.properties");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn a_properties_file_gives_its_pairs_and_skips_comments() {
        let path = file("# SASL\n! also a comment\n\nsasl.username = salespulse\nsasl.password=s3cr=t\n");
        let mut errors = Vec::new();
        let got = properties_file(&path, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let want = [("sasl.username", "salespulse"), ("sasl.password", "s3cr=t")];
        assert_eq!(got, want.map(|(k, v)| (k.to_owned(), v.to_owned())));
    }

    #[test]
    fn bad_lines_are_each_reported_without_their_content() {
        let path = file("sasl.username=x\nhunter2\n=nokey\n");
        let mut errors = Vec::new();
        properties_file(&path, &mut errors);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("line 2") && errors[1].contains("line 3"), "{errors:?}");
        assert!(!errors.iter().any(|e| e.contains("hunter2")), "{errors:?}");
        let mut errors = Vec::new();
        properties_file("/nonexistent/client.properties", &mut errors);
        assert!(errors[0].starts_with("kafka.properties_file: cannot read"), "{errors:?}");
    }
}

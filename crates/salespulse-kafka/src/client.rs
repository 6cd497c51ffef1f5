//! One builder for every Kafka client of salespulse, service and bridge alike: the
//! settings a client needs, then the user's properties (`[kafka.properties]`, `-X`, the
//! properties file, the environment), then the guarantees of its role, which always win.
//! A user property that would break a guarantee is refused by `salespulse check`
//! ([`property_problems`]) rather than silently overridden.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;

use crate::config::SourceConfig;

/// What a client is for, and so which guarantees it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads a topic and commits offsets only once what it read is durable elsewhere
    /// (the events consumer, the Salesforce change reader, the reference reader).
    Reader,
    /// Writes messages that must not be lost nor written twice (dead letters, the
    /// bridge's events).
    Writer,
}

/// A property a role sets to one value, whatever the user says.
#[derive(Debug, Clone, Copy)]
pub struct Guarantee {
    pub key: &'static str,
    pub value: &'static str,
    /// What breaks without it.
    pub why: &'static str,
}

const COMMIT_AFTER_DURABLE: &str = "offsets are committed only once the state that covers them is durable";

const READER: [Guarantee; 2] = [
    Guarantee { key: "enable.auto.commit", value: "false", why: COMMIT_AFTER_DURABLE },
    Guarantee { key: "enable.auto.offset.store", value: "false", why: COMMIT_AFTER_DURABLE },
];

const WRITER: [Guarantee; 2] = [
    Guarantee { key: "enable.idempotence", value: "true", why: "a retried send must not be written twice" },
    Guarantee { key: "acks", value: "all", why: "an acknowledged message must be on every in-sync replica" },
];

impl Role {
    /// The properties this role always sets.
    pub fn guarantees(self) -> &'static [Guarantee] {
        match self {
            Role::Reader => &READER,
            Role::Writer => &WRITER,
        }
    }
}

/// Whether a user's value means the same as the guaranteed one (librdkafka reads
/// booleans case-insensitively, and `acks=-1` is `all`).
fn same(key: &str, given: &str, wanted: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    given == wanted || key == "acks" && wanted == "all" && given == "-1"
}

impl SourceConfig {
    /// Settings shared by every client, with the user's properties and no guarantee (the
    /// admin client, the snapshot store, which sets its own).
    pub fn client(&self) -> ClientConfig {
        self.build(None, &[])
    }

    /// The events consumer: the group, cooperative-sticky assignment, offsets stored and
    /// committed by salespulse only ([`Role::Reader`]).
    ///
    /// `fetch.queue.backoff.ms` is lowered from librdkafka's 1 s: once a partition's
    /// prefetch queue is full, librdkafka waits that long before it fetches again, and a
    /// consumer that empties the queue sooner waits for its input (a replay ran at half
    /// the speed the loop can go). `queued.min.messages` is lowered from 100 000 to
    /// 20 000 per partition: refilled that often, a smaller queue keeps the loop fed and
    /// holds less memory.
    pub fn consumer(&self) -> ClientConfig {
        let mut defaults = vec![
            ("group.id", self.group_id.as_str()),
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "false"),
            ("fetch.queue.backoff.ms", "10"),
            ("queued.min.messages", "20000"),
            ("statistics.interval.ms", "2000"),
        ];
        if let Some(id) = &self.group_instance_id {
            defaults.push(("group.instance.id", id));
        }
        self.build(Some(Role::Reader), &defaults)
    }

    /// A reader of another topic in `group` that commits (if at all) only what it made
    /// durable ([`Role::Reader`]).
    pub fn reader(&self, client_id: &str, group: &str) -> ClientConfig {
        let defaults = [
            ("client.id", client_id),
            ("group.id", group),
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "false"),
        ];
        self.build(Some(Role::Reader), &defaults)
    }

    /// A producer whose messages are acknowledged by every in-sync replica and never
    /// written twice ([`Role::Writer`]).
    pub fn producer(&self, client_id: &str) -> ClientConfig {
        self.build(Some(Role::Writer), &[("client.id", client_id), ("linger.ms", "5")])
    }

    /// A client of `role`: the brokers, `defaults` (which the user's properties may
    /// change), the user's properties, then the role's guarantees.
    pub fn build(&self, role: Option<Role>, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers).set("client.id", "salespulse");
        for (k, v) in defaults {
            c.set(*k, *v);
        }
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        for g in role.map(Role::guarantees).unwrap_or_default() {
            c.set(g.key, g.value);
        }
        c
    }
}

/// Every user property that would break a guarantee of some client, named by its key
/// (never its value: the properties may hold secrets).
pub fn property_problems(properties: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for g in READER.iter().chain(&WRITER) {
        if let Some(given) = properties.get(g.key)
            && !same(g.key, given, g.value)
        {
            problems
                .push(format!("kafka.properties.{}: salespulse sets it to {} ({}); remove it", g.key, g.value, g.why));
        }
    }
    problems
}

/// A Kafka error as it may be shown: a configuration error names its property and what
/// is wrong, never the value it was given (it may be a secret).
pub fn shown(e: &KafkaError) -> String {
    match e {
        KafkaError::ClientConfig(_, description, key, value) => {
            let description =
                if value.is_empty() { description.clone() } else { description.replace(value, "<value>") };
            format!("kafka.properties.{key}: {description}")
        }
        other => other.to_string(),
    }
}

/// Every property librdkafka refuses — an unknown name, a value of the wrong kind — each
/// checked alone so that every problem is listed, then the clients salespulse builds
/// (consumer, readers, producers, admin) whole; found without connecting. Messages name
/// the property, never its value.
pub fn client_problems(cfg: &SourceConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |e: &KafkaError| {
        let m = shown(e);
        if !out.contains(&m) {
            out.push(m);
        }
    };
    for (k, v) in &cfg.properties {
        if let Err(e) = ClientConfig::new().set(k, v).create_native_config() {
            add(&e);
        }
    }
    for c in [cfg.consumer(), cfg.reader("salespulse", "salespulse-check"), cfg.producer("salespulse"), cfg.client()] {
        if let Err(e) = c.create_native_config() {
            add(&e);
        }
    }
    out
}

/// What is wrong with a bootstrap list (`host:port[,host:port...]`, a
/// `PLAINTEXT://`, `SSL://`, `SASL_PLAINTEXT://` or `SASL_SSL://` prefix allowed).
pub fn broker_problems(brokers: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in brokers.split(',').map(str::trim) {
        let address = match entry.split_once("://") {
            Some((scheme, rest)) => {
                let known = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"];
                if !known.contains(&scheme.to_ascii_lowercase().as_str()) {
                    out.push(format!(
                        "kafka.brokers: {entry:?}: {scheme}:// is not a Kafka listener protocol (host:port)"
                    ));
                    continue;
                }
                rest
            }
            None => entry,
        };
        let port = address.rsplit_once(':').map(|(host, port)| (host, port.parse::<u16>()));
        match port {
            Some((host, Ok(p))) if !host.is_empty() && p > 0 => {}
            _ => out.push(format!("kafka.brokers: {entry:?} is not host:port (a port from 1 to 65535)")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(props: &[(&str, &str)]) -> SourceConfig {
        SourceConfig {
            brokers: "localhost:9092".into(),
            topic: "t".into(),
            group_id: "g".into(),
            group_instance_id: None,
            dead_letter_topic: None,
            max_message_bytes: 0,
            checkpoint_interval: std::time::Duration::from_secs(1),
            workers: 1,
            properties: props.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn guarantees_win_over_properties_and_defaults_do_not() {
        let cfg = with(&[("enable.auto.commit", "true"), ("linger.ms", "50"), ("enable.idempotence", "false")]);
        let reader = cfg.build(Some(Role::Reader), &[("linger.ms", "5")]);
        assert_eq!(reader.get("enable.auto.commit"), Some("false"), "commit only after durable");
        assert_eq!(reader.get("linger.ms"), Some("50"), "a default the user changes");
        let writer = cfg.build(Some(Role::Writer), &[]);
        assert_eq!(writer.get("enable.idempotence"), Some("true"));
        assert_eq!(writer.get("acks"), Some("all"));
    }

    #[test]
    fn unknown_properties_and_bad_values_are_each_named_without_their_value() {
        let cfg = with(&[
            ("sasl.pasword", "hunter2"),
            ("security.protocol", "SASL_SSLX"),
            ("log.level", "verbose"),
            ("linger.ms", "5"),
        ]);
        let problems = client_problems(&cfg);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("kafka.properties.log.level:"), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("kafka.properties.sasl.pasword:")), "{problems:?}");
        for p in &problems {
            assert!(!p.contains("hunter2") && !p.contains("SASL_SSLX") && !p.contains("verbose"), "{p}");
        }
        assert!(client_problems(&with(&[("linger.ms", "5")])).is_empty());
    }

    #[test]
    fn broker_lists_are_host_and_port() {
        assert!(broker_problems("localhost:9092, kafka-1:9093,SSL://kafka-2:9094").is_empty());
        assert_eq!(broker_problems("localhost:99999").len(), 1);
        assert_eq!(broker_problems("kafka://host:9092").len(), 1);
        assert_eq!(broker_problems("host").len(), 1);
        assert_eq!(broker_problems("a:1,,b:2").len(), 1, "an empty entry");
    }

    #[test]
    fn a_property_that_would_break_a_guarantee_is_refused_by_name() {
        let cfg = with(&[("enable.auto.commit", "TRUE"), ("acks", "1"), ("sasl.password", "hunter2")]);
        let problems = property_problems(&cfg.properties);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("kafka.properties.enable.auto.commit:"), "{problems:?}");
        assert!(problems.iter().all(|p| !p.contains("hunter2") && !p.contains("TRUE")));
        let fine = with(&[("enable.auto.commit", "False"), ("acks", "-1"), ("enable.idempotence", "true")]);
        assert_eq!(property_problems(&fine.properties), Vec::<String>::new());
    }
}

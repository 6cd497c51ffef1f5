//! Settings of the Kafka source (the clients built from them: `client`).

use std::collections::BTreeMap;
use std::time::Duration;

/// Everything the source needs; the binary fills it from its configuration file and flags.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The events topic.
    pub topic: String,
    /// The consumer group.
    pub group_id: String,
    /// A static member id of the events consumer (`group.instance.id`), stable across
    /// restarts of this instance: a restart within the session timeout moves no
    /// partition. `None`: a dynamic member.
    pub group_instance_id: Option<String>,
    /// Where rejected messages go; `None` to only count and log them.
    pub dead_letter_topic: Option<String>,
    /// Messages larger than this are rejected (`too_large`).
    pub max_message_bytes: usize,
    /// How often the sink is asked to make its state durable (offsets follow).
    pub checkpoint_interval: Duration,
    /// Threads that decode and apply the events, each holding its partitions
    /// (`partition % workers`); at least 1.
    pub workers: usize,
    /// Extra librdkafka properties (SASL, SSL, timeouts...), applied last.
    pub properties: BTreeMap<String, String>,
}

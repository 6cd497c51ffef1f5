//! Settings of the Kafka source.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::ClientConfig;

/// Everything the source needs; the binary fills it from its configuration file and flags.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Bootstrap servers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The events topic.
    pub topic: String,
    /// The consumer group.
    pub group_id: String,
    /// Where rejected messages go; `None` to only count and log them.
    pub dead_letter_topic: Option<String>,
    /// Messages larger than this are rejected (`too_large`).
    pub max_message_bytes: usize,
    /// How often the sink is asked to make its state durable (offsets follow).
    pub checkpoint_interval: Duration,
    /// Extra librdkafka properties (SASL, SSL, timeouts...), applied last.
    pub properties: BTreeMap<String, String>,
}

impl SourceConfig {
    /// Client settings shared by the consumer, producer and admin clients. `properties`
    /// go to every client (librdkafka ignores, with a warning, keys a client does not use).
    pub fn client(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        c.set("client.id", "salespulse");
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        c
    }

    /// Consumer settings: the group, cooperative-sticky assignment, manual offset store.
    ///
    /// `fetch.queue.backoff.ms` is lowered from librdkafka's 1 s: once a partition's
    /// prefetch queue is full, librdkafka waits that long before it fetches again, and a
    /// consumer that empties the queue sooner waits for its input (a replay ran at half
    /// the speed the loop can go). `queued.min.messages` is lowered from 100 000 to
    /// 20 000 per partition: refilled that often, a smaller queue keeps the loop fed and
    /// holds less memory.
    pub fn consumer(&self) -> ClientConfig {
        let mut c = self.client();
        c.set("group.id", &self.group_id)
            .set("partition.assignment.strategy", "cooperative-sticky")
            .set("enable.auto.offset.store", "false")
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            .set("fetch.queue.backoff.ms", "10")
            .set("queued.min.messages", "20000")
            .set("statistics.interval.ms", "2000");
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        // These carry the delivery guarantees: a property may not undo them.
        c.set("enable.auto.offset.store", "false").set("enable.auto.commit", "false");
        c
    }
}

//! The dead-letter producer: rejected messages, original bytes and headers, plus why.

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use tracing::warn;

use crate::config::SourceConfig;
use crate::error::SourceError;
use crate::metrics::Metrics;

/// Header names added to every dead letter.
pub mod headers {
    pub const REASON: &str = "salespulse.reason";
    pub const ERROR: &str = "salespulse.error";
    pub const TOPIC: &str = "salespulse.source.topic";
    pub const PARTITION: &str = "salespulse.source.partition";
    pub const OFFSET: &str = "salespulse.source.offset";
}

/// Sends rejected messages and tracks the deliveries an offset commit must wait for.
pub struct DeadLetters {
    producer: FutureProducer,
    topic: String,
    pending: Vec<DeliveryFuture>,
    metrics: Metrics,
}

impl std::fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetters").field("topic", &self.topic).field("pending", &self.pending.len()).finish()
    }
}

impl DeadLetters {
    /// A producer for `cfg.dead_letter_topic`, or `None` when dead letters are off.
    pub fn new(cfg: &SourceConfig, metrics: Metrics) -> Result<Option<DeadLetters>, SourceError> {
        let Some(topic) = cfg.dead_letter_topic.clone() else { return Ok(None) };
        let mut c = cfg.client();
        c.set("enable.idempotence", "true").set("linger.ms", "5");
        let producer: FutureProducer = c.create().map_err(SourceError::Config)?;
        Ok(Some(DeadLetters { producer, topic, pending: Vec::new(), metrics }))
    }

    /// Queues `msg` with the reason it was rejected. Never blocks on the broker.
    pub fn send(&mut self, msg: &BorrowedMessage<'_>, reason: &str, detail: &str) {
        let mut hdrs = OwnedHeaders::new();
        if let Some(original) = msg.headers() {
            for h in original.iter() {
                hdrs = hdrs.insert(Header { key: h.key, value: h.value });
            }
        }
        let (partition, offset) = (msg.partition().to_string(), msg.offset().to_string());
        for (key, value) in [
            (headers::REASON, reason),
            (headers::ERROR, detail),
            (headers::TOPIC, msg.topic()),
            (headers::PARTITION, partition.as_str()),
            (headers::OFFSET, offset.as_str()),
        ] {
            hdrs = hdrs.insert(Header { key, value: Some(value) });
        }
        let mut record: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(&self.topic).payload(msg.payload().unwrap_or_default()).headers(hdrs);
        if let Some(key) = msg.key() {
            record = record.key(key);
        }
        match self.producer.send_result(record) {
            Ok(delivery) => self.pending.push(delivery),
            Err((e, _)) => {
                self.metrics.dead_letter_errors.inc();
                warn!(error = %e, topic = %self.topic, "cannot queue a dead letter");
            }
        }
    }

    /// Waits for every queued dead letter; returns false if any failed.
    pub async fn settle(&mut self) -> bool {
        let mut ok = true;
        for d in std::mem::take(&mut self.pending) {
            match d.await {
                Ok(Ok(_)) => self.metrics.dead_letters.inc(),
                Ok(Err((e, _))) => {
                    ok = false;
                    self.metrics.dead_letter_errors.inc();
                    warn!(error = %e, topic = %self.topic, "dead letter not delivered");
                }
                Err(_) => {
                    ok = false;
                    self.metrics.dead_letter_errors.inc();
                }
            }
        }
        ok
    }

    /// A handle on the producer (for flushing from the rebalance callback).
    pub fn producer(&self) -> FutureProducer {
        self.producer.clone()
    }

    /// Number of dead letters not yet confirmed.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

//! The dead-letter producer: rejected messages, original bytes and headers, plus why.

use std::sync::{Mutex, PoisonError};

use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use tracing::warn;

use crate::batch::Copied;
use crate::config::SourceConfig;
use crate::error::SourceError;
use crate::metrics::Metrics;
use crate::quiet::QuietContext;

/// Header names added to every dead letter. Incoming headers in this namespace are
/// renamed with [`headers::RENAMED`] in front, so these are always salespulse's own.
pub mod headers {
    pub const REASON: &str = "salespulse.reason";
    pub const ERROR: &str = "salespulse.error";
    pub const TOPIC: &str = "salespulse.source.topic";
    pub const PARTITION: &str = "salespulse.source.partition";
    pub const OFFSET: &str = "salespulse.source.offset";
    /// `true` when the payload or the original headers were cut to fit (see below).
    pub const TRUNCATED: &str = "salespulse.truncated";
    /// The original payload size in bytes, on a truncated dead letter.
    pub const ORIGINAL_SIZE: &str = "salespulse.original_size";
    /// The prefix of incoming headers named `salespulse.*`.
    pub const RENAMED: &str = "original.";
    /// The namespace of salespulse's headers.
    pub const NAMESPACE: &str = "salespulse.";
}

/// Original headers kept on a dead letter, in bytes of names and values: the rest are
/// left out (and the dead letter marked truncated) so that it always fits the topic.
const MAX_ORIGINAL_HEADER_BYTES: usize = 16 * 1024;

/// Sends rejected messages and tracks the deliveries an offset commit must wait for.
/// Shared by the worker threads, which send, and the consumer loop, which settles.
pub struct DeadLetters {
    producer: FutureProducer<QuietContext>,
    topic: String,
    pending: Mutex<Vec<DeliveryFuture>>,
    metrics: Metrics,
    /// Payloads are cut to this many bytes (the largest message accepted).
    max_bytes: usize,
}

impl std::fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadLetters").field("topic", &self.topic).field("pending", &self.pending()).finish()
    }
}

impl DeadLetters {
    /// A producer for `cfg.dead_letter_topic`, or `None` when dead letters are off.
    pub fn new(cfg: &SourceConfig, metrics: Metrics) -> Result<Option<DeadLetters>, SourceError> {
        let Some(topic) = cfg.dead_letter_topic.clone() else { return Ok(None) };
        let producer: FutureProducer<QuietContext> =
            cfg.producer("salespulse").create_with_context(QuietContext::default()).map_err(SourceError::Config)?;
        let max_bytes = if cfg.max_message_bytes == 0 { usize::MAX } else { cfg.max_message_bytes };
        Ok(Some(DeadLetters { producer, topic, pending: Mutex::new(Vec::new()), metrics, max_bytes }))
    }

    /// Queues `msg` with the reason it was rejected. Never blocks on the broker. A payload
    /// larger than the largest accepted message is cut to that size (its first bytes), so
    /// that a message too large to count still reaches the topic, marked truncated.
    pub fn send(&self, msg: &Copied<'_>, reason: &str, detail: &str) {
        let payload = msg.payload;
        let (mut hdrs, mut truncated) = original_headers(msg.headers);
        let kept = &payload[..payload.len().min(self.max_bytes)];
        truncated |= kept.len() < payload.len();
        let (partition, offset, size) = (msg.partition.to_string(), msg.offset.to_string(), payload.len().to_string());
        let mut ours = vec![
            (headers::REASON, reason),
            (headers::ERROR, detail),
            (headers::TOPIC, msg.topic),
            (headers::PARTITION, partition.as_str()),
            (headers::OFFSET, offset.as_str()),
        ];
        if truncated {
            ours.extend([(headers::TRUNCATED, "true"), (headers::ORIGINAL_SIZE, size.as_str())]);
        }
        for (key, value) in ours {
            hdrs = hdrs.insert(Header { key, value: Some(value) });
        }
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).payload(kept).headers(hdrs);
        if let Some(key) = msg.key {
            record = record.key(key);
        }
        match self.producer.send_result(record) {
            Ok(delivery) => self.lock().push(delivery),
            Err((e, _)) => {
                self.metrics.dead_letter_errors.inc();
                warn!(error = %e, topic = %self.topic, "cannot queue a dead letter");
            }
        }
    }

    /// Waits for every queued dead letter; returns false if any failed.
    pub async fn settle(&self) -> bool {
        let mut ok = true;
        let pending = std::mem::take(&mut *self.lock());
        for d in pending {
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
    pub fn producer(&self) -> FutureProducer<QuietContext> {
        self.producer.clone()
    }

    /// Number of dead letters not yet confirmed.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DeliveryFuture>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The message's own headers for its dead letter: those named in salespulse's namespace
/// renamed, at most [`MAX_ORIGINAL_HEADER_BYTES`] of them; and whether some were left out.
fn original_headers(original: Option<&OwnedHeaders>) -> (OwnedHeaders, bool) {
    let mut out = OwnedHeaders::new();
    let Some(original) = original else { return (out, false) };
    let mut bytes = 0;
    for h in original.iter() {
        bytes += h.key.len() + h.value.map_or(0, <[u8]>::len);
        if bytes > MAX_ORIGINAL_HEADER_BYTES {
            return (out, true);
        }
        let renamed;
        let key = if h.key.starts_with(headers::NAMESPACE) {
            renamed = format!("{}{}", headers::RENAMED, h.key);
            renamed.as_str()
        } else {
            h.key
        };
        out = out.insert(Header { key, value: h.value });
    }
    (out, false)
}

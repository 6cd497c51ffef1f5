//! The reference topic, read as a global table: every partition from the beginning to its
//! end before the events are consumed, then followed for updates.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::BorrowedMessage;
use rdkafka::{Message, Offset, TopicPartitionList};
use salespulse_events::Event;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::config::SourceConfig;
use crate::error::SourceError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;

/// How long the reference topic must stay quiet after its high watermark is reached.
const QUIET: Duration = Duration::from_millis(500);

/// Applies one reference event to the global table: `Ok(false)` if it is not reference
/// data, `Err(reason)` if the table refuses it.
pub type ApplyReference = Arc<dyn Fn(&Event) -> Result<bool, &'static str> + Send + Sync>;

/// The background task that follows the reference topic after the initial load.
#[derive(Debug)]
pub struct ReferenceReader {
    pub task: JoinHandle<()>,
    /// Reference events applied by the initial load.
    pub loaded: u64,
}

struct Reader {
    apply: ApplyReference,
    metrics: Metrics,
    max_bytes: usize,
    bad_log: RateLimit,
}

impl Reader {
    fn handle(&mut self, m: &BorrowedMessage<'_>) {
        let (label, reason) = match salespulse_events::decode(m.payload().unwrap_or_default(), self.max_bytes) {
            Ok(e) => match (self.apply)(&e) {
                Ok(true) => {
                    self.metrics.reference_events.inc();
                    return;
                }
                Ok(false) => {
                    ("not_reference", format!("{} does not belong on the reference topic", e.event_type().as_str()))
                }
                Err(label) => (label, format!("{} refused: {label}", e.event_type().as_str())),
            },
            Err(e) => (e.reason(), e.to_string()),
        };
        self.metrics.rejected.with_label_values(&[label]).inc();
        if self.bad_log.allow(Instant::now()).0 {
            warn!(topic = m.topic(), partition = m.partition(), offset = m.offset(), %reason, "reference message rejected");
        }
    }
}

/// Loads `topic` to its end, then follows it in a background task. Returns `None` (and
/// logs why) when the topic does not exist: the roster may come from a file instead.
pub async fn load_reference(
    cfg: &SourceConfig,
    topic: &str,
    apply: ApplyReference,
    metrics: Metrics,
) -> Result<Option<ReferenceReader>, SourceError> {
    let mut c = cfg.client();
    c.set("group.id", format!("{}-reference", cfg.group_id))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    let consumer: StreamConsumer = c.create().map_err(SourceError::Config)?;
    let partitions = match crate::admin::topic_partitions(&consumer, topic) {
        Ok(p) if !p.is_empty() => p,
        Ok(_) | Err(_) => {
            warn!(%topic, "reference topic not found: reading no reference data from Kafka");
            return Ok(None);
        }
    };
    let mut remaining: HashMap<i32, i64> = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in &partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, *p, Duration::from_secs(10))
            .map_err(|source| SourceError::Metadata { topic: topic.to_owned(), source })?;
        if high > low {
            remaining.insert(*p, high);
        }
        tpl.add_partition_offset(topic, *p, Offset::Beginning)
            .map_err(|source| SourceError::Metadata { topic: topic.to_owned(), source })?;
    }
    consumer.assign(&tpl).map_err(|source| SourceError::Subscribe { topic: topic.to_owned(), source })?;
    let mut reader = Reader {
        apply,
        metrics,
        max_bytes: cfg.max_message_bytes,
        bad_log: RateLimit::new(10, Duration::from_secs(10)),
    };
    let (started, mut loaded, mut progress) = (Instant::now(), 0u64, Instant::now());
    info!(%topic, partitions = partitions.len(), "loading reference data");
    while !remaining.is_empty() {
        match consumer.recv().await {
            Ok(m) => {
                reader.handle(&m);
                loaded += 1;
                if remaining.get(&m.partition()).is_some_and(|end| m.offset() + 1 >= *end) {
                    remaining.remove(&m.partition());
                }
            }
            Err(e) => warn!(error = %e, %topic, "reference consumer error"),
        }
        if progress.elapsed() >= Duration::from_secs(5) {
            info!(%topic, loaded, partitions_left = remaining.len(), "loading reference data");
            progress = Instant::now();
        }
    }
    // Some brokers report a high watermark that trails the last offset: read on until the
    // topic stays quiet, so the whole table is in before the first event.
    while let Ok(next) = tokio::time::timeout(QUIET, consumer.recv()).await {
        match next {
            Ok(m) => {
                reader.handle(&m);
                loaded += 1;
            }
            Err(e) => warn!(error = %e, %topic, "reference consumer error"),
        }
    }
    info!(%topic, loaded, elapsed_ms = started.elapsed().as_millis() as u64, "reference data loaded");
    let task = tokio::spawn(async move {
        loop {
            match consumer.recv().await {
                Ok(m) => reader.handle(&m),
                Err(e) => warn!(error = %e, "reference consumer error"),
            }
        }
    });
    Ok(Some(ReferenceReader { task, loaded }))
}

//! The reference topic, read as a global table: every partition from the beginning to its
//! end before the events are consumed, then followed for updates; a topic that does not
//! exist yet is followed once it appears.

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
use crate::quiet::QuietContext;
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

/// How often a missing reference topic is looked for.
const LOOK_AGAIN: Duration = Duration::from_secs(10);

/// Loads `topic` to its end, then follows it in a background task. A topic that does
/// not exist (the roster may come from a file instead) is looked for every 10 s in the
/// background, then loaded and followed once it appears.
pub async fn load_reference(
    cfg: &SourceConfig,
    topic: &str,
    apply: ApplyReference,
    metrics: Metrics,
) -> Result<Option<ReferenceReader>, SourceError> {
    let c = cfg.reader("salespulse", &format!("{}-reference", cfg.group_id));
    let consumer: StreamConsumer<QuietContext> =
        c.create_with_context(QuietContext::default()).map_err(SourceError::Config)?;
    let reader = Reader {
        apply,
        metrics,
        max_bytes: cfg.max_message_bytes,
        bad_log: RateLimit::new(10, Duration::from_secs(10)),
    };
    let partitions = partitions_of(&consumer, topic)?;
    if partitions.is_empty() {
        warn!(%topic, "reference topic not found: running without reference data from Kafka; it is loaded and followed once it appears");
        let topic = topic.to_owned();
        let task = tokio::spawn(async move {
            let partitions = loop {
                tokio::time::sleep(LOOK_AGAIN).await;
                match partitions_of(&consumer, &topic) {
                    Ok(p) if !p.is_empty() => break p,
                    _ => {}
                }
            };
            info!(%topic, "reference topic appeared");
            match load(&consumer, &topic, &partitions, reader).await {
                Ok((mut reader, _)) => follow(consumer, &mut reader).await,
                Err(e) => warn!(error = %e, %topic, "cannot read the reference topic"),
            }
        });
        return Ok(Some(ReferenceReader { task, loaded: 0 }));
    }
    let (mut reader, loaded) = load(&consumer, topic, &partitions, reader).await?;
    let task = tokio::spawn(async move { follow(consumer, &mut reader).await });
    Ok(Some(ReferenceReader { task, loaded }))
}

/// The partitions of `topic` (none if it does not exist). The metadata request waits up
/// to 10 s for a broker, so the async worker it runs on hands its other tasks over first.
fn partitions_of(consumer: &StreamConsumer<QuietContext>, topic: &str) -> Result<Vec<i32>, SourceError> {
    tokio::task::block_in_place(|| crate::admin::topic_partitions(consumer, topic))
}

/// Reads every partition of `topic` to its end; the reader and how many were read.
async fn load(
    consumer: &StreamConsumer<QuietContext>,
    topic: &str,
    partitions: &[i32],
    mut reader: Reader,
) -> Result<(Reader, u64), SourceError> {
    let mut remaining: HashMap<i32, i64> = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        // A metadata request waits up to 10 s for a broker: off the async workers.
        let (low, high) = tokio::task::block_in_place(|| consumer.fetch_watermarks(topic, *p, Duration::from_secs(10)))
            .map_err(|source| SourceError::Metadata { topic: topic.to_owned(), source })?;
        if high > low {
            remaining.insert(*p, high);
        }
        tpl.add_partition_offset(topic, *p, Offset::Beginning)
            .map_err(|source| SourceError::Metadata { topic: topic.to_owned(), source })?;
    }
    consumer.assign(&tpl).map_err(|source| SourceError::Subscribe { topic: topic.to_owned(), source })?;
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
            Err(e) => consumer.context().quiet.error(&e, "reference consumer error"),
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
            Err(e) => consumer.context().quiet.error(&e, "reference consumer error"),
        }
    }
    info!(%topic, loaded, elapsed_ms = started.elapsed().as_millis() as u64, "reference data loaded");
    Ok((reader, loaded))
}

/// Applies what arrives on the reference topic, for good.
async fn follow(consumer: StreamConsumer<QuietContext>, reader: &mut Reader) {
    loop {
        match consumer.recv().await {
            Ok(m) => reader.handle(&m),
            Err(e) => consumer.context().quiet.error(&e, "reference consumer error"),
        }
    }
}

//! The Salesforce side: change events read from the connector's topics in batches,
//! mapped, produced, then their offsets committed, only once the state that includes
//! them is durable. A batch that cannot be produced is retried (nothing is skipped).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::{Message, TopicPartitionList};
use salespulse_kafka::{QuietContext, SourceConfig};
use serde_json::Value;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::bridge::Bridge;
use crate::config::SalesforceSection;
use crate::salesforce;
use crate::source::Source;

/// Change events handled in one step, at most.
const BATCH: usize = 500;

/// Reads, maps and produces until `stop` turns true.
pub async fn run(
    bridge: Arc<Bridge>,
    source: &SourceConfig,
    sf: &SalesforceSection,
    mut stop: watch::Receiver<bool>,
) -> Result<(), KafkaError> {
    let c = source.reader("salespulse-bridge", &sf.group_id);
    let consumer: StreamConsumer<QuietContext> = c.create_with_context(QuietContext::default())?;
    let topics: Vec<&str> = sf.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    info!(topics = ?sf.topics, group = %sf.group_id, "reading Salesforce change events");
    loop {
        let mut batch: Vec<(Value, Vec<u8>)> = Vec::new();
        let mut offsets = TopicPartitionList::new();
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            first = consumer.recv() => match first {
                Ok(m) => take(&bridge, m, &mut batch, &mut offsets)?,
                // A consumer error (the broker away...) is reported and reading goes on:
                // librdkafka reconnects by itself.
                Err(e) => {
                    warn!(error = %e, "reading Salesforce change events");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            },
        }
        // Whatever else is already there, up to a batch.
        while batch.len() < BATCH {
            match tokio::time::timeout(Duration::from_millis(20), consumer.recv()).await {
                Ok(Ok(m)) => take(&bridge, m, &mut batch, &mut offsets)?,
                Ok(Err(e)) => {
                    warn!(error = %e, "reading Salesforce change events");
                    break;
                }
                Err(_) => break,
            }
        }
        let mut backoff = Duration::from_millis(200);
        while let Err(e) = bridge.handle(Source::Salesforce.as_str(), &batch, salesforce::map, None).await {
            warn!(error = %e, events = batch.len(), "cannot produce Salesforce changes; retrying");
            tokio::select! {
                _ = stop.changed() => return Ok(()),
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
        // A failed commit is retried by the next one; at worst a restart replays changes
        // the state already holds, which give nothing.
        if let Err(e) = consumer.commit(&offsets, CommitMode::Async) {
            warn!(error = %e, "cannot commit Salesforce offsets");
        }
    }
}

/// Adds a message to the batch (a payload that is not JSON becomes `Null`, which the
/// mapping dead-letters as malformed) and its next offset to the commit.
fn take(
    bridge: &Bridge,
    m: rdkafka::message::BorrowedMessage<'_>,
    batch: &mut Vec<(Value, Vec<u8>)>,
    offsets: &mut TopicPartitionList,
) -> Result<(), KafkaError> {
    bridge.metrics.received.with_label_values(&[Source::Salesforce.as_str()]).inc();
    let raw = m.payload().unwrap_or_default().to_vec();
    let value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    batch.push((value, raw));
    let next = rdkafka::Offset::Offset(m.offset() + 1);
    if offsets.find_partition(m.topic(), m.partition()).is_some() {
        offsets.set_partition_offset(m.topic(), m.partition(), next)
    } else {
        offsets.add_partition_offset(m.topic(), m.partition(), next)
    }
}

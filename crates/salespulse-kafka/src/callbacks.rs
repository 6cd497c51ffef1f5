//! Rebalances: a partition's state is restored before it is assigned (reading starts where
//! its snapshot ends), and made durable before it is given up; offsets are committed for
//! it in between. Client statistics report high watermarks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::TopicPartitionList;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset};
use tracing::{info, warn};

use crate::metrics::Metrics;
use crate::quiet::Quiet;
use crate::sink::{Sink, Start};
use crate::workers::Workers;

/// What the consumer calls back into: rebalances (restore on assignment, durable state
/// and a commit on revocation) and client statistics (high watermarks).
pub struct Callbacks {
    pub topic: String,
    pub sink: Arc<dyn Sink>,
    pub metrics: Metrics,
    /// The dead-letter producer, flushed before a revoked partition is made durable.
    pub dead_letters: Option<FutureProducer<crate::quiet::QuietContext>>,
    /// The worker threads, waited for before a revoked partition is made durable.
    pub workers: Arc<Mutex<Workers>>,
    /// Set once the group assigned this instance its first partitions (possibly none).
    pub joined: Arc<AtomicBool>,
    /// librdkafka's log lines and errors, each once per interval.
    pub quiet: Quiet,
}

fn partitions(tpl: &TopicPartitionList) -> Vec<i32> {
    tpl.elements().iter().map(|e| e.partition()).collect()
}

/// Commits explicit offsets (the next offset to read, per partition).
pub fn commit<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    offsets: &[(i32, i64)],
    mode: CommitMode,
    metrics: &Metrics,
) {
    if offsets.is_empty() {
        return;
    }
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets {
        if tpl.add_partition_offset(topic, *p, Offset::Offset(*o)).is_err() {
            return;
        }
    }
    match consumer.commit(&tpl, mode) {
        Ok(()) => metrics.commits.with_label_values(&["ok"]).inc(),
        Err(e) => {
            metrics.commits.with_label_values(&["error"]).inc();
            warn!(error = %e, "offset commit failed; the next checkpoint commits again");
        }
    }
}

impl Callbacks {
    fn assign(&self, consumer: &BaseConsumer<Self>, tpl: &mut TopicPartitionList) {
        let parts = partitions(tpl);
        let starts = self.sink.assigned(&parts);
        for (p, start) in &starts {
            let offset = match start {
                Start::At(o) => Offset::Offset(*o),
                Start::Beginning => Offset::Beginning,
                Start::Committed => Offset::Stored,
            };
            if let Err(e) = tpl.set_partition_offset(&self.topic, *p, offset) {
                warn!(partition = p, error = %e, "cannot set the start offset");
            }
        }
        info!(partitions = ?parts, starts = ?starts, "partitions assigned");
        let result = match consumer.rebalance_protocol() {
            RebalanceProtocol::Cooperative => consumer.incremental_assign(tpl),
            _ => consumer.assign(tpl),
        };
        if let Err(e) = result {
            warn!(error = %e, "assignment failed");
        }
        self.metrics.partitions.add(parts.len() as i64);
        self.metrics.rebalances.with_label_values(&["assign"]).inc();
        self.joined.store(true, Ordering::Release);
    }

    fn revoke(&self, consumer: &BaseConsumer<Self>, tpl: &TopicPartitionList) {
        let parts = partitions(tpl);
        info!(partitions = ?parts, "partitions revoked");
        // Every message read so far applied, and its dead letter queued, then delivered.
        self.workers.lock().unwrap_or_else(PoisonError::into_inner).barrier();
        if let Some(p) = &self.dead_letters
            && let Err(e) = p.flush(Duration::from_secs(10))
        {
            warn!(error = %e, "dead letters not all delivered before revoke");
        }
        let offsets = self.sink.revoked(&parts);
        commit(consumer, &self.topic, &offsets, CommitMode::Sync, &self.metrics);
        let result = match consumer.rebalance_protocol() {
            RebalanceProtocol::Cooperative => consumer.incremental_unassign(tpl),
            _ => consumer.unassign(),
        };
        if let Err(e) = result {
            warn!(error = %e, "unassignment failed");
        }
        self.metrics.partitions.sub(parts.len() as i64);
        self.metrics.rebalances.with_label_values(&["revoke"]).inc();
    }
}

impl ClientContext for Callbacks {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.quiet.log(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.quiet.error(&error, reason);
    }

    fn stats(&self, statistics: Statistics) {
        if let Some(t) = statistics.topics.get(&self.topic) {
            // The client knows every partition of the topic (-1 is librdkafka's own).
            let partitions = t.partitions.keys().filter(|p| **p >= 0).count();
            self.metrics.topic_partitions.set(partitions as i64);
            for (p, s) in &t.partitions {
                if *p >= 0 && s.hi_offset >= 0 {
                    self.sink.high_watermark(*p, s.hi_offset);
                }
            }
        }
    }
}

impl ConsumerContext for Callbacks {
    fn rebalance(&self, consumer: &BaseConsumer<Self>, err: RDKafkaRespErr, tpl: &mut TopicPartitionList) {
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => self.assign(consumer, tpl),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => self.revoke(consumer, tpl),
            other => {
                warn!(error = ?other, "rebalance error; dropping the assignment");
                self.revoke(consumer, tpl);
            }
        }
    }
}

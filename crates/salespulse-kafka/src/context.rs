//! Rebalance handling: state is created on assign and dropped on revoke, after the
//! revoked partitions' offsets (and the dead letters before them) are committed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::topic_partition_list::TopicPartitionList;
use tracing::{info, warn};

use crate::Sink;
use crate::metrics::SourceMetrics;

/// The consumer's context: forwards rebalances to the sink.
pub struct Ctx {
    pub sink: Arc<dyn Sink>,
    pub metrics: SourceMetrics,
    /// The dead-letter producer, flushed before offsets are committed on revoke.
    pub dead_letters: Option<FutureProducer>,
    /// Set once the group assigned this instance its first partitions (possibly none).
    pub joined: Arc<AtomicBool>,
}

fn partitions(tpl: &TopicPartitionList) -> Vec<i32> {
    tpl.elements().iter().map(|e| e.partition()).collect()
}

/// Commits stored offsets; "nothing stored" is not an error.
pub fn commit_stored<C: ConsumerContext>(consumer: &impl Consumer<C>, mode: CommitMode, metrics: &SourceMetrics) {
    match consumer.commit_consumer_state(mode) {
        Ok(()) => metrics.commits.with_label_values(&["ok"]).inc(),
        Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
        Err(e) => {
            metrics.commits.with_label_values(&["error"]).inc();
            warn!(error = %e, "offset commit failed; it is retried at the next interval");
        }
    }
}

impl ClientContext for Ctx {}

impl ConsumerContext for Ctx {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let parts = partitions(tpl);
            info!(partitions = ?parts, "partitions revoked");
            if let Some(p) = &self.dead_letters
                && let Err(e) = p.flush(Duration::from_secs(10))
            {
                warn!(error = %e, "dead letters not all delivered before revoke");
            }
            commit_stored(consumer, CommitMode::Sync, &self.metrics);
            self.sink.revoked(&parts);
            self.metrics.partitions.sub(parts.len() as i64);
            self.metrics.rebalances.with_label_values(&["revoke"]).inc();
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                let parts = partitions(tpl);
                info!(partitions = ?parts, "partitions assigned");
                self.sink.assigned(&parts);
                self.metrics.partitions.add(parts.len() as i64);
                self.metrics.rebalances.with_label_values(&["assign"]).inc();
                self.joined.store(true, Ordering::Release);
            }
            Rebalance::Revoke(_) => {}
            Rebalance::Error(e) => warn!(error = %e, "rebalance error"),
        }
    }
}

//! The consumer loop of the events topic.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::BorrowedMessage;
use tokio::time::MissedTickBehavior;
use tracing::{info, warn};

use crate::callbacks::{Callbacks, commit};
use crate::config::SourceConfig;
use crate::dead_letter::DeadLetters;
use crate::error::SourceError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;
use crate::sink::{Sink, Verdict};

/// Everything the loop touches per message.
struct Loop {
    topic: String,
    sink: Arc<dyn Sink>,
    dead_letters: Option<DeadLetters>,
    metrics: Metrics,
    max_bytes: usize,
    bad_log: RateLimit,
    /// The Kafka timestamp of the last message handled per partition since the sink was
    /// last told (once per commit poll, not per message).
    last_timestamps: HashMap<i32, i64>,
}

/// How often durable offsets are looked for and committed (and message times reported).
const COMMIT_POLL: Duration = Duration::from_secs(1);

/// Consumes the events topic until `shutdown` resolves, then makes the state durable,
/// commits and leaves the group. `joined` turns true once the group has assigned this
/// instance its partitions.
pub async fn run(
    cfg: SourceConfig,
    sink: Arc<dyn Sink>,
    metrics: Metrics,
    joined: Arc<AtomicBool>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SourceError> {
    let dead_letters = DeadLetters::new(&cfg, metrics.clone())?;
    let callbacks = Callbacks {
        topic: cfg.topic.clone(),
        sink: sink.clone(),
        metrics: metrics.clone(),
        dead_letters: dead_letters.as_ref().map(|d| d.producer()),
        joined,
        quiet: crate::quiet::Quiet::default(),
    };
    let consumer: StreamConsumer<Callbacks> =
        cfg.consumer().create_with_context(callbacks).map_err(SourceError::Config)?;
    consumer.subscribe(&[&cfg.topic]).map_err(|source| SourceError::Subscribe { topic: cfg.topic.clone(), source })?;
    info!(topic = %cfg.topic, group = %cfg.group_id, brokers = %cfg.brokers, "consuming");
    let mut l = Loop {
        topic: cfg.topic.clone(),
        sink,
        dead_letters,
        metrics,
        max_bytes: cfg.max_message_bytes,
        bad_log: RateLimit::new(10, Duration::from_secs(10)),
        last_timestamps: HashMap::new(),
    };
    let mut checkpoint = tokio::time::interval(cfg.checkpoint_interval);
    checkpoint.set_missed_tick_behavior(MissedTickBehavior::Delay);
    checkpoint.reset();
    let mut commits = tokio::time::interval(COMMIT_POLL);
    commits.set_missed_tick_behavior(MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = checkpoint.tick() => {
                l.settle_dead_letters().await;
                l.sink.checkpoint();
            }
            _ = commits.tick() => {
                let suppressed = l.bad_log.due(Instant::now());
                if suppressed > 0 {
                    warn!(suppressed, "rejected messages not logged in the last interval");
                }
                for (partition, t) in l.last_timestamps.drain() {
                    l.sink.consumed(partition, t);
                }
                commit(&consumer, &l.topic, &l.sink.durable(), CommitMode::Async, &l.metrics);
            }
            msg = consumer.recv() => match msg {
                Ok(m) => l.handle(&m),
                // The error callback has logged it already (once per interval).
                Err(e) => if consumer.context().quiet.allow(&e.to_string()) {
                    warn!(error = %e, "consumer error");
                },
            },
        }
    }
    info!("shutting down: making the state durable and committing");
    l.settle_dead_letters().await;
    let mut offsets = l.sink.durable();
    offsets.extend(l.sink.flush());
    commit(&consumer, &l.topic, &offsets, CommitMode::Sync, &l.metrics);
    // Closing the consumer leaves the group; the revoke callback drops the state.
    tokio::task::spawn_blocking(move || drop(consumer)).await.ok();
    Ok(())
}

impl Loop {
    async fn settle_dead_letters(&mut self) {
        if let Some(d) = &mut self.dead_letters
            && d.pending() > 0
            && !d.settle().await
        {
            warn!("some dead letters were not delivered (see salespulse_dead_letter_errors_total)");
        }
    }

    fn handle(&mut self, m: &BorrowedMessage<'_>) {
        let (partition, offset) = (m.partition(), m.offset());
        let verdict = match salespulse_events::decode(m.payload().unwrap_or_default(), self.max_bytes) {
            Ok(event) => self.sink.apply(partition, offset, &event),
            Err(e) => {
                self.sink.skip(partition, offset);
                Verdict::Rejected { reason: e.reason(), detail: e.to_string() }
            }
        };
        match verdict {
            Verdict::Applied => self.metrics.applied.inc(),
            Verdict::Duplicate => self.metrics.duplicates.inc(),
            Verdict::Rejected { reason, detail } => {
                self.metrics.rejected.with_label_values(&[reason]).inc();
                let (log, suppressed) = self.bad_log.allow(Instant::now());
                if suppressed > 0 {
                    warn!(suppressed, "rejected messages not logged in the last interval");
                }
                if log {
                    warn!(partition, offset, reason, %detail, "message rejected");
                }
                if let Some(d) = &mut self.dead_letters {
                    d.send(m, reason, &detail);
                }
            }
            Verdict::NotAssigned => warn!(partition, offset, "message for a partition with no state"),
        }
        if let Some(t) = m.timestamp().to_millis() {
            self.last_timestamps.insert(partition, t);
        }
        // Last, so that a reader who sees the message counted sees its outcome too.
        self.metrics.consumed.inc();
    }
}

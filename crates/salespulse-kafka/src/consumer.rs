//! The consumer loop of the events topic.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::BorrowedMessage;
use tokio::time::MissedTickBehavior;
use tracing::{info, warn};

use crate::config::SourceConfig;
use crate::context::{Ctx, commit_stored};
use crate::dead_letter::DeadLetters;
use crate::error::SourceError;
use crate::metrics::SourceMetrics;
use crate::ratelimit::RateLimit;
use crate::{Sink, Verdict};

/// Everything the loop touches per message.
struct Loop {
    sink: Arc<dyn Sink>,
    dead_letters: Option<DeadLetters>,
    metrics: SourceMetrics,
    max_bytes: usize,
    bad_log: RateLimit,
}

/// Consumes the events topic until `shutdown` resolves, then commits and leaves the group.
/// `joined` turns true once the group has assigned this instance its partitions.
pub async fn run(
    cfg: SourceConfig,
    sink: Arc<dyn Sink>,
    metrics: SourceMetrics,
    joined: Arc<AtomicBool>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SourceError> {
    let dead_letters = DeadLetters::new(&cfg, metrics.clone())?;
    let ctx = Ctx {
        sink: sink.clone(),
        metrics: metrics.clone(),
        dead_letters: dead_letters.as_ref().map(|d| d.producer()),
        joined,
    };
    let consumer: StreamConsumer<Ctx> = cfg.consumer().create_with_context(ctx).map_err(SourceError::Config)?;
    consumer.subscribe(&[&cfg.topic]).map_err(|source| SourceError::Subscribe { topic: cfg.topic.clone(), source })?;
    info!(topic = %cfg.topic, group = %cfg.group_id, brokers = %cfg.brokers, "consuming");
    let mut l = Loop {
        sink,
        dead_letters,
        metrics,
        max_bytes: cfg.max_message_bytes,
        bad_log: RateLimit::new(10, std::time::Duration::from_secs(10)),
    };
    let mut tick = tokio::time::interval(cfg.commit_interval);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut errors = RateLimit::new(5, std::time::Duration::from_secs(30));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            _ = tick.tick() => l.commit(&consumer, CommitMode::Async).await,
            msg = consumer.recv() => match msg {
                Ok(m) => l.handle(&consumer, &m),
                Err(e) => if errors.allow(Instant::now()).0 {
                    warn!(error = %e, "consumer error");
                },
            },
        }
    }
    info!("shutting down: committing offsets");
    l.commit(&consumer, CommitMode::Sync).await;
    // Closing the consumer leaves the group; the revoke callback drops the shards.
    tokio::task::spawn_blocking(move || drop(consumer)).await.ok();
    Ok(())
}

impl Loop {
    async fn commit(&mut self, consumer: &StreamConsumer<Ctx>, mode: CommitMode) {
        if let Some(d) = &mut self.dead_letters
            && d.pending() > 0
            && !d.settle().await
        {
            warn!("some dead letters were not delivered; committing anyway (see salespulse_dead_letter_errors_total)");
        }
        commit_stored(consumer, mode, &self.metrics);
    }

    fn handle(&mut self, consumer: &StreamConsumer<Ctx>, m: &BorrowedMessage<'_>) {
        self.metrics.consumed.inc();
        let verdict = match salespulse_events::decode(m.payload().unwrap_or_default(), self.max_bytes) {
            Ok(event) => self.sink.apply(m.partition(), &event),
            Err(e) => Verdict::Rejected { reason: e.reason(), detail: e.to_string() },
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
                    warn!(partition = m.partition(), offset = m.offset(), reason, %detail, "message rejected");
                }
                if let Some(d) = &mut self.dead_letters {
                    d.send(m, reason, &detail);
                }
            }
            Verdict::NotAssigned => {
                warn!(
                    partition = m.partition(),
                    offset = m.offset(),
                    "message for a partition with no state; not stored"
                );
                return;
            }
        }
        if let Err(e) = consumer.store_offset_from_message(m) {
            warn!(error = %e, partition = m.partition(), "cannot store offset");
        }
    }
}

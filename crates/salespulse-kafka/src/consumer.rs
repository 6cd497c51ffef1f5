//! The consumer loop of the events topic: it reads messages, copies them into the batches
//! of their partitions' worker threads (`batch`) and hands them over (`workers`); the
//! workers decode and apply them.

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use rdkafka::Message;
use rdkafka::consumer::stream_consumer::MessageStream;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaResult;
use rdkafka::message::BorrowedMessage;
use tokio::time::MissedTickBehavior;
use tracing::{info, warn};

use crate::batch::Batch;
use crate::callbacks::{Callbacks, commit};
use crate::config::SourceConfig;
use crate::dead_letter::DeadLetters;
use crate::error::SourceError;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;
use crate::sink::Sink;
use crate::workers::{BATCH, Workers};

/// Everything the loop touches.
struct Loop {
    topic: String,
    sink: Arc<dyn Sink>,
    dead_letters: Option<Arc<DeadLetters>>,
    metrics: Metrics,
    workers: Arc<Mutex<Workers>>,
    /// The batches being filled, one per worker (outside the lock: see `Loop::burst`).
    batches: Vec<Batch>,
    /// The Kafka timestamp of the last message handled, by partition, since the sink was
    /// last told (once per commit poll, not per message).
    last_timestamps: Timestamps,
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
    let dead_letters = DeadLetters::new(&cfg, metrics.clone())?.map(Arc::new);
    let workers = Arc::new(Mutex::new(Workers::start(
        cfg.workers,
        sink.clone(),
        dead_letters.clone(),
        metrics.clone(),
        cfg.max_message_bytes,
        RateLimit::new(10, Duration::from_secs(10)),
    )));
    let callbacks = Callbacks {
        topic: cfg.topic.clone(),
        sink: sink.clone(),
        metrics: metrics.clone(),
        dead_letters: dead_letters.as_ref().map(|d| d.producer()),
        workers: workers.clone(),
        joined,
        quiet: crate::quiet::Quiet::default(),
    };
    let consumer: StreamConsumer<Callbacks> =
        cfg.consumer().create_with_context(callbacks).map_err(SourceError::Config)?;
    consumer.subscribe(&[&cfg.topic]).map_err(|source| SourceError::Subscribe { topic: cfg.topic.clone(), source })?;
    let threads = workers.lock().unwrap_or_else(PoisonError::into_inner).len();
    info!(topic = %cfg.topic, group = %cfg.group_id, brokers = %cfg.brokers, workers = threads, "consuming");
    let batches = workers.lock().unwrap_or_else(PoisonError::into_inner).batches(&cfg.topic);
    let mut l = Loop {
        topic: cfg.topic.clone(),
        sink,
        dead_letters,
        metrics,
        workers,
        batches,
        last_timestamps: Timestamps::default(),
    };
    // One stream for the whole loop: a stream made per read registers (and drops) a waker
    // slot under a lock each time.
    let mut messages = consumer.stream();
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
                // Every message handed over applied, its dead letter delivered: then the
                // snapshots begin, and no rejected message they cover is undelivered.
                l.barrier();
                l.settle_dead_letters().await;
                l.sink.checkpoint();
            }
            _ = commits.tick() => {
                let suppressed = l.lock().unlogged();
                if suppressed > 0 {
                    warn!(suppressed, "rejected messages not logged in the last interval");
                }
                for (partition, t) in l.last_timestamps.drain() {
                    l.sink.consumed(partition, t);
                }
                commit(&consumer, &l.topic, &l.sink.durable(), CommitMode::Async, &l.metrics);
            }
            Some(msg) = messages.next() => l.burst(&consumer, &mut messages, msg),
        }
    }
    drop(messages);
    info!("shutting down: making the state durable and committing");
    l.barrier();
    l.settle_dead_letters().await;
    let mut offsets = l.sink.durable();
    offsets.extend(l.sink.flush());
    commit(&consumer, &l.topic, &offsets, CommitMode::Sync, &l.metrics);
    // Closing the consumer leaves the group; the revoke callback drops the state.
    tokio::task::spawn_blocking(move || drop(consumer)).await.ok();
    Ok(())
}

impl Loop {
    fn lock(&self) -> std::sync::MutexGuard<'_, Workers> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until every message handed over is applied.
    fn barrier(&self) {
        self.lock().barrier();
    }

    async fn settle_dead_letters(&self) {
        if let Some(d) = &self.dead_letters
            && d.pending() > 0
            && !d.settle().await
        {
            warn!("some dead letters were not delivered (see salespulse_dead_letter_errors_total)");
        }
    }

    /// Copies `first`, and the messages already there after it, into the workers' batches,
    /// then hands them over. No lock is held while reading: a rebalance callback may run
    /// and wait for the workers.
    fn burst<'c>(
        &mut self,
        consumer: &StreamConsumer<Callbacks>,
        messages: &mut MessageStream<'c, Callbacks>,
        first: KafkaResult<BorrowedMessage<'c>>,
    ) {
        let (mut read, mut next) = (0, Some(first));
        while let Some(msg) = next.take() {
            match msg {
                Ok(m) => self.copy(&m),
                // The error callback has logged it already (once per interval).
                Err(e) => {
                    if consumer.context().quiet.allow(&e.to_string()) {
                        warn!(error = %e, "consumer error");
                    }
                }
            }
            read += 1;
            if read < BATCH {
                // The stream never ends: `None` is "nothing ready".
                next = messages.next().now_or_never().flatten();
            }
        }
        self.workers.lock().unwrap_or_else(PoisonError::into_inner).hand(&mut self.batches);
    }

    /// Copies `m` into its partition's worker's batch; its time noted.
    fn copy(&mut self, m: &BorrowedMessage<'_>) {
        if let Some(t) = m.timestamp().to_millis() {
            self.last_timestamps.note(m.partition(), t);
        }
        let w = Workers::of(m.partition(), self.batches.len());
        self.batches[w].push(m);
    }
}

/// The time of the last message read per partition, by partition number (a partition of
/// the topic: numbers from 0, as many as the topic has).
#[derive(Debug, Default)]
struct Timestamps(Vec<Option<i64>>);

impl Timestamps {
    fn note(&mut self, partition: i32, t: i64) {
        let Ok(i) = usize::try_from(partition) else { return };
        if i >= self.0.len() {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(t);
    }

    /// Every (partition, time) noted since the last drain.
    fn drain(&mut self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.0.iter_mut().enumerate().filter_map(|(p, t)| Some((i32::try_from(p).ok()?, t.take()?)))
    }
}

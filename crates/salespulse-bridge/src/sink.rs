//! Producing what a CRM payload gave: canonical events to the events (or reference)
//! topic, and what could not be mapped to the dead-letter topic with its reason, all
//! acknowledged before the payload counts as handled.

use std::time::Instant;

use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::Producer as _;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use std::sync::{Mutex, PoisonError, RwLock};

use salespulse_kafka::{QuietContext, RateLimit, SourceConfig, headers};
use tracing::warn;

use crate::mapped::{Mapped, Reason, Reject, Topic};
use crate::metrics::Metrics;

/// Header naming the CRM a dead letter came from.
pub const SOURCE_HEADER: &str = "salespulse.source.crm";

/// The bridge's producer.
pub struct Producer {
    /// Replaced by a new one after a fatal error (a fenced idempotent producer stays
    /// fenced: every later webhook would fail until a restart).
    producer: RwLock<FutureProducer<QuietContext>>,
    config: ClientConfig,
    events: String,
    reference: Option<String>,
    dead_letters: Option<String>,
    max_bytes: usize,
    metrics: Metrics,
    /// Dead letters are logged at most 10 times in 10 s (all are counted).
    log: Mutex<RateLimit>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer").field("events", &self.events).finish_non_exhaustive()
    }
}

impl Producer {
    /// An idempotent producer ([`salespulse_kafka::Role::Writer`]); a message not
    /// acknowledged within 4 s fails, so a webhook gets a 503 before the CRM's own timeout
    /// (HubSpot waits 5 s) and is sent again (`message.timeout.ms` in `[kafka.properties]`
    /// changes it).
    pub fn new(cfg: &SourceConfig, reference: Option<String>, metrics: Metrics) -> Result<Producer, KafkaError> {
        let mut c = cfg.producer("salespulse-bridge");
        if !cfg.properties.contains_key("message.timeout.ms") {
            c.set("message.timeout.ms", "4000");
        }
        let producer = c.create_with_context(QuietContext::default())?;
        let max_bytes = if cfg.max_message_bytes == 0 { usize::MAX } else { cfg.max_message_bytes };
        Ok(Producer {
            producer: RwLock::new(producer),
            config: c,
            events: cfg.topic.clone(),
            reference,
            dead_letters: cfg.dead_letter_topic.clone(),
            max_bytes,
            metrics,
            log: Mutex::new(RateLimit::new(10, std::time::Duration::from_secs(10))),
        })
    }

    /// Produces every event of each mapped payload and a dead letter of the payload for
    /// each of its rejects, and waits for all to be acknowledged. Events the canonical
    /// decoder refuses are rejects.
    pub async fn deliver(&self, source: &str, batch: Vec<(Mapped, &[u8])>) -> Result<(), KafkaError> {
        let producer = self.producer.read().unwrap_or_else(PoisonError::into_inner).clone();
        let delivered = self.deliver_with(&producer, source, batch).await;
        if let Err(e) = &delivered {
            self.renew_if_fatal(&producer, e);
        }
        delivered
    }

    /// After a fatal error of `failed` (a fenced producer...), a new producer takes over,
    /// so the CRM's retry of the webhook goes through.
    fn renew_if_fatal(&self, failed: &FutureProducer<QuietContext>, e: &KafkaError) {
        use rdkafka::types::RDKafkaErrorCode as Code;
        let fatal = failed.client().fatal_error().is_some()
            || matches!(
                e.rdkafka_error_code(),
                Some(
                    Code::ProducerFenced
                        | Code::InvalidProducerEpoch
                        | Code::UnknownProducerId
                        | Code::OutOfOrderSequenceNumber
                )
            );
        if !fatal {
            return;
        }
        match self.config.create_with_context::<_, FutureProducer<QuietContext>>(QuietContext::default()) {
            Ok(fresh) => {
                warn!(error = %salespulse_kafka::shown(e), "the producer failed for good: a new one takes over");
                *self.producer.write().unwrap_or_else(PoisonError::into_inner) = fresh;
            }
            Err(e) => {
                warn!(error = %salespulse_kafka::shown(&e), "cannot create a new producer; keeping the failed one")
            }
        }
    }

    async fn deliver_with(
        &self,
        producer: &FutureProducer<QuietContext>,
        source: &str,
        batch: Vec<(Mapped, &[u8])>,
    ) -> Result<(), KafkaError> {
        let began = Instant::now();
        let mut pending = Vec::new();
        let mut done = Vec::with_capacity(batch.len());
        for (mut mapped, raw) in batch {
            validate(&mut mapped, self.max_bytes);
            for out in &mapped.out {
                let topic = match out.topic {
                    Topic::Reference => self.reference.as_deref().unwrap_or(&self.events),
                    Topic::Events => &self.events,
                };
                pending.push(send(producer, topic, &out.key, &out.payload(), OwnedHeaders::new())?);
            }
            for r in &mapped.rejects {
                let (log, suppressed) = self.log.lock().unwrap_or_else(PoisonError::into_inner).allow(Instant::now());
                if suppressed > 0 {
                    warn!(suppressed, "dead letters not logged in the last interval");
                }
                if log {
                    let reason = r.reason.as_str();
                    warn!(source, reason, detail = %r.detail, "CRM payload not mapped: dead-lettered");
                }
                if let Some(topic) = &self.dead_letters {
                    // The part refused (one event of a batch), else the whole payload.
                    let letter = r.part.as_deref().unwrap_or(raw);
                    pending.push(send(
                        producer,
                        topic,
                        source,
                        &letter[..letter.len().min(self.max_bytes)],
                        dead_letter(source, r, letter.len(), self.max_bytes),
                    )?);
                }
            }
            done.push(mapped);
        }
        for p in pending {
            match p.await {
                Ok(Ok(_)) => {}
                Ok(Err((e, _))) => return Err(e),
                Err(_) => return Err(KafkaError::Canceled),
            }
        }
        if !done.iter().all(|m| m.out.is_empty() && m.rejects.is_empty()) {
            self.metrics.produce_seconds.observe(began.elapsed().as_secs_f64());
        }
        for mapped in done {
            for out in &mapped.out {
                let from = out.event.source.as_deref().unwrap_or(source);
                self.metrics.events.with_label_values(&[from, out.event_type()]).inc();
            }
            for r in &mapped.rejects {
                self.metrics.rejected.with_label_values(&[source, r.reason.as_str()]).inc();
            }
            self.metrics.ignored.with_label_values(&[source]).inc_by(mapped.ignored);
            if !mapped.gaps.is_empty() {
                self.metrics.gaps.inc_by(mapped.gaps.len() as u64);
                let records = mapped.gaps.join(",");
                warn!(source, %records, "gap event: changes the CRM could not describe; resync these records");
            }
        }
        Ok(())
    }

    /// Dead letters not logged in an interval that ended with no line since (a burst that
    /// stopped), to log on a timer.
    pub fn unlogged(&self) -> u64 {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).due(Instant::now())
    }
}

/// Sends one message on `producer`.
fn send(
    producer: &FutureProducer<QuietContext>,
    topic: &str,
    key: &str,
    payload: &[u8],
    h: OwnedHeaders,
) -> Result<DeliveryFuture, KafkaError> {
    let record = FutureRecord::to(topic).key(key).payload(payload).headers(h);
    producer.send_result(record).map_err(|(e, _)| e)
}

/// The headers of a dead letter: why, from which CRM, and whether it was cut to fit.
fn dead_letter(source: &str, r: &Reject, size: usize, max: usize) -> OwnedHeaders {
    let h = OwnedHeaders::new()
        .insert(Header { key: headers::REASON, value: Some(r.reason.as_str()) })
        .insert(Header { key: headers::ERROR, value: Some(r.detail.as_str()) })
        .insert(Header { key: SOURCE_HEADER, value: Some(source) });
    if size <= max {
        return h;
    }
    h.insert(Header { key: headers::TRUNCATED, value: Some("true") })
        .insert(Header { key: headers::ORIGINAL_SIZE, value: Some(&size.to_string()) })
}

/// Moves every event the canonical decoder refuses to the rejects (`invalid_event`): the
/// bridge never produces an event the service would dead-letter.
pub fn validate(mapped: &mut Mapped, max_bytes: usize) {
    let mut kept = Vec::with_capacity(mapped.out.len());
    for out in std::mem::take(&mut mapped.out) {
        match salespulse_events::decode(&out.payload(), max_bytes) {
            Ok(_) => kept.push(out),
            Err(e) => mapped.rejects.push(Reject::new(Reason::InvalidEvent, format!("{}: {e}", out.event_type()))),
        }
    }
    mapped.out = kept;
}

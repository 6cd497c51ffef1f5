//! One bridge: what is known of the CRM records, the mapping tables, the producer and the
//! state file. A payload is handled in one step — map it, produce its events and dead
//! letters, keep the new knowledge — and is acknowledged to its sender only once the
//! state that includes it is durable. If producing fails, the knowledge it gave is undone,
//! so the CRM's retry maps it again.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{Mutex, Notify, watch};
use tracing::{error, info};

use crate::known::Known;
use crate::mapping::{Mapped, Mapping, Reject};
use crate::metrics::Metrics;
use crate::persist::StateFile;
use crate::sink::Producer;

/// A mapping function of one source.
pub type MapFn = fn(&Value, &mut Known, &Mapping) -> Mapped;

/// Why a payload was not handled.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    #[error("cannot produce to Kafka: {0}")]
    Produce(#[from] rdkafka::error::KafkaError),
    #[error("Kafka did not acknowledge within {0:?}")]
    Late(std::time::Duration),
    #[error("the bridge is stopping")]
    Stopping,
}

#[derive(Debug)]
struct Changes {
    known: Known,
    /// Changes kept so far; the saver writes up to the latest.
    generation: u64,
}

/// The shared core of the bridge.
#[derive(Debug)]
pub struct Core {
    changes: Mutex<Changes>,
    pub mapping: Mapping,
    producer: Producer,
    file: Arc<StateFile>,
    pub metrics: Metrics,
    dirty: Notify,
    saved: watch::Sender<u64>,
}

impl Core {
    pub fn new(known: Known, mapping: Mapping, producer: Producer, file: StateFile, metrics: Metrics) -> Arc<Core> {
        metrics.records.set(i64::try_from(known.len()).unwrap_or(i64::MAX));
        Arc::new(Core {
            changes: Mutex::new(Changes { known, generation: 0 }),
            mapping,
            producer,
            file: Arc::new(file),
            metrics,
            dirty: Notify::new(),
            saved: watch::Sender::new(0),
        })
    }

    /// Maps parsed payloads (with their bytes, for dead letters) and produces what they
    /// give, within `within` if set; returns once all is durable. On failure or lateness
    /// what they taught is undone (events that Kafka still takes later are duplicates of
    /// the retry's, with the same ids).
    pub async fn handle(
        &self,
        source: &str,
        payloads: &[(Value, Vec<u8>)],
        map: MapFn,
        within: Option<std::time::Duration>,
    ) -> Result<(), HandleError> {
        let generation = {
            let mut c = self.changes.lock().await;
            c.known.begin();
            let batch = payloads.iter().map(|(v, raw)| (map(v, &mut c.known, &self.mapping), raw.as_slice())).collect();
            let delivery = async { Ok(self.producer.deliver(source, batch).await?) };
            let delivered = match within {
                Some(limit) => tokio::time::timeout(limit, delivery).await.unwrap_or(Err(HandleError::Late(limit))),
                None => delivery.await,
            };
            if let Err(e) = delivered {
                c.known.rollback();
                return Err(e);
            }
            c.known.commit();
            self.metrics.records.set(i64::try_from(c.known.len()).unwrap_or(i64::MAX));
            self.metrics.evicted.inc_by(std::mem::take(&mut c.known.evicted));
            c.generation += 1;
            c.generation
        };
        self.dirty.notify_one();
        let mut saved = self.saved.subscribe();
        saved.wait_for(|&g| g >= generation).await.map_err(|_| HandleError::Stopping)?;
        Ok(())
    }

    /// Dead-letters a payload that could not even be parsed, within `within`.
    pub async fn reject(
        &self,
        source: &str,
        reason: &'static str,
        detail: String,
        raw: &[u8],
        within: std::time::Duration,
    ) -> Result<(), HandleError> {
        let mapped = Mapped { rejects: vec![Reject::new(reason, detail)], ..Mapped::default() };
        let delivery = self.producer.deliver(source, vec![(mapped, raw)]);
        Ok(tokio::time::timeout(within, delivery).await.map_err(|_| HandleError::Late(within))??)
    }

    /// Produces events that need no state (the reference sync).
    pub async fn publish(&self, mapped: Mapped) -> Result<(), HandleError> {
        Ok(self.producer.deliver("bridge", vec![(mapped, b"".as_slice())]).await?)
    }

    /// Writes the state whenever it changed, until `stop` resolves (then once more).
    pub async fn saver(self: Arc<Core>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut stopping = false;
        loop {
            if !stopping {
                tokio::select! {
                    () = self.dirty.notified() => {}
                    () = &mut stop => stopping = true,
                }
            }
            let (generation, bytes) = {
                let c = self.changes.lock().await;
                if c.generation == *self.saved.borrow() {
                    if stopping {
                        return;
                    }
                    continue;
                }
                (c.generation, StateFile::encode(&c.known))
            };
            let file = self.file.clone();
            match tokio::task::spawn_blocking(move || file.write(&bytes)).await {
                Ok(Ok(())) => {
                    self.saved.send_replace(generation);
                }
                Ok(Err(e)) => {
                    self.metrics.state_failures.inc();
                    error!(error = %e, "cannot write the bridge state; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    self.dirty.notify_one();
                }
                Err(e) => error!(error = %e, "the state writer failed"),
            }
            if stopping {
                info!("bridge state written");
            }
        }
    }
}

//! One bridge: what is known of the CRM records, the tables, the producer and the state
//! store. A payload is handled as one change — map it, produce its events and dead
//! letters, keep what it taught — and is acknowledged to its sender only once the state
//! that includes it is durable. If producing fails, the change is undone, so the CRM's
//! retry maps it again.
//!
//! Changes of different records run at once: the state is locked only while a payload is
//! mapped, never across Kafka's acknowledgement. A change holds the records it touched
//! until it is settled or undone; a change that needs a held record waits for it and maps
//! again. The saver writes only settled values (a held record is saved as it was before
//! the change that holds it), one bucket at a time, outside the lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, watch};
use tracing::{error, info};

use crate::mapped::{Mapped, Reason, Reject};
use crate::metrics::Metrics;
use crate::records::{Journal, Known, Record, bucket_of};
use crate::sink::Producer;
use crate::state::StateStore;
use crate::tables::Tables;

/// A mapping function of one source.
pub type MapFn = fn(&Value, &mut Known, &Tables) -> Mapped;

/// Why a payload was not handled.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    #[error("cannot produce to Kafka: {0}")]
    Produce(#[from] rdkafka::error::KafkaError),
    #[error("Kafka did not acknowledge within {0:?}")]
    Late(Duration),
    #[error("the bridge is stopping")]
    Stopping,
}

#[derive(Debug, Default)]
struct Shared {
    known: Known,
    /// Records held by a change under way, by change.
    held: HashMap<String, u64>,
    /// The journal of each change under way.
    journals: HashMap<u64, Journal>,
    next_change: u64,
    /// Changes settled so far; the saver writes up to the latest.
    generation: u64,
    /// The buckets are not whole in the store yet.
    needs_marker: bool,
}

/// The records a staged change holds, released when it is settled or undone — or when the
/// change is dropped half way (undone then), so no record stays held.
struct Hold<'a> {
    bridge: &'a Bridge,
    id: Option<u64>,
}

impl Hold<'_> {
    /// Settles (`ok`) or undoes the change; the generation that includes it.
    fn finish(mut self, ok: bool) -> u64 {
        let id = self.id.take().unwrap_or_default();
        let generation = self.bridge.finish(id, ok);
        self.bridge.released.notify_waiters();
        generation
    }
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.bridge.finish(id, false);
            self.bridge.released.notify_waiters();
        }
    }
}

/// The shared core of the bridge.
#[derive(Debug)]
pub struct Bridge {
    shared: Mutex<Shared>,
    /// A change released its records.
    released: Notify,
    pub tables: Tables,
    producer: Producer,
    state: Arc<StateStore>,
    pub metrics: Metrics,
    /// Refused requests are logged at most 10 times in 10 s (all are counted).
    pub refusals: Mutex<salespulse_kafka::RateLimit>,
    dirty: Notify,
    saved: watch::Sender<u64>,
}

impl Bridge {
    pub fn new(
        known: Known,
        needs_marker: bool,
        tables: Tables,
        producer: Producer,
        state: StateStore,
        metrics: Metrics,
    ) -> Arc<Bridge> {
        metrics.records.set(i64::try_from(known.len()).unwrap_or(i64::MAX));
        let shared = Shared { known, needs_marker, ..Shared::default() };
        let bridge = Arc::new(Bridge {
            shared: Mutex::new(shared),
            released: Notify::new(),
            tables,
            producer,
            state: Arc::new(state),
            metrics,
            refusals: Mutex::new(salespulse_kafka::RateLimit::new(10, Duration::from_secs(10))),
            dirty: Notify::new(),
            saved: watch::Sender::new(0),
        });
        if needs_marker {
            bridge.dirty.notify_one();
        }
        bridge
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Maps parsed payloads (with their bytes, for dead letters) and produces what they
    /// give, within `within` if set; returns once all is durable.
    pub async fn handle(
        &self,
        source: &str,
        payloads: &[(Value, Vec<u8>)],
        map: MapFn,
        within: Option<Duration>,
    ) -> Result<(), HandleError> {
        self.change(source, within, |known, tables| {
            payloads.iter().map(|(v, raw)| (map(v, known, tables), raw.as_slice())).collect()
        })
        .await
    }

    /// Runs `f` as one change: maps under the lock (again, if it needed a record another
    /// change holds), produces, then settles or undoes it.
    pub async fn change<'p>(
        &self,
        source: &str,
        within: Option<Duration>,
        f: impl Fn(&mut Known, &Tables) -> Vec<(Mapped, &'p [u8])>,
    ) -> Result<(), HandleError> {
        let (id, batch) = self.stage(f).await;
        // A request whose client went away is dropped here: the hold undoes its change.
        let hold = Hold { bridge: self, id: Some(id) };
        let delivery = async { Ok(self.producer.deliver(source, batch).await?) };
        let delivered = match within {
            Some(limit) => tokio::time::timeout(limit, delivery).await.unwrap_or(Err(HandleError::Late(limit))),
            None => delivery.await,
        };
        let generation = hold.finish(delivered.is_ok());
        delivered?;
        self.dirty.notify_one();
        let mut saved = self.saved.subscribe();
        saved.wait_for(|&g| g >= generation).await.map_err(|_| HandleError::Stopping)?;
        Ok(())
    }

    /// Maps under the lock until no record the change touched is held by another; holds
    /// them.
    async fn stage<'p>(
        &self,
        f: impl Fn(&mut Known, &Tables) -> Vec<(Mapped, &'p [u8])>,
    ) -> (u64, Vec<(Mapped, &'p [u8])>) {
        loop {
            let released = self.released.notified();
            let staged = {
                let mut s = self.lock();
                s.known.begin();
                let batch = f(&mut s.known, &self.tables);
                let journal = s.known.stage();
                if journal.keys().any(|k| s.held.contains_key(k)) {
                    s.known.undo(journal);
                    None
                } else {
                    let id = s.next_change;
                    s.next_change += 1;
                    for k in journal.keys() {
                        s.held.insert(k.to_owned(), id);
                    }
                    s.journals.insert(id, journal);
                    Some((id, batch))
                }
            };
            match staged {
                Some(staged) => return staged,
                None => released.await,
            }
        }
    }

    /// Settles (`ok`) or undoes change `id` and releases its records; the generation that
    /// includes it.
    fn finish(&self, id: u64, ok: bool) -> u64 {
        let mut guard = self.lock();
        let s = &mut *guard;
        let journal = s.journals.remove(&id).unwrap_or_default();
        for k in journal.keys() {
            s.held.remove(k);
        }
        if !ok {
            s.known.undo(journal);
            return s.generation;
        }
        let held = &s.held;
        s.known.settle(&journal, &|k| held.contains_key(k));
        self.metrics.records.set(i64::try_from(s.known.len()).unwrap_or(i64::MAX));
        self.metrics.evicted.inc_by(s.known.take_evicted());
        s.generation += 1;
        s.generation
    }

    /// Logs the dead letters and refusals a rate limit kept out of the log in an interval
    /// that ended without another line (called on a timer).
    pub fn flush_logs(&self) {
        let now = std::time::Instant::now();
        let letters = self.producer.unlogged();
        if letters > 0 {
            tracing::warn!(suppressed = letters, "dead letters not logged in the last interval");
        }
        let refused = self.refusals.lock().unwrap_or_else(PoisonError::into_inner).due(now);
        if refused > 0 {
            tracing::warn!(suppressed = refused, "refused webhooks not logged in the last interval");
        }
    }

    /// Dead-letters a payload that could not even be parsed, within `within`.
    pub async fn reject(
        &self,
        source: &str,
        reason: Reason,
        detail: String,
        raw: &[u8],
        within: Duration,
    ) -> Result<(), HandleError> {
        let mapped = Mapped { rejects: vec![Reject::new(reason, detail)], ..Mapped::default() };
        let delivery = self.producer.deliver(source, vec![(mapped, raw)]);
        Ok(tokio::time::timeout(within, delivery).await.map_err(|_| HandleError::Late(within))??)
    }

    /// Produces events that need no state (the reference sync).
    pub async fn publish(&self, mapped: Mapped) -> Result<(), HandleError> {
        Ok(self.producer.deliver("bridge", vec![(mapped, b"".as_slice())]).await?)
    }

    /// The settled value of every record of `bucket`: a record held by a change under way
    /// as it was before that change.
    fn settled_bucket(s: &Shared, bucket: usize) -> HashMap<String, Record> {
        let mut records = s.known.bucket(bucket).clone();
        for (key, change) in &s.held {
            if bucket_of(key) != bucket {
                continue;
            }
            match s.journals.get(change).and_then(|j| j.before(key)) {
                Some(Some(was)) => records.insert(key.clone(), was.clone()),
                Some(None) | None => records.remove(key),
            };
        }
        records
    }

    /// Writes what changed whenever it did, until `stop` resolves (then once more).
    pub async fn saver(self: Arc<Bridge>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut stopping = false;
        // Attempts left once stopping, so a store that stays down does not hold the exit.
        let mut last_tries = 3;
        loop {
            if !stopping {
                tokio::select! {
                    () = self.dirty.notified() => {}
                    () = &mut stop => stopping = true,
                }
            }
            let (generation, buckets, marker) = {
                let mut s = self.lock();
                let dirty = s.known.take_dirty();
                if dirty.is_empty() && !s.needs_marker {
                    self.saved.send_replace(s.generation);
                    if stopping {
                        return;
                    }
                    continue;
                }
                let buckets: Vec<(usize, HashMap<String, Record>)> =
                    dirty.into_iter().map(|b| (b, Bridge::settled_bucket(&s, b))).collect();
                (s.generation, buckets, s.needs_marker)
            };
            let state = self.state.clone();
            let written = tokio::task::spawn_blocking(move || {
                let mut failed = Vec::new();
                let mut error = None;
                for (b, records) in buckets {
                    if let Err(e) = state.write(b, &StateStore::encode(&records)) {
                        failed.push(b);
                        error = Some(e);
                    }
                }
                if marker && error.is_none() {
                    error = state.mark_whole().err();
                }
                (failed, error)
            })
            .await;
            match written {
                Ok((failed, None)) if failed.is_empty() => {
                    if marker {
                        self.lock().needs_marker = false;
                    }
                    self.saved.send_replace(generation);
                }
                Ok((failed, error)) => {
                    self.metrics.state_failures.inc();
                    if let Some(e) = error {
                        error!(error = %e, "cannot write the bridge state; retrying");
                    }
                    self.lock().known.redirty(failed);
                    if stopping {
                        last_tries -= 1;
                        if last_tries == 0 {
                            error!("the bridge state could not be written before stopping");
                            return;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use prometheus::Registry;
    use salespulse_kafka::SourceConfig;
    use salespulse_store::MemoryStore;

    use super::*;

    /// A bridge whose producer is never asked to deliver (its broker is nowhere).
    fn bridge() -> Arc<Bridge> {
        let cfg = SourceConfig {
            brokers: "127.0.0.1:1".into(),
            topic: "events".into(),
            group_id: "g".into(),
            group_instance_id: None,
            dead_letter_topic: None,
            max_message_bytes: 0,
            checkpoint_interval: Duration::from_secs(1),
            workers: 1,
            properties: BTreeMap::new(),
        };
        let metrics = Metrics::register(&Registry::new()).unwrap();
        let producer = Producer::new(&cfg, None, metrics.clone()).unwrap();
        let state = StateStore::new(Box::new(MemoryStore::default()));
        Bridge::new(Known::new(100), false, Tables::default(), producer, state, metrics)
    }

    /// A change that sets the owner of record `key`.
    fn touch(key: &'static str) -> impl Fn(&mut Known, &Tables) -> Vec<(Mapped, &'static [u8])> {
        move |known, _| {
            known.entry(key).owner = Some("o".into());
            Vec::new()
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn changes_of_other_records_do_not_wait_and_one_of_a_held_record_waits_for_it() {
        runtime().block_on(async {
            let b = bridge();
            let (a, _) = b.stage(touch("x")).await;
            let other = tokio::time::timeout(Duration::from_secs(5), b.stage(touch("y"))).await;
            assert!(other.is_ok(), "a change of another record runs while x is held");
            let mut same = Box::pin(b.stage(touch("x")));
            tokio::select! {
                biased;
                _ = &mut same => panic!("a change of x went on while x was held"),
                () = std::future::ready(()) => {}
            }
            b.finish(a, true);
            b.released.notify_waiters();
            let after = tokio::time::timeout(Duration::from_secs(5), same).await;
            assert!(after.is_ok(), "released: the waiting change goes on");
        });
    }

    #[test]
    fn a_change_dropped_half_way_is_undone_and_saves_never_see_it() {
        runtime().block_on(async {
            let b = bridge();
            let (id, _) = b.stage(touch("x")).await;
            let bucket = bucket_of("x");
            assert!(!Bridge::settled_bucket(&b.lock(), bucket).contains_key("x"), "in flight: not saved");
            drop(Hold { bridge: &b, id: Some(id) });
            assert!(b.lock().known.get("x").is_none(), "undone");
            let again = tokio::time::timeout(Duration::from_secs(5), b.stage(touch("x"))).await;
            let (id, _) = again.expect("x is no longer held");
            Hold { bridge: &b, id: Some(id) }.finish(true);
            assert!(Bridge::settled_bucket(&b.lock(), bucket).contains_key("x"), "settled: saved");
        });
    }
}

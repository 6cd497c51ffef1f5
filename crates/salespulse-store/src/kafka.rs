//! `kafka://TOPIC`: snapshots in a compacted topic, so any instance of the consumer group
//! can restore a partition another one owned.
//!
//! A snapshot of key `K` is written as chunks keyed `K#P#I` (P: 0 or 1, alternating
//! between snapshots, so writing one never overwrites the chunks the current manifest
//! points to), then a manifest keyed `K` naming the generation, chunk count, length and
//! checksum. Chunks are delivered before the manifest is sent; a reader trusts only a
//! manifest whose chunks all match it. Compaction keeps the latest value of each key.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::error::StoreError;
use crate::snapshot_store::{SnapshotKey, SnapshotStore};

const CHUNK: usize = 256 * 1024;
const MANIFEST: &[u8; 8] = b"SPMANIF1";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Snapshots in a Kafka topic.
pub struct KafkaStore {
    topic: String,
    client: ClientConfig,
    producer: BaseProducer,
    /// Per key: the parity and chunk count of the newest snapshot written or read.
    last: Mutex<HashMap<String, (u8, u32)>>,
}

impl std::fmt::Debug for KafkaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStore").field("topic", &self.topic).finish()
    }
}

struct Manifest {
    generation: u64,
    parity: u8,
    count: u32,
    len: u64,
    crc: u32,
}

impl Manifest {
    fn encode(&self) -> Vec<u8> {
        let mut v = MANIFEST.to_vec();
        v.extend_from_slice(&self.generation.to_le_bytes());
        v.push(self.parity);
        v.extend_from_slice(&self.count.to_le_bytes());
        v.extend_from_slice(&self.len.to_le_bytes());
        v.extend_from_slice(&self.crc.to_le_bytes());
        v
    }

    fn decode(b: &[u8]) -> Option<Manifest> {
        if b.len() != 8 + 8 + 1 + 4 + 8 + 4 || &b[..8] != MANIFEST {
            return None;
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Some(Manifest { generation: u64_at(8), parity: b[16], count: u32_at(17), len: u64_at(21), crc: u32_at(29) })
    }
}

fn err(topic: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Kafka { topic: topic.to_owned(), detail: detail.to_string() }
}

impl KafkaStore {
    /// A store on `topic` (which should be compacted; `salespulse topics` creates it so).
    pub fn new(topic: &str, client: ClientConfig) -> Result<KafkaStore, StoreError> {
        let mut p = client.clone();
        p.set("enable.idempotence", "true").set("acks", "all").set("linger.ms", "5");
        p.set("message.max.bytes", (CHUNK + 64 * 1024).to_string());
        let producer: BaseProducer = p.create().map_err(|e| err(topic, e))?;
        Ok(KafkaStore { topic: topic.to_owned(), client, producer, last: Mutex::new(HashMap::new()) })
    }

    fn send(&self, key: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let mut record: BaseRecord<'_, str, [u8]> = BaseRecord::to(&self.topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((
                    rdkafka::error::KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                    r,
                )) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(20));
                }
                Err((e, _)) => return Err(err(&self.topic, e)),
            }
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.producer.flush(TIMEOUT).map_err(|e| err(&self.topic, format!("delivery not confirmed: {e}")))?;
        Ok(())
    }

    /// The newest value of every key that is one of `bases` or a chunk of one.
    fn read(&self, bases: &[String]) -> Result<HashMap<String, Option<Vec<u8>>>, StoreError> {
        let mut c = self.client.clone();
        c.set("group.id", "salespulse-snapshot-reader")
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false");
        let consumer: BaseConsumer = c.create().map_err(|e| err(&self.topic, e))?;
        let md = consumer.fetch_metadata(Some(&self.topic), TIMEOUT).map_err(|e| err(&self.topic, e))?;
        let partitions: Vec<i32> = md
            .topics()
            .iter()
            .find(|t| t.name() == self.topic && t.error().is_none())
            .map(|t| t.partitions().iter().map(|p| p.id()).collect())
            .ok_or_else(|| err(&self.topic, "topic does not exist (create it with `salespulse topics`)"))?;
        let mut tpl = TopicPartitionList::new();
        let mut remaining = HashMap::new();
        for p in &partitions {
            let (low, high) = consumer.fetch_watermarks(&self.topic, *p, TIMEOUT).map_err(|e| err(&self.topic, e))?;
            if high > low {
                remaining.insert(*p, high);
            }
            tpl.add_partition_offset(&self.topic, *p, Offset::Beginning).map_err(|e| err(&self.topic, e))?;
        }
        consumer.assign(&tpl).map_err(|e| err(&self.topic, e))?;
        let wanted =
            |k: &str| bases.iter().any(|b| k == b || k.strip_prefix(b.as_str()).is_some_and(|r| r.starts_with('#')));
        let mut latest = HashMap::new();
        let (deadline, mut quiet_since) = (Instant::now() + TIMEOUT * 4, None::<Instant>);
        // Read to the high watermarks, then until the topic stays quiet (some brokers
        // report a watermark that trails the last offset).
        while Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    quiet_since = None;
                    if remaining.get(&m.partition()).is_some_and(|end| m.offset() + 1 >= *end) {
                        remaining.remove(&m.partition());
                    }
                    if let Some(k) = m.key().and_then(|k| std::str::from_utf8(k).ok()).filter(|k| wanted(k)) {
                        latest.insert(k.to_owned(), m.payload().map(<[u8]>::to_vec));
                    }
                }
                Some(Err(e)) => return Err(err(&self.topic, e)),
                None if remaining.is_empty() => {
                    let since = *quiet_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= Duration::from_millis(300) {
                        return Ok(latest);
                    }
                }
                None => {}
            }
        }
        Err(err(&self.topic, "timed out reading snapshots"))
    }
}

impl SnapshotStore for KafkaStore {
    fn load(&self, keys: &[SnapshotKey]) -> Result<BTreeMap<SnapshotKey, Vec<u8>>, StoreError> {
        let bases: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let latest = self.read(&bases)?;
        let mut out = BTreeMap::new();
        for (key, base) in keys.iter().zip(&bases) {
            let Some(Some(raw)) = latest.get(base) else { continue };
            // An unusable manifest or chunk yields bytes the format refuses: the
            // partition is then rebuilt like with any corrupt snapshot.
            let Some(m) = Manifest::decode(raw) else {
                out.insert(key.clone(), Vec::new());
                continue;
            };
            let mut bytes = Vec::with_capacity(m.len as usize);
            for i in 0..m.count {
                match latest.get(&format!("{base}#{}#{i}", m.parity)) {
                    Some(Some(c)) if c.len() >= 8 && c[..8] == m.generation.to_le_bytes() => {
                        bytes.extend_from_slice(&c[8..])
                    }
                    _ => {
                        bytes.clear();
                        break;
                    }
                }
            }
            if bytes.len() as u64 != m.len || crc32fast::hash(&bytes) != m.crc {
                bytes.clear();
            }
            self.last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(base.clone(), (m.parity, m.count));
            out.insert(key.clone(), bytes);
        }
        Ok(out)
    }

    fn save(&self, key: &SnapshotKey, bytes: &[u8]) -> Result<(), StoreError> {
        let base = key.to_string();
        let previous = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&base).copied();
        let parity = previous.map_or(0, |(p, _)| 1 - p);
        let generation =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        let chunks: Vec<&[u8]> = if bytes.is_empty() { vec![&[][..]] } else { bytes.chunks(CHUNK).collect() };
        for (i, chunk) in chunks.iter().enumerate() {
            let mut value = generation.to_le_bytes().to_vec();
            value.extend_from_slice(chunk);
            self.send(&format!("{base}#{parity}#{i}"), Some(&value))?;
        }
        self.flush()?;
        let m = Manifest {
            generation,
            parity,
            count: chunks.len() as u32,
            len: bytes.len() as u64,
            crc: crc32fast::hash(bytes),
        };
        self.send(&base, Some(&m.encode()))?;
        self.flush()?;
        self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(base, (parity, m.count));
        Ok(())
    }

    fn quarantine(&self, key: &SnapshotKey, _why: &str) -> Result<(), StoreError> {
        // A tombstone on the manifest: the next reader finds no snapshot and rebuilds.
        self.send(&key.to_string(), None)?;
        self.flush()
    }
}

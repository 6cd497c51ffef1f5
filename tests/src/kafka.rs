//! Topics, producing and consuming for the tests.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::brokers;

fn client() -> ClientConfig {
    client_of(&brokers())
}

fn client_of(brokers: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers);
    c
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Creates a topic with explicit configs.
pub fn create_topic(name: &str, partitions: i32) {
    create_topic_on(&brokers(), name, partitions);
}

/// [`create_topic`] on other brokers.
pub fn create_topic_on(brokers: &str, name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = client_of(brokers).create().expect("admin client");
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1))
        .set("retention.ms", "8640000000")
        .set("cleanup.policy", "delete");
    let res = runtime().block_on(admin.create_topics([&topic], &AdminOptions::new())).expect("create_topics");
    for r in res {
        r.unwrap_or_else(|(t, e)| panic!("cannot create topic {t}: {e}"));
    }
}

/// Produces `(key, payload)` messages in order; returns each one's (partition, offset).
pub fn produce(topic: &str, messages: &[(String, Vec<u8>)]) -> Vec<(i32, i64)> {
    produce_on(&brokers(), topic, messages)
}

/// [`produce`] to other brokers.
pub fn produce_on(brokers: &str, topic: &str, messages: &[(String, Vec<u8>)]) -> Vec<(i32, i64)> {
    let producer: FutureProducer = client_of(brokers).set("enable.idempotence", "true").create().expect("producer");
    runtime().block_on(async {
        let mut out = Vec::new();
        for (key, payload) in messages {
            let record = FutureRecord::to(topic).key(key).payload(payload);
            let d =
                producer.send(record, Duration::from_secs(10)).await.unwrap_or_else(|(e, _)| panic!("produce: {e}"));
            out.push((d.partition, d.offset));
        }
        out
    })
}

/// A message to produce: key, payload (`None`: a tombstone) and headers.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub key: String,
    pub payload: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
}

/// Produces `messages` in order, up to 16 MiB each; returns each one's (partition, offset).
pub fn produce_all(topic: &str, messages: &[Outgoing]) -> Vec<(i32, i64)> {
    let producer: FutureProducer =
        client().set("enable.idempotence", "true").set("message.max.bytes", "16777216").create().expect("producer");
    runtime().block_on(async {
        let mut out = Vec::new();
        for m in messages {
            let mut headers = OwnedHeaders::new();
            for (k, v) in &m.headers {
                headers = headers.insert(Header { key: k, value: Some(v) });
            }
            let mut record: FutureRecord<'_, String, Vec<u8>> = FutureRecord::to(topic).key(&m.key).headers(headers);
            if let Some(p) = &m.payload {
                record = record.payload(p);
            }
            let d =
                producer.send(record, Duration::from_secs(10)).await.unwrap_or_else(|(e, _)| panic!("produce: {e}"));
            out.push((d.partition, d.offset));
        }
        out
    })
}

/// A message read back, with its headers.
#[derive(Debug, Clone)]
pub struct Received {
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    pub headers: BTreeMap<String, String>,
}

/// Reads every partition of `topic` from the beginning until `n` messages are read.
pub fn consume(topic: &str, n: usize, timeout: Duration) -> Vec<Received> {
    consume_on(&brokers(), topic, n, timeout)
}

/// [`consume`] from `brokers`.
pub fn consume_on(brokers: &str, topic: &str, n: usize, timeout: Duration) -> Vec<Received> {
    let consumer: BaseConsumer =
        client_of(brokers).set("group.id", crate::unique("e2e-reader")).create().expect("consumer");
    let md = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let mut tpl = TopicPartitionList::new();
    for p in md.topics()[0].partitions() {
        tpl.add_partition_offset(topic, p.id(), Offset::Beginning).expect("tpl");
    }
    consumer.assign(&tpl).expect("assign");
    let deadline = std::time::Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Received {
                key: m.key().map(<[u8]>::to_vec),
                payload: m.payload().unwrap_or_default().to_vec(),
                headers,
            });
        }
    }
    out
}

/// The offsets `group` has committed on `topic`, per partition (absent: none committed).
pub fn committed(topic: &str, group: &str, partitions: i32) -> BTreeMap<i32, i64> {
    let consumer: BaseConsumer = client().set("group.id", group).create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition(topic, p);
    }
    let got = consumer.committed_offsets(tpl, Duration::from_secs(10)).expect("committed offsets");
    got.elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.partition(), o)),
            _ => None,
        })
        .collect()
}

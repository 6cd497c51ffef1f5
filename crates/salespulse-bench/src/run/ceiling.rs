//! The ceiling of a replay: a bare librdkafka consumer that only counts the messages of
//! the topic, read from the beginning of every partition.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::cpu::{Mark, Use};

/// Messages read and how long from the assignment to the last one.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub messages: u64,
    pub took: Duration,
    /// CPU in use while reading (this process is the reader).
    pub cpu: Use,
}

impl Counted {
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.took.as_secs_f64().max(1e-9)
    }
}

/// Reads every partition of `topic` from the beginning until `idle` passes without a
/// message.
pub fn count(brokers: &str, topic: &str, partitions: u32, idle: Duration) -> Result<Counted, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("bench-ceiling-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p as i32, Offset::Beginning).map_err(|e| e.to_string())?;
    }
    consumer.assign(&tpl).map_err(|e| format!("assign: {e}"))?;
    let start = Instant::now();
    let me = std::process::id();
    let mark = Mark::now(me);
    let (mut messages, mut last, mut cpu) = (0u64, start, mark.since(me));
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(_)) => {
                messages += 1;
                last = Instant::now();
                if messages.is_multiple_of(50_000) {
                    cpu = mark.since(me);
                }
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None if last.elapsed() > idle && messages > 0 => break,
            None if start.elapsed() > Duration::from_secs(120) && messages == 0 => return Err("no message".into()),
            None => {}
        }
    }
    Ok(Counted { messages, took: last - start, cpu })
}

//! Messages copied out of librdkafka a batch at a time, into one buffer: a message costs
//! a copy of its bytes, not an allocation for each of its payload, key and topic name (and
//! a free of each on the worker thread that applies it).

use std::ops::Range;
use std::sync::Arc;

use rdkafka::Message;
use rdkafka::message::{Header, Headers, OwnedHeaders};

/// Messages of one topic, in the order they were read.
#[derive(Debug, Default)]
pub struct Batch {
    /// Named once: the consumer reads one topic (a message's own topic name is a UTF-8
    /// check each time it is read).
    topic: Arc<str>,
    bytes: Vec<u8>,
    items: Vec<Item>,
}

#[derive(Debug)]
struct Item {
    partition: i32,
    offset: i64,
    payload: Range<usize>,
    key: Option<Range<usize>>,
    /// Copied only when the message has any (rare: they go to the dead-letter topic).
    headers: Option<OwnedHeaders>,
}

/// One message of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Copied<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    /// Empty when the message had none.
    pub payload: &'a [u8],
    pub key: Option<&'a [u8]>,
    pub headers: Option<&'a OwnedHeaders>,
}

impl Batch {
    /// An empty batch of messages of `topic`, with room for `messages` messages of `bytes`
    /// bytes in all.
    pub fn with_capacity(topic: Arc<str>, messages: usize, bytes: usize) -> Batch {
        Batch { topic, bytes: Vec::with_capacity(bytes), items: Vec::with_capacity(messages) }
    }

    /// An empty batch of the same topic, with room for as much as this one holds.
    pub fn emptied(&self) -> Batch {
        Batch::with_capacity(self.topic.clone(), self.items.capacity(), self.bytes.len())
    }

    /// Copies `m`, a message of the batch's topic, in.
    pub fn push(&mut self, m: &impl Message) {
        let mut copy = |b: &[u8]| {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(b);
            start..self.bytes.len()
        };
        let payload = copy(m.payload().unwrap_or_default());
        let key = m.key().map(&mut copy);
        let headers = m.headers().filter(|h| h.count() > 0).map(|h| {
            h.iter().fold(OwnedHeaders::new_with_capacity(h.count()), |out, h| {
                out.insert(Header { key: h.key, value: h.value })
            })
        });
        self.items.push(Item { partition: m.partition(), offset: m.offset(), payload, key, headers });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every message, in order.
    pub fn iter(&self) -> impl Iterator<Item = Copied<'_>> {
        self.items.iter().map(|i| Copied {
            topic: &self.topic,
            partition: i.partition,
            offset: i.offset,
            payload: &self.bytes[i.payload.clone()],
            key: i.key.clone().map(|k| &self.bytes[k]),
            headers: i.headers.as_ref(),
        })
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;

    #[test]
    fn a_message_reads_back_as_it_was() {
        let headers = OwnedHeaders::new().insert(Header { key: "h", value: Some("v") });
        let messages = [
            OwnedMessage::new(
                Some(b"one".to_vec()),
                Some(b"k1".to_vec()),
                "t".into(),
                Timestamp::NotAvailable,
                2,
                7,
                None,
            ),
            OwnedMessage::new(None, None, "t".into(), Timestamp::NotAvailable, 3, 8, Some(headers)),
        ];
        let mut batch = Batch::with_capacity("t".into(), 1, 1);
        for m in &messages {
            batch.push(m);
        }
        let read: Vec<Copied<'_>> = batch.iter().collect();
        assert_eq!((read[0].topic, read[0].partition, read[0].offset), ("t", 2, 7));
        assert_eq!((read[0].payload, read[0].key), (&b"one"[..], Some(&b"k1"[..])));
        assert!(read[0].headers.is_none());
        assert_eq!((read[1].payload, read[1].key, read[1].partition, read[1].offset), (&b""[..], None, 3, 8));
        let h = read[1].headers.expect("headers kept");
        assert_eq!((h.count(), h.get(0).key, h.get(0).value), (1, "h", Some(&b"v"[..])));
        assert_eq!((read.len(), batch.bytes.len()), (2, 5));
        let room = batch.emptied();
        assert!(room.is_empty() && room.items.capacity() >= 2 && room.bytes.capacity() >= 5);
        assert_eq!(&*room.topic, "t");
    }
}

//! Where snapshots are kept, as a URL names it: `file://DIR` or `kafka://TOPIC`.

use std::fmt;
use std::path::PathBuf;

use crate::error::StoreError;
use crate::file::FileStore;
use crate::kafka::KafkaStore;
use crate::snapshot_store::SnapshotStore;

/// A snapshot store's URL, checked: `file://DIR` or `kafka://TOPIC`, neither part empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    File(PathBuf),
    Kafka(String),
}

impl StoreUrl {
    /// Reads a URL; anything else than `file://DIR` or `kafka://TOPIC` is an error.
    pub fn parse(url: &str) -> Result<StoreUrl, StoreError> {
        if let Some(dir) = url.strip_prefix("file://").filter(|d| !d.is_empty()) {
            return Ok(StoreUrl::File(PathBuf::from(dir)));
        }
        if let Some(topic) = url.strip_prefix("kafka://").filter(|t| !t.is_empty()) {
            return Ok(StoreUrl::Kafka(topic.to_owned()));
        }
        Err(StoreError::Url { url: url.to_owned() })
    }

    /// Opens the store (with the Kafka client settings to reach the broker).
    pub fn open(&self, kafka: &rdkafka::ClientConfig) -> Result<Box<dyn SnapshotStore>, StoreError> {
        Ok(match self {
            StoreUrl::File(dir) => Box::new(FileStore::new(dir)?),
            StoreUrl::Kafka(topic) => Box::new(KafkaStore::new(topic, kafka.clone())?),
        })
    }

    /// The compacted topic of a `kafka://` store.
    pub fn topic(&self) -> Option<&str> {
        match self {
            StoreUrl::Kafka(topic) => Some(topic),
            StoreUrl::File(_) => None,
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::File(dir) => write!(f, "file://{}", dir.display()),
            StoreUrl::Kafka(topic) => write!(f, "kafka://{topic}"),
        }
    }
}

impl std::str::FromStr for StoreUrl {
    type Err = StoreError;
    fn from_str(url: &str) -> Result<StoreUrl, StoreError> {
        StoreUrl::parse(url)
    }
}

impl serde::Serialize for StoreUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for StoreUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<StoreUrl, D::Error> {
        let url = String::deserialize(d)?;
        StoreUrl::parse(&url).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_url_is_file_or_kafka_with_something_after_it() {
        assert_eq!(StoreUrl::parse("file://state").ok(), Some(StoreUrl::File("state".into())));
        assert_eq!(StoreUrl::parse("kafka://snaps").ok().as_ref().and_then(StoreUrl::topic), Some("snaps"));
        for bad in ["file://", "kafka://", "s3://bucket", "state", ""] {
            assert!(StoreUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(StoreUrl::parse("kafka://snaps").map(|u| u.to_string()).ok().as_deref(), Some("kafka://snaps"));
    }
}

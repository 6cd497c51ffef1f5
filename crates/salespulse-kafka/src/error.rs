//! Errors of the Kafka source.

use rdkafka::error::KafkaError;
use thiserror::Error;

/// What can stop the source (bad messages never do).
#[derive(Debug, Error)]
pub enum SourceError {
    /// The client could not be created from the given properties (shown by name, never
    /// with the value: it may be a secret).
    #[error("invalid Kafka client configuration: {}", crate::client::shown(.0))]
    Config(KafkaError),
    /// Subscribing to the topic failed.
    #[error("cannot subscribe to topic {topic}: {source}")]
    Subscribe { topic: String, source: KafkaError },
    /// Reading broker metadata failed.
    #[error("cannot read metadata of topic {topic}: {source}")]
    Metadata { topic: String, source: KafkaError },
    /// A topic could not be created.
    #[error("cannot create topic {topic}: {detail}")]
    CreateTopic { topic: String, detail: String },
}

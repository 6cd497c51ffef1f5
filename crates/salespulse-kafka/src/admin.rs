//! Topic administration: partitions of a topic, and creating topics with explicit configs.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, ConsumerContext};
use rdkafka::error::RDKafkaErrorCode;

use crate::config::SourceConfig;
use crate::error::SourceError;

/// A topic to create.
#[derive(Debug, Clone)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication: i32,
    /// Topic configs, e.g. `retention.ms`; always given explicitly.
    pub configs: Vec<(String, String)>,
}

/// The partition ids of `topic`, or an error if the broker does not know it.
pub fn topic_partitions<C: ConsumerContext>(consumer: &impl Consumer<C>, topic: &str) -> Result<Vec<i32>, SourceError> {
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|source| SourceError::Metadata { topic: topic.to_owned(), source })?;
    let t = md.topics().iter().find(|t| t.name() == topic);
    match t {
        Some(t) if t.error().is_none() => Ok(t.partitions().iter().map(|p| p.id()).collect()),
        _ => Ok(Vec::new()),
    }
}

/// Creates the topics that do not exist yet; existing ones are left as they are.
/// Returns the names actually created.
pub async fn create_topics(cfg: &SourceConfig, specs: &[TopicSpec]) -> Result<Vec<String>, SourceError> {
    let admin: AdminClient<DefaultClientContext> = cfg.client().create().map_err(SourceError::Config)?;
    let new: Vec<NewTopic<'_>> = specs
        .iter()
        .map(|s| {
            let mut t = NewTopic::new(&s.name, s.partitions, TopicReplication::Fixed(s.replication));
            for (k, v) in &s.configs {
                t = t.set(k, v);
            }
            t
        })
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics(new.iter(), &opts)
        .await
        .map_err(|e| SourceError::CreateTopic { topic: "*".into(), detail: e.to_string() })?;
    let mut created = Vec::new();
    for r in results {
        match r {
            Ok(name) => created.push(name),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(SourceError::CreateTopic { topic, detail: code.to_string() }),
        }
    }
    Ok(created)
}

//! `salespulse topics`: creates the topics the service uses, with explicit configs.

use anyhow::Context;
use salespulse_kafka::{TopicSpec, create_topics};

use crate::cli::TopicsArgs;
use crate::config::resolve::Resolved;

/// Creates the events, reference and dead-letter topics that do not exist yet.
pub async fn run(args: &TopicsArgs, r: &Resolved) -> anyhow::Result<()> {
    let retention =
        humantime::parse_duration(&args.retention).with_context(|| format!("--retention {:?}", args.retention))?;
    if retention.as_secs() < 90 * 86_400 {
        tracing::warn!("--retention is shorter than the 90d window: a rebuild from the topic will miss old events");
    }
    let k = &r.config.kafka;
    let mut specs = vec![TopicSpec {
        name: k.topic.clone(),
        partitions: args.partitions,
        replication: args.replication,
        configs: vec![
            ("retention.ms".into(), retention.as_millis().to_string()),
            ("cleanup.policy".into(), "delete".into()),
        ],
    }];
    if !k.reference_topic.is_empty() {
        specs.push(TopicSpec {
            name: k.reference_topic.clone(),
            partitions: 1,
            replication: args.replication,
            configs: vec![("retention.ms".into(), "-1".into()), ("cleanup.policy".into(), "delete".into())],
        });
    }
    if !k.dead_letter_topic.is_empty() {
        specs.push(TopicSpec {
            name: k.dead_letter_topic.clone(),
            partitions: args.partitions,
            replication: args.replication,
            configs: vec![
                ("retention.ms".into(), (30u64 * 86_400_000).to_string()),
                ("cleanup.policy".into(), "delete".into()),
            ],
        });
    }
    if let Some(topic) = r.config.state.store.topic() {
        specs.push(TopicSpec {
            name: topic.to_owned(),
            partitions: args.partitions,
            replication: args.replication,
            configs: vec![("cleanup.policy".into(), "compact".into()), ("retention.ms".into(), "-1".into())],
        });
    }
    let created = create_topics(&r.source(), &specs).await?;
    for s in &specs {
        let state = if created.contains(&s.name) { "created" } else { "exists" };
        println!("{state}: {} ({} partitions)", s.name, s.partitions);
    }
    Ok(())
}

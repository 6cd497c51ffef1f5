//! Waiting for Kafka at start. A pod may start before its brokers: an unreachable broker
//! is waited for with backoff and said to be unreachable (never taken for a missing
//! topic), and a missing events topic is waited for too, while the service stays
//! not-ready.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use tracing::{info, warn};

use crate::config::SourceConfig;
use crate::error::SourceError;
use crate::quiet::QuietContext;

/// The first wait after a failed attempt; it doubles up to [`LONGEST`].
const FIRST: Duration = Duration::from_secs(1);
const LONGEST: Duration = Duration::from_secs(10);

/// What one look at the cluster found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// With the topic's partition count.
    Ready(usize),
    NoTopic,
    Unreachable(String),
}

/// Returns once the brokers answer and the events topic exists (with its partition
/// count), or when `shutdown` resolves first (`None`).
pub async fn wait_for_kafka(
    cfg: &SourceConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Option<usize>, SourceError> {
    let probe: Arc<BaseConsumer<QuietContext>> =
        Arc::new(cfg.client().create_with_context(QuietContext::default()).map_err(SourceError::Config)?);
    tokio::pin!(shutdown);
    let (mut delay, mut last) = (FIRST, None);
    loop {
        let (p, topic) = (probe.clone(), cfg.topic.clone());
        let found = tokio::task::spawn_blocking(move || match p.fetch_metadata(Some(&topic), Duration::from_secs(5)) {
            Ok(md) => md
                .topics()
                .iter()
                .find(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
                .map_or(Found::NoTopic, |t| Found::Ready(t.partitions().len())),
            Err(e) => Found::Unreachable(e.to_string()),
        })
        .await
        .unwrap_or_else(|e| Found::Unreachable(e.to_string()));
        match &found {
            Found::Ready(partitions) => {
                if last.is_some() {
                    info!(brokers = %cfg.brokers, topic = %cfg.topic, "Kafka reachable and the events topic found");
                }
                return Ok(Some(*partitions));
            }
            // Once per change of state, and at most once per wait while unreachable.
            Found::NoTopic if last.as_ref() != Some(&found) => warn!(
                topic = %cfg.topic,
                brokers = %cfg.brokers,
                "the events topic does not exist: waiting for it (`salespulse topics` creates it)"
            ),
            Found::Unreachable(e) => {
                warn!(brokers = %cfg.brokers, error = %e, retry_in_s = delay.as_secs(), "Kafka unreachable: waiting");
            }
            Found::NoTopic => {}
        }
        let wait = if found == Found::NoTopic { FIRST * 2 } else { delay };
        delay = (delay * 2).min(LONGEST);
        last = Some(found);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = &mut shutdown => return Ok(None),
        }
    }
}

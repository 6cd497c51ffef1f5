//! Reloading the reference files when they change or on SIGHUP.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use prometheus::IntCounterVec;
use tracing::{info, warn};

use super::{Files, Loaded};
use crate::shards::Shards;

type Stamp = Option<(SystemTime, u64)>;

fn stamps(files: &Files) -> BTreeMap<PathBuf, Stamp> {
    files
        .paths()
        .into_iter()
        .map(|p| {
            let stamp = std::fs::metadata(p).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
            (p.clone(), stamp)
        })
        .collect()
}

/// Reloads `files` into the shards' reference table whenever one changes (checked every
/// `interval`) or SIGHUP arrives, until `stop` resolves.
pub async fn watch(
    files: Files,
    mut loaded: Loaded,
    shards: Arc<Shards>,
    interval: Duration,
    reloads: IntCounterVec,
    stop: impl Future<Output = ()>,
) {
    if files.paths().is_empty() {
        return stop.await;
    }
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(interval);
    let mut seen = stamps(&files);
    tokio::pin!(stop);
    loop {
        #[cfg(unix)]
        let hangup = async {
            match hup.as_mut() {
                Some(h) => h.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let hangup = std::future::pending::<Option<()>>();
        let forced = tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => false,
            _ = hangup => true,
        };
        let now = stamps(&files);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        match files.read() {
            Ok(new) => {
                shards.with_reference(|r| new.apply(&loaded, r));
                info!(summary = %new.summary(), sighup = forced, "reference files reloaded");
                loaded = new;
                reloads.with_label_values(&["ok"]).inc();
            }
            Err(errors) => {
                reloads.with_label_values(&["error"]).inc();
                warn!(problems = errors.len(), "reference files not reloaded; keeping the previous data");
                for e in errors {
                    warn!("{e}");
                }
            }
        }
    }
}

//! Reloading the reference files when they change or on SIGHUP: this watcher decides
//! when; the node reads, checks and applies them.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use salespulse_node::{Node, ReferenceFiles};

type Stamp = Option<(SystemTime, u64)>;

fn stamps(files: &ReferenceFiles) -> BTreeMap<PathBuf, Stamp> {
    files
        .paths()
        .into_iter()
        .map(|p| {
            let stamp = std::fs::metadata(p).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
            (p.clone(), stamp)
        })
        .collect()
}

/// Reloads the node's reference files whenever one changes (checked every `interval`) or
/// SIGHUP arrives, until `stop` resolves.
pub async fn watch(node: Arc<Node>, interval: Duration, stop: impl Future<Output = ()>) {
    let files = node.files();
    if files.paths().is_empty() {
        return stop.await;
    }
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(interval);
    let mut seen = stamps(files);
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
        let now = stamps(files);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        node.reload_files(forced);
    }
}

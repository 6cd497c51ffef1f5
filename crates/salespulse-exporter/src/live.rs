//! The web configuration in force, re-read when its files change — the file itself, and
//! the certificate, key and CA it names — as the Prometheus exporter toolkit does, so a
//! rotated certificate or a new user needs no restart. Looked at every few seconds; a
//! file that no longer checks is logged (never with a password) and the configuration in
//! force stays.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use tracing::{info, warn};

use crate::web_config::WebConfig;

/// How often the files are looked at.
pub const RELOAD_EVERY: Duration = Duration::from_secs(10);

/// What the files looked like: (modified, length) of each.
type Stamp = Vec<Option<(SystemTime, u64)>>;

fn stamp(files: &[PathBuf]) -> Stamp {
    files.iter().map(|f| std::fs::metadata(f).ok().and_then(|m| Some((m.modified().ok()?, m.len())))).collect()
}

/// The web configuration, shared by the connections and the authentication.
#[derive(Clone)]
pub struct LiveWeb {
    current: Arc<RwLock<Arc<WebConfig>>>,
}

impl std::fmt::Debug for LiveWeb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl LiveWeb {
    pub fn new(web: WebConfig) -> LiveWeb {
        LiveWeb { current: Arc::new(RwLock::new(Arc::new(web))) }
    }

    /// The configuration in force.
    pub fn get(&self) -> Arc<WebConfig> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The TLS configuration in force (for a new connection).
    pub fn tls(&self) -> Option<Arc<ServerConfig>> {
        self.get().tls.clone()
    }

    /// The users in force.
    pub fn users(&self) -> BTreeMap<String, String> {
        self.get().users.clone()
    }

    /// Re-reads the file whenever one of its files changed, every `every`, until the
    /// task is dropped. Nothing to watch without a file.
    pub async fn watch(self, every: Duration) {
        let web = self.get();
        let Some(path) = web.sources.first().cloned() else { return };
        let mut seen = stamp(&web.sources);
        loop {
            tokio::time::sleep(every).await;
            let sources = self.get().sources.clone();
            let now = stamp(&sources);
            if now == seen {
                continue;
            }
            seen = now;
            match WebConfig::load(&path) {
                Ok(web) => {
                    let (tls, users) = (web.tls.is_some(), web.users.len());
                    seen = stamp(&web.sources);
                    *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(web);
                    info!(file = %path.display(), tls, users, "web configuration reloaded");
                }
                Err(problems) => {
                    warn!(file = %path.display(), problems = %problems.join("; "), "web configuration not reloaded: keeping the one in force");
                }
            }
        }
    }
}

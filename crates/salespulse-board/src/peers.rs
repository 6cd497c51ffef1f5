//! Following the peers: one task per peer reads its parts as soon as they change (a long
//! poll: the peer answers when its state moved, or after [`WAIT`]), at most every
//! [`MIN_INTERVAL`]. A peer that does not answer is marked down with the reason, retried
//! with backoff, and logged once per outage. The peers behind a Service name are looked
//! up again every [`LOOKUP_EVERY`]: new addresses are followed, vanished ones forgotten.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::client::PeerUrl;
use crate::hub::{Hub, PeerState};
use crate::parts::Parts;

/// How long a peer holds a request while nothing changes.
pub const WAIT: Duration = Duration::from_secs(5);
/// A peer is read at most this often.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// A peer that takes longer than this to answer is down.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How often the addresses behind the peer Service are looked up.
pub const LOOKUP_EVERY: Duration = Duration::from_secs(15);
const LONGEST_BACKOFF: Duration = Duration::from_secs(10);

/// Starts following the configured peers; the handle stops every follower.
pub fn start(hub: Arc<Hub>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut followers: BTreeMap<PeerUrl, JoinHandle<()>> = BTreeMap::new();
        for peer in &hub.cfg.peers {
            followers.insert(peer.clone(), tokio::spawn(follow(hub.clone(), peer.clone())));
        }
        let Some(service) = hub.cfg.peer_service.clone() else {
            // Hold the followers until aborted.
            let _guard = Followers(followers);
            return std::future::pending().await;
        };
        let mut guard = Followers(followers);
        loop {
            match tokio::net::lookup_host((service.host.as_str(), service.port)).await {
                Ok(addrs) => {
                    let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
                    guard.0.retain(|peer, task| {
                        let keep = peer.ip.is_none_or(|ip| ips.contains(&ip));
                        if !keep {
                            task.abort();
                            hub.set_peer(peer, None);
                            info!(peer = %peer, "board peer gone from the service");
                        }
                        keep
                    });
                    for ip in ips {
                        let peer = service.at(ip);
                        if !guard.0.contains_key(&peer) {
                            guard.0.insert(peer.clone(), tokio::spawn(follow(hub.clone(), peer)));
                        }
                    }
                }
                Err(e) => warn!(service = %service, error = %e, "cannot look up the board peers"),
            }
            tokio::time::sleep(LOOKUP_EVERY).await;
        }
    })
}

/// Aborts the followers when dropped (the discovery task was aborted).
struct Followers(BTreeMap<PeerUrl, JoinHandle<()>>);

impl Drop for Followers {
    fn drop(&mut self) {
        for task in self.0.values() {
            task.abort();
        }
    }
}

/// Reads `peer`'s parts whenever they change, until aborted or the peer is this instance.
async fn follow(hub: Arc<Hub>, peer: PeerUrl) {
    let (mut after, mut backoff, mut down) = (u64::MAX, Duration::from_secs(1), false);
    loop {
        let started = tokio::time::Instant::now();
        let path = format!("/api/v1/parts?after={after}");
        let read = hub.cfg.client.get(&peer, &path, TIMEOUT).await.and_then(|body| {
            serde_json::from_slice::<Parts>(&body).map_err(|e| format!("not the parts of a salespulse board: {e}"))
        });
        match read {
            Ok(parts) if parts.instance == hub.instance => {
                hub.set_peer(&peer, Some(PeerState { is_self: true, ..PeerState::default() }));
                return;
            }
            Ok(parts) => {
                if down {
                    info!(peer = %peer, "board peer answers again");
                }
                (after, backoff, down) = (parts.changes, Duration::from_secs(1), false);
                hub.set_peer(&peer, Some(PeerState { parts: Some(Arc::new(parts)), ..PeerState::default() }));
                tokio::time::sleep_until(started + MIN_INTERVAL).await;
            }
            Err(error) => {
                if !down {
                    warn!(peer = %peer, error = %error, "board peer down: the board shows itself incomplete");
                }
                down = true;
                hub.set_peer(&peer, Some(PeerState { error: Some(error), ..PeerState::default() }));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(LONGEST_BACKOFF);
            }
        }
    }
}

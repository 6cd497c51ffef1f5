//! The hub of one instance's board: what is known of the peers, the board computed from
//! this instance's parts merged with theirs, and its push to the clients (`run` decides
//! when).

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::client::{PeerClient, PeerUrl};
use crate::figures;
use crate::metrics::Metrics;
use crate::model::{Board, Coverage, Instance};
use crate::parts::{Parts, merge};
use crate::push::Clients;
use crate::source::BoardSource;

/// The board's settings.
#[derive(Debug, Clone)]
pub struct BoardConfig {
    /// Peers by URL.
    pub peers: Vec<PeerUrl>,
    /// Every address behind this name is a peer (a headless Service), looked up again
    /// every 15 s.
    pub peer_service: Option<PeerUrl>,
    pub client: PeerClient,
    /// Board clients connected at once.
    pub max_clients: usize,
    /// Updates queued for one client before it is dropped.
    pub client_queue: usize,
    /// Leads waiting longer are past the SLA.
    pub lead_response_sla: Duration,
}

impl Default for BoardConfig {
    fn default() -> BoardConfig {
        BoardConfig {
            peers: Vec::new(),
            peer_service: None,
            client: PeerClient::default(),
            max_clients: 100,
            client_queue: 16,
            lead_response_sla: Duration::from_secs(3600),
        }
    }
}

/// What is known of one peer.
#[derive(Debug, Clone, Default)]
pub struct PeerState {
    /// The last parts read, while it answers.
    pub parts: Option<Arc<Parts>>,
    pub error: Option<String>,
    /// The address turned out to be this instance.
    pub is_self: bool,
}

/// One instance's board.
pub struct Hub {
    pub(crate) source: Arc<dyn BoardSource>,
    pub(crate) cfg: BoardConfig,
    /// A random id of this process.
    pub(crate) instance: String,
    pub(crate) clients: Clients,
    pub(crate) metrics: Metrics,
    /// The source's change counter, as the ticker last saw it.
    pub(crate) local: watch::Sender<u64>,
    /// Moves whenever a peer's state changes.
    pub(crate) peers_moved: watch::Sender<u64>,
    peers: Mutex<BTreeMap<PeerUrl, PeerState>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("instance", &self.instance).field("cfg", &self.cfg).finish()
    }
}

impl Hub {
    pub fn new(source: Arc<dyn BoardSource>, cfg: BoardConfig, metrics: Metrics) -> Arc<Hub> {
        let seed = (std::process::id(), Utc::now().timestamp_nanos_opt());
        let instance = format!("{:016x}", std::collections::hash_map::RandomState::new().hash_one(seed));
        Arc::new(Hub {
            source,
            cfg,
            instance,
            clients: Clients::default(),
            metrics,
            local: watch::Sender::new(u64::MAX),
            peers_moved: watch::Sender::new(0),
            peers: Mutex::new(BTreeMap::new()),
        })
    }

    /// Records what is known of `peer`.
    pub(crate) fn set_peer(&self, peer: &PeerUrl, state: Option<PeerState>) {
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        match state {
            Some(s) => peers.insert(peer.clone(), s),
            None => peers.remove(peer),
        };
        let down = peers.values().filter(|p| !p.is_self && p.parts.is_none()).count();
        self.metrics.peers_down.set(i64::try_from(down).unwrap_or(i64::MAX));
        drop(peers);
        self.peers_moved.send_modify(|v| *v += 1);
    }

    fn peer_states(&self) -> Vec<(PeerUrl, PeerState)> {
        let peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        peers.iter().filter(|(_, p)| !p.is_self).map(|(u, p)| (u.clone(), p.clone())).collect()
    }

    /// This instance's parts now, labelled with its id and change counter.
    pub fn parts(&self) -> Parts {
        let changes = *self.local.borrow();
        Parts { instance: self.instance.clone(), changes, ..self.source.parts(Utc::now()) }
    }

    /// The board now: this instance's parts and every answering peer's, merged.
    pub fn board(&self) -> Board {
        let now = Utc::now();
        let local = self.parts();
        let peers = self.peer_states();
        let answered: Vec<&Parts> =
            std::iter::once(&local).chain(peers.iter().filter_map(|(_, p)| p.parts.as_deref())).collect();
        let merged = merge(answered);
        let down = peers.iter().filter(|(_, p)| p.parts.is_none()).count();
        let reading = self.source.read(&merged.view, now);
        let sla = self.cfg.lead_response_sla.as_secs_f64();
        let mut instances = vec![instance("self".into(), Some(&local), None)];
        instances.extend(peers.iter().map(|(u, p)| instance(u.to_string(), p.parts.as_deref(), p.error.clone())));
        Board {
            generated_at: now,
            base_currency: reading.base_currency.clone(),
            lead_response_sla_seconds: sla,
            coverage: Coverage {
                complete: merged.whole(down),
                partition_count: merged.partition_count,
                partitions_held: merged.held.len(),
                missing: merged.missing.clone(),
                overlapping: merged.overlapping.clone(),
                catching_up: merged.catching_up.clone(),
                instances,
            },
            teams: figures::teams(&reading, &merged.view, sla),
            feed: merged.feed,
        }
    }

    /// Queues `board` for every client, as the overview or as its team's page.
    pub(crate) fn push(&self, board: &Board) {
        let pages: BTreeMap<Option<String>, String> = self
            .clients
            .teams()
            .into_iter()
            .map(|team| {
                let json = match &team {
                    None => serde_json::to_string(board),
                    Some(t) => serde_json::to_string(&board.team(t).unwrap_or_else(|| board.empty_team(t))),
                };
                (team, json.unwrap_or_default())
            })
            .collect();
        let dropped = self.clients.send(|team| pages.get(&team.map(str::to_owned)).cloned());
        self.metrics.clients_dropped.inc_by(dropped as u64);
        self.metrics.clients.set(i64::try_from(self.clients.len()).unwrap_or(i64::MAX));
    }
}

fn instance(address: String, parts: Option<&Parts>, error: Option<String>) -> Instance {
    Instance {
        address,
        up: parts.is_some(),
        partitions: parts.map(|p| p.partitions.keys().copied().collect()).unwrap_or_default(),
        error,
        parts_at: parts.map(|p| p.at),
    }
}

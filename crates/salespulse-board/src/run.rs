//! When the board is computed and pushed: every [`TICK`] the source's change counter and
//! the peers' parts are looked at; when either moved and a client is connected, the board
//! is computed again — at most every twice the last computation's cost, so a board open
//! during a replay takes a bounded share of a core — and queued for every client. It is
//! also computed every [`REFRESH`] without a change: windows slide and leads wait on
//! their own.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::warn;

use crate::hub::Hub;

/// How often changes are looked for.
pub const TICK: Duration = Duration::from_millis(100);
/// The board is computed again at least this often while a client is connected.
pub const REFRESH: Duration = Duration::from_secs(5);

/// Follows the peers and pushes the board to its clients until `stop` resolves; then ends
/// every client's stream.
pub async fn run(hub: Arc<Hub>, stop: impl Future<Output = ()>) {
    let followers = crate::peers::start(hub.clone());
    tokio::pin!(stop);
    let mut peers = hub.peers_moved.subscribe();
    let (mut pending, mut last, mut cost) = (true, Instant::now(), Duration::ZERO);
    loop {
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(TICK) => {}
        }
        let changes = hub.source.changes();
        pending |= hub.local.send_if_modified(|v| std::mem::replace(v, changes) != changes);
        pending |= peers.has_changed().unwrap_or(false);
        peers.mark_unchanged();
        let clients = hub.clients.len();
        hub.metrics.clients.set(i64::try_from(clients).unwrap_or(i64::MAX));
        let due = pending || last.elapsed() >= REFRESH;
        if clients == 0 || !due || last.elapsed() < cost * 2 {
            continue;
        }
        let started = Instant::now();
        let pushing = hub.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || pushing.push(&pushing.board())).await {
            warn!(error = %e, "board computation failed");
        }
        (pending, last, cost) = (false, Instant::now(), started.elapsed());
    }
    followers.abort();
    hub.clients.close();
    hub.metrics.clients.set(0);
}

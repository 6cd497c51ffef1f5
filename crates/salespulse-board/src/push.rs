//! The board's clients: each has a bounded queue of updates. A client whose queue is full
//! is dropped — its stream ends and the browser reconnects to the newest state — so a slow
//! client never holds back the others or the engine.

use std::sync::{Mutex, PoisonError};

use tokio::sync::mpsc;

/// One client: the team it watches (`None`: the overview) and its queue.
struct Client {
    team: Option<String>,
    queue: mpsc::Sender<String>,
}

/// The clients connected, within a limit.
#[derive(Default)]
pub struct Clients {
    list: Mutex<Vec<Client>>,
}

/// Why a client was not taken.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

impl Clients {
    /// A new client of `team`, with a queue of `queue` updates, if fewer than `max` are
    /// connected.
    pub fn join(&self, team: Option<String>, queue: usize, max: usize) -> Result<mpsc::Receiver<String>, Full> {
        let mut list = self.lock();
        list.retain(|c| !c.queue.is_closed());
        if list.len() >= max {
            return Err(Full);
        }
        let (tx, rx) = mpsc::channel(queue.max(1));
        list.push(Client { team, queue: tx });
        Ok(rx)
    }

    /// Clients connected.
    pub fn len(&self) -> usize {
        let mut list = self.lock();
        list.retain(|c| !c.queue.is_closed());
        list.len()
    }

    /// The teams watched (`None`: the overview), each once.
    pub fn teams(&self) -> Vec<Option<String>> {
        let mut teams: Vec<Option<String>> = self.lock().iter().map(|c| c.team.clone()).collect();
        teams.sort();
        teams.dedup();
        teams
    }

    /// Queues `update(team)` for every client; returns how many were dropped because
    /// their queue was full.
    pub fn send(&self, update: impl Fn(Option<&str>) -> Option<String>) -> usize {
        let mut dropped = 0;
        self.lock().retain(|c| {
            let Some(message) = update(c.team.as_deref()) else { return true };
            match c.queue.try_send(message) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    dropped += 1;
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
        dropped
    }

    /// Ends every client's stream (at shutdown).
    pub fn close(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_does_not_read_is_dropped_and_the_others_keep_their_updates() {
        let clients = Clients::default();
        let mut reader = clients.join(None, 2, 10).unwrap();
        let stalled = clients.join(Some("emea".into()), 2, 10).unwrap();
        for i in 0..3 {
            let dropped = clients.send(|_| Some(format!("update {i}")));
            let _ = reader.try_recv();
            assert_eq!(dropped, usize::from(i == 2), "dropped once its queue of 2 is full");
        }
        assert_eq!(clients.len(), 1);
        drop(stalled);
    }

    #[test]
    fn clients_beyond_the_limit_are_refused() {
        let clients = Clients::default();
        let _a = clients.join(None, 1, 1).unwrap();
        assert_eq!(clients.join(None, 1, 1).err(), Some(Full));
        drop(_a);
        assert!(clients.join(None, 1, 1).is_ok(), "a closed client frees its place");
    }
}

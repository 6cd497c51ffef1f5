//! The board's own metrics: its clients, the clients dropped for not keeping up, and the
//! peers it cannot read.

use prometheus::{IntCounter, IntGauge, Opts, Registry};

/// Gauges and counters of the board.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub clients: IntGauge,
    pub clients_dropped: IntCounter,
    pub peers_down: IntGauge,
}

impl Metrics {
    /// Registers the board's metrics in `r`.
    pub fn register(r: &Registry) -> prometheus::Result<Metrics> {
        let clients = IntGauge::with_opts(Opts::new("salespulse_board_clients", "Board pages connected for updates."))?;
        let clients_dropped = IntCounter::with_opts(Opts::new(
            "salespulse_board_clients_dropped_total",
            "Board clients dropped because their queue of updates was full (they reconnect).",
        ))?;
        let peers_down = IntGauge::with_opts(Opts::new(
            "salespulse_board_peers_down",
            "Configured board peers whose parts cannot be read: the board shows itself incomplete.",
        ))?;
        r.register(Box::new(clients.clone()))?;
        r.register(Box::new(clients_dropped.clone()))?;
        r.register(Box::new(peers_down.clone()))?;
        Ok(Metrics { clients, clients_dropped, peers_down })
    }
}

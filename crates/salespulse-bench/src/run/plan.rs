//! What a benchmark run measures.

use clap::Parser;

/// Options of the run (the defaults are the documented benchmark).
#[derive(Debug, Clone, Parser)]
#[command(about = "salespulse end-to-end benchmark: every figure next to its ceiling")]
pub struct Plan {
    /// Generated events in the replay topic.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Partitions of the replay topic.
    #[arg(long, default_value_t = 4)]
    pub partitions: u32,
    /// Days of history the events span.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    #[arg(long, default_value_t = 8)]
    pub teams: usize,
    #[arg(long, default_value_t = 15)]
    pub reps_per_team: usize,
    /// Events per second and seconds of the freshness run.
    #[arg(long, default_value_t = 200)]
    pub rate: u32,
    #[arg(long, default_value_t = 60)]
    pub freshness_seconds: u64,
    /// Events of the in-process engine and decode runs.
    #[arg(long, default_value_t = 300_000)]
    pub inproc_events: u64,
    /// Webhooks posted to the bridge at each size of its state.
    #[arg(long, default_value_t = 4_000)]
    pub bridge_requests: u64,
    /// Clients posting them at once.
    #[arg(long, default_value_t = 16)]
    pub bridge_clients: u64,
    /// Run only these parts (replay, freshness, inproc, snapshot, bridge); all when empty.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

/// The parts of a run, for `--only`.
pub const PARTS: [&str; 5] = ["replay", "freshness", "inproc", "snapshot", "bridge"];

impl Plan {
    /// Whether `part` runs.
    pub fn runs(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

//! `make bench`: replay, scrape, memory, freshness and snapshots of salespulse against a
//! real broker, each next to a ceiling measured in the same run. Needs `KAFKA_BROKERS`
//! (`make bench` starts the local broker) and the release `salespulse` binary beside it.

use clap::Parser;
use salespulse_bench::run::{Plan, bench};

fn main() {
    if let Err(e) = bench(&Plan::parse()) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

//! `salespulse-bench`: the end-to-end benchmark of `make bench`, against a real broker.
//! Each figure is printed next to the ceiling it is compared with, measured in the same
//! run on the same machine, and the table is also written to `target/bench/report.md`.

mod bench;
pub mod board;
pub mod bridge;
pub mod ceiling;
pub mod cpu;
pub mod freshness;
pub mod http;
pub mod inproc;
mod plan;
mod progress;
pub mod replay;
pub mod report;
pub mod scrape;
pub mod service;
pub mod topics;

pub use bench::bench;
pub use plan::Plan;
pub use progress::say;

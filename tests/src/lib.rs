//! Harness of the end-to-end tests: a real broker (from `KAFKA_BROKERS`), unique topic and
//! group names, a producer, the `salespulse` binary run as a child process, and a scraper
//! of its `/metrics` that polls with a deadline instead of sleeping.
//!
//! `make test` starts a local broker and sets `KAFKA_BROKERS`; to use your own Kafka, set
//! it yourself. Build the binary first (`cargo build -p salespulse`; `make test` does).

mod bridge;
mod browser;
mod events;
mod grafana;
mod kafka;
mod kustomize;
mod metrics;
mod metrics_doc;
mod process;
mod prometheus;
mod service;
mod spare_broker;

pub use bridge::*;
pub use browser::*;
pub use events::*;
pub use grafana::*;
pub use kafka::*;
pub use kustomize::*;
pub use metrics::*;
pub use metrics_doc::*;
pub use process::*;
pub use prometheus::*;
pub use service::*;
pub use spare_broker::*;

use std::time::{Duration, Instant};

/// The broker every test talks to.
pub fn brokers() -> String {
    std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| {
        panic!(
            "KAFKA_BROKERS is not set: run `make test`, or start a broker (deploy/local/broker.sh start) and export it"
        )
    })
}

/// A name no other test run uses: `prefix-<pid>-<nanos>`.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000_000)
}

/// Polls `f` every 100 ms until it returns `Some`, or fails after `timeout` with `what`
/// and the last value seen.
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match f() {
            Ok(v) => return v,
            Err(last) if Instant::now() >= deadline => {
                panic!("timed out after {timeout:?} waiting for {what}; last: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

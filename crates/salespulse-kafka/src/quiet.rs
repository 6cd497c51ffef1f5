//! librdkafka's own log lines and client errors, each at most once per interval: with
//! a broker down, librdkafka reports the same failure many times a second, and through
//! both its log and its error callback.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use tracing::{debug, error, info, warn};

/// How often one message may be logged again.
const EVERY: Duration = Duration::from_secs(60);
/// Distinct messages remembered; beyond, the memory starts over.
const REMEMBERED: usize = 1024;

/// Which messages were logged, and when.
#[derive(Debug, Default)]
pub struct Quiet {
    seen: Mutex<HashMap<String, Instant>>,
}

impl Quiet {
    /// Whether `message` may be logged now. Messages that differ only in their numbers
    /// (counts, durations, offsets) are the same message.
    pub fn allow(&self, message: &str) -> bool {
        let key: String = message.chars().filter(|c| !c.is_ascii_digit()).collect();
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= REMEMBERED {
            seen.clear();
        }
        match seen.get(&key) {
            Some(at) if now.duration_since(*at) < EVERY => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }

    /// A librdkafka log line, at its level, once per interval.
    pub fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        if !self.allow(message) {
            return;
        }
        match level {
            RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical | RDKafkaLogLevel::Error => {
                error!(target: "librdkafka", facility, "{message}");
            }
            RDKafkaLogLevel::Warning => warn!(target: "librdkafka", facility, "{message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => info!(target: "librdkafka", facility, "{message}"),
            RDKafkaLogLevel::Debug => debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    /// A client error, once per interval.
    pub fn error(&self, e: &KafkaError, reason: &str) {
        if self.allow(reason) {
            warn!(target: "librdkafka", error = %e, "{reason}");
        }
    }
}

/// A client context that only quiets librdkafka (for the reference reader, the
/// dead-letter producer and the metadata probe).
#[derive(Debug, Default)]
pub struct QuietContext {
    pub quiet: Quiet,
}

impl ClientContext for QuietContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.quiet.log(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.quiet.error(&error, reason);
    }
}

impl ConsumerContext for QuietContext {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_let_through_once_per_interval_whatever_its_numbers() {
        let q = Quiet::default();
        assert!(q.allow("127.0.0.1:9093/bootstrap: Connect failed (after 0ms, 2 identical errors suppressed)"));
        assert!(!q.allow("127.0.0.1:9093/bootstrap: Connect failed (after 12ms, 7 identical errors suppressed)"));
        assert!(q.allow("1/1 brokers are down"));
        assert!(!q.allow("1/1 brokers are down"));
    }
}

//! The bridge's own metrics, registered in one place. Every series is a counter or a
//! per-instance gauge: across bridge instances, sum them.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use crate::auth::Denied;
use crate::mapped::Reason;
use crate::source::Source;

/// A request refused before its body is read: it is not dead-lettered.
pub const TOO_LARGE: &str = "too_large";

/// Every `reason` label: requests refused, then payloads (or parts) dead-lettered.
pub fn reasons() -> impl Iterator<Item = &'static str> {
    Denied::ALL.iter().map(|d| d.reason()).chain([TOO_LARGE]).chain(Reason::ALL.iter().map(|r| r.as_str()))
}

#[derive(Debug, Clone)]
pub struct Metrics {
    /// Webhook requests and change events received, by source.
    pub received: IntCounterVec,
    /// Canonical events produced, by source and type.
    pub events: IntCounterVec,
    /// Requests refused and payloads dead-lettered, by source and reason.
    pub rejected: IntCounterVec,
    /// Changes with nothing to map (a field the contract does not carry).
    pub ignored: IntCounterVec,
    /// Salesforce gap events (changes Salesforce could not describe).
    pub gaps: IntCounter,
    /// Time to produce one payload's events, acknowledged.
    pub produce_seconds: Histogram,
    /// Records whose last known fields are kept.
    pub records: IntGauge,
    /// Records forgotten to stay within `max_records`.
    pub evicted: IntCounter,
    /// Failed writes of the bridge's state.
    pub state_failures: IntCounter,
}

impl Metrics {
    pub fn register(r: &Registry) -> prometheus::Result<Metrics> {
        let vec = |name: &str, help: &str, labels: &[&str]| IntCounterVec::new(Opts::new(name, help), labels);
        let m = Metrics {
            received: vec(
                "salespulse_bridge_received_total",
                "CRM payloads received (requests, change events).",
                &["source"],
            )?,
            events: vec("salespulse_bridge_events_total", "Canonical events produced.", &["source", "type"])?,
            rejected: vec(
                "salespulse_bridge_rejected_total",
                "CRM requests refused and payloads dead-lettered, by reason.",
                &["source", "reason"],
            )?,
            ignored: vec("salespulse_bridge_ignored_total", "CRM changes with nothing to map.", &["source"])?,
            gaps: IntCounter::new("salespulse_bridge_gaps_total", "Salesforce gap events (changes not described).")?,
            produce_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "salespulse_bridge_produce_seconds",
                    "Time to produce one payload's events, acknowledged.",
                )
                .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]),
            )?,
            records: IntGauge::new("salespulse_bridge_records", "CRM records whose last known fields are kept.")?,
            evicted: IntCounter::new(
                "salespulse_bridge_records_evicted_total",
                "Records forgotten beyond max_records.",
            )?,
            state_failures: IntCounter::new(
                "salespulse_bridge_state_failures_total",
                "Failed writes of the bridge state.",
            )?,
        };
        r.register(Box::new(m.received.clone()))?;
        r.register(Box::new(m.events.clone()))?;
        r.register(Box::new(m.rejected.clone()))?;
        r.register(Box::new(m.ignored.clone()))?;
        r.register(Box::new(m.gaps.clone()))?;
        r.register(Box::new(m.produce_seconds.clone()))?;
        r.register(Box::new(m.records.clone()))?;
        r.register(Box::new(m.evicted.clone()))?;
        r.register(Box::new(m.state_failures.clone()))?;
        for s in Source::ALL.map(Source::as_str) {
            m.received.with_label_values(&[s]);
            m.ignored.with_label_values(&[s]);
            for reason in reasons() {
                m.rejected.with_label_values(&[s, reason]);
            }
        }
        Ok(m)
    }
}

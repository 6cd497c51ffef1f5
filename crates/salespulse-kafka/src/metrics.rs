//! Service metrics of the source, registered in the registry the binary passes in.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};
use salespulse_events::DecodeError;

use crate::error::SourceError;

/// Counters and gauges the source keeps up to date.
#[derive(Debug, Clone)]
pub struct SourceMetrics {
    pub consumed: IntCounter,
    pub applied: IntCounter,
    pub duplicates: IntCounter,
    pub rejected: IntCounterVec,
    pub dead_letters: IntCounter,
    pub dead_letter_errors: IntCounter,
    pub reference_events: IntCounter,
    pub partitions: IntGauge,
    pub rebalances: IntCounterVec,
    pub commits: IntCounterVec,
}

fn counter(r: &Registry, name: &str, help: &str) -> Result<IntCounter, SourceError> {
    let c = IntCounter::new(name, help)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn counter_vec(r: &Registry, name: &str, help: &str, label: &str) -> Result<IntCounterVec, SourceError> {
    let c = IntCounterVec::new(Opts::new(name, help), &[label])?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

impl SourceMetrics {
    /// Registers every source metric in `r`. `extra_reasons` are the rejection reasons of
    /// the sink, pre-created at zero next to the decoder's so dashboards see every series.
    pub fn register(r: &Registry, extra_reasons: &[&str]) -> Result<SourceMetrics, SourceError> {
        let m = SourceMetrics {
            consumed: counter(r, "salespulse_events_consumed_total", "Messages read from the events topic.")?,
            applied: counter(r, "salespulse_events_applied_total", "Events applied to the KPI state.")?,
            duplicates: counter(
                r,
                "salespulse_events_duplicate_total",
                "Events ignored as duplicates (event_id seen).",
            )?,
            rejected: counter_vec(r, "salespulse_events_rejected_total", "Messages rejected, by reason.", "reason")?,
            dead_letters: counter(
                r,
                "salespulse_dead_letters_total",
                "Rejected messages delivered to the dead-letter topic.",
            )?,
            dead_letter_errors: counter(
                r,
                "salespulse_dead_letter_errors_total",
                "Rejected messages that could not be delivered to the dead-letter topic.",
            )?,
            reference_events: counter(
                r,
                "salespulse_reference_events_total",
                "Reference events applied to the global table.",
            )?,
            partitions: {
                let g = IntGauge::new(
                    "salespulse_partitions_assigned",
                    "Partitions of the events topic owned by this instance.",
                )?;
                r.register(Box::new(g.clone()))?;
                g
            },
            rebalances: counter_vec(
                r,
                "salespulse_rebalances_total",
                "Partition assignment changes, by kind.",
                "kind",
            )?,
            commits: counter_vec(r, "salespulse_offset_commits_total", "Offset commits, by result.", "result")?,
        };
        for reason in DecodeError::REASONS.iter().chain(extra_reasons) {
            m.rejected.with_label_values(&[reason]);
        }
        for kind in ["assign", "revoke"] {
            m.rebalances.with_label_values(&[kind]);
        }
        m.rejected.with_label_values(&["not_reference"]);
        for result in ["ok", "error"] {
            m.commits.with_label_values(&[result]);
        }
        Ok(m)
    }
}

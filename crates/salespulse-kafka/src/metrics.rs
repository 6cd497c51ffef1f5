//! Service metrics of the source: one struct, registered in the registry the binary
//! passes in, every label value pre-created at zero.

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use salespulse_events::DecodeError;

/// Counters and gauges the source keeps up to date.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub consumed: IntCounter,
    pub applied: IntCounter,
    pub duplicates: IntCounter,
    pub rejected: IntCounterVec,
    pub dead_letters: IntCounter,
    pub dead_letter_errors: IntCounter,
    pub reference_events: IntCounter,
    /// Partitions of the events topic this instance owns (labelled with the topic and
    /// the consumer group, so deployments on other groups do not mix).
    pub partitions: IntGauge,
    /// Partitions of the events topic, as the client's metadata knows them.
    pub topic_partitions: IntGauge,
    pub rebalances: IntCounterVec,
    pub commits: IntCounterVec,
}

fn counter(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntCounter> {
    let c = IntCounter::new(name, help)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn counter_vec(
    r: &Registry,
    name: &str,
    help: &str,
    label: &str,
    values: &[&str],
) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), &[label])?;
    for v in values {
        c.with_label_values(&[v]);
    }
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

impl Metrics {
    /// Registers every source metric in `r`; the partition counts are labelled with the
    /// events `topic` and the consumer `group`.
    pub fn register(r: &Registry, topic: &str, group: &str) -> prometheus::Result<Metrics> {
        let labels = ["topic", "consumergroup"];
        let partitions = IntGaugeVec::new(
            Opts::new("salespulse_partitions_assigned", "Partitions of the events topic owned by this instance."),
            &labels,
        )?;
        r.register(Box::new(partitions.clone()))?;
        let topic_partitions = IntGaugeVec::new(
            Opts::new("salespulse_topic_partitions", "Partitions of the events topic (from the client's metadata)."),
            &labels,
        )?;
        r.register(Box::new(topic_partitions.clone()))?;
        let (partitions, topic_partitions) =
            (partitions.with_label_values(&[topic, group]), topic_partitions.with_label_values(&[topic, group]));
        let mut reasons = DecodeError::REASONS.to_vec();
        reasons.push("not_reference");
        Ok(Metrics {
            consumed: counter(r, "salespulse_events_consumed_total", "Messages read from the events topic.")?,
            applied: counter(r, "salespulse_events_applied_total", "Events applied to the KPI state.")?,
            duplicates: counter(
                r,
                "salespulse_events_duplicate_total",
                "Events ignored as duplicates (event_id seen).",
            )?,
            rejected: counter_vec(
                r,
                "salespulse_events_rejected_total",
                "Messages rejected, by reason.",
                "reason",
                &reasons,
            )?,
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
            partitions,
            topic_partitions,
            rebalances: counter_vec(
                r,
                "salespulse_rebalances_total",
                "Partition assignment changes, by kind.",
                "kind",
                &["assign", "revoke"],
            )?,
            commits: counter_vec(
                r,
                "salespulse_offset_commits_total",
                "Offset commits, by result.",
                "result",
                &["ok", "error"],
            )?,
        })
    }

    /// Pre-creates the rejection counters of the sink's own reasons at zero, next to the
    /// decoder's, so dashboards see every series before the first rejection.
    pub fn expect_reasons(&self, reasons: &[&str]) {
        for reason in reasons {
            self.rejected.with_label_values(&[reason]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus::{Encoder, TextEncoder};

    #[test]
    fn every_series_is_there_at_zero_before_anything_happens() {
        let r = Registry::new();
        let m = Metrics::register(&r, "crm.events", "salespulse").unwrap();
        m.expect_reasons(&["too_old"]);
        let mut buf = Vec::new();
        TextEncoder::new().encode(&r.gather(), &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        for line in [
            "salespulse_events_consumed_total 0",
            "salespulse_events_rejected_total{reason=\"invalid_json\"} 0",
            "salespulse_events_rejected_total{reason=\"not_reference\"} 0",
            "salespulse_events_rejected_total{reason=\"too_old\"} 0",
            "salespulse_rebalances_total{kind=\"revoke\"} 0",
            "salespulse_offset_commits_total{result=\"error\"} 0",
            "salespulse_partitions_assigned{consumergroup=\"salespulse\",topic=\"crm.events\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
        }
        assert!(
            Metrics::register(&r, "crm.events", "salespulse").is_err(),
            "registering twice is refused, not silently doubled"
        );
    }
}

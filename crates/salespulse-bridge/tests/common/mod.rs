//! The service's side of the bridge's tests, without a broker: what the bridge produces
//! applied to the engine on `n` partitions (a message goes to the partition of its key,
//! as Kafka places it), and the KPIs of all of them together, flattened.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use salespulse_bridge::{Mapped, Out, map};
use salespulse_engine::kpis::{Value, families};
use salespulse_engine::{EngineConfig, Reference, Shard};
use salespulse_events::Currency;

/// Shards of one topic, and the reference table they share.
pub struct Topic {
    pub shards: Vec<Shard>,
    pub reference: Reference,
    pub now: DateTime<Utc>,
}

impl Topic {
    pub fn new(partitions: usize, now: DateTime<Utc>) -> Topic {
        let shards = (0..partitions).map(|_| Shard::new(EngineConfig::default())).collect();
        Topic { shards, reference: Reference::new(Currency::parse("EUR").unwrap()), now }
    }

    /// The partition of a key (a hash of it, as a partitioner does).
    fn partition(&self, key: &str) -> usize {
        let mut h: u32 = 0x811c_9dc5;
        for b in key.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        h as usize % self.shards.len()
    }

    /// Applies what a payload gave (its events checked by the service's decoder first).
    pub fn apply(&mut self, mut mapped: Mapped) -> Vec<Out> {
        map::validate(&mut mapped, 0);
        assert!(
            mapped.rejects.iter().all(|r| r.reason.as_str() != "invalid_event"),
            "an event the service would refuse: {:?}",
            mapped.rejects
        );
        for out in &mapped.out {
            if out.event.event_type().is_reference() {
                self.reference.apply(&out.event).expect("valid reference data");
                continue;
            }
            let p = self.partition(&out.key);
            let _ = self.shards[p].apply(&out.event, &self.reference, self.now);
        }
        mapped.out
    }

    /// Every exported sample of the topic (all partitions' views merged), flattened to
    /// `name{labels}` → value.
    pub fn kpis(&self) -> BTreeMap<String, f64> {
        let mut views = self.shards.iter().map(|s| s.view(self.now, &self.reference));
        let mut view = views.next().expect("a partition");
        for v in views {
            view.merge(v);
        }
        let mut out = BTreeMap::new();
        for f in families(&view, &self.reference, &EngineConfig::default(), self.now).families {
            for m in f.metrics {
                let labels: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let key = |suffix: &str| format!("{}{suffix}{{{}}}", f.name, labels.join(","));
                match m.value {
                    Value::Gauge(v) => {
                        out.insert(key(""), v);
                    }
                    Value::Summary { count, sum, .. } | Value::Histogram { count, sum, .. } => {
                        out.insert(key("_count"), count as f64);
                        out.insert(key("_sum"), sum);
                    }
                }
            }
        }
        out
    }
}

/// The value of `name` whose labels include every pair of `labels`, in flattened KPIs.
#[allow(dead_code, reason = "not every test that shares this module reads single samples")]
pub fn get(kpis: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let hits: Vec<f64> = kpis
        .iter()
        .filter(|(k, _)| {
            k.split_once('{').is_some_and(|(n, rest)| {
                n == name
                    && labels
                        .iter()
                        .all(|(lk, lv)| rest.trim_end_matches('}').split(',').any(|p| p == format!("{lk}={lv}")))
            })
        })
        .map(|(_, v)| *v)
        .collect();
    assert!(hits.len() <= 1, "{name} {labels:?} matches {} samples", hits.len());
    hits.first().copied()
}

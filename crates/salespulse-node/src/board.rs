//! The node as the board reads it: the additive parts of the partitions it holds (views
//! and feeds, read from copies of the shards as a scrape reads them), the KPI families
//! of a merged view with this node's reference data, and whether anything moved.

use std::collections::BTreeMap;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use salespulse_board::{BoardSource, Parts, Reading};
use salespulse_engine::feed::Feed;
use salespulse_engine::{View, kpis};

use crate::node::Node;

impl BoardSource for Node {
    fn parts(&self, now: DateTime<Utc>) -> Parts {
        let shards = self.shards.all();
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let (mut view, mut partitions, mut moments) = (View::default(), BTreeMap::new(), Vec::new());
        let mut catching_up = Vec::new();
        for (partition, owned) in shards {
            if owned.lag().is_none_or(|lag| lag > self.ready_max_lag) {
                catching_up.push(partition);
            }
            // A copy, as a scrape reads: the consumer waits for the clone only.
            let (shard, next) = {
                let current = owned.current();
                (current.shard.clone(), current.next)
            };
            view.merge(shard.view(now, &reference));
            moments.extend(shard.moments(&reference));
            partitions.insert(partition, next);
        }
        let count = self.partition_count.load(Ordering::Relaxed);
        Parts {
            at: now,
            partitions,
            partition_count: (count > 0).then_some(count),
            catching_up,
            view,
            feed: Feed::merged(&moments),
            ..Parts::default()
        }
    }

    fn read(&self, view: &View, now: DateTime<Utc>) -> Reading {
        let reference = self.reference.read().unwrap_or_else(PoisonError::into_inner);
        let mut stages: Vec<(i64, &str)> =
            reference.stage_names().map(|s| (reference.stage(s).map_or(i64::MAX, |i| i.order), s)).collect();
        stages.sort();
        Reading {
            families: kpis::families(view, &reference, &self.cfg, now).families,
            base_currency: reference.base().as_str().to_owned(),
            stages: stages.into_iter().map(|(_, s)| s.to_owned()).collect(),
            month_elapsed: self.cfg.calendar.month_elapsed(now.timestamp_millis()),
        }
    }

    /// The generation plus every held partition's next offset: it moves with every
    /// message read, at no cost per event (read every 100 ms, not counted per event).
    fn changes(&self) -> u64 {
        let read =
            self.shards.all().iter().fold(0u64, |sum, (_, o)| sum.wrapping_add(o.current().next.max(0).unsigned_abs()));
        self.generation.load(Ordering::Relaxed).wrapping_add(read)
    }
}

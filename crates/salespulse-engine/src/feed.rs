//! The latest closes and stage moves of a shard: what a live board shows as they happen.
//!
//! A feed holds keys — (time, deal, close or stage entered) — of the newest facts, and a
//! moment is read from the deal's state when the feed is read: its amount, rep and team as
//! the KPIs see them now. The keys are derived from the deals' facts, so a shard restored
//! from a snapshot rebuilds the same feed ([`Feed::rebuilt`]) without it being stored:
//! the feed survives restarts and rebalances. A feed keeps [`FEED_KEYS`] keys; reads
//! return at most [`FEED_LEN`] moments, newest first (a key whose fact was superseded,
//! such as a close followed by a newer one, is skipped).

use std::cmp::Reverse;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::deals::Deal;
use crate::stat::StageId;
use crate::time::Ms;

/// Moments a feed returns.
pub const FEED_LEN: usize = 50;
/// Keys a feed keeps: room for superseded ones.
pub const FEED_KEYS: usize = 2 * FEED_LEN;

/// How a deal closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closed {
    Won,
    Lost,
    NoDecision,
}

impl From<salespulse_events::Outcome> for Closed {
    fn from(o: salespulse_events::Outcome) -> Closed {
        match o {
            salespulse_events::Outcome::Won => Closed::Won,
            salespulse_events::Outcome::Lost => Closed::Lost,
            salespulse_events::Outcome::NoDecision => Closed::NoDecision,
        }
    }
}

/// A deal closing or moving to a stage, as the board shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moment {
    /// The event's `occurred_at`.
    pub at: DateTime<Utc>,
    pub deal_id: String,
    /// The team and rep the deal counts under (as the KPIs label them).
    pub team: String,
    pub rep: Option<String>,
    /// How it closed; `None` for a move to an open stage.
    pub outcome: Option<Closed>,
    /// The stage entered (a stage move).
    pub stage: Option<String>,
    /// The deal's amount in base currency, when known and convertible.
    pub amount: Option<f64>,
}

/// What happened to a deal at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    Close,
    Stage(StageId),
}

/// One key: newest first in a feed's order.
pub type Key = (Reverse<Ms>, Box<str>, Fact);

/// The keys of the newest facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    keys: BTreeSet<Key>,
}

impl Feed {
    /// Records that `fact` happened to `deal` at `t`; beyond [`FEED_KEYS`] the oldest key
    /// goes.
    pub fn record(&mut self, t: Ms, deal: &str, fact: Fact) {
        self.keys.insert((Reverse(t), deal.into(), fact));
        while self.keys.len() > FEED_KEYS {
            self.keys.pop_last();
        }
    }

    /// The keys, newest first.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter()
    }

    /// The feed the facts of `deals` make: what recording them as they happened gives.
    pub(crate) fn rebuilt<'a>(deals: impl Iterator<Item = (&'a str, &'a Deal)>) -> Feed {
        let mut feed = Feed::default();
        for (id, deal) in deals {
            if let Some(c) = deal.close {
                feed.record(c.t, id, Fact::Close);
            }
            for &(t, stage, _) in &deal.stages {
                if moved(deal, t) {
                    feed.record(t, id, Fact::Stage(stage));
                }
            }
        }
        feed
    }

    /// The newest [`FEED_LEN`] moments of several feeds' moments, newest first.
    pub fn merged<'a>(moments: impl IntoIterator<Item = &'a Moment>) -> Vec<Moment> {
        let mut all: Vec<&Moment> = moments.into_iter().collect();
        all.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.deal_id.cmp(&b.deal_id)));
        all.into_iter().take(FEED_LEN).cloned().collect()
    }
}

/// Whether a stage entry at `t` is a move (not the stage the deal was created in).
pub(crate) fn moved(deal: &Deal, t: Ms) -> bool {
    deal.created.is_none_or(|(c, _)| c != t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_keeps_the_newest_keys_by_event_time_whatever_the_arrival_order() {
        let mut feed = Feed::default();
        for t in (0..FEED_KEYS as i64 + 20).rev() {
            feed.record(t, "d", Fact::Close);
        }
        feed.record(-5, "too old", Fact::Close);
        let times: Vec<Ms> = feed.keys().map(|k| k.0.0).collect();
        let expected: Vec<Ms> = (20..FEED_KEYS as i64 + 20).rev().collect();
        assert_eq!(times, expected);
    }

    #[test]
    fn merged_moments_are_the_newest_of_their_union() {
        let moment = |s: i64| Moment {
            at: DateTime::from_timestamp(s, 0).unwrap(),
            deal_id: format!("d{s}"),
            team: "t".into(),
            rep: None,
            outcome: Some(Closed::Won),
            stage: None,
            amount: Some(1.0),
        };
        let (a, b): (Vec<Moment>, Vec<Moment>) =
            ((0..60).map(|s| moment(2 * s)).collect(), (0..60).map(|s| moment(2 * s + 1)).collect());
        let merged = Feed::merged(a.iter().chain(&b));
        assert_eq!(merged.len(), FEED_LEN);
        assert_eq!(merged[0].at.timestamp(), 119);
        assert!(merged.windows(2).all(|w| w[0].at >= w[1].at));
    }
}

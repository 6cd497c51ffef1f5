//! Deterministic synthetic CRM traffic for demos, tests and benchmarks.
//!
//! The generator plays a small sales organisation: teams of reps (with a roster), leads
//! that get assigned, answered and sometimes converted, deals that move through stages
//! and close, customers that pay monthly, and the everyday flow of calls, emails, social
//! actions, surveys, sentiment scores and trainings. Every event is keyed by the rule of
//! docs/events.md ([`salespulse_events::Event::message_key`]): leads by their id, deals and
//! accounts by the account.
//!
//! It is driven by time slots: the caller asks for one event at each instant it chooses
//! (`next_at`), in non-decreasing order — evenly spread over a period for a backfill
//! ([`backfill_times`]), or the wall clock for live traffic. At each slot the next due
//! step of an open story is emitted, else a new lead or an everyday event, so a backfill
//! of N events yields exactly N events. Same seed, same slots: same events.

mod flow;
mod model;
mod random;
mod stories;

pub use model::{GenConfig, Keyed};
pub use stories::Generator;

use chrono::{DateTime, Duration, Utc};

/// `n` instants spread evenly over `[end - days, end)`, jittered within their share, in
/// increasing order. Deterministic for a seed.
pub fn backfill_times(n: u64, days: f64, end: DateTime<Utc>, seed: u64) -> impl Iterator<Item = DateTime<Utc>> {
    let span_ms = (days * 86_400_000.0) as i64;
    let start = end - Duration::milliseconds(span_ms);
    let step = span_ms as f64 / n.max(1) as f64;
    let mut rng = random::Rng::new(seed ^ 0x5eed_71e5);
    (0..n).map(move |i| start + Duration::milliseconds(((i as f64 + rng.unit()) * step) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use salespulse_events::{EventType, decode, encode};
    use std::collections::HashSet;

    fn run(seed: u64, n: u64) -> Vec<Keyed> {
        let end: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
        let mut g = Generator::new(GenConfig { seed, ..GenConfig::default() });
        backfill_times(n, 30.0, end, seed).map(|t| g.next_at(t)).collect()
    }

    #[test]
    fn same_seed_same_events_and_exact_count() {
        let (a, b) = (run(7, 5000), run(7, 5000));
        assert_eq!(a.len(), 5000);
        assert_eq!(a, b);
        assert_ne!(a, run(8, 5000));
    }

    #[test]
    fn every_event_about_one_lead_deal_or_account_has_one_key() {
        let mut keys: std::collections::HashMap<String, HashSet<String>> = std::collections::HashMap::new();
        for k in run(5, 20_000) {
            let subject = format!("{:?}", k.event.subject());
            keys.entry(subject).or_default().insert(k.key);
        }
        let leads = keys.keys().filter(|s| s.starts_with("Lead")).count();
        assert!(leads > 100, "{leads} leads");
        for (subject, ks) in keys.iter().filter(|(s, _)| !s.starts_with("Unattached")) {
            assert_eq!(ks.len(), 1, "{subject}: {ks:?}");
        }
    }

    #[test]
    fn every_event_is_valid_in_order_and_keyed() {
        let events = run(3, 20_000);
        let mut types = HashSet::new();
        let mut last = None;
        for k in &events {
            let again = decode(&encode(&k.event), 0).unwrap_or_else(|e| panic!("{e}: {:?}", k.event));
            assert_eq!(again, k.event);
            assert!(!k.key.is_empty());
            types.insert(k.event.event_type());
            if last.is_some_and(|l| k.event.occurred_at < l) {
                // Only a duplicate re-send may carry an earlier time.
                assert!(events.iter().filter(|o| o.event.event_id == k.event.event_id).count() == 2);
            }
            last = Some(k.event.occurred_at);
        }
        for ty in [
            EventType::LeadCreated,
            EventType::LeadAssigned,
            EventType::LeadConverted,
            EventType::ActivityLogged,
            EventType::DealCreated,
            EventType::DealStageChanged,
            EventType::DealClosed,
            EventType::SurveyResponded,
            EventType::RevenueChanged,
            EventType::SocialAction,
        ] {
            assert!(types.contains(&ty), "no {} in 20k events", ty.as_str());
        }
        let ids: HashSet<_> = events.iter().map(|k| &k.event.event_id).collect();
        assert!(ids.len() < events.len(), "a few duplicates exercise dedup");
    }

    #[test]
    fn backfill_times_are_increasing_and_in_range() {
        let end: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
        let times: Vec<_> = backfill_times(1000, 7.0, end, 1).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times[0] >= end - Duration::days(7) && *times.last().unwrap() < end);
    }
}

//! The engine's memory stays bounded: a year of generated traffic (1 M events) applied as
//! it happens holds no more state than its last 90 days need.

use chrono::{DateTime, Utc};
use salespulse_engine::{EngineConfig, Reference, Shard};
use salespulse_events::Currency;
use salespulse_gen::{GenConfig, Generator, backfill_times};

/// The bound this test states for this traffic (about 2 700 events a day, 24 reps, 5 000
/// accounts): the engine's own estimate of its heap, in bytes.
const BOUND: usize = 48 << 20;

#[test]
fn a_year_of_traffic_holds_no_more_than_its_last_90_days() {
    let end: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let days = 360.0;
    let n = 1_000_000u64;
    let mut g = Generator::new(GenConfig::default());
    let mut reference = Reference::new(Currency::parse("EUR").unwrap());
    let start = end - chrono::Duration::days(days as i64);
    for k in g.reference_events(start, end) {
        reference.apply(&k.event).expect("valid reference data");
    }
    let mut shard = Shard::new(EngineConfig::default());
    let mut sizes = Vec::new();
    for (i, t) in backfill_times(n, days, end, 1).enumerate() {
        let k = g.next_at(t);
        if k.event.event_type().is_reference() {
            let _ = reference.apply(&k.event);
        } else {
            // Applied as it happens: the wall clock is the event's own time.
            let _ = shard.apply(&k.event, &reference, t);
        }
        if (i + 1) % 100_000 == 0 {
            shard.prune(t);
            sizes.push(shard.state_bytes());
        }
    }
    let peak = *sizes.iter().max().unwrap();
    assert!(peak < BOUND, "state reached {peak} bytes (bound {BOUND}); sizes every 100k events: {sizes:?}");
    // After 90 days (event 250k on) the state no longer grows with history: the last
    // sizes are within 25% of the one at 120 days.
    let at_120_days = sizes[3];
    for s in &sizes[3..] {
        assert!(*s < at_120_days * 5 / 4, "state grows with history older than 90 days: {sizes:?}");
    }
    eprintln!("state bytes every 100k events: {sizes:?}");
}

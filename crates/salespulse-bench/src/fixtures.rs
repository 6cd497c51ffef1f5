//! Fixtures shared by the criterion benches and the runner.

use chrono::{DateTime, Duration, Utc};
use salespulse_engine::{EngineConfig, Reference, Shard};
use salespulse_events::{Body, Currency, DealCreated, DealType, Event, Money};

fn event(i: u64, at: DateTime<Utc>, body: Body) -> Event {
    Event {
        event_id: format!("e{i}").into(),
        occurred_at: at,
        rep_id: Some(format!("rep-{}", i % 50).into()),
        team_id: None,
        account_id: Some(format!("acc-{}", i % 100_000).into()),
        source: None,
        body,
    }
}

/// One partition holding 1 M open entities: 600 000 open deals and 400 000 leads waiting
/// for a response.
pub fn big_shard(now: DateTime<Utc>) -> (Shard, Reference) {
    let reference = Reference::new(Currency::parse("EUR").unwrap());
    let cfg = EngineConfig { dedup_max_ids: 200_000, ..EngineConfig::default() };
    let mut shard = Shard::new(cfg);
    let eur = Currency::parse("EUR").unwrap();
    for i in 0..1_000_000u64 {
        let at = now - Duration::minutes((i % (60 * 24 * 60)) as i64);
        let body = if i % 5 < 3 {
            Body::DealCreated(DealCreated {
                deal_id: format!("deal-{i}").into(),
                amount: Money { amount: 1000.0 + (i % 997) as f64, currency: eur },
                stage: ["qualification", "discovery", "proposal", "negotiation"][(i % 4) as usize].into(),
                deal_type: DealType::NewBusiness,
                lead_id: None,
                probability: None,
            })
        } else {
            Body::LeadCreated { lead_id: format!("lead-{i}").into(), channel: None }
        };
        shard.apply(&event(i, at, body), &reference, now).expect("valid event");
    }
    (shard, reference)
}

//! Engine throughput: events applied per second, and the cost of a scrape (view + KPIs).

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use salespulse_engine::{EngineConfig, Reference, Shard, View, kpis};
use salespulse_events::Currency;
use salespulse_gen::{GenConfig, Generator, backfill_times};

fn setup(n: u64) -> (Vec<salespulse_events::Event>, Reference, DateTime<Utc>) {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let mut g = Generator::new(GenConfig::default());
    let mut reference = Reference::new(Currency::parse("EUR").unwrap());
    for k in g.reference_events(now, now) {
        reference.apply(&k.event).expect("generated reference data is valid");
    }
    let events = backfill_times(n, 30.0, now, 1).map(|t| g.next_at(t).event).collect();
    (events, reference, now)
}

fn bench(c: &mut Criterion) {
    let (events, reference, now) = setup(100_000);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("apply 100k generated events (30 days)", |b| {
        b.iter_batched(
            || Shard::new(EngineConfig::default()),
            |mut shard| {
                for e in &events {
                    if !e.event_type().is_reference() {
                        let _ = shard.apply(e, &reference, now);
                    }
                }
                shard
            },
            BatchSize::LargeInput,
        )
    });
    let mut shard = Shard::new(EngineConfig::default());
    for e in events.iter().filter(|e| !e.event_type().is_reference()) {
        let _ = shard.apply(e, &reference, now);
    }
    group.throughput(Throughput::Elements(1));
    group.bench_function("scrape: view + KPI families of a 100k-event shard", |b| {
        b.iter(|| {
            let mut view = View::default();
            view.merge(shard.view(now, &reference));
            kpis::families(&view, &reference, &EngineConfig::default(), now)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

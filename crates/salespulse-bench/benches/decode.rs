//! Decoder throughput on generated traffic.

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use salespulse_events::{decode, encode};
use salespulse_gen::{GenConfig, Generator, backfill_times};

fn bench(c: &mut Criterion) {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let mut g = Generator::new(GenConfig::default());
    let payloads: Vec<Vec<u8>> = backfill_times(50_000, 30.0, now, 1).map(|t| encode(&g.next_at(t).event)).collect();
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    group.throughput(Throughput::Elements(payloads.len() as u64));
    group.bench_function(format!("50k generated events, {} bytes on average", bytes / payloads.len()), |b| {
        b.iter(|| payloads.iter().filter(|p| decode(p, 65_536).is_ok()).count())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

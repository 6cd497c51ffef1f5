//! `salespulse gen`: produces synthetic CRM traffic to Kafka.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientContext, error::KafkaError, types::RDKafkaErrorCode};
use salespulse_gen::{GenConfig, Generator, Keyed, backfill_times};

use crate::cli::GenArgs;

/// Counts failed deliveries.
#[derive(Default)]
struct Deliveries {
    failed: AtomicU64,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if result.is_err() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Parses `50/s`, `3000/m`, `100000/h` or a plain number per second.
pub fn parse_rate(text: &str) -> anyhow::Result<f64> {
    let (n, per) = text.split_once('/').unwrap_or((text, "s"));
    let n: f64 = n.trim().parse().with_context(|| format!("--rate {text:?}: not a number"))?;
    let secs = match per.trim() {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        other => bail!("--rate {text:?}: unit {other:?} is not s, m or h"),
    };
    if !(n.is_finite() && n > 0.0) {
        bail!("--rate {text:?}: must be more than 0");
    }
    Ok(n / secs)
}

/// Malformed payloads, cycled through when --bad-ratio asks for some.
const BAD: [&[u8]; 4] = [
    b"{this is not json",
    br#"{"event_id":"bad-missing","type":"deal.closed","occurred_at":"2026-01-01T00:00:00Z"}"#,
    br#"{"event_id":"bad-type","type":"deal.teleported","occurred_at":"2026-01-01T00:00:00Z"}"#,
    b"\xff\xfe not utf-8",
];

struct Out {
    producer: BaseProducer<Deliveries>,
    topic: String,
    sent: u64,
    bad: u64,
    bad_ratio: f64,
}

impl Out {
    fn send(&mut self, topic: &str, key: &str, payload: &[u8]) -> anyhow::Result<()> {
        let mut record = BaseRecord::to(topic).key(key).payload(payload);
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => bail!("cannot produce to {topic}: {e}"),
            }
        }
        self.sent += 1;
        if self.sent.is_multiple_of(1024) {
            self.producer.poll(Duration::ZERO);
        }
        Ok(())
    }

    fn event(&mut self, k: &Keyed) -> anyhow::Result<()> {
        let topic = self.topic.clone();
        // Deterministic spacing rather than randomness: every 1/ratio-th message is bad.
        if self.bad_ratio > 0.0
            && ((self.sent + 1) as f64 * self.bad_ratio).floor() > (self.sent as f64 * self.bad_ratio).floor()
        {
            let payload = BAD[(self.bad % BAD.len() as u64) as usize];
            self.bad += 1;
            return self.send(&topic, &k.key, payload);
        }
        self.send(&topic, &k.key, &salespulse_events::encode(&k.event))
    }
}

/// Runs the generator until done (backfill) or until `stop` (live).
pub fn run(args: GenArgs, stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let mut errors = Vec::new();
    let props = crate::config::resolve::properties(&args.kafka_properties, &mut errors);
    if !errors.is_empty() {
        bail!(errors.join("; "));
    }
    if !(0.0..1.0).contains(&args.bad_ratio) {
        bail!("--bad-ratio must be in 0..1");
    }
    let rate = args.rate.as_deref().map(parse_rate).transpose()?;
    if rate.is_none() && args.events.is_none() {
        bail!("say how much to generate: --events N (backfill over --days) or --rate N/s (live)");
    }
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &args.brokers).set("linger.ms", "20").set("compression.type", "lz4");
    c.set("queue.buffering.max.messages", "200000").set("enable.idempotence", "true");
    for (k, v) in props {
        c.set(k, v);
    }
    let producer: BaseProducer<Deliveries> =
        c.create_with_context(Deliveries::default()).context("cannot create producer")?;
    let mut out = Out { producer, topic: args.topic.clone(), sent: 0, bad: 0, bad_ratio: args.bad_ratio };
    let cfg =
        GenConfig { seed: args.seed, teams: args.teams, reps_per_team: args.reps_per_team, ..GenConfig::default() };
    let mut g = Generator::new(cfg);
    let now = Utc::now();
    if !args.no_reference {
        let start = now - chrono::Duration::milliseconds((args.days * 86_400_000.0) as i64);
        let topic = if args.reference_topic.is_empty() { args.topic.clone() } else { args.reference_topic.clone() };
        for k in g.reference_events(start, now) {
            out.send(&topic, &k.key, &salespulse_events::encode(&k.event))?;
        }
        eprintln!("gen: sent roster, exchange rates, stages, quotas and market sizes to {topic}");
    }
    let started = Instant::now();
    let mut progress = Instant::now();
    if let Some(n) = args.events {
        for t in backfill_times(n, args.days, now, args.seed) {
            let k = g.next_at(t);
            out.event(&k)?;
            if progress.elapsed() >= Duration::from_secs(2) {
                let rate = out.sent as f64 / started.elapsed().as_secs_f64();
                let eta = (n.saturating_sub(out.sent)) as f64 / rate.max(1.0);
                eprintln!(
                    "gen: {}/{n} events ({:.1}%), {rate:.0}/s, eta {eta:.0}s",
                    out.sent,
                    100.0 * out.sent as f64 / n as f64
                );
                progress = Instant::now();
            }
            if stop.load(Ordering::Relaxed) {
                break;
            }
        }
    }
    if let Some(per_sec) = rate {
        eprintln!("gen: live traffic at {per_sec:.1} events/s to {} (Ctrl-C to stop)", args.topic);
        let live_start = Instant::now();
        let mut live_sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let due = (live_start.elapsed().as_secs_f64() * per_sec) as u64;
            while live_sent < due {
                let k = g.next_at(Utc::now());
                out.event(&k)?;
                live_sent += 1;
            }
            out.producer.poll(Duration::from_millis(20));
            if progress.elapsed() >= Duration::from_secs(10) {
                eprintln!("gen: {live_sent} live events sent");
                progress = Instant::now();
            }
        }
    }
    out.producer.flush(Duration::from_secs(30)).context("cannot deliver every event")?;
    let failed = out.producer.context().failed.load(Ordering::Relaxed);
    eprintln!(
        "gen: done: {} messages ({} malformed on purpose) in {:.1}s, {failed} delivery failures",
        out.sent,
        out.bad,
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        bail!("{failed} messages were not delivered");
    }
    Ok(())
}

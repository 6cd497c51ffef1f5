//! Freshness: how old an event is before `/metrics` shows it, at a steady rate with one
//! scrape a second. At each scrape, the sample is the age of the oldest event produced
//! before the scrape began that the scrape does not count yet (0 when it counts all).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use super::http;
use super::service::Service;

/// Produces `rate` activity events a second for `seconds`; returns when each was sent.
fn produce(brokers: &str, topic: &str, rate: u32, seconds: u64, sent: &Mutex<Vec<Instant>>) -> Result<(), String> {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", "1")
        .create()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let total = u64::from(rate) * seconds;
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let payload = format!(
            r#"{{"event_id":"fresh-{i}","type":"activity.logged","occurred_at":"{}","rep_id":"rep-bench","account_id":"acc-{}","activity_id":"act-{i}","kind":"call"}}"#,
            Utc::now().to_rfc3339(),
            i % 100
        );
        let key = format!("acc-{}", i % 100);
        producer.send(BaseRecord::to(topic).key(&key).payload(&payload)).map_err(|(e, _)| e.to_string())?;
        sent.lock().map_err(|e| e.to_string())?.push(Instant::now());
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(10)).map_err(|e| e.to_string())
}

/// Freshness samples, in seconds: one per scrape of `/metrics`, and one per event for the
/// board (from its production to the first board update that shows it).
pub fn measure(
    service: &Service,
    brokers: &str,
    topic: &str,
    rate: u32,
    seconds: u64,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let (stop_board, board) = super::board::start(&service.addr, sent.clone());
    let producer = {
        let (brokers, topic, sent) = (brokers.to_owned(), topic.to_owned(), sent.clone());
        std::thread::spawn(move || produce(&brokers, &topic, rate, seconds, &sent))
    };
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        let began = Instant::now();
        let body = service.get("/metrics")?.body;
        let visible = http::sum(&body, "sales_activities", &["window=\"1h\""]) as usize;
        let sent = sent.lock().map_err(|e| e.to_string())?.clone();
        let sample = sent.get(visible).filter(|t| **t < began).map_or(0.0, |t| (began - *t).as_secs_f64());
        samples.push(sample);
        if let Some(rest) = Duration::from_secs(1).checked_sub(began.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    producer.join().map_err(|_| "the producer panicked".to_owned())??;
    // The last events' updates: the board pushes within a second of a change.
    std::thread::sleep(Duration::from_secs(2));
    stop_board.store(true, std::sync::atomic::Ordering::Relaxed);
    let board = board.join().map_err(|_| "the board reader panicked".to_owned())??;
    Ok((samples, board))
}

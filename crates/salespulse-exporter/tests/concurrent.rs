//! Concurrent scrapers share renders: ten `/metrics` requests at once read the KPI state
//! about twice, not ten times, and each gets the state as of its arrival or later.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::Registry;
use salespulse_exporter::{HttpLimits, KpiSource, Scrape, WebConfig, serve};

/// A source that takes 500 ms per scrape and counts its scrapes.
#[derive(Default)]
struct Slow {
    scrapes: AtomicUsize,
}

impl KpiSource for Slow {
    fn scrape(&self, _now: DateTime<Utc>) -> Scrape {
        self.scrapes.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(500));
        Scrape::default()
    }

    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

fn get(addr: std::net::SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn ten_concurrent_scrapes_share_at_most_two_renders() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let source = Arc::new(Slow::default());
    let registry = Registry::new();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(serve(
        listener,
        registry,
        source.clone(),
        HttpLimits::default(),
        WebConfig::default(),
        axum::Router::new(),
        std::future::pending(),
    ));
    // A first scrape alone renders once.
    assert!(get(addr).contains(" 200 OK"));
    assert_eq!(source.scrapes.load(Ordering::SeqCst), 1);
    let scrapers: Vec<_> = (0..10).map(|_| std::thread::spawn(move || get(addr))).collect();
    for s in scrapers {
        assert!(s.join().unwrap().contains(" 200 OK"));
    }
    // The first of the ten renders; those that arrived meanwhile share the next render.
    let renders = source.scrapes.load(Ordering::SeqCst) - 1;
    assert!((1..=2).contains(&renders), "{renders} renders for 10 concurrent scrapes");
    // A scrape after them does not reuse an older render.
    get(addr);
    assert_eq!(source.scrapes.load(Ordering::SeqCst), renders + 2);
}

/// GETs /metrics with `accept` as Accept-Encoding: (head, body bytes).
fn get_with(addr: std::net::SocketAddr, accept: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nAccept-Encoding: {accept}\r\n\r\n").unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (String::from_utf8_lossy(&out[..at]).to_lowercase(), out[at + 4..].to_vec())
}

#[test]
fn metrics_are_gzip_compressed_for_a_scraper_that_accepts_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let registry = Registry::new();
    let counter = prometheus::IntCounter::new("salespulse_test_total", "A counter.").unwrap();
    counter.inc_by(42);
    registry.register(Box::new(counter)).unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let source = Arc::new(Slow::default());
    runtime.spawn(serve(
        listener,
        registry,
        source,
        HttpLimits::default(),
        WebConfig::default(),
        axum::Router::new(),
        std::future::pending(),
    ));
    let (head, plain) = get_with(addr, "identity");
    assert!(!head.contains("content-encoding"), "{head}");
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("salespulse_test_total 42"), "{plain}");
    for accept in ["gzip", "deflate, gzip;q=0.8", "*"] {
        let (head, body) = get_with(addr, accept);
        assert!(head.contains("content-encoding: gzip") && head.contains("vary: accept-encoding"), "{accept}: {head}");
        let mut text = String::new();
        flate2::read::GzDecoder::new(body.as_slice()).read_to_string(&mut text).unwrap();
        assert_eq!(text, plain, "{accept}");
    }
    let (head, _) = get_with(addr, "gzip;q=0");
    assert!(!head.contains("content-encoding"), "refused with q=0: {head}");
}

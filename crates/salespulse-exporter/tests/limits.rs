//! The HTTP server holds against idle, slow and too many clients: connections that send
//! nothing, trickle their headers or stay idle are closed after their timeout, those
//! beyond the limit are closed on accept, and `/healthz` answers at once while fifty
//! clients scrape.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus::Registry;
use salespulse_exporter::{HttpLimits, KpiSource, Scrape, WebConfig, serve};

/// A source whose scrapes take 300 ms.
struct Slow;

impl KpiSource for Slow {
    fn scrape(&self, _now: DateTime<Utc>) -> Scrape {
        std::thread::sleep(Duration::from_millis(300));
        Scrape::default()
    }

    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

const LIMITS: HttpLimits = HttpLimits {
    header_read_timeout: Duration::from_millis(400),
    idle_timeout: Duration::from_millis(800),
    max_connections: 60,
};

fn start(limits: HttpLimits) -> (tokio::runtime::Runtime, SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let registry = Registry::new();
    let source = Arc::new(Slow);
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(serve(
        listener,
        registry,
        source,
        limits,
        WebConfig::default(),
        axum::Router::new(),
        std::future::pending(),
    ));
    (runtime, addr)
}

/// How long until the server closes `s` (reads until end of stream), at most `within`.
fn closed_after(s: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buf = [0u8; 4096];
    while started.elapsed() < within {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

/// The response to a GET, or what went wrong (a connection closed on accept is reset).
fn get(addr: SocketAddr, path: &str) -> String {
    let attempt = || -> std::io::Result<String> {
        let mut s = TcpStream::connect(addr)?;
        write!(s, "GET {path} HTTP/1.0\r\n\r\n")?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    };
    attempt().unwrap_or_else(|e| e.to_string())
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let (_rt, addr) = start(LIMITS);
    let mut s = TcpStream::connect(addr).unwrap();
    let took = closed_after(&mut s, Duration::from_secs(5)).expect("closed");
    assert!(took >= Duration::from_millis(300), "closed after {took:?}, before the timeout");
}

#[test]
fn headers_trickled_byte_by_byte_are_cut_off() {
    let (_rt, addr) = start(LIMITS);
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
    let started = Instant::now();
    let mut open = true;
    while open && started.elapsed() < Duration::from_secs(5) {
        open = s.write_all(b"a").is_ok() && closed_after(&mut s, Duration::from_millis(100)).is_none();
    }
    assert!(!open, "a slow client kept its connection for 5 s");
    assert!(started.elapsed() < Duration::from_secs(3), "closed only after {:?}", started.elapsed());
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let (_rt, addr) = start(LIMITS);
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let took = closed_after(&mut s, Duration::from_secs(5)).expect("closed");
    assert!(took >= Duration::from_millis(300), "closed after {took:?}");
}

#[test]
fn connections_beyond_the_limit_are_closed_and_slots_come_back() {
    let (_rt, addr) = start(HttpLimits { max_connections: 3, idle_timeout: Duration::from_secs(30), ..LIMITS });
    let mut held: Vec<TcpStream> = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut buf = [0u8; 512];
        assert!(s.read(&mut buf).unwrap() > 0, "served within the limit");
        held.push(s);
    }
    let mut extra = TcpStream::connect(addr).unwrap();
    let took = closed_after(&mut extra, Duration::from_secs(5)).expect("closed");
    assert!(took < Duration::from_millis(300), "beyond the limit: closed on accept, not after {took:?}");
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !get(addr, "/healthz").contains(" 200 OK") {
        assert!(Instant::now() < deadline, "slots never came back");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn healthz_answers_within_100_ms_while_fifty_clients_scrape() {
    let (_rt, addr) = start(HttpLimits { idle_timeout: Duration::from_secs(30), ..LIMITS });
    let scrapers: Vec<_> = (0..50)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..3 {
                    assert!(get(addr, "/metrics").contains(" 200 OK"));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        assert!(get(addr, "/healthz").contains(" 200 OK"));
        assert!(get(addr, "/readyz").contains(" 200 OK"));
        slowest = slowest.max(started.elapsed() / 2);
        std::thread::sleep(Duration::from_millis(30));
    }
    assert!(slowest < Duration::from_millis(100), "/healthz took {slowest:?} under 50 scrapers");
    for s in scrapers {
        s.join().unwrap();
    }
}

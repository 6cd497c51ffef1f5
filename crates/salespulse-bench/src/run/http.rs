//! A minimal HTTP GET, timed, for `/metrics` and `/readyz`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A response: status, body and how long it took from connect to the last byte.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
    pub took: Duration,
}

/// GETs `path` from `addr`.
pub fn get(addr: &str, path: &str) -> Result<Response, String> {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let took = start.elapsed();
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no status")?;
    Ok(Response { status, body: body.to_owned(), took })
}

/// The sum of every sample of `name` whose labels contain each of `having`.
pub fn sum(text: &str, name: &str, having: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' ')))
        .filter(|l| having.iter().all(|h| l.contains(h)))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

/// The number of samples in an exposition.
pub fn series(text: &str) -> usize {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).count()
}

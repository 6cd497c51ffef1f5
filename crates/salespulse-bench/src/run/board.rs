//! Board freshness: how long after an event is produced the live board shows it. A client
//! holds the board's stream (`/api/v1/stream`, as the page does) during the freshness run;
//! each update shows a number of activities, and every event it shows for the first time
//! gets the time from its production to that update.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Reads the board's stream of `addr` until `stop`, giving each event produced (by its
/// send time in `sent`) the delay until an update first counted it. Activities already
/// counted when the stream opened (`before`) are not events of the run.
pub fn follow(addr: &str, sent: &Mutex<Vec<Instant>>, stop: &AtomicBool) -> Result<Vec<f64>, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_millis(500))).ok();
    write!(s, "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(s);
    let (mut before, mut shown, mut delays) = (None::<usize>, 0usize, Vec::new());
    let mut line = String::new();
    while !stop.load(Ordering::Relaxed) {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) => return Err("the board's stream ended".into()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(e) => return Err(e.to_string()),
        }
        let Some(data) = line.strip_prefix("data: ") else { continue };
        let received = Instant::now();
        let board: serde_json::Value = serde_json::from_str(data.trim_end()).map_err(|e| e.to_string())?;
        let total =
            board["teams"].as_array().into_iter().flatten().filter_map(|t| t["activities_24h"].as_f64()).sum::<f64>();
        let total = total as usize;
        let base = *before.get_or_insert(total);
        let visible = total.saturating_sub(base);
        let sent = sent.lock().map_err(|e| e.to_string())?;
        for t in sent.iter().take(visible).skip(shown) {
            delays.push(received.saturating_duration_since(*t).as_secs_f64());
        }
        shown = shown.max(visible.min(sent.len()));
    }
    Ok(delays)
}

/// Runs [`follow`] on a thread of its own until the returned flag is raised.
pub fn start(
    addr: &str,
    sent: Arc<Mutex<Vec<Instant>>>,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<Result<Vec<f64>, String>>) {
    let stop = Arc::new(AtomicBool::new(false));
    let (addr, flag) = (addr.to_owned(), stop.clone());
    (stop, std::thread::spawn(move || follow(&addr, &sent, &flag)))
}

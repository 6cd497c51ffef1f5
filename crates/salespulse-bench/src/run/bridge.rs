//! The bridge under webhook load: `salespulse bridge` (the release binary) holding 10 000,
//! then 500 000 known records (a state seeded in its store before it starts), answers
//! Pipedrive webhooks about records picked at random from many clients at once. Reported:
//! webhooks answered per second, and the 99th percentile of the answer time against
//! HubSpot's answer budget of 5 s (a webhook answered later is sent again).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use salespulse_bridge::{Known, StateStore};

use super::plan::Plan;
use super::progress::say;
use super::report::{self, Row};
use super::topics;

const PASSWORD: &str = "bench-password";
/// "pipedrive:bench-password" in base64.
const AUTHORIZATION: &str = "Basic cGlwZWRyaXZlOmJlbmNoLXBhc3N3b3Jk";

/// A state of `n` known Pipedrive deals, written to `store` as the bridge keeps it.
fn seed(store: &str, n: usize) -> Result<(), String> {
    let mut known = Known::new(n.max(1) * 2);
    let t0 = chrono::Utc::now().timestamp_millis() - 3_600_000;
    known.begin();
    for i in 0..n {
        let r = known.entry(&format!("pipedrive:deal:{i}"));
        r.fresh("deal", t0);
        r.owner = Some("12".into());
        r.key = Some(i.to_string());
        r.announced = true;
        r.deal.stage = Some("1".into());
        r.deal.amount = Some(1_000.0);
        r.deal.currency = Some("EUR".into());
    }
    known.commit();
    let client = rdkafka::ClientConfig::new();
    let state = StateStore::new(salespulse_store::open(store, &client).map_err(|e| e.to_string())?);
    for b in known.take_dirty() {
        state.write(b, &StateStore::encode(known.bucket(b))).map_err(|e| e.to_string())?;
    }
    state.mark_whole().map_err(|e| e.to_string())
}

/// A running bridge, stopped on drop.
struct Bridge {
    child: Child,
    addr: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().ok();
        self.child.wait().ok();
    }
}

fn start(bin: &Path, brokers: &str, topic: &str, dir: &Path) -> Result<Bridge, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?;
    let addr = format!("127.0.0.1:{}", port.port());
    let config: PathBuf = dir.join("bridge.toml");
    let text = format!(
        "[kafka]\ndead_letter_topic = \"\"\n[log]\nlevel = \"warn\"\n[bridge]\nstate_store = \"file://{}\"\n\
         unmapped_stage = \"keep\"\nmax_records = 2000000\n[bridge.pipedrive]\nusername = \"pipedrive\"\npassword = \"{PASSWORD}\"\n",
        dir.join("state").display()
    );
    std::fs::write(&config, text).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(dir.join("bridge.log")).map_err(|e| e.to_string())?;
    let child = Command::new(bin)
        .args(["bridge", "--config"])
        .arg(&config)
        .args(["--brokers", brokers, "--topic", topic, "--reference-topic", "", "--listen", &addr])
        .env("MALLOC_ARENA_MAX", "2")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let bridge = Bridge { child, addr };
    let deadline = Instant::now() + Duration::from_secs(300);
    while super::http::get(&bridge.addr, "/readyz").map(|r| r.status) != Ok(200) {
        if Instant::now() > deadline {
            return Err(format!("the bridge was not ready in 300 s (see {})", dir.join("bridge.log").display()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(bridge)
}

/// POSTs one Pipedrive deal change; its status and answer time.
fn post(addr: &str, body: &str) -> Result<(u16, Duration), String> {
    let began = Instant::now();
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let head = format!(
        "POST /webhooks/pipedrive HTTP/1.0\r\nHost: {addr}\r\nAuthorization: {AUTHORIZATION}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|()| s.write_all(body.as_bytes())).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let status = String::from_utf8_lossy(&raw).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((status, began.elapsed()))
}

/// `requests` webhooks from `clients` threads, about records picked among `n`: (per
/// second, answer times in ms).
fn load(addr: &str, n: usize, requests: u64, clients: u64) -> Result<(f64, Vec<f64>), String> {
    let next = AtomicU64::new(0);
    let began = Instant::now();
    let results: Vec<Result<Vec<f64>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| {
                    let mut times = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            return Ok(times);
                        }
                        // A multiplicative hash spreads the records over the whole state.
                        let deal = (i.wrapping_mul(2_654_435_761) % n as u64) as usize;
                        let at = chrono::Utc::now().to_rfc3339();
                        let body = format!(
                            r#"{{"meta":{{"action":"change","entity":"deal","entity_id":"{deal}","id":"bench-{i}","timestamp":"{at}"}},"data":{{"id":{deal},"owner_id":12,"value":{},"currency":"EUR","stage_id":1,"status":"open"}}}}"#,
                            1_000 + i
                        );
                        let (status, took) = post(addr, &body)?;
                        if status != 200 {
                            return Err(format!("a webhook got {status}"));
                        }
                        times.push(took.as_secs_f64() * 1000.0);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a client panicked".into()))).collect()
    });
    let elapsed = began.elapsed().as_secs_f64();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok((all.len() as f64 / elapsed, all))
}

/// Webhook throughput and answer time at each size of state.
pub fn run(plan: &Plan, bin: &Path, brokers: &str, work: &Path) -> Result<Vec<Row>, String> {
    let topic = format!("bench-bridge-{}", std::process::id());
    topics::create(bin, brokers, &topic, 6)?;
    let mut rows = Vec::new();
    let mut first_rate = None;
    for n in [10_000, 500_000] {
        let dir = work.join(format!("bridge-{n}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        say(&format!("bridge: seeding {n} known records"));
        seed(&format!("file://{}", dir.join("state").display()), n)?;
        let bridge = start(bin, brokers, &topic, &dir)?;
        say(&format!(
            "bridge: {} webhooks from {} clients, {n} known records",
            plan.bridge_requests, plan.bridge_clients
        ));
        let (rate, times) = load(&bridge.addr, n, plan.bridge_requests, plan.bridge_clients)?;
        drop(bridge);
        let p99 = report::quantile(&times, 0.99);
        let p50 = report::quantile(&times, 0.5);
        let what = format!("bridge webhooks, {n} known records, {} clients", plan.bridge_clients);
        let scaling =
            first_rate.map_or_else(|| "-".to_owned(), |f: f64| format!("{:.2} of the rate at 10 000", rate / f));
        first_rate.get_or_insert(rate);
        rows.push(Row::new(&what, format!("{rate:.0}/s"), scaling, "-"));
        rows.push(Row::new(
            &format!("bridge answer time p99 (p50), {n} known records"),
            format!("{p99:.0} ms ({p50:.0} ms)"),
            "HubSpot's answer budget: 5000 ms".to_owned(),
            "< 5000 ms",
        ));
    }
    Ok(rows)
}

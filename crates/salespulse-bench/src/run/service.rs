//! `salespulse run` (the release binary) as a child process, observed only through its
//! HTTP endpoints and `/proc`, as an operator would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::http::{self, Response};

/// A running service, stopped (SIGTERM, final snapshots) on drop.
#[derive(Debug)]
pub struct Service {
    child: Child,
    pub addr: String,
    /// Where its log goes.
    log: PathBuf,
}

/// How to start it.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    pub bin: &'a Path,
    pub brokers: &'a str,
    pub topic: &'a str,
    pub group: &'a str,
    pub state: &'a Path,
    pub per_rep: bool,
    /// `kafka.workers` (0: one per core, the default).
    pub workers: usize,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(19898)
}

impl Service {
    pub fn start(o: &Options<'_>) -> Result<Service, String> {
        std::fs::create_dir_all(o.state).map_err(|e| e.to_string())?;
        let config: PathBuf = o.state.join("bench.toml");
        let text = format!(
            "[kafka]\nworkers = {}\n[kpis]\nper_rep_series = {}\nrep_series_budget = 1000000\n[state]\nsnapshot_interval = \"30s\"\nready_max_lag = 0\n[log]\nlevel = \"warn\"\n",
            o.workers, o.per_rep
        );
        std::fs::write(&config, text).map_err(|e| e.to_string())?;
        let addr = format!("127.0.0.1:{}", free_port());
        let log_path = o.state.join("salespulse.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let child = Command::new(o.bin)
            .args(["run", "--config"])
            .arg(&config)
            .args(["--brokers", o.brokers, "--topic", o.topic, "--group", o.group, "--listen", &addr])
            .args([
                "--reference-topic",
                &format!("{}.ref", o.topic),
                "--dead-letter-topic",
                &format!("{}.dlq", o.topic),
            ])
            .arg("--state")
            .arg(format!("file://{}", o.state.join("snapshots").display()))
            .args(["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"])
            .args(std::env::var("BENCH_SERVICE_ARGS").unwrap_or_default().split_whitespace())
            // As the image and the unit run it, unless the caller chose otherwise.
            .env("MALLOC_ARENA_MAX", std::env::var("MALLOC_ARENA_MAX").unwrap_or_else(|_| "2".into()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start {}: {e}", o.bin.display()))?;
        Ok(Service { child, addr, log: log_path })
    }

    /// The process id (for profilers).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn get(&self, path: &str) -> Result<Response, String> {
        http::get(&self.addr, path)
    }

    /// Polls `f` every `every` until it returns true; fails after `timeout`.
    pub fn wait(
        &self,
        what: &str,
        every: Duration,
        timeout: Duration,
        mut f: impl FnMut(&Service) -> bool,
    ) -> Result<Instant, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if f(self) {
                return Ok(Instant::now());
            }
            if !self.alive() {
                return Err(format!("salespulse exited while waiting for {what} (see {})", self.log.display()));
            }
            if Instant::now() > deadline {
                return Err(format!("timed out after {timeout:?} waiting for {what}"));
            }
            std::thread::sleep(every);
        }
    }

    /// Whether the process still runs (an exited child stays a zombie until waited for).
    fn alive(&self) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z'))
    }

    /// A metric summed over its series, from one scrape (0 when unreachable).
    pub fn metric(&self, name: &str) -> f64 {
        self.get("/metrics").map(|r| http::sum(&r.body, name, &[])).unwrap_or(0.0)
    }

    /// (peak, current) resident memory in bytes, from /proc.
    pub fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        };
        (kb("VmHWM:").unwrap_or(0) * 1024, kb("VmRSS:").unwrap_or(0) * 1024)
    }

    /// SIGTERM, then waits for the final snapshots and exit.
    pub fn stop(mut self) -> Result<(), String> {
        self.terminate()
    }

    fn terminate(&mut self) -> Result<(), String> {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().map_err(|e| e.to_string())?;
        self.child.wait().map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.terminate().ok();
        }
    }
}

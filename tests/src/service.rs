//! The `salespulse` binary as a child process.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::{Process, Samples, http_get};

/// The built binary: `SALESPULSE_BIN`, else `target/debug/salespulse` next to this test.
pub fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("SALESPULSE_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>");
    let bin = dir.join("salespulse");
    assert!(bin.exists(), "{} is missing: run `cargo build -p salespulse` first (make test does)", bin.display());
    bin
}

/// Runs `salespulse gen` to completion: `args` after the brokers and topics (events,
/// days, seed...); panics if it fails.
pub fn generate(topic: &str, reference_topic: &str, args: &[&str]) {
    let status = Command::new(binary())
        .args(["gen", "--brokers", &crate::brokers(), "--topic", topic, "--reference-topic", reference_topic])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("run the generator");
    assert!(status.success(), "the generator failed");
}

/// A configuration file holding `text`, in a directory of its own.
pub fn config_file(text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(crate::unique("salespulse-cfg"));
    std::fs::create_dir_all(&dir).expect("config directory");
    let path = dir.join("salespulse.toml");
    std::fs::write(&path, text).expect("config file");
    path
}

/// Per-rep series on, no dead-letter topic, a snapshot every second: the configuration
/// of the tests that compare whole scrapes.
pub const COMPARE_CONFIG: &str =
    "[kpis]\nper_rep_series = true\n[kafka]\ndead_letter_topic = \"\"\n[state]\nsnapshot_interval = \"1s\"\n";

/// A free local TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running `salespulse run`.
#[derive(Debug)]
pub struct Service {
    process: Process,
    pub addr: String,
    pub log: PathBuf,
}

/// The arguments of a `salespulse run`, set one by one; [`ServiceBuilder::start`] starts
/// it. Unset: the brokers are `KAFKA_BROKERS`, the store a fresh snapshot directory, the
/// rest the binary's defaults.
#[derive(Debug, Default)]
pub struct ServiceBuilder {
    args: Vec<(&'static str, String)>,
    /// `session.timeout.ms` (default 6000: the broker's join waits for it).
    session_timeout_ms: Option<u32>,
}

impl ServiceBuilder {
    fn set(mut self, flag: &'static str, value: impl Into<String>) -> ServiceBuilder {
        self.args.retain(|(f, _)| *f != flag);
        self.args.push((flag, value.into()));
        self
    }

    /// `--config`: a configuration file.
    pub fn config(self, path: impl AsRef<std::path::Path>) -> ServiceBuilder {
        self.set("--config", path.as_ref().display().to_string())
    }

    /// `--brokers` (default: `KAFKA_BROKERS`).
    pub fn brokers(self, brokers: &str) -> ServiceBuilder {
        self.set("--brokers", brokers)
    }

    /// `--topic`: the events topic.
    pub fn topic(self, topic: &str) -> ServiceBuilder {
        self.set("--topic", topic)
    }

    /// `--reference-topic` ("" for none).
    pub fn reference_topic(self, topic: &str) -> ServiceBuilder {
        self.set("--reference-topic", topic)
    }

    /// `--group`: the consumer group.
    pub fn group(self, group: &str) -> ServiceBuilder {
        self.set("--group", group)
    }

    /// `--dead-letter-topic` ("" for none).
    pub fn dead_letter_topic(self, topic: &str) -> ServiceBuilder {
        self.set("--dead-letter-topic", topic)
    }

    /// `session.timeout.ms` of the group (default 6000).
    pub fn session_timeout_ms(mut self, ms: u32) -> ServiceBuilder {
        self.session_timeout_ms = Some(ms);
        self
    }

    /// `--listen` (default: a free port), e.g. the address of a service being restarted.
    pub fn listen(self, addr: &str) -> ServiceBuilder {
        self.set("--listen", addr)
    }

    /// `--state`: the snapshot store (default: a fresh directory of its own).
    pub fn state(self, store: &str) -> ServiceBuilder {
        self.set("--state", store)
    }

    /// Starts `salespulse run` with these arguments, a free `--listen` and test-friendly
    /// group timeouts; its output goes to a log file in the temporary directory.
    pub fn start(self) -> Service {
        let mut b = self;
        if !b.args.iter().any(|(f, _)| *f == "--brokers") {
            b = b.brokers(&crate::brokers());
        }
        if !b.args.iter().any(|(f, _)| *f == "--state") {
            let dir = std::env::temp_dir().join(crate::unique("salespulse-state"));
            b = b.state(&format!("file://{}", dir.display()));
        }
        let addr = match b.args.iter().position(|(f, _)| *f == "--listen") {
            Some(i) => b.args.remove(i).1,
            None => format!("127.0.0.1:{}", free_port()),
        };
        let session = format!("session.timeout.ms={}", b.session_timeout_ms.unwrap_or(6000));
        let log = std::env::temp_dir().join(format!("{}.log", crate::unique("salespulse-e2e")));
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(binary())
            .arg("run")
            .args(b.args.iter().flat_map(|(f, v)| [*f, v.as_str()]))
            .args(["--listen", &addr, "-X", &session, "-X", "heartbeat.interval.ms=500"])
            .env("SALESPULSE_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("spawn salespulse");
        Service { process: Process::new(child, log.clone()), addr, log }
    }
}

impl Service {
    /// A builder of `salespulse run` arguments.
    pub fn builder() -> ServiceBuilder {
        ServiceBuilder::default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The service's log so far.
    pub fn log_text(&self) -> String {
        self.process.log_text()
    }

    /// Scrapes `/metrics`.
    pub fn scrape(&self) -> Result<Samples, String> {
        match http_get(&self.addr, "/metrics")? {
            (200, body) => Ok(Samples::parse(&body)),
            (code, body) => Err(format!("/metrics answered {code}: {body}")),
        }
    }

    /// A scrape begun after `seen` was answered: what a later look shows (a double count
    /// or a late change would show here).
    pub fn fresh(&self, seen: Samples) -> Samples {
        drop(seen);
        self.scrape().expect("a scrape after the wait")
    }

    /// Kills the process outright (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        self.process.kill();
    }

    /// Sends SIGTERM and waits (with a deadline) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        self.process.terminate(timeout)
    }
}

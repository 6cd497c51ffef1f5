//! `salespulse bridge` as a child process, its webhook endpoints, and the configuration
//! of the sales story the CRM fixtures of `tests/fixtures/bridge` tell (the fixtures
//! themselves are read by `salespulse_bridge::fixtures`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::{Process, Samples, binary, http_get};

/// POSTs `body` to `path` with `headers`; returns (status, body).
pub fn http_post(addr: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut head = format!("POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    // The server may answer (413) before reading the whole body: that is not an error here.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no status")?;
    Ok((status, body.to_owned()))
}

/// A running `salespulse bridge`.
#[derive(Debug)]
pub struct Bridge {
    process: Process,
    /// Where it listens (`bridge.listen` of its configuration).
    pub addr: String,
    pub log: PathBuf,
}

impl Bridge {
    /// Starts `salespulse bridge --config <config>` with `args` (topics...) against the
    /// shared broker.
    pub fn start(config: &Path, addr: &str, args: &[&str]) -> Bridge {
        Bridge::start_on(&crate::brokers(), config, addr, args)
    }

    /// [`Bridge::start`] against `brokers`.
    pub fn start_on(brokers: &str, config: &Path, addr: &str, args: &[&str]) -> Bridge {
        let log = std::env::temp_dir().join(format!("{}.log", crate::unique("salespulse-bridge")));
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(binary())
            .args(["bridge", "--config", &config.display().to_string(), "--brokers", brokers])
            .args(args)
            .args(["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"])
            .env("SALESPULSE_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("spawn salespulse bridge");
        let bridge = Bridge { process: Process::new(child, log.clone()), addr: addr.to_owned(), log };
        crate::eventually(Duration::from_secs(30), "the bridge ready", || match http_get(&bridge.addr, "/readyz") {
            Ok((200, _)) => Ok(()),
            other => Err(format!("{other:?}\nlog:\n{}", bridge.log_text())),
        });
        bridge
    }

    pub fn log_text(&self) -> String {
        self.process.log_text()
    }

    /// POSTs to the bridge.
    pub fn post(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
        http_post(&self.addr, path, headers, body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}\nlog:\n{}", self.log_text()))
    }

    /// Scrapes the bridge's own `/metrics`.
    pub fn scrape(&self) -> Result<Samples, String> {
        match http_get(&self.addr, "/metrics")? {
            (200, body) => Ok(Samples::parse(&body)),
            (code, body) => Err(format!("/metrics answered {code}: {body}")),
        }
    }

    /// Sends SIGTERM and waits (with a deadline) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        self.process.terminate(timeout)
    }
}

/// The bridge section of the tests: the three CRMs on, with the stages and owners of the
/// story (`tests/fixtures/bridge/story.toml`: two reps in two teams per CRM), EUR by
/// default.
pub fn bridge_section(listen: &str, state_dir: &Path, cdc_topic: &str, group: &str) -> String {
    let story = salespulse_bridge::fixtures::dir().join("story.toml");
    let tables = std::fs::read_to_string(&story).unwrap_or_else(|e| panic!("{}: {e}", story.display()));
    format!(
        r#"[bridge]
listen = "{listen}"
state_store = "file://{state}"
default_currency = "EUR"
max_body_bytes = 65536

[bridge.salesforce]
topics = ["{cdc_topic}"]
group_id = "{group}"

[bridge.hubspot]
app_secret = "{HUBSPOT_SECRET}"

[bridge.pipedrive]
username = "pipedrive"
password = "{PIPEDRIVE_PASSWORD}"

{tables}"#,
        state = state_dir.display()
    )
}

/// The HubSpot app secret of [`bridge_section`].
pub const HUBSPOT_SECRET: &str = "hubspot-app-secret-for-tests";
/// The Pipedrive webhook password of [`bridge_section`].
pub const PIPEDRIVE_PASSWORD: &str = "pipedrive-password-for-tests";

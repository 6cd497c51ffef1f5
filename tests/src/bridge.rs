//! `salespulse bridge` as a child process, its webhook endpoints, and the CRM fixtures of
//! `tests/fixtures/bridge` with their times filled in.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{Process, Samples, binary, http_get};

/// A fixture file with its times filled in relative to `now`: `"{{ms:-90}}"` (quotes
/// included) is epoch milliseconds 90 minutes before, `"{{s:-90}}"` epoch seconds, and
/// `{{iso:-90}}` an RFC 3339 time.
pub fn fixture(relative: &str, now: DateTime<Utc>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bridge").join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    fill_times(&text, now)
}

fn fill_times(text: &str, now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").map(|e| start + e + 2).expect("a closed {{...}}");
        let (kind, minutes) = rest[start + 2..end - 2].split_once(':').expect("{{kind:minutes}}");
        let t = now + chrono::Duration::minutes(minutes.parse().expect("minutes"));
        let (value, quoted) = match kind {
            "ms" => (t.timestamp_millis().to_string(), true),
            "s" => (t.timestamp().to_string(), true),
            "iso" => (t.to_rfc3339_opts(SecondsFormat::Millis, true), false),
            other => panic!("unknown fixture time {other}"),
        };
        // A number replaces the quotes around its placeholder too.
        let (head, skip) = if quoted && rest[..start].ends_with('"') { (start - 1, 1) } else { (start, 0) };
        out.push_str(&rest[..head]);
        out.push_str(&value);
        rest = &rest[end + skip..];
    }
    out.push_str(rest);
    out
}

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

/// The Pipedrive fixtures of one history: a lead answered by a call, a deal moved and won,
/// one lost, one open.
pub const PIPEDRIVE_HISTORY: [&str; 8] = [
    "pipedrive/lead-create.json",
    "pipedrive/activity-call.json",
    "pipedrive/deal-501-create.json",
    "pipedrive/deal-501-stage.json",
    "pipedrive/deal-501-won.json",
    "pipedrive/deal-502-create.json",
    "pipedrive/deal-502-lost.json",
    "pipedrive/deal-503-create.json",
];

/// The bridge section of the tests: the three CRMs on, their stages and owners mapped to
/// one team each (Salesforce `emea`, HubSpot `amer`, Pipedrive `apac`), EUR by default.
pub fn bridge_section(listen: &str, state_dir: &Path, cdc_topic: &str, group: &str) -> String {
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

[[bridge.stages]]
source = "salesforce"
id = "Prospecting"
order = 1
probability = 0.1

[[bridge.stages]]
source = "salesforce"
id = "Closed Won"
order = 9
probability = 1.0
is_closed = true
is_won = true

[[bridge.stages]]
source = "salesforce"
id = "Closed Lost"
order = 10
probability = 0.0
is_closed = true

[[bridge.stages]]
source = "hubspot"
id = "appointmentscheduled"
name = "hs-appointment"
order = 1
probability = 0.2

[[bridge.stages]]
source = "hubspot"
id = "closedwon"
name = "hs-won"
order = 6
probability = 1.0
is_closed = true
is_won = true

[[bridge.stages]]
source = "hubspot"
id = "closedlost"
name = "hs-lost"
order = 7
probability = 0.0
is_closed = true

[[bridge.stages]]
source = "pipedrive"
id = "1"
name = "pd-qualified"
order = 1
probability = 0.25

[[bridge.stages]]
source = "pipedrive"
id = "2"
name = "pd-proposal"
order = 2
probability = 0.5

[[bridge.owners]]
source = "salesforce"
id = "0055g00000AnaXXAAA"
rep = "ana"
team = "emea"

[[bridge.owners]]
source = "hubspot"
id = "301"
rep = "bob"
team = "amer"

[[bridge.owners]]
source = "pipedrive"
id = "12"
rep = "chen"
team = "apac"
"#,
        state = state_dir.display()
    )
}

/// The HubSpot app secret of [`bridge_section`].
pub const HUBSPOT_SECRET: &str = "hubspot-app-secret-for-tests";
/// The Pipedrive webhook password of [`bridge_section`].
pub const PIPEDRIVE_PASSWORD: &str = "pipedrive-password-for-tests";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_filled_in_with_or_without_quotes() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let got = fill_times(r#"{"a":"{{ms:-1}}","b":"at {{iso:1}}","c":"{{s:0}}"}"#, now);
        assert_eq!(got, r#"{"a":1699999940000,"b":"at 2023-11-14T22:14:20.000Z","c":1700000000}"#);
    }
}

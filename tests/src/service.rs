//! The `salespulse` binary as a child process.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{Samples, http_get};

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

/// A free local TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A running `salespulse run`.
#[derive(Debug)]
pub struct Service {
    child: Option<Child>,
    pub addr: String,
    pub log: PathBuf,
}

impl Service {
    /// Starts `salespulse run` with `args` (plus a free `--listen` and test-friendly
    /// group timeouts); its output goes to a log file under the target directory.
    pub fn start(args: &[&str]) -> Service {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::env::temp_dir().join(format!("{}.log", crate::unique("salespulse-e2e")));
        let out = std::fs::File::create(&log).expect("log file");
        // Each service gets its own snapshot directory unless the test names a store.
        let state = format!("file://{}", std::env::temp_dir().join(crate::unique("salespulse-state")).display());
        let state_args: Vec<&str> = if args.contains(&"--state") { vec![] } else { vec!["--state", &state] };
        let child = Command::new(binary())
            .arg("run")
            .args(args)
            .args(&state_args)
            .args(["--listen", &addr, "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500"])
            .env("SALESPULSE_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("spawn salespulse");
        Service { child: Some(child), addr, log }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or_default()
    }

    /// The service's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Scrapes `/metrics`.
    pub fn scrape(&self) -> Result<Samples, String> {
        match http_get(&self.addr, "/metrics")? {
            (200, body) => Ok(Samples::parse(&body)),
            (code, body) => Err(format!("/metrics answered {code}: {body}")),
        }
    }

    /// Kills the process outright (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }

    /// Sends SIGTERM and waits (with a deadline) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() >= deadline {
                child.kill().ok();
                panic!("salespulse did not exit within {timeout:?} of SIGTERM; log:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }
}

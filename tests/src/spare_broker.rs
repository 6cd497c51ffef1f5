//! A broker of a test's own, on a port of its own, that the test starts and stops: for
//! faults that the shared broker of the other tests must not see.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A local tansu broker, stopped when dropped.
#[derive(Debug)]
pub struct SpareBroker {
    child: Child,
    pub address: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl SpareBroker {
    /// Starts a broker on 127.0.0.1:`port` (installing the pinned tansu binary first if
    /// needed) and waits until it accepts connections.
    pub fn start(port: u16) -> SpareBroker {
        let bin = root().join(".cache/tansu/tansu");
        if !bin.exists() {
            let status =
                Command::new(root().join("deploy/local/broker.sh")).arg("install").status().expect("broker.sh");
            assert!(status.success(), "cannot install the local broker");
        }
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(bin)
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let address = format!("127.0.0.1:{port}");
        crate::eventually(Duration::from_secs(30), "the spare broker to listen", || {
            std::net::TcpStream::connect(&address).map(drop).map_err(|e| e.to_string())
        });
        SpareBroker { child, address }
    }
}

impl SpareBroker {
    /// Freezes the broker (SIGSTOP): connections stay open and nothing answers, as when a
    /// broker hangs or the network drops packets.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused broker (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn resume_quietly(&self) {
        Command::new("kill").args(["-CONT", &self.child.id().to_string()]).status().ok();
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill").args([sig, &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success(), "kill {sig}");
    }
}

impl Drop for SpareBroker {
    fn drop(&mut self) {
        self.resume_quietly();
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

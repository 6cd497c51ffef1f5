//! A real browser for the tests: Debian's `chromium`, headless, driven over the Chrome
//! DevTools Protocol (a WebSocket): open a page, evaluate JavaScript in it, wait for a
//! condition with a deadline, set the viewport, take a screenshot.
//!
//! `CHROMIUM` names the binary (default `chromium`). Without a browser the tests that need
//! one are skipped with a message, unless `REQUIRE_CHROMIUM` is set (CI sets it).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// A headless chromium with one page.
pub struct Browser {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    /// The DevTools session of the page.
    session: Option<String>,
    next_id: u64,
    profile: PathBuf,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("pid", &self.child.id()).finish()
    }
}

fn binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

impl Browser {
    /// Starts the browser; `None` (with a message) when there is none and
    /// `REQUIRE_CHROMIUM` is unset.
    pub fn start() -> Option<Browser> {
        let profile = std::env::temp_dir().join(crate::unique("salespulse-chromium"));
        std::fs::create_dir_all(&profile).expect("browser profile directory");
        let spawned = Command::new(binary())
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"])
            .args(["--no-first-run", "--remote-debugging-port=0", "--window-size=1920,1080"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(c) => c,
            Err(e) if std::env::var_os("REQUIRE_CHROMIUM").is_none() => {
                eprintln!("SKIPPED: no browser ({}: {e}); install chromium or set CHROMIUM", binary());
                return None;
            }
            Err(e) => panic!("REQUIRE_CHROMIUM is set but {} cannot start: {e}", binary()),
        };
        let socket = crate::eventually(Duration::from_secs(30), "the browser's DevTools address", || {
            let text = std::fs::read_to_string(profile.join("DevToolsActivePort")).map_err(|e| e.to_string())?;
            let mut lines = text.lines();
            let (port, path) = (lines.next().unwrap_or_default(), lines.next().unwrap_or_default());
            if path.is_empty() {
                return Err(text);
            }
            Ok(format!("ws://127.0.0.1:{port}{path}"))
        });
        let (socket, _) = tungstenite::connect(socket.as_str()).expect("connect to the browser");
        let mut browser = Browser { child, socket, session: None, next_id: 0, profile };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let attached =
            browser.call("Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }));
        browser.session = attached["sessionId"].as_str().map(str::to_owned);
        browser.call("Page.enable", json!({}));
        browser.call("Runtime.enable", json!({}));
        Some(browser)
    }

    /// Sends a command and returns its result (events in between are skipped).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            command["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(command.to_string())).expect("send to the browser");
        loop {
            let message = self.socket.read().expect("read from the browser");
            let Ok(text) = message.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method} failed: {}", v["error"]);
                return v["result"].clone();
            }
        }
    }

    /// Opens `url` in the page.
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true }));
        if let Some(e) = r.get("exceptionDetails") {
            return json!({ "exception": e });
        }
        r["result"]["value"].clone()
    }

    /// Polls `expression` until it is true, for at most `timeout`; returns how long it
    /// took, or fails with `what` and the value of `show`.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration, what: &str, show: &str) -> Duration {
        let started = Instant::now();
        loop {
            if self.eval(expression) == Value::Bool(true) {
                return started.elapsed();
            }
            if started.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; the page shows: {}", self.eval(show));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sets the viewport (a TV, a phone).
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        let params = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile });
        self.call("Emulation.setDeviceMetricsOverride", params);
    }

    /// Writes a PNG of the page to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let r = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        let png = base64::engine::general_purpose::STANDARD.decode(r["data"].as_str().unwrap_or_default()).unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot directory");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

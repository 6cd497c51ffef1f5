//! TLS and basic auth from a web configuration file, with a certificate generated here:
//! no credentials or a wrong password get 401, the right one 200 over TLS, the probes
//! need none; a plain-text password, an unknown key or an unreadable certificate refuse
//! the file, and no error shows a password.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Utc};
use prometheus::Registry;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::ServerName;
use salespulse_exporter::{HttpLimits, KpiSource, Scrape, WebConfig, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

struct Empty;

impl KpiSource for Empty {
    fn scrape(&self, _now: DateTime<Utc>) -> Scrape {
        Scrape::default()
    }

    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

fn dir() -> PathBuf {
    let d =
        std::env::temp_dir().join(format!("salespulse-web-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A CA and a server certificate for localhost signed by it, written to `dir`; the CA's PEM.
fn certificates(dir: &Path) -> String {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    ca.pem()
}

fn web_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("web.yml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn request(addr: std::net::SocketAddr, ca_pem: &str, path: &str, auth: Option<(&str, &str)>) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::pem::PemObject::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    // A certificate the client does not trust: no page (an empty answer).
    let Ok(mut tls) = TlsConnector::from(Arc::new(config)).connect(name, tcp).await else { return String::new() };
    let header = auth.map_or(String::new(), |(u, p)| {
        format!("Authorization: Basic {}\r\n", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
    });
    tls.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n{header}\r\n").as_bytes()).await.unwrap();
    let mut out = String::new();
    tls.read_to_string(&mut out).await.ok();
    out
}

/// A route added to the server, as the board's are.
fn more() -> axum::Router {
    axum::Router::new().route("/board", axum::routing::get(|| async { "board" }))
}

#[test]
fn tls_and_basic_auth_from_a_web_config_file() {
    let d = dir();
    let ca = certificates(&d);
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    let path = web_config(
        &d,
        &format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash}\n"
        ),
    );
    let web = WebConfig::load(&path).expect("a good web config");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let registry = Registry::new();
    let source = Arc::new(Empty);
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve(listener, registry, source, HttpLimits::default(), web, more(), std::future::pending()));
    rt.block_on(async {
        let none = request(addr, &ca, "/metrics", None).await;
        assert!(none.starts_with("HTTP/1.0 401"), "{none}");
        assert!(none.contains("www-authenticate: Basic realm=\"salespulse\""), "{none}");
        let wrong = request(addr, &ca, "/metrics", Some(("prometheus", "guess"))).await;
        assert!(wrong.starts_with("HTTP/1.0 401"), "{wrong}");
        let stranger = request(addr, &ca, "/metrics", Some(("mallory", "s3cret"))).await;
        assert!(stranger.starts_with("HTTP/1.0 401"), "{stranger}");
        for _ in 0..2 {
            let right = request(addr, &ca, "/metrics", Some(("prometheus", "s3cret"))).await;
            assert!(right.starts_with("HTTP/1.0 200") && right.contains("salespulse_kpi_series"), "{right}");
        }
        let board = request(addr, &ca, "/board", None).await;
        assert!(board.starts_with("HTTP/1.0 401"), "routes added to the server need the credentials too: {board}");
        let board = request(addr, &ca, "/board", Some(("prometheus", "s3cret"))).await;
        assert!(board.starts_with("HTTP/1.0 200") && board.ends_with("board"), "{board}");
        let probe = request(addr, &ca, "/healthz", None).await;
        assert!(probe.starts_with("HTTP/1.0 200"), "probes need no credentials: {probe}");
        // Plain HTTP to the TLS port gets no page.
        let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").await.unwrap();
        let mut out = Vec::new();
        plain.read_to_end(&mut out).await.ok();
        assert!(!String::from_utf8_lossy(&out).contains("200 OK"));
    });
}

#[test]
fn a_bad_web_config_is_refused_with_every_problem_and_no_password() {
    let d = dir();
    certificates(&d);
    let path = web_config(
        &d,
        "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n  cipher_suites: [x]\n\
         basic_auth_users:\n  prometheus: hunter2-plain\nhttp_server_config: {}\n",
    );
    let errors = WebConfig::load(&path).unwrap_err();
    let text = errors.join("\n");
    for needle in
        ["missing.crt", "cipher_suites", "basic_auth_users.prometheus: not a bcrypt hash", "http_server_config"]
    {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    assert!(!text.contains("hunter2"), "a password in an error:\n{text}");
    let unreadable = web_config(&d, "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n");
    assert!(WebConfig::load(&unreadable).unwrap_err().join("\n").contains("no certificate"));
}

#[test]
fn a_rotated_certificate_and_new_users_are_served_without_a_restart() {
    let d = dir().join("rotation");
    std::fs::create_dir_all(&d).unwrap();
    let first_ca = certificates(&d);
    let config = |user: &str| {
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  {user}: {hash}\n"
        )
    };
    let path = web_config(&d, &config("prometheus"));
    let web = WebConfig::load(&path).expect("a good web config");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let source = Arc::new(Empty);
    rt.spawn(serve(listener, Registry::new(), source, HttpLimits::default(), web, more(), std::future::pending()));
    rt.block_on(async {
        let before = request(addr, &first_ca, "/metrics", Some(("prometheus", "s3cret"))).await;
        assert!(before.starts_with("HTTP/1.0 200"), "{before}");
        // A new certificate from another CA, and another user, written in place.
        let second_ca = certificates(&d);
        std::fs::write(&path, config("grafana")).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
        loop {
            let after = request(addr, &second_ca, "/metrics", Some(("grafana", "s3cret"))).await;
            if after.starts_with("HTTP/1.0 200") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not reloaded in 40 s: {after:?}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let old_user = request(addr, &second_ca, "/metrics", Some(("prometheus", "s3cret"))).await;
        assert!(old_user.starts_with("HTTP/1.0 401"), "a removed user: {old_user}");
        let old_ca = request(addr, &first_ca, "/metrics", Some(("grafana", "s3cret"))).await;
        assert!(old_ca.is_empty(), "the old certificate is no longer served");
        // A broken file keeps the configuration in force.
        std::fs::write(&path, "basic_auth_users:\n  grafana: plain-text\n").unwrap();
        tokio::time::sleep(salespulse_exporter::RELOAD_EVERY + std::time::Duration::from_secs(2)).await;
        let kept = request(addr, &second_ca, "/metrics", Some(("grafana", "s3cret"))).await;
        assert!(kept.starts_with("HTTP/1.0 200"), "a broken file keeps the one in force: {kept}");
    });
}

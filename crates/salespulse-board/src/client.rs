//! Reading a peer's parts: one HTTP/1.1 GET, over TLS when the peer's URL says `https`,
//! with basic auth when configured, within a time limit and a size limit. Errors name the
//! peer and what failed, never a credential.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The largest parts body read from a peer.
pub const MAX_PARTS_BYTES: usize = 64 * 1024 * 1024;

/// A peer's base URL: `http://host:port` or `https://host:port`; for one of the addresses
/// behind a name, that address too (connected to, while TLS checks the name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerUrl {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub ip: Option<IpAddr>,
}

impl PeerUrl {
    /// The same URL, reached at `ip`.
    pub fn at(&self, ip: IpAddr) -> PeerUrl {
        PeerUrl { ip: Some(ip), ..self.clone() }
    }
}

impl std::fmt::Display for PeerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)?;
        match self.ip {
            Some(ip) => write!(f, " ({ip})"),
            None => Ok(()),
        }
    }
}

impl std::str::FromStr for PeerUrl {
    type Err = String;

    /// `http://host:port` or `https://host:port` (the port defaults to 80 or 443; no path,
    /// no user in the URL: credentials come from their own settings).
    fn from_str(s: &str) -> Result<PeerUrl, String> {
        let (tls, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err("expected http://host:port or https://host:port".into());
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() || rest.contains(['/', '@', '?', '#', ' ']) {
            return Err("expected scheme://host:port with no path, user or query".into());
        }
        let (host, port) = match rest.rsplit_once(':').filter(|(h, _)| !h.ends_with(']') || h.starts_with('[')) {
            Some((h, p)) if !h.contains(':') || h.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| format!("{p:?} is not a port"))?)
            }
            _ => (rest, if tls { 443 } else { 80 }),
        };
        Ok(PeerUrl { tls, host: host.trim_start_matches('[').trim_end_matches(']').to_owned(), port, ip: None })
    }
}

/// How to reach peers.
#[derive(Clone, Default)]
pub struct PeerClient {
    /// `user:password` for basic auth.
    pub credentials: Option<(String, String)>,
    /// Trust for `https` peers.
    pub tls: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for PeerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerClient")
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl PeerClient {
    /// A client with basic auth as `user` with the password held in `password_file`, and
    /// trusting the CA certificates (PEM) of `ca_file` for `https` peers. Errors name the
    /// file, never its content.
    pub fn new(user: Option<&str>, password_file: Option<&Path>, ca_file: Option<&Path>) -> Result<PeerClient, String> {
        let credentials = match (user, password_file) {
            (Some(u), Some(f)) => {
                let password = std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
                Some((u.to_owned(), password.trim_end_matches(['\r', '\n']).to_owned()))
            }
            (None, None) => None,
            _ => return Err("a peer user needs a password file, and a password file a user".into()),
        };
        let tls = match ca_file {
            None => None,
            Some(f) => {
                let mut roots = rustls::RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(f)
                    .map_err(|e| format!("cannot read {}: {e}", f.display()))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{}: not PEM certificates: {e}", f.display()))?;
                if certs.is_empty() {
                    return Err(format!("{}: no certificate", f.display()));
                }
                for cert in certs {
                    roots.add(cert).map_err(|e| format!("{}: {e}", f.display()))?;
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Some(Arc::new(config))
            }
        };
        Ok(PeerClient { credentials, tls })
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl PeerClient {
    /// GETs `path` of `peer` within `within`, returning the body of a 200.
    pub async fn get(&self, peer: &PeerUrl, path: &str, within: Duration) -> Result<Bytes, String> {
        tokio::time::timeout(within, self.fetch(peer, path))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", within.as_secs())))
    }

    async fn fetch(&self, peer: &PeerUrl, path: &str) -> Result<Bytes, String> {
        let tcp = match peer.ip {
            Some(ip) => TcpStream::connect((ip, peer.port)).await,
            None => TcpStream::connect((peer.host.as_str(), peer.port)).await,
        }
        .map_err(|e| format!("connect: {e}"))?;
        tcp.set_nodelay(true).ok();
        let io: Box<dyn Io> = if peer.tls {
            let config = self.tls.clone().ok_or("https peer but no board.peer_ca_file")?;
            let name = ServerName::try_from(peer.host.clone()).map_err(|e| format!("server name: {e}"))?;
            Box::new(TlsConnector::from(config).connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?)
        } else {
            Box::new(tcp)
        };
        let (mut send, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| format!("HTTP: {e}"))?;
        let driver = tokio::spawn(conn);
        let mut request = hyper::Request::get(path).header(hyper::header::HOST, format!("{}:{}", peer.host, peer.port));
        if let Some((user, password)) = &self.credentials {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            request = request.header(hyper::header::AUTHORIZATION, format!("Basic {token}"));
        }
        let request = request.body(Empty::<Bytes>::new()).map_err(|e| format!("request: {e}"))?;
        let response = send.send_request(request).await.map_err(|e| format!("HTTP: {e}"));
        let result = match response {
            Ok(r) if r.status() == hyper::StatusCode::OK => Limited::new(r.into_body(), MAX_PARTS_BYTES)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .map_err(|e| format!("reading the answer: {e}")),
            Ok(r) => Err(format!("HTTP status {}", r.status())),
            Err(e) => Err(e),
        };
        driver.abort();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_urls_are_read_with_their_default_ports_and_anything_else_is_refused() {
        let url = |s: &str| s.parse::<PeerUrl>();
        assert_eq!(
            url("http://sp-0.sp:9898").unwrap(),
            PeerUrl { tls: false, host: "sp-0.sp".into(), port: 9898, ip: None }
        );
        assert_eq!(url("https://sp").unwrap().port, 443);
        assert_eq!(url("http://[::1]:9898").unwrap().host, "::1");
        assert_eq!(url("http://10.0.0.1:9898/").unwrap().to_string(), "http://10.0.0.1:9898");
        for bad in ["sp:9898", "http://user:pw@sp:9898", "http://sp:9898/metrics", "http://sp:port", "http://"] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }
}

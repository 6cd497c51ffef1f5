//! The web configuration file, in the format of the Prometheus exporter toolkit, so that
//! operators reuse the file their other exporters read:
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt        # relative paths are relative to this file
//!   key_file: server.key
//!   client_ca_file: ca.crt       # optional: client certificates
//!   client_auth_type: RequireAndVerifyClientCert
//!   min_version: TLS12
//! basic_auth_users:
//!   prometheus: $2y$10$...       # bcrypt hashes only
//! ```
//!
//! Every problem is reported at once; an unknown key, an unreadable certificate or key,
//! or a password that is not a bcrypt hash refuses the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use yaml_rust2::{Yaml, YamlLoader};

/// What the web configuration turns on; the default (no file) is plain HTTP, no auth.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// Serve HTTPS with this configuration.
    pub tls: Option<Arc<ServerConfig>>,
    /// Users and their bcrypt hashes; empty: no authentication.
    pub users: BTreeMap<String, String>,
    /// The file it was read from and every file that file names (certificate, key, CA):
    /// what is watched for changes. Empty without a file.
    pub sources: Vec<PathBuf>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the hashes.
        let users: Vec<&String> = self.users.keys().collect();
        f.debug_struct("WebConfig").field("tls", &self.tls.is_some()).field("users", &users).finish()
    }
}

const TLS_KEYS: [&str; 5] = ["cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"];

/// Whether `hash` is a bcrypt hash (`$2a$`, `$2b$`, `$2x$` or `$2y$`, 60 characters).
fn is_bcrypt(hash: &str) -> bool {
    hash.len() == 60 && ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

impl WebConfig {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<WebConfig, Vec<String>> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| vec![format!("web config {name}: {e}")])?;
        let docs = YamlLoader::load_from_str(&text).map_err(|e| vec![format!("web config {name}: {e}")])?;
        let mut errors = Vec::new();
        let mut out = WebConfig::default();
        let root = docs.into_iter().next().unwrap_or(Yaml::Null);
        let Some(root) = root.as_hash().cloned().or_else(|| root.is_null().then(Default::default)) else {
            return Err(vec![format!("web config {name}: expected a mapping of settings")]);
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        out.sources.push(path.to_path_buf());
        for (key, value) in root {
            match key.as_str() {
                Some("tls_server_config") => {
                    out.sources.extend(tls_files(&value, dir));
                    out.tls = tls(&value, dir, &mut errors).map(Arc::new);
                }
                Some("basic_auth_users") => out.users = users(&value, &mut errors),
                Some(other) => errors.push(format!(
                    "web config {name}: unknown key {other:?} (salespulse reads tls_server_config and basic_auth_users)"
                )),
                None => errors.push(format!("web config {name}: keys must be strings")),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors
                .into_iter()
                .map(|e| if e.starts_with("web config") { e } else { format!("web config {name}: {e}") })
                .collect())
        }
    }
}

fn users(value: &Yaml, errors: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(map) = value.as_hash() else {
        errors.push("basic_auth_users: expected a mapping of user names to bcrypt hashes".into());
        return out;
    };
    for (user, hash) in map {
        match (user.as_str(), hash.as_str()) {
            (Some(user), Some(hash)) if is_bcrypt(hash) => {
                out.insert(user.to_owned(), hash.to_owned());
            }
            // Say whose password is wrong, never what it is.
            (Some(user), _) => errors.push(format!(
                "basic_auth_users.{user}: not a bcrypt hash (a plain-text password is refused; \
                 hash it, e.g. with `htpasswd -nBC 10 \"\" | tr -d ':\\n'`)"
            )),
            (None, _) => errors.push("basic_auth_users: user names must be strings".into()),
        }
    }
    out
}

/// The files a `tls_server_config` names.
fn tls_files(value: &Yaml, dir: &Path) -> Vec<PathBuf> {
    ["cert_file", "key_file", "client_ca_file"].iter().filter_map(|k| value[*k].as_str()).map(|p| dir.join(p)).collect()
}

fn tls(value: &Yaml, dir: &Path, errors: &mut Vec<String>) -> Option<ServerConfig> {
    let Some(map) = value.as_hash() else {
        errors.push("tls_server_config: expected a mapping".into());
        return None;
    };
    let mut get = BTreeMap::new();
    for (k, v) in map {
        match (k.as_str(), v.as_str()) {
            (Some(k), Some(v)) if TLS_KEYS.contains(&k) => {
                get.insert(k, v.to_owned());
            }
            (Some(k), _) if TLS_KEYS.contains(&k) => errors.push(format!("tls_server_config.{k}: expected a string")),
            (Some(k), _) => errors.push(format!(
                "tls_server_config: unknown or unsupported key {k:?} (salespulse reads {})",
                TLS_KEYS.join(", ")
            )),
            (None, _) => errors.push("tls_server_config: keys must be strings".into()),
        }
    }
    let path = |k: &str| get.get(k).map(|p| dir.join(p));
    let (Some(cert), Some(key)) = (path("cert_file"), path("key_file")) else {
        errors.push("tls_server_config: cert_file and key_file are both required".into());
        return None;
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&'static rustls::SupportedProtocolVersion] = match get.get("min_version").map(String::as_str) {
        None | Some("TLS12") => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Some("TLS13") => &[&rustls::version::TLS13],
        Some(other) => {
            errors.push(format!("tls_server_config.min_version = {other:?}: expected TLS12 or TLS13"));
            return None;
        }
    };
    let certs = read_certs(&cert, "cert_file", errors);
    let key = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| errors.push(format!("tls_server_config.key_file {}: {e}", key.display())))
        .ok();
    let ca = path("client_ca_file").map(|p| read_certs(&p, "client_ca_file", errors));
    let auth = get.get("client_auth_type").map(String::as_str);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| errors.push(format!("tls_server_config: {e}")))
        .ok()?;
    let builder = match (auth, ca) {
        (None | Some("NoClientCert"), None) => builder.with_no_client_auth(),
        (None | Some("RequireAndVerifyClientCert" | "VerifyClientCertIfGiven"), Some(ca)) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in ca? {
                roots.add(c).map_err(|e| errors.push(format!("tls_server_config.client_ca_file: {e}"))).ok()?;
            }
            let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if auth == Some("VerifyClientCertIfGiven") {
                verifier = verifier.allow_unauthenticated();
            }
            let verifier =
                verifier.build().map_err(|e| errors.push(format!("tls_server_config.client_ca_file: {e}"))).ok()?;
            builder.with_client_cert_verifier(verifier)
        }
        (Some(other), _) => {
            errors.push(format!(
                "tls_server_config.client_auth_type = {other:?}: expected NoClientCert, VerifyClientCertIfGiven or \
                 RequireAndVerifyClientCert (the last two with client_ca_file)"
            ));
            return None;
        }
    };
    let mut config = builder
        .with_single_cert(certs?, key?)
        .map_err(|e| errors.push(format!("tls_server_config: certificate and key do not go together: {e}")))
        .ok()?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

fn read_certs(path: &PathBuf, what: &str, errors: &mut Vec<String>) -> Option<Vec<CertificateDer<'static>>> {
    let certs: Result<Vec<_>, _> = match CertificateDer::pem_file_iter(path) {
        Ok(iter) => iter.collect(),
        Err(e) => Err(e),
    };
    match certs {
        Ok(c) if !c.is_empty() => Some(c),
        Ok(_) => {
            errors.push(format!("tls_server_config.{what} {}: no certificate in it", path.display()));
            None
        }
        Err(e) => {
            errors.push(format!("tls_server_config.{what} {}: {e}", path.display()));
            None
        }
    }
}

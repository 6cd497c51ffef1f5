//! HTTP basic authentication of every endpoint but the probes (`/healthz`, `/readyz`,
//! which show no sales data and which orchestrators call without credentials).
//!
//! Passwords are checked against bcrypt hashes, one check at a time (a flood of wrong
//! passwords costs at most one core); a password once verified is remembered, so a
//! scraper's requests after the first cost a comparison.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::Semaphore;

use crate::live::LiveWeb;

/// The users in force, and the passwords verified so far (each with the hash it was
/// verified against: a user whose hash changed is verified again).
#[derive(Clone)]
pub struct BasicAuth {
    web: LiveWeb,
    verified: Arc<Mutex<HashMap<String, (String, String)>>>,
    hashing: Arc<Semaphore>,
}

impl BasicAuth {
    /// The users of `web` (re-read when it is); none: every request passes.
    pub fn new(web: LiveWeb) -> BasicAuth {
        BasicAuth { web, verified: Arc::default(), hashing: Arc::new(Semaphore::new(1)) }
    }

    async fn verify(&self, user: &str, password: &str) -> bool {
        let Some(hash) = self.web.get().users.get(user).cloned() else { return false };
        let known = self.verified.lock().unwrap_or_else(PoisonError::into_inner).get(user).cloned();
        if known.is_some_and(|(h, k)| h == hash && same(k.as_bytes(), password.as_bytes())) {
            return true;
        }
        let Ok(_turn) = self.hashing.acquire().await else { return false };
        let attempt = password.to_owned();
        let against = hash.clone();
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(attempt, &against).unwrap_or(false))
            .await
            .unwrap_or(false);
        if ok {
            let entry = (hash, password.to_owned());
            self.verified.lock().unwrap_or_else(PoisonError::into_inner).insert(user.to_owned(), entry);
        }
        ok
    }
}

/// Equality that takes as long whatever the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn credentials(req: &Request) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn unauthorized() -> Response {
    let mut r = (StatusCode::UNAUTHORIZED, "unauthorized\n").into_response();
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"salespulse\""));
    r
}

/// The middleware: passes the request on when it may.
pub async fn check(State(auth): State<BasicAuth>, req: Request, next: Next) -> Response {
    if auth.web.get().users.is_empty() || matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }
    match credentials(&req) {
        Some((user, password)) if auth.verify(&user, &password).await => next.run(req).await,
        _ => unauthorized(),
    }
}

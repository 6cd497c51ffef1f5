//! The webhook receiver: `POST /webhooks/hubspot` (signature v3), `POST
//! /webhooks/pipedrive` (basic auth), and the bridge's own `/metrics`, `/healthz`,
//! `/readyz`. A request is answered once its events are produced and the state that
//! includes it is durable: 200; 5xx when Kafka cannot take them (the CRM sends again);
//! 401 for bad credentials, 413 for a body over the limit, 400 for one that is not JSON
//! (dead-lettered); a payload that parses but cannot be mapped is dead-lettered and
//! acknowledged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prometheus::{Encoder, Registry, TextEncoder};
use serde_json::Value;
use tracing::warn;

use crate::auth::{self, Denied};
use crate::bridge::{Bridge, MapFn};
use crate::mapped::Reason;
use crate::metrics::TOO_LARGE;
use crate::source::Source;
use crate::{hubspot, pipedrive};

/// What the receiver checks.
#[derive(Debug, Clone, Default)]
pub struct ReceiverConfig {
    /// HubSpot app secret; `None`: HubSpot is off (404).
    pub hubspot_secret: Option<String>,
    pub hubspot_max_age: Duration,
    /// Public base URL of the receiver (signed by HubSpot); empty: `http://` + `Host`.
    pub public_url: String,
    /// Pipedrive basic-auth user and password; `None`: Pipedrive is off (404).
    pub pipedrive: Option<(String, String)>,
    pub max_body_bytes: usize,
    /// Kafka must acknowledge a webhook's events within this time, else 503.
    pub answer_within: Duration,
}

#[derive(Clone)]
struct App {
    bridge: Arc<Bridge>,
    cfg: Arc<ReceiverConfig>,
    registry: Registry,
    ready: Arc<AtomicBool>,
}

/// The receiver's routes.
pub fn router(bridge: Arc<Bridge>, cfg: ReceiverConfig, registry: Registry, ready: Arc<AtomicBool>) -> Router {
    Router::new()
        .route("/webhooks/hubspot", post(hubspot_hook))
        .route("/webhooks/pipedrive", post(pipedrive_hook))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(App { bridge, cfg: Arc::new(cfg), registry, ready })
}

/// Logs a refused request, at a bounded rate (never what it carried).
fn log_refusal(app: &App, source: Source, reason: &str, hint: &str) {
    let (log, suppressed) = app.bridge.refusals.lock().unwrap_or_else(PoisonError::into_inner).allow(Instant::now());
    if suppressed > 0 {
        warn!(suppressed, "refused webhooks not logged in the last interval");
    }
    if log {
        warn!(%source, reason, hint, "webhook refused");
    }
}

fn status(code: StatusCode, text: &str) -> Response {
    (code, format!("{text}\n")).into_response()
}

fn denied(app: &App, source: Source, d: &Denied, hint: &str) -> Response {
    app.bridge.metrics.rejected.with_label_values(&[source.as_str(), d.reason()]).inc();
    log_refusal(app, source, d.reason(), hint);
    let mut r = status(StatusCode::UNAUTHORIZED, d.reason());
    if source == Source::Pipedrive {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Basic realm=\"salespulse-bridge\"".parse().expect("valid header"));
    }
    r
}

/// The body, or 413 when it is over the limit.
async fn body(app: &App, source: Source, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Response> {
    let max = app.cfg.max_body_bytes;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let read = match declared {
        Some(n) if n > max => None,
        _ => axum::body::to_bytes(body, max).await.ok(),
    };
    read.map(|b| b.to_vec()).ok_or_else(|| {
        app.bridge.metrics.rejected.with_label_values(&[source.as_str(), TOO_LARGE]).inc();
        log_refusal(app, source, TOO_LARGE, "bridge.max_body_bytes");
        status(StatusCode::PAYLOAD_TOO_LARGE, &format!("body over {max} bytes"))
    })
}

/// Parses and handles an authenticated body.
async fn accept(app: &App, source: Source, raw: Vec<u8>, map: MapFn) -> Response {
    let source = source.as_str();
    let value: Value = match serde_json::from_slice(&raw) {
        Ok(v) => v,
        Err(e) => {
            let detail = format!("not JSON: {e}");
            return match app.bridge.reject(source, Reason::Malformed, detail, &raw, app.cfg.answer_within).await {
                Ok(()) => status(StatusCode::BAD_REQUEST, "the body is not JSON"),
                Err(e) => status(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
            };
        }
    };
    match app.bridge.handle(source, &[(value, raw)], map, Some(app.cfg.answer_within)).await {
        Ok(()) => status(StatusCode::OK, "ok"),
        Err(e) => status(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

async fn hubspot_hook(State(app): State<App>, req: Request) -> Response {
    app.bridge.metrics.received.with_label_values(&[Source::HubSpot.as_str()]).inc();
    let Some(secret) = app.cfg.hubspot_secret.clone() else {
        return status(StatusCode::NOT_FOUND, "HubSpot is not configured (bridge.hubspot.app_secret)");
    };
    let (parts, b) = req.into_parts();
    let raw = match body(&app, Source::HubSpot, &parts.headers, b).await {
        Ok(raw) => raw,
        Err(r) => return r,
    };
    let h = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let base = if app.cfg.public_url.is_empty() {
        format!("http://{}", h("host").unwrap_or_default())
    } else {
        app.cfg.public_url.trim_end_matches('/').to_owned()
    };
    let uri = format!("{base}{}", parts.uri.path_and_query().map_or("", |p| p.as_str()));
    let now = chrono::Utc::now().timestamp_millis();
    let signed = auth::Signed {
        method: parts.method.as_str(),
        uri: &uri,
        body: &raw,
        timestamp: h("x-hubspot-request-timestamp"),
        signature: h("x-hubspot-signature-v3"),
    };
    match auth::hubspot_v3(&secret, signed, app.cfg.hubspot_max_age, now) {
        Ok(()) => accept(&app, Source::HubSpot, raw, hubspot::map).await,
        Err(Denied::Wrong) => {
            // Signed for another scheme or host: the public URL is wrong, not the secret.
            let path = parts.uri.path_and_query().map_or("", |p| p.as_str());
            let host = h("host").unwrap_or_default();
            let others: Vec<String> = ["https", "http"]
                .iter()
                .map(|scheme| format!("{scheme}://{host}{path}"))
                .filter(|other| *other != uri)
                .collect();
            match auth::hubspot_v3_signed_for(&secret, signed, &others) {
                Some(signed_for) => {
                    let base = signed_for.strip_suffix(path).unwrap_or(signed_for);
                    let hint = format!("signed for {signed_for}, not {uri}: set bridge.hubspot.public_url = {base:?}");
                    denied(&app, Source::HubSpot, &Denied::WrongUrl, &hint)
                }
                None => denied(&app, Source::HubSpot, &Denied::Wrong, "the signature does not match the app secret"),
            }
        }
        Err(d) => {
            let hint = match d {
                Denied::Stale => "the request timestamp is outside bridge.hubspot.max_age (a replay, or a clock off)",
                _ => "no X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header",
            };
            denied(&app, Source::HubSpot, &d, hint)
        }
    }
}

async fn pipedrive_hook(State(app): State<App>, req: Request) -> Response {
    app.bridge.metrics.received.with_label_values(&[Source::Pipedrive.as_str()]).inc();
    let Some((user, password)) = app.cfg.pipedrive.clone() else {
        return status(StatusCode::NOT_FOUND, "Pipedrive is not configured (bridge.pipedrive.username)");
    };
    let (parts, b) = req.into_parts();
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Err(d) = auth::basic(authorization, &user, &password) {
        return denied(&app, Source::Pipedrive, &d, "bridge.pipedrive.username and password");
    }
    match body(&app, Source::Pipedrive, &parts.headers, b).await {
        Ok(raw) => accept(&app, Source::Pipedrive, raw, pipedrive::map).await,
        Err(r) => r,
    }
}

async fn metrics(State(app): State<App>) -> Response {
    let mut buf = Vec::new();
    match TextEncoder::new().encode(&app.registry.gather(), &mut buf) {
        Ok(()) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], buf).into_response(),
        Err(e) => status(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn readyz(State(app): State<App>) -> Response {
    if app.ready.load(Ordering::Relaxed) {
        status(StatusCode::OK, "ready")
    } else {
        status(StatusCode::SERVICE_UNAVAILABLE, "not ready: publishing the reference data")
    }
}

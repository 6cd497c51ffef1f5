//! The HTTP endpoints: `/metrics`, `/healthz`, `/readyz` and a small index.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus::{Encoder, Registry, TextEncoder};
use thiserror::Error;
use tokio::net::TcpListener;

use crate::auth::BasicAuth;
use crate::collector::KpiCollector;
use crate::conn::HttpLimits;
use crate::kpi_source::KpiSource;
use crate::live::{LiveWeb, RELOAD_EVERY};
use crate::web_config::WebConfig;

/// Why the HTTP server stopped.
#[derive(Debug, Error)]
pub enum ExporterError {
    #[error("HTTP server failed: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone)]
struct AppState {
    registry: Registry,
    source: Arc<dyn KpiSource>,
    renders: Arc<Renders>,
}

/// One `/metrics` render at a time, shared by the scrapes that arrived before it began:
/// ten concurrent scrapers cost about two renders, not ten, and each still gets the
/// state as of its arrival or later.
#[derive(Default)]
struct Renders {
    turn: tokio::sync::Mutex<()>,
    latest: Mutex<Option<(Instant, Bytes)>>,
}

/// Serves the endpoints (and the routes of `more`, such as the board's) on `listener`
/// within `limits`, with the TLS and users of `web` for all of them, until `shutdown`
/// resolves. `/metrics` is `registry` (the service metrics) followed by
/// the KPI families of `source`, read in that order: a scrape's KPIs hold at least every
/// event its counters count. `/healthz` and `/readyz` never wait for a `/metrics` render
/// (renders run on the blocking pool) and need no credentials.
pub async fn serve(
    listener: TcpListener,
    registry: Registry,
    source: Arc<dyn KpiSource>,
    limits: HttpLimits,
    web: WebConfig,
    more: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ExporterError> {
    let web = LiveWeb::new(web);
    let app = Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(AppState { registry, source, renders: Arc::default() })
        .merge(more)
        .layer(axum::middleware::from_fn_with_state(BasicAuth::new(web.clone()), crate::auth::check));
    let watcher = tokio::spawn(web.clone().watch(RELOAD_EVERY));
    let served = crate::conn::accept(listener, app, limits, web, shutdown).await;
    watcher.abort();
    served?;
    Ok(())
}

async fn index() -> &'static str {
    "salespulse: live B2B sales KPIs\n  /metrics  Prometheus metrics\n  /board    live team board\n  /api/v1/  the board's JSON API\n  /healthz  liveness\n  /readyz   readiness\n"
}

/// Whether the scraper accepts a gzip body (`Accept-Encoding: gzip`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f64>().ok()) == Some(0.0));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        },
    )
}

/// The exposition `body`, gzip-compressed (on the blocking pool) when the scraper accepts
/// it.
async fn exposition(body: Bytes, gzip: bool) -> Response {
    if !gzip {
        return encoded(body, false);
    }
    tokio::task::spawn_blocking(move || encoded(body, true))
        .await
        .unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("compression failed: {e}\n")).into_response())
}

fn encoded(body: Bytes, gzip: bool) -> Response {
    let text = (header::CONTENT_TYPE, prometheus::TEXT_FORMAT);
    let vary = (header::VARY, "Accept-Encoding");
    if !gzip {
        return ([text, vary], body).into_response();
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 8), flate2::Compression::fast());
    match std::io::Write::write_all(&mut encoder, &body).and_then(|()| encoder.finish()) {
        Ok(compressed) => ([text, vary, (header::CONTENT_ENCODING, "gzip")], compressed).into_response(),
        Err(_) => ([text, vary], body).into_response(),
    }
}

async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let arrived = Instant::now();
    let gzip = accepts_gzip(&headers);
    let _turn = s.renders.turn.lock().await;
    let latest = s.renders.latest.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some((_, body)) = latest.filter(|(began, _)| *began >= arrived) {
        return exposition(body, gzip).await;
    }
    let began = Instant::now();
    // Reading every shard is CPU work: keep it off the async workers.
    let (registry, source) = (s.registry.clone(), s.source.clone());
    let rendered = tokio::task::spawn_blocking(move || {
        // The service metrics first, then the KPIs (through a registry of their own, which
        // checks and orders them as it does the others); written in name order.
        let mut families = registry.gather();
        let kpis = Registry::new();
        kpis.register(Box::new(KpiCollector::new(source))).map_err(|e| prometheus::Error::Msg(e.to_string()))?;
        families.extend(kpis.gather());
        families.sort_by(|a, b| a.name().cmp(b.name()));
        let mut buf = Vec::with_capacity(64 * 1024);
        TextEncoder::new().encode(&families, &mut buf).map(|_| buf)
    })
    .await;
    match rendered {
        Ok(Ok(body)) => {
            let body = Bytes::from(body);
            *s.renders.latest.lock().unwrap_or_else(PoisonError::into_inner) = Some((began, body.clone()));
            exposition(body, gzip).await
        }
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode metrics: {e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("metrics task failed: {e}\n")).into_response(),
    }
}

async fn readyz(State(s): State<AppState>) -> Response {
    match s.source.ready() {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()).into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}\n")).into_response(),
    }
}

//! The board's HTTP routes, served on the exporter's listener (so behind its TLS and basic
//! auth): the pages under `/board`, the JSON API under `/api/v1/` and the stream of
//! updates (Server-Sent Events).
//!
//! - `GET /board`, `GET /board/teams/{team}`: the page (overview, or one team);
//! - `GET /api/v1/board`: every team and the feed; `GET /api/v1/teams`: team names;
//!   `GET /api/v1/teams/{team}`: one team's page; `GET /api/v1/feed[?team=]`;
//! - `GET /api/v1/stream[?team=]`: `board` events, each a whole `board` or team page;
//! - `GET /api/v1/parts[?after=N]`: this instance's additive parts, for its peers.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use serde::Deserialize;

use crate::hub::Hub;
use crate::model::Board;
use crate::peers::WAIT;
use crate::push::Full;

const PAGE: &str = include_str!("../assets/board.html");
const SCRIPT: &str = include_str!("../assets/board.js");
const STYLE: &str = include_str!("../assets/board.css");

/// A keep-alive comment this often, well inside the server's idle timeout.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The board's routes over `hub`.
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/board", get(page))
        .route("/board/", get(page))
        .route("/board/teams/{team}", get(page))
        .route("/board/board.js", get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }))
        .route("/board/board.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .route("/api/v1/board", get(board))
        .route("/api/v1/teams", get(teams))
        .route("/api/v1/teams/{team}", get(team))
        .route("/api/v1/feed", get(feed))
        .route("/api/v1/stream", get(stream))
        .route("/api/v1/parts", get(parts))
        .with_state(hub)
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn page() -> Response {
    let csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:";
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

/// The board now, computed off the async workers.
async fn fresh(hub: &Arc<Hub>) -> Result<Board, Response> {
    let hub = hub.clone();
    tokio::task::spawn_blocking(move || hub.board())
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("board failed: {e}\n")).into_response())
}

async fn board(State(hub): State<Arc<Hub>>) -> Response {
    match fresh(&hub).await {
        Ok(b) => Json(b).into_response(),
        Err(r) => r,
    }
}

async fn teams(State(hub): State<Arc<Hub>>) -> Response {
    match fresh(&hub).await {
        Ok(b) => {
            Json(serde_json::json!({ "teams": b.teams.iter().map(|t| &t.team).collect::<Vec<_>>() })).into_response()
        }
        Err(r) => r,
    }
}

async fn team(State(hub): State<Arc<Hub>>, Path(team): Path<String>) -> Response {
    match fresh(&hub).await {
        Ok(b) => match b.team(&team) {
            Some(page) => Json(page).into_response(),
            None => (StatusCode::NOT_FOUND, "no such team\n").into_response(),
        },
        Err(r) => r,
    }
}

#[derive(Deserialize)]
struct TeamQuery {
    team: Option<String>,
}

async fn feed(State(hub): State<Arc<Hub>>, Query(q): Query<TeamQuery>) -> Response {
    match fresh(&hub).await {
        Ok(b) => {
            let feed: Vec<_> = b.feed.into_iter().filter(|m| q.team.as_ref().is_none_or(|t| &m.team == t)).collect();
            Json(serde_json::json!({ "feed": feed })).into_response()
        }
        Err(r) => r,
    }
}

async fn stream(State(hub): State<Arc<Hub>>, Query(q): Query<TeamQuery>) -> Response {
    let team = q.team.filter(|t| !t.is_empty());
    let mut updates = match hub.clients.join(team.clone(), hub.cfg.client_queue, hub.cfg.max_clients) {
        Ok(rx) => rx,
        Err(Full) => return (StatusCode::SERVICE_UNAVAILABLE, "too many board clients\n").into_response(),
    };
    let first = match fresh(&hub).await {
        Ok(b) => match &team {
            None => serde_json::to_string(&b),
            Some(t) => serde_json::to_string(&b.team(t).unwrap_or_else(|| b.empty_team(t))),
        }
        .unwrap_or_default(),
        Err(r) => return r,
    };
    let events = stream::once(async move { first })
        .chain(stream::poll_fn(move |cx| updates.poll_recv(cx)))
        .map(|json| Ok::<Event, Infallible>(Event::default().event("board").data(json)));
    sse(events)
}

fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    let mut response = Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    response
}

#[derive(Deserialize)]
struct PartsQuery {
    after: Option<u64>,
}

async fn parts(State(hub): State<Arc<Hub>>, Query(q): Query<PartsQuery>) -> Response {
    if let Some(after) = q.after {
        let mut local = hub.local.subscribe();
        let _ = tokio::time::timeout(WAIT, local.wait_for(|v| *v != after)).await;
    }
    let hub = hub.clone();
    match tokio::task::spawn_blocking(move || hub.parts()).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("parts failed: {e}\n")).into_response(),
    }
}

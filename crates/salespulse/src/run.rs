//! `salespulse run`: wires the node, the consumer, the exporter and the file watcher, and
//! shuts them down cleanly.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use prometheus::Registry;
use salespulse_board::{BoardSource, Hub};
use salespulse_engine::{Reference, Rejection};
use salespulse_exporter::KpiSource;
use salespulse_kafka::{ReferenceReader, SourceConfig, load_reference};
use salespulse_node::{Node, Progress, Report};
use salespulse_store::SnapshotStore;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info};

use crate::config::resolve::Resolved;
use crate::config::sections::FxRates;

/// A future that resolves when `rx` sees `true`.
async fn stopped(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}

/// The node, with its metrics registered in `registry` (the exporter reads its KPIs).
fn node(r: &Resolved, source: &SourceConfig, registry: &Registry) -> anyhow::Result<Arc<Node>> {
    let metrics = salespulse_node::Metrics::register(registry)?;
    let mut reference = Reference::new(r.settings.base_currency);
    reference.set_budgets(r.config.kpis.max_teams, r.config.kpis.max_stages);
    reference.set_dated_rates(r.config.engine.fx_rates == FxRates::Dated);
    for (currency, rate) in &r.settings.fx {
        reference.set_rate(*currency, *rate);
    }
    let store: Arc<dyn SnapshotStore> = r
        .config
        .state
        .store
        .open(&source.client())
        .with_context(|| format!("cannot open the snapshot store {} (state.store)", r.config.state.store))?
        .into();
    info!(store = %r.config.state.store, interval = ?r.config.state.snapshot_interval, "snapshots");
    let node = Arc::new(Node::new(r.node(), store, reference, r.files.clone(), r.loaded.clone(), metrics));
    Ok(node)
}

/// The board over `node`, pushing to its clients until `stop` turns true; `None` when it
/// is off.
fn board(
    r: &Resolved,
    registry: &Registry,
    node: &Arc<Node>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Option<Arc<Hub>>> {
    let Some(cfg) = r.settings.board.clone() else { return Ok(None) };
    let metrics = salespulse_board::Metrics::register(registry)?;
    let peers = cfg.peers.len() + usize::from(cfg.peer_service.is_some());
    let hub = Hub::new(node.clone() as Arc<dyn BoardSource>, cfg, metrics);
    tokio::spawn(salespulse_board::run(hub.clone(), stopped(stop.clone())));
    info!(peers, "serving the board at /board");
    Ok(Some(hub))
}

/// Starts serving `/metrics`, `/healthz`, `/readyz` and the board until `stop` turns true.
async fn serve(
    r: &Resolved,
    registry: &Registry,
    node: &Arc<Node>,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<JoinHandle<Result<(), salespulse_exporter::ExporterError>>> {
    let listener = TcpListener::bind(r.config.http.listen)
        .await
        .with_context(|| format!("cannot listen on {} (http.listen)", r.config.http.listen))?;
    let web = &r.settings.web;
    let (scheme, users) = (if web.tls.is_some() { "https" } else { "http" }, web.users.len());
    info!(address = %r.config.http.listen, scheme, users, "serving /metrics, /healthz, /readyz");
    let source = node.clone() as Arc<dyn KpiSource>;
    let more = board(r, registry, node, stop)?.map(salespulse_board::router).unwrap_or_default();
    Ok(tokio::spawn(salespulse_exporter::serve(
        listener,
        registry.clone(),
        source,
        r.settings.http,
        web.clone(),
        more,
        stopped(stop.clone()),
    )))
}

/// Reads the reference topic (if any) to its end, then follows it; `None` when there is
/// nothing to follow or a stop came first.
async fn reference_topic(
    r: &Resolved,
    source: &SourceConfig,
    node: &Arc<Node>,
    metrics: &salespulse_kafka::Metrics,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<Option<ReferenceReader>> {
    let Some(topic) = r.reference_topic() else { return Ok(None) };
    let target = node.clone();
    let apply = Arc::new(move |e: &salespulse_events::Event| target.apply_reference(e));
    tokio::select! {
        loaded = load_reference(source, &topic, apply, metrics.clone()) => Ok(loaded?),
        () = stopped(stop.clone()) => Ok(None),
    }
}

/// Logs the progress of a catch-up every `every` (`log.progress_interval`), and once when
/// it is over.
async fn report_progress(
    node: Arc<Node>,
    consumed: prometheus::IntCounter,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut progress = Progress::default();
    progress.tick(chrono::Utc::now().timestamp_millis(), None, consumed.get());
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(every) => {}
        }
        let now = chrono::Utc::now().timestamp_millis();
        match progress.tick(now, node.messages_behind(), consumed.get()) {
            Some(Report::CatchingUp { left, per_second, eta_seconds }) => {
                let eta = eta_seconds.map_or_else(|| "unknown".to_owned(), |s| format!("{s:.0} s"));
                info!(messages_left = left, per_second = per_second.round(), eta = %eta, "catching up");
            }
            Some(Report::CaughtUp { seconds, messages }) => {
                info!(messages, seconds = seconds.round(), "caught up");
            }
            None => {}
        }
    }
}

/// Runs the service until SIGINT/SIGTERM.
pub async fn run(r: Resolved) -> anyhow::Result<()> {
    let registry = Registry::new();
    let source = r.source();
    let metrics = salespulse_kafka::Metrics::register(&registry, &source.topic, &source.group_id)?;
    metrics.expect_reasons(&Rejection::REASONS);
    let node = node(&r, &source, &registry)?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let on_signal = stop_tx.clone();
    tokio::spawn(async move {
        signal().await;
        info!("signal received: stopping");
        on_signal.send(true).ok();
    });

    let http = serve(&r, &registry, &node, &stop_rx).await?;
    tokio::spawn(crate::watch::watch(node.clone(), r.config.reference.reload_interval, stopped(stop_rx.clone())));
    // Not ready meanwhile: the reference data is not loaded yet.
    let Some(partitions) = salespulse_kafka::wait_for_kafka(&source, stopped(stop_rx.clone())).await? else {
        return Ok(());
    };
    node.set_partition_count(partitions);
    let reader = reference_topic(&r, &source, &node, &metrics, &stop_rx).await?;
    if *stop_rx.borrow() {
        return Ok(());
    }
    node.mark_reference_loaded();

    tokio::spawn(report_progress(
        node.clone(),
        metrics.consumed.clone(),
        r.config.log.progress_interval,
        stop_rx.clone(),
    ));
    let joined = node.joined();
    let result = salespulse_kafka::run(source, node, metrics, joined, stopped(stop_rx.clone())).await;
    stop_tx.send(true).ok();
    if let Some(reader) = reader {
        reader.task.abort();
    }
    match http.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => error!(error = %e, "HTTP server failed"),
        Err(e) => error!(error = %e, "HTTP task failed"),
    }
    result?;
    info!("stopped cleanly");
    Ok(())
}

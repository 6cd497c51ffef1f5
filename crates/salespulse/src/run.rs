//! `salespulse run`: wires the source, the shards and the exporter, and shuts down cleanly.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context;
use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use salespulse_engine::{IncompleteKpi, Reference, Rejection};
use salespulse_exporter::{KpiCollector, KpiSource};
use salespulse_kafka::{SourceMetrics, Start, load_reference};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info};

use crate::reffiles::{self, Loaded};
use crate::settings::Resolved;
use crate::shards::Shards;
use crate::state::{Partitions, StateMetrics};

fn service_metrics(registry: &Registry, base: &str) -> anyhow::Result<IntCounterVec> {
    let info = IntGauge::with_opts(
        Opts::new("salespulse_build_info", "Build of this salespulse process (always 1).")
            .const_label("version", env!("CARGO_PKG_VERSION")),
    )?;
    info.set(1);
    registry.register(Box::new(info))?;
    let currency = IntGauge::with_opts(
        Opts::new("salespulse_base_currency_info", "The currency every amount is converted to (always 1).")
            .const_label("currency", base),
    )?;
    currency.set(1);
    registry.register(Box::new(currency))?;
    let incomplete = IntCounterVec::new(
        Opts::new("salespulse_kpi_incomplete_total", "Events a KPI had to skip for lack of a field, by KPI."),
        &["kpi"],
    )?;
    for kpi in IncompleteKpi::ALL {
        incomplete.with_label_values(&[kpi.label()]);
    }
    registry.register(Box::new(incomplete.clone()))?;
    #[cfg(target_os = "linux")]
    registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))?;
    Ok(incomplete)
}

/// A future that resolves when `rx` sees `true`.
async fn stopped(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn signal() {
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

/// Runs the service until SIGINT/SIGTERM.
pub async fn run(r: Resolved) -> anyhow::Result<()> {
    let registry = Registry::new();
    let incomplete = service_metrics(&registry, r.settings.base_currency.as_str())?;
    let metrics = SourceMetrics::register(&registry, &Rejection::REASONS)?;
    let mut reference = Reference::new(r.settings.base_currency);
    for (currency, rate) in &r.settings.fx {
        reference.set_rate(*currency, *rate);
    }
    if !r.files.paths().is_empty() {
        r.loaded.apply(&Loaded::default(), &mut reference);
        info!(summary = %r.loaded.summary(), "reference files loaded");
    }
    let source = r.source();
    let store: Arc<dyn salespulse_store::SnapshotStore> =
        salespulse_store::open(&r.config.state.store, &source.client())
            .with_context(|| format!("cannot open the snapshot store {} (state.store)", r.config.state.store))?
            .into();
    let when_missing = if r.config.state.when_missing == "committed" { Start::Committed } else { Start::Beginning };
    let state_metrics = StateMetrics::register(&registry)?;
    info!(store = %r.config.state.store, interval = ?r.settings.snapshot_interval, "snapshots");
    let parts = Partitions::new(r.engine(), &source.group_id, &source.topic, store, state_metrics, when_missing);
    let shards = Arc::new(Shards::new(r.engine(), parts, reference, incomplete, r.config.state.ready_max_lag));
    let reloads = IntCounterVec::new(
        Opts::new("salespulse_reference_reloads_total", "Reloads of the reference files, by result."),
        &["result"],
    )?;
    for result in ["ok", "error"] {
        reloads.with_label_values(&[result]);
    }
    registry.register(Box::new(reloads.clone()))?;
    registry.register(Box::new(KpiCollector::new(shards.clone() as Arc<dyn KpiSource>)))?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let on_signal = stop_tx.clone();
    tokio::spawn(async move {
        signal().await;
        info!("signal received: stopping");
        on_signal.send(true).ok();
    });

    let listener = TcpListener::bind(r.settings.listen)
        .await
        .with_context(|| format!("cannot listen on {} (http.listen)", r.settings.listen))?;
    info!(address = %r.settings.listen, "serving /metrics, /healthz, /readyz");
    let http = tokio::spawn(salespulse_exporter::serve(
        listener,
        registry.clone(),
        shards.clone() as Arc<dyn KpiSource>,
        stopped(stop_rx.clone()),
    ));

    tokio::spawn(reffiles::watch(
        r.files.clone(),
        r.loaded.clone(),
        shards.clone(),
        r.settings.reload_interval,
        reloads,
        stopped(stop_rx.clone()),
    ));
    let reader = match r.reference_topic() {
        Some(topic) => {
            let target = shards.clone();
            let apply = Arc::new(move |e: &salespulse_events::Event| target.apply_reference(e));
            tokio::select! {
                loaded = load_reference(&source, &topic, apply, metrics.clone()) => loaded?,
                () = stopped(stop_rx.clone()) => return Ok(()),
            }
        }
        None => None,
    };
    shards.reference_loaded.store(true, Ordering::Release);

    let joined = shards.joined.clone();
    let result = salespulse_kafka::run(source, shards.clone(), metrics, joined, stopped(stop_rx.clone())).await;
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

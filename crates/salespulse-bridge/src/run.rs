//! `salespulse bridge`: wiring. Loads the state, publishes the reference tables, then
//! serves webhooks and reads Salesforce change events until shutdown, and writes the
//! state a last time.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use prometheus::Registry;
use salespulse_exporter::HttpLimits;
use salespulse_kafka::SourceConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::config::BridgeConfig;
use crate::core::Core;
use crate::mapping::Mapping;
use crate::metrics::Metrics;
use crate::persist::StateFile;
use crate::receiver::{ReceiverConfig, router};
use crate::sink::Producer;
use crate::{cdc, reference_sync};

/// Everything `salespulse bridge` needs, resolved by the binary.
#[derive(Debug, Clone)]
pub struct BridgeRun {
    pub cfg: BridgeConfig,
    /// Brokers, events and dead-letter topics, client settings (secrets included).
    pub kafka: SourceConfig,
    /// Where reference events go; `None`: the events topic.
    pub reference_topic: Option<String>,
    /// Serve HTTPS (the `tls_server_config` of `http.web_config_file`).
    pub tls: Option<Arc<salespulse_exporter::TlsServerConfig>>,
}

/// Runs the bridge until `shutdown` resolves.
pub async fn run(r: BridgeRun, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let registry = Registry::new();
    let metrics = Metrics::register(&registry)?;
    let store = salespulse_store::open(&r.cfg.state_store, &r.kafka.client())?;
    let file = StateFile::new(store);
    let known = file.load(r.cfg.max_records).with_context(|| format!("bridge.state_store {}", r.cfg.state_store))?;
    info!(records = known.len(), store = %r.cfg.state_store, "bridge state loaded");
    let producer = Producer::new(&r.kafka, r.reference_topic.clone(), metrics.clone())?;
    let core = Core::new(known, Mapping::new(&r.cfg), producer, file, metrics);
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let saver = tokio::spawn(core.clone().saver(stopped(stop_rx.clone())));

    let ready = Arc::new(AtomicBool::new(false));
    tokio::spawn(publish_reference(core.clone(), r.cfg.clone(), ready.clone(), stop_rx.clone()));
    let salesforce = (!r.cfg.salesforce.topics.is_empty()).then(|| {
        let (core, kafka, sf, stop) = (core.clone(), r.kafka.clone(), r.cfg.salesforce.clone(), stop_rx.clone());
        tokio::spawn(async move {
            if let Err(e) = cdc::run(core, &kafka, &sf, stop).await {
                error!(error = %e, "the Salesforce reader stopped");
            }
        })
    });

    let receiver = ReceiverConfig {
        hubspot_secret: Some(r.cfg.hubspot.app_secret.clone()).filter(|s| !s.is_empty()),
        hubspot_max_age: r.cfg.hubspot_max_age(),
        public_url: r.cfg.hubspot.public_url.clone(),
        pipedrive: Some((r.cfg.pipedrive.username.clone(), r.cfg.pipedrive.password.clone()))
            .filter(|(u, _)| !u.is_empty()),
        max_body_bytes: r.cfg.max_body_bytes,
        answer_within: r.cfg.answer_within(),
    };
    let listener = TcpListener::bind(&r.cfg.listen).await?;
    info!(listen = %r.cfg.listen, "bridge receiving webhooks");
    let app = router(core.clone(), receiver, registry, ready);
    salespulse_exporter::serve_app(listener, app, HttpLimits::default(), r.tls.clone(), shutdown).await?;

    info!("bridge stopping");
    stop_tx.send_replace(true);
    if let Some(sf) = salesforce {
        let _ = sf.await;
    }
    let _ = saver.await;
    Ok(())
}

/// Publishes the reference tables, retrying until they are acknowledged; the bridge is
/// ready after that.
async fn publish_reference(
    core: Arc<Core>,
    cfg: BridgeConfig,
    ready: Arc<AtomicBool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let events = reference_sync::events(&cfg, chrono::Utc::now());
        let n = events.out.len();
        match core.publish(events).await {
            Ok(()) => {
                info!(events = n, "reference tables published");
                ready.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => warn!(error = %e, "cannot publish the reference tables; retrying"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

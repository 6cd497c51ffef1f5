//! `salespulse bridge`: wiring. Loads the state, publishes the reference tables, then
//! serves webhooks and reads Salesforce change events until shutdown, and writes the
//! state a last time.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use prometheus::Registry;
use salespulse_exporter::{HttpLimits, LiveWeb, RELOAD_EVERY};
use salespulse_kafka::SourceConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::bridge::Bridge;
use crate::config::BridgeSection;
use crate::metrics::Metrics;
use crate::receiver::{ReceiverConfig, router};
use crate::sink::Producer;
use crate::source::Source;
use crate::state::StateStore;
use crate::tables::Tables;
use crate::{activities, cdc, reference_sync};

/// Everything `salespulse bridge` needs, resolved by the binary.
#[derive(Debug, Clone)]
pub struct BridgeRun {
    pub cfg: BridgeSection,
    /// Brokers, events and dead-letter topics, client settings (secrets included).
    pub kafka: SourceConfig,
    /// Where reference events go; `None`: the events topic.
    pub reference_topic: Option<String>,
    /// `http.web_config_file`: its `tls_server_config` serves HTTPS (re-read when its
    /// files change).
    pub web: salespulse_exporter::WebConfig,
}

/// Runs the bridge until `shutdown` resolves.
pub async fn run(r: BridgeRun, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let registry = Registry::new();
    let metrics = Metrics::register(&registry)?;
    let store = r.cfg.state_store.open(&r.kafka.client())?;
    let state = StateStore::new(store);
    let loaded = state.load(r.cfg.max_records).with_context(|| format!("bridge.state_store {}", r.cfg.state_store))?;
    info!(records = loaded.known.len(), store = %r.cfg.state_store, "bridge state loaded");
    let producer = Producer::new(&r.kafka, r.reference_topic.clone(), metrics.clone())
        .map_err(|e| anyhow::anyhow!("cannot create the producer: {}", salespulse_kafka::shown(&e)))?;
    let core = Bridge::new(loaded.known, loaded.needs_marker, Tables::new(&r.cfg), producer, state, metrics);
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let saver = tokio::spawn(core.clone().saver(stopped(stop_rx.clone())));

    tokio::spawn(count_due(core.clone(), stop_rx.clone()));
    let ready = Arc::new(AtomicBool::new(false));
    tokio::spawn(publish_reference(core.clone(), r.cfg.clone(), ready.clone(), stop_rx.clone()));
    let salesforce = (!r.cfg.salesforce.topics.is_empty()).then(|| {
        let (core, kafka, sf, stop) = (core.clone(), r.kafka.clone(), r.cfg.salesforce.clone(), stop_rx.clone());
        tokio::spawn(async move {
            if let Err(e) = cdc::run(core, &kafka, &sf, stop).await {
                error!(error = %salespulse_kafka::shown(&e), "the Salesforce reader stopped");
            }
        })
    });

    let receiver = ReceiverConfig {
        hubspot_secret: r.cfg.hubspot.as_ref().map(|h| h.app_secret.clone()).filter(|s| !s.is_empty()),
        hubspot_max_age: r.cfg.hubspot_max_age(),
        public_url: r.cfg.hubspot.as_ref().map(|h| h.public_url.clone()).unwrap_or_default(),
        pipedrive: r.cfg.pipedrive.as_ref().map(|p| (p.username.clone(), p.password.clone())),
        max_body_bytes: r.cfg.max_body_bytes,
        answer_within: r.cfg.answer_within(),
    };
    let listener = TcpListener::bind(&r.cfg.listen).await?;
    info!(listen = %r.cfg.listen, "bridge receiving webhooks");
    let app = router(core.clone(), receiver, registry, ready);
    let web = LiveWeb::new(r.web.clone());
    let watcher = tokio::spawn(web.clone().watch(RELOAD_EVERY));
    let served = salespulse_exporter::serve_app(listener, app, HttpLimits::default(), web, shutdown).await;
    watcher.abort();
    served?;

    info!("bridge stopping");
    stop_tx.send_replace(true);
    if let Some(sf) = salesforce {
        let _ = sf.await;
    }
    let _ = saver.await;
    Ok(())
}

/// How often planned activities (meetings) are looked at, to count those that have
/// ended (and rate-limited log lines not yet reported are logged).
const DUE_EVERY: Duration = Duration::from_secs(10);

/// Counts planned activities once their end has passed, every [`DUE_EVERY`]; logs what
/// the log rate limits kept out.
async fn count_due(core: Arc<Bridge>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(DUE_EVERY) => {}
        }
        core.flush_logs();
        for source in Source::ALL {
            let now = chrono::Utc::now();
            let counted = core
                .change(source.as_str(), None, |known, tables| {
                    vec![(activities::due(now, source, known, tables), b"".as_slice())]
                })
                .await;
            if let Err(e) = counted {
                warn!(error = %e, %source, "cannot count the meetings that ended; retrying");
            }
        }
    }
}

/// Publishes the reference tables, retrying until they are acknowledged; the bridge is
/// ready after that.
async fn publish_reference(
    core: Arc<Bridge>,
    cfg: BridgeSection,
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

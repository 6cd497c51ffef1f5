//! `/metrics` reads the service metrics before the KPIs: a scrape's KPIs hold at least
//! every event its counters count, whatever the registry's own order. A writer applies
//! events (the KPI state) and then counts them, as the service does; under it, every
//! scrape must show a KPI value no lower than the counter.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use prometheus::{IntCounter, Registry};
use salespulse_engine::kpis::{Family, Kind, Metric, Value};
use salespulse_exporter::{HttpLimits, KpiSource, Scrape, WebConfig, serve};

/// Events applied to the state, exported as a KPI.
#[derive(Default)]
struct Applied(AtomicU64);

impl KpiSource for Applied {
    fn scrape(&self, _now: DateTime<Utc>) -> Scrape {
        let v = self.0.load(Ordering::SeqCst) as f64;
        let family = Family {
            name: "sales_applied",
            help: "Events in the state.",
            kind: Kind::Gauge,
            metrics: vec![Metric { labels: vec![], value: Value::Gauge(v) }],
        };
        Scrape { families: vec![family], ..Scrape::default() }
    }

    fn ready(&self) -> Result<(), String> {
        Ok(())
    }
}

fn value(body: &str, name: &str) -> f64 {
    let line = body.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("no {name}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_scrape_never_counts_more_events_than_its_kpis_hold() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let source = Arc::new(Applied::default());
    let registry = Registry::new();
    let counted = IntCounter::new("salespulse_events_applied_total", "Events applied.").unwrap();
    registry.register(Box::new(counted.clone())).unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = HttpLimits::default();
    runtime.spawn(serve(
        listener,
        registry,
        source.clone(),
        limits,
        WebConfig::default(),
        axum::Router::new(),
        std::future::pending(),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (source, stop) = (source.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                source.0.fetch_add(1, Ordering::SeqCst);
                counted.inc();
            }
        })
    };
    for _ in 0..200 {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        let (kpi, count) = (value(&body, "sales_applied"), value(&body, "salespulse_events_applied_total"));
        assert!(kpi >= count, "the KPIs hold {kpi} events, the counter says {count}");
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
}

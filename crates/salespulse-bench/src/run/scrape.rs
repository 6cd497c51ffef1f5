//! Scrape cost: one `/metrics` at a time, and 10 at once (several Prometheus servers,
//! dashboards querying through a proxy...).

use std::time::Duration;

use super::http;
use super::service::Service;

/// What scraping a state costs.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub series: usize,
    pub bytes: usize,
    /// Median of 5 scrapes, one at a time.
    pub single: Duration,
    /// The slowest of 10 concurrent scrapes.
    pub concurrent: Duration,
}

/// Scrapes `service` 5 times in a row, then 10 times at once.
pub fn measure(service: &Service) -> Result<Cost, String> {
    let mut times = Vec::new();
    let mut last = String::new();
    for _ in 0..5 {
        let r = service.get("/metrics")?;
        if r.status != 200 {
            return Err(format!("/metrics answered {}", r.status));
        }
        times.push(r.took);
        last = r.body;
    }
    times.sort();
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let addr = service.addr.clone();
            std::thread::spawn(move || http::get(&addr, "/metrics").map(|r| r.took))
        })
        .collect();
    let mut slowest = Duration::ZERO;
    for t in threads {
        slowest = slowest.max(t.join().map_err(|_| "a scraper panicked".to_owned())??);
    }
    Ok(Cost { series: http::series(&last), bytes: last.len(), single: times[2], concurrent: slowest })
}

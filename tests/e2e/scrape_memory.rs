//! Fifty scrapers at once cost about what one does: concurrent `/metrics` requests share
//! one render, so the process's peak memory while fifty clients scrape stays within twice
//! its peak while one does.

use std::time::Duration;

use salespulse_e2e::*;

/// (peak, current) resident bytes of `pid`.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kb = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (kb("VmHWM:") * 1024, kb("VmRSS:") * 1024)
}

/// Starts measuring the peak again from the current resident size.
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak resident size");
}

fn scrape_ok(addr: &str) {
    let (code, body) = http_get(addr, "/metrics").expect("scrape");
    assert_eq!(code, 200, "{body}");
}

#[test]
fn fifty_concurrent_scrapes_peak_within_twice_a_single_one() {
    let (topic, reference_topic) = (unique("scrape-mem"), unique("scrape-mem-ref"));
    create_topic(&topic, 2);
    create_topic(&reference_topic, 1);
    generate(&topic, &reference_topic, &["--events", "20000", "--days", "30", "--teams", "4", "--reps-per-team", "10"]);
    let svc = Service::builder()
        .config(config_file(COMPARE_CONFIG))
        .topic(&topic)
        .reference_topic(&reference_topic)
        .group(&unique("group"))
        .start();
    eventually(Duration::from_secs(120), "caught up", || match http_get(&svc.addr, "/readyz")? {
        (200, _) => Ok(()),
        (code, body) => Err(format!("{code} {body}")),
    });
    let pid = svc.pid();
    // Warm: the first read of a window sums every slot once.
    scrape_ok(&svc.addr);
    reset_peak(pid);
    scrape_ok(&svc.addr);
    let (single, _) = memory(pid);
    reset_peak(pid);
    let addr = svc.addr.clone();
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || scrape_ok(&addr))
        })
        .collect();
    for c in clients {
        c.join().expect("a scraper failed");
    }
    let (concurrent, _) = memory(pid);
    let mib = |b: u64| b as f64 / 1048576.0;
    eprintln!("peak resident: one scrape {:.1} MiB, fifty at once {:.1} MiB", mib(single), mib(concurrent));
    assert!(
        concurrent <= 2 * single,
        "fifty scrapes peaked at {:.1} MiB, one at {:.1} MiB",
        mib(concurrent),
        mib(single)
    );
}

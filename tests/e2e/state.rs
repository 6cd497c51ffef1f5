//! State that survives: restarts, kill -9, corrupt snapshots, rebalances between
//! instances, scaling out and in under live load (which also reports how long partitions
//! had no owner) — each compared with a single clean run over the same events.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use salespulse_e2e::*;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Settings of a service: frequent snapshots to `store`.
struct Config {
    file: String,
    store: String,
}

fn config(dir: &std::path::Path, store: &str) -> Config {
    let path = dir.join("salespulse.toml");
    std::fs::write(&path, "[kafka]\ndead_letter_topic = \"\"\n[state]\nsnapshot_interval = \"1s\"\n").unwrap();
    Config { file: path.display().to_string(), store: store.to_owned() }
}

fn generator(args: &[&str]) -> Child {
    Command::new(binary()).arg("gen").args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("generator")
}

/// Whether a service owns partitions, has caught up with them, and has counted something.
fn settled(s: &Service) -> Result<Samples, String> {
    let m = s.scrape()?;
    let owned = m.sum("salespulse_partitions_assigned");
    let lagging: f64 = m.values.iter().filter(|(k, _)| k.starts_with("salespulse_consumer_lag{")).map(|(_, v)| v).sum();
    let applied = m.get("salespulse_events_applied_total", &[]).unwrap_or(0.0);
    let restored = m.get("salespulse_restores_total", &[("result", "restored")]).unwrap_or(0.0);
    match http_get(&s.addr, "/readyz")? {
        (200, _) if owned >= 1.0 && lagging == 0.0 && (applied > 0.0 || restored > 0.0) => Ok(m),
        (code, why) => Err(format!("owned {owned}, lag {lagging}, applied {applied}, readyz {code} {}", why.trim())),
    }
}

/// Waits until both services have settled and export the same KPIs.
fn converge(a: &Service, b: &Service, what: &str) {
    eventually(Duration::from_secs(150), what, || {
        let (x, y) = (kpis(&settled(a)?), kpis(&settled(b)?));
        let d = differences(&x, &y, 5);
        if d.is_empty() { Ok(()) } else { Err(format!("{} series, differences: {d:?}", x.len())) }
    });
}

struct World {
    topic: String,
    reference: String,
    brokers: String,
}

fn world(partitions: i32) -> World {
    let w = World { topic: unique("state"), reference: unique("state-ref"), brokers: brokers() };
    create_topic(&w.topic, partitions);
    create_topic(&w.reference, 1);
    w
}

impl World {
    fn service(&self, c: &Config, group: &str) -> Service {
        Service::builder()
            .config(&c.file)
            .state(&c.store)
            .brokers(&self.brokers)
            .topic(&self.topic)
            .reference_topic(&self.reference)
            .group(group)
            .start()
    }

    /// Live traffic at 150 events/s until it is sent SIGINT.
    fn live(&self, seed: u64) -> Child {
        let s = seed.to_string();
        let args = ["--topic", &self.topic, "--reference-topic", &self.reference, "--rate", "150/s", "--seed", &s];
        generator(&[&["--brokers", &self.brokers][..], &args, &["--no-reference"]].concat())
    }

    fn backfill(&self, events: u64, seed: u64) {
        let n = events.to_string();
        let s = seed.to_string();
        let args = [
            "--brokers",
            &self.brokers,
            "--topic",
            &self.topic,
            "--reference-topic",
            &self.reference,
            "--events",
            &n,
            "--days",
            "20",
            "--seed",
            &s,
        ];
        assert!(generator(&args).wait().unwrap().success());
    }
}

#[test]
fn kill_dash_nine_at_random_moments_loses_nothing_and_counts_nothing_twice() {
    let w = world(3);
    let dir = temp_dir("crash");
    let cfg = config(&dir, &format!("file://{}", dir.join("snapshots").display()));
    let group = unique("crash-group");
    w.backfill(3000, 21);
    // Live traffic while the pipeline is killed and restarted.
    let mut live = w.live(22);
    let mut seed = 0x5eed_u64;
    for round in 0..10 {
        let svc = w.service(&cfg, &group);
        // Wait until it has joined and consumed something, then at a random moment kill it.
        eventually(Duration::from_secs(60), "the pipeline to consume", || {
            match svc.scrape()?.get("salespulse_events_consumed_total", &[]) {
                Some(n) if n > 0.0 => Ok(()),
                other => Err(format!("{other:?}")),
            }
        });
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(200 + (seed >> 33) % 2500));
        svc.kill();
        eprintln!("round {round}: killed");
    }
    Command::new("kill").args(["-INT", &live.id().to_string()]).status().unwrap();
    assert!(live.wait().unwrap().success(), "the generator stops cleanly");
    let recovered = w.service(&cfg, &group);
    let clean_dir = temp_dir("crash-clean");
    let clean = w.service(&config(&clean_dir, &format!("file://{}", clean_dir.display())), &unique("clean-group"));
    converge(&recovered, &clean, "the recovered run to equal a clean run");
    let restored = recovered.scrape().unwrap().get("salespulse_restores_total", &[("result", "restored")]);
    assert!(restored.is_some_and(|n| n >= 1.0), "the last run restored snapshots: {restored:?}");
}

#[test]
fn corrupt_snapshots_are_set_aside_counted_and_rebuilt() {
    let w = world(2);
    let dir = temp_dir("corrupt");
    let snapshots = dir.join("snapshots");
    let cfg = config(&dir, &format!("file://{}", snapshots.display()));
    let group = unique("corrupt-group");
    w.backfill(2000, 31);
    let mut first = w.service(&cfg, &group);
    let clean_dir = temp_dir("corrupt-clean");
    let clean = w.service(&config(&clean_dir, &format!("file://{}", clean_dir.display())), &unique("clean-group"));
    converge(&first, &clean, "the first run to catch up");
    assert!(first.terminate(Duration::from_secs(30)).success());
    // Damage both snapshots: one truncated, one with a bit flipped.
    let files: Vec<_> = walk(&snapshots).into_iter().filter(|p| p.extension().is_some_and(|e| e == "snap")).collect();
    assert_eq!(files.len(), 2, "one snapshot per partition: {files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &bytes[..bytes.len() / 3]).unwrap();
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x04;
    std::fs::write(&files[1], bytes).unwrap();

    let second = w.service(&cfg, &group);
    converge(&second, &clean, "the rebuilt run to equal a clean run");
    let m = second.scrape().unwrap();
    assert_eq!(m.get("salespulse_restores_total", &[("result", "corrupt")]), Some(2.0));
    assert_eq!(m.get("salespulse_snapshot_failures_total", &[("kind", "corrupt")]), Some(2.0));
    let log = second.log_text();
    assert!(log.contains("snapshot unusable"), "the error is logged:\n{log}");
    let aside = walk(&snapshots).into_iter().filter(|p| p.to_string_lossy().contains(".snap.corrupt-")).count();
    assert_eq!(aside, 2, "both damaged files are kept aside");
}

#[test]
fn a_stopped_instance_hands_its_partitions_over_through_the_kafka_store() {
    let w = world(4);
    let store_topic = unique("snapshots");
    create_topic(&store_topic, 1);
    let dir = temp_dir("rebalance");
    let cfg = config(&dir, &format!("kafka://{store_topic}"));
    let group = unique("rebalance-group");
    w.backfill(4000, 41);
    let a = w.service(&cfg, &group);
    let mut b = w.service(&cfg, &group);
    let clean_dir = temp_dir("rebalance-clean");
    let clean = w.service(&config(&clean_dir, &format!("file://{}", clean_dir.display())), &unique("clean-group"));
    // Both instances share the partitions; together they hold what a clean run holds.
    eventually(Duration::from_secs(120), "the partitions split between the two and consumed", || {
        let (ma, mb, mc) = (a.scrape()?, b.scrape()?, clean.scrape()?);
        let owned = |m: &Samples| m.sum("salespulse_partitions_assigned");
        let consumed = |m: &Samples| m.get("salespulse_events_consumed_total", &[]).unwrap_or(0.0);
        let both = consumed(&ma) + consumed(&mb);
        if owned(&ma) >= 1.0 && owned(&mb) >= 1.0 && both >= consumed(&mc) && consumed(&mc) >= 4000.0 {
            Ok(())
        } else {
            Err(format!("owned {} + {}, consumed {both} vs {}", owned(&ma), owned(&mb), consumed(&mc)))
        }
    });
    let key = "sales_won_revenue{team=\"emea-enterprise\",window=\"30d\"}";
    let sum = kpis(&a.scrape().unwrap()).get(key).copied().unwrap_or(0.0)
        + kpis(&b.scrape().unwrap()).get(key).copied().unwrap_or(0.0);
    assert!((sum - kpis(&clean.scrape().unwrap())[key]).abs() < 1e-6, "the instances' parts add up");
    // Stop one: the other restores its partitions from the Kafka store, not from the topic.
    assert!(b.terminate(Duration::from_secs(30)).success(), "{}", b.log_text());
    converge(&a, &clean, "the remaining instance to hold everything");
    let restored = a.scrape().unwrap().get("salespulse_restores_total", &[("result", "restored")]);
    assert!(
        restored.is_some_and(|n| n >= 1.0),
        "partitions were restored, not rebuilt: {restored:?}\n{}",
        a.log_text()
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// The largest `salespulse_unsnapshotted_seconds` of a scrape, and how many partitions
/// export it.
fn unsnapshotted(m: &Samples) -> (f64, usize) {
    let v: Vec<f64> =
        m.values.iter().filter(|(k, _)| k.starts_with("salespulse_unsnapshotted_seconds{")).map(|(_, v)| *v).collect();
    (v.iter().copied().fold(0.0, f64::max), v.len())
}

/// An idle, healthy instance never reaches SalespulseSnapshotStale's threshold (3
/// snapshot intervals, here 3 s): once its changes are durable it has nothing to save,
/// and the series says 0 — from the start after a restart from its snapshots, too.
#[test]
fn an_idle_healthy_instance_has_no_change_waiting_for_a_snapshot() {
    let w = world(3);
    let dir = temp_dir("idle");
    let cfg = config(&dir, &format!("file://{}", dir.join("snapshots").display()));
    let group = unique("idle-group");
    w.backfill(2000, 31);
    let mut svc = w.service(&cfg, &group);
    let durable = |s: &Service| -> Result<(), String> {
        let m = settled(s)?;
        match unsnapshotted(&m) {
            (0.0, 3) => Ok(()),
            other => Err(format!("(largest, partitions) {other:?}")),
        }
    };
    eventually(Duration::from_secs(90), "every change durable", || durable(&svc));
    // Idle for twice the alert's threshold: sampled every 250 ms, it stays at 0.
    let began = std::time::Instant::now();
    while began.elapsed() < Duration::from_secs(6) {
        let (largest, partitions) = unsnapshotted(&svc.scrape().expect("scrape"));
        assert_eq!((largest, partitions), (0.0, 3), "an idle instance has a change waiting");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(svc.terminate(Duration::from_secs(30)).success());
    let svc = w.service(&cfg, &group);
    eventually(Duration::from_secs(90), "restored, every change durable", || durable(&svc));
}

/// Partitions of the topic that no live instance owns, summed over `alive`.
fn unowned(alive: &[&Service], partitions: f64) -> f64 {
    let owned: f64 =
        alive.iter().filter_map(|s| s.scrape().ok()).map(|m| m.sum("salespulse_partitions_assigned")).sum();
    (partitions - owned).max(0.0)
}

/// Polls `alive` for `how_long`, adding up partition-seconds without an owner.
fn watch_ownership(alive: &[&Service], partitions: f64, how_long: Duration, unowned_seconds: &mut f64) {
    let start = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    while start.elapsed() < how_long {
        let gap = unowned(alive, partitions);
        *unowned_seconds += gap * last.elapsed().as_secs_f64();
        last = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn scaling_out_and_in_under_live_load_stays_exact() {
    let w = world(6);
    let dir = temp_dir("scale");
    let cfg = config(&dir, &format!("file://{}", dir.join("snapshots").display()));
    let group = unique("scale-group");
    w.backfill(3000, 31);
    let mut live = w.live(32);
    let a = w.service(&cfg, &group);
    eventually(Duration::from_secs(60), "the first instance to own every partition", || {
        let m = settled(&a)?;
        if m.sum("salespulse_partitions_assigned") == 6.0 { Ok(()) } else { Err("not all partitions".into()) }
    });
    // Two more join.
    let mut b = w.service(&cfg, &group);
    let c = w.service(&cfg, &group);
    eventually(Duration::from_secs(90), "three instances to share the partitions", || {
        let owned: Vec<f64> = [&a, &b, &c]
            .iter()
            .map(|s| s.scrape().map(|m| m.sum("salespulse_partitions_assigned")))
            .collect::<Result<_, _>>()?;
        if owned.iter().all(|n| *n >= 1.0) && owned.iter().sum::<f64>() == 6.0 {
            Ok(())
        } else {
            Err(format!("{owned:?}"))
        }
    });
    // One leaves cleanly, then one crashes, while events keep coming.
    let mut unowned_seconds = 0.0;
    assert!(b.terminate(Duration::from_secs(30)).success(), "b stops cleanly");
    watch_ownership(&[&a, &c], 6.0, Duration::from_secs(5), &mut unowned_seconds);
    c.kill();
    watch_ownership(&[&a], 6.0, Duration::from_secs(15), &mut unowned_seconds);
    eventually(Duration::from_secs(60), "the last instance to own every partition again", || {
        let m = a.scrape()?;
        if m.sum("salespulse_partitions_assigned") == 6.0 { Ok(()) } else { Err("partitions still unowned".into()) }
    });
    eprintln!("partitions without an owner while scaling in: {unowned_seconds:.1} partition-seconds");
    Command::new("kill").args(["-INT", &live.id().to_string()]).status().unwrap();
    assert!(live.wait().unwrap().success(), "the generator stops cleanly");
    let clean_dir = temp_dir("scale-clean");
    let clean = w.service(&config(&clean_dir, &format!("file://{}", clean_dir.display())), &unique("clean-group"));
    converge(&a, &clean, "the instance left after scaling out and in to equal a clean run");
}

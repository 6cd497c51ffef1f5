//! The service end to end: replay of a generated topic next to a bare consumer reading
//! the same topic, scrape cost and memory of the state it builds, restart, freshness.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::cpu::Mark;
use super::plan::Plan;
use super::progress::say;
use super::report::{self, Row};
use super::service::{Options, Service};
use super::{ceiling, freshness as fresh, scrape, topics};

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// With `BENCH_PERF=FILE` (`BENCH_PERF_SCRAPE=FILE`), records a perf profile of the
/// service from its assignment to the end of the replay (over the scrapes with per-rep
/// series on); `perf report -i FILE`.
fn profile(service: &Service, variable: &str) -> Option<Child> {
    let file = std::env::var(variable).ok()?;
    say(&format!("recording a perf profile into {file}"));
    let pid = service.pid().to_string();
    let extra = std::env::var("BENCH_PERF_ARGS").unwrap_or_else(|_| "-F 999 -g".into());
    let args = ["record", "-o", &file, "-p", &pid];
    Command::new("perf")
        .args(args)
        .args(extra.split_whitespace())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn stop(profiler: Option<Child>) {
    if let Some(mut perf) = profiler {
        Command::new("kill").args(["-INT", &perf.id().to_string()]).status().ok();
        perf.wait().ok();
    }
}

fn ready(service: &Service, timeout: Duration) -> Result<Instant, String> {
    service.wait("/readyz", Duration::from_millis(200), timeout, |s| s.get("/readyz").is_ok_and(|r| r.status == 200))
}

fn scrape_rows(label: &str, cost: &scrape::Cost, target: &str) -> Vec<Row> {
    let state = format!("{} series, {} KiB", cost.series, cost.bytes / 1024);
    vec![
        Row::new(&format!("scrape, {label}"), report::ms(cost.single), state.clone(), target),
        Row::new(&format!("slowest of 10 concurrent scrapes, {label}"), report::ms(cost.concurrent), state, "-"),
    ]
}

/// When the service counted its `total`-th message. `/metrics` is read once a second, as
/// a fast Prometheus would (a render of the state costs the service CPU); the moment is
/// interpolated between the last two reads at the rate between them.
fn consumed(service: &Service, total: f64, timeout: Duration) -> Result<Instant, String> {
    let read = |s: &Service| (Instant::now(), s.metric("salespulse_events_consumed_total"));
    let (mut before, mut after) = (read(service), None);
    service.wait("every message consumed", Duration::from_secs(1), timeout, |s| {
        let now = read(s);
        if now.1 >= total {
            after = Some(now);
            return true;
        }
        before = now;
        false
    })?;
    let (at, count) = after.unwrap_or(before);
    if count <= before.1 {
        return Ok(at);
    }
    let share = (total - before.1) / (count - before.1);
    Ok(before.0 + (at - before.0).mul_f64(share.clamp(0.0, 1.0)))
}

/// Replay, memory, scrapes (per-rep series on, then off after a restart).
pub fn run(plan: &Plan, bin: &Path, brokers: &str, work: &Path) -> Result<Vec<Row>, String> {
    let topic = unique("bench");
    say(&format!("generating {} events over {} days into {topic}", plan.events, plan.days));
    topics::create(bin, brokers, &topic, plan.partitions)?;
    let gen_args: Vec<String> = [
        ("--events", plan.events.to_string()),
        ("--days", plan.days.to_string()),
        ("--teams", plan.teams.to_string()),
        ("--reps-per-team", plan.reps_per_team.to_string()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect();
    topics::generate(bin, brokers, &topic, &gen_args)?;
    say("ceiling: a bare librdkafka consumer counts the topic");
    let c = ceiling::count(brokers, &topic, plan.partitions, Duration::from_secs(3))?;
    say(&format!("ceiling: {} messages, {}", c.messages, report::rate(c.rate())));
    let (group, state) = (format!("{topic}-group"), work.join("state"));
    let options = Options { bin, brokers, topic: &topic, group: &group, state: &state, per_rep: true, workers: 0 };
    say("replay: salespulse run, per-rep series on");
    let service = Service::start(&options)?;
    let every = Duration::from_millis(50);
    let partitions = f64::from(plan.partitions);
    let assigned = service.wait("partitions assigned", every, Duration::from_secs(120), |s| {
        s.metric("salespulse_partitions_assigned") >= partitions
    })?;
    let profiler = profile(&service, "BENCH_PERF");
    let mark = Mark::now(service.pid());
    let ready_at = ready(&service, Duration::from_secs(1800))?;
    say(&format!("replay: ready {:.1} s after the assignment", (ready_at - assigned).as_secs_f64()));
    let done = consumed(&service, c.messages as f64, Duration::from_secs(600))?;
    say(&format!("replay: every message consumed {:.1} s after the assignment", (done - assigned).as_secs_f64()));
    let cpu = mark.since(service.pid());
    stop(profiler);
    let replay = c.messages as f64 / (done - assigned).as_secs_f64();
    let (peak_replay, _) = service.rss();
    let estimate = service.metric("salespulse_state_bytes");
    say("scrapes, per-rep series on");
    let profiler = profile(&service, "BENCH_PERF_SCRAPE");
    let on = scrape::measure(&service)?;
    stop(profiler);
    let (peak_scrapes, _) = service.rss();
    service.stop()?;
    say("restart with per-rep series off (restores the snapshots)");
    let started = Instant::now();
    let service = Service::start(&Options { per_rep: false, ..options.clone() })?;
    let restarted = ready(&service, Duration::from_secs(600))? - started;
    let off = scrape::measure(&service)?;
    service.stop()?;
    let ceiling = format!("bare consumer {}", report::rate(c.rate()));
    let mut rows = vec![Row::new(
        "replay: assignment to every message applied",
        format!("{} ({:.2} of the ceiling)", report::rate(replay), replay / c.rate()),
        ceiling,
        "≥ 0.6",
    )];
    rows.push(Row::new("CPU during the replay", cpu.describe("service"), c.cpu.describe("bare consumer"), "-"));
    rows.extend(scrape_rows("per-rep series on", &on, "≤ 100 ms at 16 k series"));
    rows.extend(scrape_rows("per-rep series off", &off, "-"));
    let estimate = format!("engine estimate {}", report::mib(estimate));
    rows.push(Row::new("peak RSS over the replay", report::mib(peak_replay as f64), estimate.clone(), "≤ 256 MiB"));
    rows.push(Row::new(
        "peak RSS after 10 concurrent scrapes",
        report::mib(peak_scrapes as f64),
        estimate,
        "≤ 256 MiB",
    ));
    rows.push(Row::new("restart to ready (restore snapshots)", report::ms(restarted), "-".into(), "-"));
    for workers in [1, 2] {
        let rate = replay_with(plan, &options, workers, c.messages, work)?;
        rows.push(Row::new(
            &format!("replay with {workers} worker thread{}", if workers == 1 { "" } else { "s" }),
            format!("{} ({:.2} of the ceiling)", report::rate(rate), rate / c.rate()),
            format!("bare consumer {}", report::rate(c.rate())),
            "-",
        ));
    }
    Ok(rows)
}

/// The replay rate of the same topic with `workers` worker threads (a group and a state of
/// its own, per-rep series off).
fn replay_with(plan: &Plan, options: &Options<'_>, workers: usize, messages: u64, work: &Path) -> Result<f64, String> {
    say(&format!("replay with {workers} worker thread(s)"));
    let (group, state) = (format!("{}-w{workers}", options.group), work.join(format!("state-w{workers}")));
    let service =
        Service::start(&Options { group: &group, state: &state, per_rep: false, workers, ..options.clone() })?;
    let partitions = f64::from(plan.partitions);
    let assigned = service.wait("partitions assigned", Duration::from_millis(50), Duration::from_secs(120), |s| {
        s.metric("salespulse_partitions_assigned") >= partitions
    })?;
    let done = consumed(&service, messages as f64, Duration::from_secs(600))?;
    service.stop()?;
    Ok(messages as f64 / (done - assigned).as_secs_f64())
}

/// Freshness at a steady rate, one scrape a second.
pub fn freshness(plan: &Plan, bin: &Path, brokers: &str, work: &Path) -> Result<Vec<Row>, String> {
    let topic = unique("fresh");
    topics::create(bin, brokers, &topic, plan.partitions)?;
    let (group, state) = (format!("{topic}-group"), work.join("fresh-state"));
    let options = Options { bin, brokers, topic: &topic, group: &group, state: &state, per_rep: false, workers: 0 };
    let service = Service::start(&options)?;
    ready(&service, Duration::from_secs(120))?;
    say(&format!("freshness: {} events/s for {} s, a scrape a second", plan.rate, plan.freshness_seconds));
    let (samples, board) = fresh::measure(&service, brokers, &topic, plan.rate, plan.freshness_seconds)?;
    service.stop()?;
    let (p50, p99) = (report::quantile(&samples, 0.5), report::quantile(&samples, 0.99));
    let what = format!("{} scrapes at {} events/s", samples.len(), plan.rate);
    let produced = u64::from(plan.rate) * plan.freshness_seconds;
    let (b50, b99) = (report::quantile(&board, 0.5), report::quantile(&board, 0.99));
    let shown = format!("{} of {produced} events shown by a pushed board update", board.len());
    Ok(vec![
        Row::new(
            "freshness p50: produced to visible in /metrics",
            format!("{:.0} ms", p50 * 1000.0),
            what.clone(),
            "-",
        ),
        Row::new("freshness p99", format!("{:.0} ms", p99 * 1000.0), what, "< 1 s"),
        Row::new(
            "board freshness p50: produced to shown on the live board",
            format!("{:.0} ms", b50 * 1000.0),
            shown.clone(),
            "-",
        ),
        Row::new("board freshness p99", format!("{:.0} ms", b99 * 1000.0), shown, "< 1 s"),
    ])
}

//! One benchmark run: every part the plan asks for, then the report.

use std::path::{Path, PathBuf};

use super::plan::{PARTS, Plan};
use super::progress::say;
use super::report::{self, Row};
use super::{bridge, inproc, replay};

/// The release `salespulse` binary next to this one.
fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe.with_file_name("salespulse");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!("{} is missing: cargo build --release -p salespulse", bin.display()))
    }
}

fn in_process(plan: &Plan, consumer: String) -> Vec<Row> {
    say(&format!("in process: decode and engine on {} events, one core", plan.inproc_events));
    let (days, partitions) = (f64::from(plan.days), plan.partitions as usize);
    let r = inproc::rates(plan.inproc_events, days, plan.teams, plan.reps_per_team, partitions);
    vec![
        Row::new("decode alone, one core", report::rate(r.decode), consumer.clone(), "-"),
        Row::new("engine alone (decoded events applied), one core", report::rate(r.engine), consumer, "≥ 2 M/s"),
    ]
}

fn snapshot(work: &Path) -> Result<Vec<Row>, String> {
    say("in process: snapshot of 1 M open entities");
    let s = inproc::snapshot(&work.join("snapshot"))?;
    let (state, file) = (report::mib(s.state_bytes as f64), report::mib(s.snapshot_bytes as f64));
    let entities = format!("1 M open entities: state {state}, snapshot {file}");
    Ok(vec![
        Row::new("snapshot pause (clone)", report::ms(s.pause), entities.clone(), "-"),
        Row::new("snapshot write (encode, write, fsync)", report::ms(s.write), entities.clone(), "-"),
        Row::new("restore (read, decode)", report::ms(s.restore), entities, "-"),
    ])
}

/// Runs every measurement and writes the report.
pub fn bench(plan: &Plan) -> Result<(), String> {
    if let Some(part) = plan.only.iter().find(|p| !PARTS.contains(&p.as_str())) {
        return Err(format!("--only {part}: the parts are {}", PARTS.join(", ")));
    }
    let needs_broker = plan.runs("replay") || plan.runs("freshness") || plan.runs("bridge");
    let brokers = match std::env::var("KAFKA_BROKERS") {
        Ok(b) => b,
        Err(_) if needs_broker => return Err("KAFKA_BROKERS is not set (make bench sets it)".into()),
        Err(_) => String::new(),
    };
    let bin = if needs_broker { binary()? } else { PathBuf::new() };
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let out = out.canonicalize().map_err(|e| e.to_string())?;
    let work = out.join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let mut rows: Vec<Row> = Vec::new();
    if plan.runs("replay") {
        rows.extend(replay::run(plan, &bin, &brokers, &work)?);
    }
    if plan.runs("freshness") {
        rows.extend(replay::freshness(plan, &bin, &brokers, &work)?);
    }
    if plan.runs("inproc") {
        let consumer = rows.first().map_or_else(|| "-".to_owned(), |r| r.compared_with.clone());
        rows.extend(in_process(plan, consumer));
    }
    if plan.runs("snapshot") {
        rows.extend(snapshot(&work)?);
    }
    if plan.runs("bridge") {
        rows.extend(bridge::run(plan, &bin, &brokers, &work)?);
    }
    let title = format!(
        "{} events, {} partitions, {} days, {} teams × {} reps; {} cores",
        plan.events,
        plan.partitions,
        plan.days,
        plan.teams,
        plan.reps_per_team,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let text = report::render(&title, &rows);
    println!("{text}");
    std::fs::write(out.join("report.md"), &text).map_err(|e| e.to_string())?;
    std::fs::remove_dir_all(&work).ok();
    say(&format!("report written to {}", out.join("report.md").display()));
    Ok(())
}

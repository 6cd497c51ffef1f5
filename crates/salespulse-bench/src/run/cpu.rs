//! CPU use over an interval, from /proc: the whole machine's (every process, the broker
//! included) and one process's. It tells a replay that waits for the cores apart from
//! one that waits for its input.

use std::time::Instant;

/// Linux reports process and machine times in USER_HZ ticks, 100 a second on every
/// architecture it supports.
const TICKS_PER_S: f64 = 100.0;

/// A reading to compare a later one with.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    at: Instant,
    busy: u64,
    process: u64,
}

/// Cores in use on average between two marks.
#[derive(Debug, Clone, Copy)]
pub struct Use {
    /// Every process on the machine.
    pub machine: f64,
    /// The process the marks were taken for.
    pub process: f64,
    /// Cores the machine has.
    pub cores: usize,
}

impl Use {
    /// "1.9 of 2 cores (service 1.1)".
    pub fn describe(&self, process: &str) -> String {
        format!("{:.1} of {} cores in use ({process} {:.1})", self.machine, self.cores, self.process)
    }
}

/// Busy ticks of the whole machine (every state but idle and iowait) and its cores.
fn machine() -> (u64, usize) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let busy = stat.lines().next().map_or(0, |all| {
        let v: Vec<u64> = all.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user).
        v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum()
    });
    let cores = stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")).count();
    (busy, cores.max(1))
}

/// User and system ticks of `pid`, its threads included.
fn process(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: the fields that follow it start after ')'.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

impl Mark {
    pub fn now(pid: u32) -> Mark {
        Mark { at: Instant::now(), busy: machine().0, process: process(pid) }
    }

    /// Average use from this mark to now, for the same `pid`.
    pub fn since(&self, pid: u32) -> Use {
        let (busy, cores) = machine();
        let seconds = self.at.elapsed().as_secs_f64().max(1e-9);
        let per_s = |ticks: u64| ticks as f64 / TICKS_PER_S / seconds;
        Use {
            machine: per_s(busy.saturating_sub(self.busy)),
            process: per_s(process(pid).saturating_sub(self.process)),
            cores,
        }
    }
}

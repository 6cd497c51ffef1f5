//! Progress of a catch-up — a replay after a first start, a rebuild from the topic, a
//! backlog after downtime: fed every few seconds with the messages left behind the
//! broker and the messages read so far, it says how many are left, at what rate and for
//! about how long, and says once when the instance has caught up. Pure: the caller passes
//! the clock and logs what it returns.

/// Messages behind below which an instance is not catching up (live traffic).
pub const BEHIND: i64 = 1_000;

/// What to report at a tick.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// Still behind.
    CatchingUp {
        left: i64,
        /// Messages read per second since the previous tick.
        per_second: f64,
        /// Seconds left at that rate (`None` while nothing is read).
        eta_seconds: Option<f64>,
    },
    /// Behind at a previous tick, no longer.
    CaughtUp { seconds: f64, messages: u64 },
}

/// The state between ticks.
#[derive(Debug, Default)]
pub struct Progress {
    /// The previous tick: (time ms, messages read).
    last: Option<(i64, u64)>,
    /// Since when (ms, messages read) the instance is behind.
    behind_since: Option<(i64, u64)>,
}

impl Progress {
    /// One tick at `now_ms`: `left` messages behind (`None`: not known yet), `read`
    /// messages read since the process started.
    pub fn tick(&mut self, now_ms: i64, left: Option<i64>, read: u64) -> Option<Report> {
        let per_second = match self.last {
            Some((t, n)) if now_ms > t => read.saturating_sub(n) as f64 * 1000.0 / (now_ms - t) as f64,
            _ => 0.0,
        };
        self.last = Some((now_ms, read));
        let left = left?;
        match (left > BEHIND, self.behind_since) {
            (true, since) => {
                self.behind_since = since.or(Some((now_ms, read)));
                let eta_seconds = (per_second > 0.0).then(|| left as f64 / per_second);
                Some(Report::CatchingUp { left, per_second, eta_seconds })
            }
            (false, Some((t, n))) => {
                self.behind_since = None;
                Some(Report::CaughtUp { seconds: (now_ms - t) as f64 / 1000.0, messages: read.saturating_sub(n) })
            }
            (false, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catch_up_reports_what_is_left_then_once_that_it_is_done() {
        let mut p = Progress::default();
        assert_eq!(p.tick(0, None, 0), None, "nothing known yet");
        assert_eq!(
            p.tick(5_000, Some(100_000), 0),
            Some(Report::CatchingUp { left: 100_000, per_second: 0.0, eta_seconds: None })
        );
        assert_eq!(
            p.tick(10_000, Some(50_000), 50_000),
            Some(Report::CatchingUp { left: 50_000, per_second: 10_000.0, eta_seconds: Some(5.0) })
        );
        assert_eq!(p.tick(15_000, Some(12), 100_000), Some(Report::CaughtUp { seconds: 10.0, messages: 100_000 }));
        assert_eq!(p.tick(20_000, Some(3), 100_010), None, "live traffic: nothing to say");
    }
}

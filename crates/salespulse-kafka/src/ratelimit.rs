//! At most N log lines per interval for one kind of problem, with a count of the rest.

use std::time::{Duration, Instant};

/// A log rate limiter for one call site.
#[derive(Debug)]
pub struct RateLimit {
    per_interval: u32,
    interval: Duration,
    window_start: Option<Instant>,
    logged: u32,
    suppressed: u64,
}

impl RateLimit {
    /// Allows `per_interval` lines every `interval`.
    pub fn new(per_interval: u32, interval: Duration) -> RateLimit {
        RateLimit { per_interval, interval, window_start: None, logged: 0, suppressed: 0 }
    }

    /// Whether to log now; when a new interval starts, also returns how many lines the
    /// previous one suppressed (to log once).
    pub fn allow(&mut self, now: Instant) -> (bool, u64) {
        let mut suppressed = 0;
        if self.window_start.is_none_or(|s| now.duration_since(s) >= self.interval) {
            self.window_start = Some(now);
            self.logged = 0;
            suppressed = std::mem::take(&mut self.suppressed);
        }
        if self.logged < self.per_interval {
            self.logged += 1;
            (true, suppressed)
        } else {
            self.suppressed += 1;
            (false, suppressed)
        }
    }
}

impl RateLimit {
    /// The lines suppressed in an interval that has ended by `now` with no line since
    /// (to log on a timer, so a burst that stopped is still reported); 0 otherwise.
    pub fn due(&mut self, now: Instant) -> u64 {
        match self.window_start {
            Some(s) if self.suppressed > 0 && now.duration_since(s) >= self.interval => {
                self.window_start = None;
                self.logged = 0;
                std::mem::take(&mut self.suppressed)
            }
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_reports_suppressed() {
        let mut r = RateLimit::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(r.allow(t0), (true, 0));
        assert_eq!(r.allow(t0), (true, 0));
        assert_eq!(r.allow(t0), (false, 0));
        assert_eq!(r.allow(t0 + Duration::from_secs(1)), (false, 0));
        assert_eq!(r.allow(t0 + Duration::from_secs(11)), (true, 2));
    }

    #[test]
    fn a_burst_that_stopped_is_reported_on_the_timer_once() {
        let mut r = RateLimit::new(1, Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(r.allow(t0), (true, 0));
        assert_eq!(r.allow(t0), (false, 0));
        assert_eq!(r.allow(t0), (false, 0));
        assert_eq!(r.due(t0 + Duration::from_secs(5)), 0, "the interval is not over");
        assert_eq!(r.due(t0 + Duration::from_secs(10)), 2);
        assert_eq!(r.due(t0 + Duration::from_secs(20)), 0, "once");
        assert_eq!(r.allow(t0 + Duration::from_secs(21)), (true, 0), "not counted twice");
    }
}

//! Event time in milliseconds, the rolling windows and their slot arithmetic.
//!
//! A window W of resolution r covers, at `now`, the slots whose start `s * r` lies in
//! `(now - W, now]`. An event at exactly `now - W` is therefore never counted, an event at
//! `now` always is, and only events younger than `now - W + r` may be missed: the error
//! is one-sided and at most one resolution step at the trailing edge. r = W / 60.

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch.
pub type Ms = i64;

const MINUTE: Ms = 60_000;
const HOUR: Ms = 60 * MINUTE;
const DAY: Ms = 24 * HOUR;

/// Converts a chrono timestamp to milliseconds.
pub fn ms(t: DateTime<Utc>) -> Ms {
    t.timestamp_millis()
}

/// The rolling windows, shortest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Window {
    H1,
    H24,
    D7,
    D30,
    D90,
}

impl Window {
    /// Every window, shortest first; `ALL[w.index()] == w`.
    pub const ALL: [Window; 5] = [Window::H1, Window::H24, Window::D7, Window::D30, Window::D90];
    /// The longest window: older events are rejected as `too_old`.
    pub const LONGEST: Window = Window::D90;

    /// Position in [`Window::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The `window` label value.
    pub fn label(self) -> &'static str {
        ["1h", "24h", "7d", "30d", "90d"][self.index()]
    }

    /// Length in milliseconds.
    pub const fn len_ms(self) -> Ms {
        // A match, not a table: inlined where the window is known (a loop over
        // `Window::ALL`), a division by a length or a resolution can be by a constant.
        match self {
            Window::H1 => HOUR,
            Window::H24 => DAY,
            Window::D7 => 7 * DAY,
            Window::D30 => 30 * DAY,
            Window::D90 => 90 * DAY,
        }
    }

    /// Length in days (for per-day rates).
    pub fn days(self) -> f64 {
        self.len_ms() as f64 / DAY as f64
    }

    /// Slot width: 1 min, 24 min, 2 h 48 min, 12 h, 36 h.
    pub const fn resolution_ms(self) -> Ms {
        self.len_ms() / 60
    }

    /// The slot holding time `t`.
    #[inline]
    pub fn slot(self, t: Ms) -> i64 {
        t.div_euclid(self.resolution_ms())
    }

    /// The slot holding time `t` in every window, in the order of [`Window::ALL`]: five
    /// divisions by constants (multiplications), where a loop over the windows divides.
    #[inline]
    pub fn slots_of(t: Ms) -> [i64; 5] {
        const R: [Ms; 5] = [
            Window::H1.resolution_ms(),
            Window::H24.resolution_ms(),
            Window::D7.resolution_ms(),
            Window::D30.resolution_ms(),
            Window::D90.resolution_ms(),
        ];
        match u64::try_from(t) {
            // Times after 1970: an unsigned division, which needs no rounding fix.
            Ok(u) => R.map(|r| (u / r as u64) as i64),
            Err(_) => R.map(|r| t.div_euclid(r)),
        }
    }

    /// The earliest event time the window counts at `now`: the start of its first slot.
    /// What is "at the window start" (customers, MRR) is read just before it, so that a
    /// change is either before the start or counted in the window, never both or neither.
    pub fn start(self, now: Ms) -> Ms {
        self.slots_at(now).0 * self.resolution_ms()
    }

    /// The inclusive slot range counted at `now`: starts in `(now - W, now]`.
    pub fn slots_at(self, now: Ms) -> (i64, i64) {
        let r = self.resolution_ms();
        ((now - self.len_ms()).div_euclid(r) + 1, now.div_euclid(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_is_a_sixtieth() {
        for w in Window::ALL {
            assert_eq!(w.resolution_ms() * 60, w.len_ms());
            assert_eq!(Window::ALL[w.index()], w);
        }
        assert_eq!(Window::H24.resolution_ms(), 24 * MINUTE);
        for t in [-1, 0, 59_999, 60_000, 1_764_000_000_123] {
            assert_eq!(Window::slots_of(t), Window::ALL.map(|w| w.slot(t)));
        }
    }

    #[test]
    fn slot_range_excludes_the_trailing_edge_and_includes_now() {
        let w = Window::H1;
        let now = 10 * HOUR;
        let (first, last) = w.slots_at(now);
        assert!(w.slot(now - HOUR) < first, "an event exactly W ago is out");
        assert_eq!(w.slot(now - HOUR + MINUTE), first, "one step later it is in");
        assert_eq!(w.slot(now), last);
        // Unaligned now: events within one step of the edge may be out, never older ones in.
        let now = now + 30_000;
        let (first, _) = w.slots_at(now);
        assert!(w.slot(now - HOUR) < first);
        assert!(first * w.resolution_ms() - (now - HOUR) <= w.resolution_ms());
    }

    #[test]
    fn negative_times_floor() {
        assert_eq!(Window::H1.slot(-1), -1);
    }
}

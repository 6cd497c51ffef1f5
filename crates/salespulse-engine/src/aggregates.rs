//! The aggregates of one shard: rolling-window statistics ([`Windows`]) and won revenue
//! per calendar month ([`Months`]). Entities change them only through
//! [`Aggregates::replace`], swapping their old contributions for new ones.

use crate::calendar::MonthKey;
use crate::contrib::Contribution;
use crate::fixed::{Fixed, Sums};
use crate::time::Ms;
use crate::windows::{Change, OwnerId, Windows};

/// Won revenue per (local month, owner), kept for the current and previous fiscal year.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Months {
    map: Sums<(MonthKey, OwnerId)>,
}

impl Months {
    fn add(&mut self, month: MonthKey, owner: OwnerId, delta: Fixed) {
        let v = self.map.0.entry((month, owner)).or_default();
        *v += delta;
        if v.is_zero() {
            self.map.0.remove(&(month, owner));
        }
    }

    /// Calls `f(owner, value)` for every entry in months `first..=last`.
    pub fn fold(&self, first: MonthKey, last: MonthKey, mut f: impl FnMut(OwnerId, Fixed)) {
        for (&(_, owner), &v) in self.map.0.range((first, 0)..(last + 1, 0)) {
            f(owner, v);
        }
    }

    /// Drops months before `first`.
    pub fn prune(&mut self, first: MonthKey) {
        if self.map.0.first_key_value().is_some_and(|((m, _), _)| *m < first) {
            self.map.0 = self.map.0.split_off(&(first, 0));
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.0.len()
    }
}

/// Everything contributions go to.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Aggregates {
    pub windows: Windows,
    pub months: Months,
    /// Window changes at one time waiting to be written together (empty between calls).
    #[serde(skip)]
    run: Run,
}

/// Consecutive window changes at the same time: derivations list the contributions of one
/// moment together (a close's revenue, count and cycle time; an observation's count, sum
/// and bucket), and they share their slots.
#[derive(Debug, Clone, Default)]
struct Run {
    t: Ms,
    changes: Vec<Change>,
}

impl Aggregates {
    /// Adds a contribution (`retract`: removes it), rounded to the nearest nano-unit once,
    /// the same way each time, so a removal takes back exactly what was added. Window
    /// changes are held until [`Aggregates::flush`] or a change at another time.
    fn apply(&mut self, c: &Contribution, retract: bool) {
        let signed = |v: f64| if retract { -Fixed::from(v) } else { Fixed::from(v) };
        match *c {
            Contribution::Window { t, owner, stat, value } => {
                if t != self.run.t {
                    self.flush();
                    self.run.t = t;
                }
                self.run.changes.push(((owner, stat), signed(value)));
            }
            Contribution::MonthRevenue { month, owner, value } => self.months.add(month, owner, signed(value)),
        }
    }

    /// Writes the window changes held.
    fn flush(&mut self) {
        if !self.run.changes.is_empty() {
            self.windows.add_all(self.run.t, &self.run.changes);
            self.run.changes.clear();
        }
    }

    /// Replaces an entity's contributions `old` by `new`, touching only what differs: a
    /// contribution in both lists (counted with multiplicity) is left in place.
    pub fn replace(&mut self, old: &[Contribution], new: &[Contribution]) {
        if old == new {
            return;
        }
        // Lists are short (a deal or lead has tens of contributions): a quadratic match
        // costs less than the map writes it saves, and needs no allocation.
        let mut kept = Kept::new(new.len());
        for (at, c) in old.iter().enumerate() {
            // Derivations list contributions in a fixed order: what is unchanged is most
            // often at the same place, so that place is tried first.
            let unmatched = |i: usize| !kept.get(i) && new[i] == *c;
            let found = if at < new.len() && unmatched(at) { Some(at) } else { (0..new.len()).find(|&i| unmatched(i)) };
            match found {
                Some(i) => kept.set(i),
                None => self.apply(c, true),
            }
        }
        for (i, c) in new.iter().enumerate() {
            if !kept.get(i) {
                self.apply(c, false);
            }
        }
        self.flush();
    }
}

/// Which entries of a list are matched: a bit mask, or a vector for long lists.
enum Kept {
    Bits(u64),
    Flags(Vec<bool>),
}

impl Kept {
    fn new(len: usize) -> Kept {
        if len <= 64 { Kept::Bits(0) } else { Kept::Flags(vec![false; len]) }
    }

    fn get(&self, i: usize) -> bool {
        match self {
            Kept::Bits(b) => b >> i & 1 == 1,
            Kept::Flags(f) => f[i],
        }
    }

    fn set(&mut self, i: usize) {
        match self {
            Kept::Bits(b) => *b |= 1 << i,
            Kept::Flags(f) => f[i] = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stat::Stat;
    use crate::time::Window;

    fn window(n: usize, value: impl Fn(usize) -> f64) -> Vec<Contribution> {
        (0..n)
            .map(|i| Contribution::Window { t: 1_000 * i as i64, owner: 1, stat: Stat::LeadsCreated, value: value(i) })
            .collect()
    }

    fn total(a: &Aggregates) -> f64 {
        let mut t = Fixed::ZERO;
        a.windows.fold(Window::D90, 100_000, |_, _, v| t += v);
        t.to_f64()
    }

    #[test]
    fn replace_swaps_only_what_differs_in_short_and_long_lists() {
        for n in [3, 64, 65, 200] {
            let old = window(n, |_| 1.0);
            let new = window(n, |i| if i == n - 1 { 5.0 } else { 1.0 });
            let mut a = Aggregates::default();
            a.replace(&[], &old);
            a.replace(&old, &new);
            let mut b = Aggregates::default();
            b.replace(&[], &new);
            assert_eq!(total(&a), total(&b), "{n} contributions");
            assert_eq!(total(&a), (n - 1) as f64 + 5.0, "{n} contributions");
            a.replace(&new, &[]);
            assert_eq!(a.windows.entries(), 0, "{n} contributions: all retracted");
        }
    }
}

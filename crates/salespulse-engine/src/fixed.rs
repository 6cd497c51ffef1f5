//! Exact sums. Every additive value the aggregates and views hold is an integer number of
//! nano-units (1e-9 of a currency unit, a second, an event), so adding a set of values and
//! removing them again returns a sum to exactly what it was, in any order: a retraction
//! is exact, and the same state reads the same whatever order it was built in. Values are
//! `f64` only at the edges: a contribution's value is rounded to the nearest nano-unit
//! once when it is added, and a sum becomes an `f64` when it is read.
//!
//! Range: `i128` nano-units hold ±1.7e29. The decoder bounds an amount to 1e15 and a rate
//! to 1e9, so one converted amount is at most 1e24 and a sum of 100 000 of them still
//! fits. Arithmetic wraps: even past the range, subtracting what was added restores the
//! previous sum exactly.

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Nano-units per unit.
const SCALE: f64 = 1e9;

/// An exact additive value, in nano-units. Aligned to 4 bytes, not 16: a window cell
/// (a 12-byte key and this) takes 28 bytes instead of 32, a running total 32 instead of
/// 48.
#[repr(C, packed(4))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Fixed(i128);

impl Fixed {
    pub const ZERO: Fixed = Fixed(0);

    /// The nearest value to `v` (saturating beyond the range; NaN is zero).
    pub fn from_f64(v: f64) -> Fixed {
        #[allow(clippy::cast_possible_truncation, reason = "a saturating conversion is the intent")]
        Fixed((v * SCALE).round() as i128)
    }

    /// The nearest `f64`.
    pub fn to_f64(self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "reading a sum is where it rounds")]
        let v = self.0 as f64;
        v / SCALE
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl From<f64> for Fixed {
    fn from(v: f64) -> Fixed {
        Fixed::from_f64(v)
    }
}

impl Add for Fixed {
    type Output = Fixed;
    fn add(self, o: Fixed) -> Fixed {
        Fixed(self.0.wrapping_add(o.0))
    }
}

impl Sub for Fixed {
    type Output = Fixed;
    fn sub(self, o: Fixed) -> Fixed {
        Fixed(self.0.wrapping_sub(o.0))
    }
}

impl Neg for Fixed {
    type Output = Fixed;
    fn neg(self) -> Fixed {
        Fixed(self.0.wrapping_neg())
    }
}

impl AddAssign for Fixed {
    fn add_assign(&mut self, o: Fixed) {
        *self = *self + o;
    }
}

impl SubAssign for Fixed {
    fn sub_assign(&mut self, o: Fixed) {
        *self = *self - o;
    }
}

impl std::iter::Sum for Fixed {
    fn sum<I: Iterator<Item = Fixed>>(it: I) -> Fixed {
        it.fold(Fixed::ZERO, Add::add)
    }
}

/// Exact sums by key, in key order: how the aggregates are written in a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums<K: Ord>(pub BTreeMap<K, Fixed>);

impl<K: Ord + Serialize> Serialize for Sums<K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, K: Ord + Deserialize<'de>> Deserialize<'de> for Sums<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sums<K>, D::Error> {
        // Before format version 2, sums were `f64`: each is rounded to the nearest nano-unit.
        if crate::legacy::before(2) {
            let old = BTreeMap::<K, f64>::deserialize(d)?;
            Ok(Sums(old.into_iter().map(|(k, v)| (k, Fixed::from_f64(v))).collect()))
        } else {
            BTreeMap::deserialize(d).map(Sums)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decimals_read_back_as_the_nearest_f64() {
        for v in [0.0, 0.01, 0.1, 1234.56, -7.25, 123_456.789, 999_999_999_999.99, 1e15] {
            assert_eq!(Fixed::from_f64(v).to_f64(), v);
        }
        assert_eq!((Fixed::from(0.1) + Fixed::from(0.2)).to_f64(), 0.3, "unlike 0.1 + 0.2 in f64");
        assert_eq!(Fixed::from_f64(f64::NAN), Fixed::ZERO);
        assert_eq!(Fixed::from_f64(f64::INFINITY), Fixed(i128::MAX));
    }

    proptest! {
        /// Adding values then removing them, in any order, restores the sum exactly.
        #[test]
        fn a_retraction_is_exact(base in prop::collection::vec(-1e24..1e24f64, 0..20),
                                 extra in prop::collection::vec(-1e24..1e24f64, 1..20),
                                 rotate in 0..20usize) {
            let start: Fixed = base.iter().map(|&v| Fixed::from(v)).sum();
            let mut sum = start;
            for &v in &extra {
                sum += Fixed::from(v);
            }
            let mut undo = extra.clone();
            undo.rotate_left(rotate % extra.len());
            for v in undo {
                sum -= Fixed::from(v);
            }
            prop_assert_eq!(sum, start);
            prop_assert_eq!(sum.to_f64().to_bits(), start.to_f64().to_bits());
        }
    }
}

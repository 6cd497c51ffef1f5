//! Rules for values that the decoder shares with every other reader of the same kinds of
//! value (the configuration, the reference files): one definition of each. A refusal says
//! what is wrong with the value, e.g. `1.5 is outside 0..1`; the caller names the field.

/// A number in 0..=1: a probability, a margin.
pub fn unit_interval(v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) { Ok(v) } else { Err(format!("{v} is outside 0..1")) }
}

/// Largest amount in any currency: sums of many stay finite and exact to the cent.
pub const MAX_AMOUNT: f64 = 1e15;
/// Largest duration, in seconds (about 31 years).
pub const MAX_DURATION_S: f64 = 1e9;
/// Largest exchange rate (units of base currency per unit of another currency).
pub const MAX_RATE: f64 = 1e9;

/// An exchange rate: a number > 0 and at most [`MAX_RATE`].
pub fn rate(v: f64) -> Result<f64, String> {
    if v > 0.0 && v <= MAX_RATE { Ok(v) } else { Err(format!("{v} is not a number > 0 and <= {MAX_RATE:e}")) }
}

/// An amount of money: a number in 0..=[`MAX_AMOUNT`].
pub fn amount(v: f64) -> Result<f64, String> {
    if (0.0..=MAX_AMOUNT).contains(&v) { Ok(v) } else { Err(format!("{v} is outside 0..{MAX_AMOUNT:e}")) }
}

/// A duration in seconds: a number in 0..=[`MAX_DURATION_S`].
pub fn duration(v: f64) -> Result<f64, String> {
    if (0.0..=MAX_DURATION_S).contains(&v) { Ok(v) } else { Err(format!("{v} is outside 0..{MAX_DURATION_S:e}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_messages() {
        assert_eq!(unit_interval(0.0), Ok(0.0));
        assert_eq!(unit_interval(1.0), Ok(1.0));
        assert_eq!(unit_interval(1.5), Err("1.5 is outside 0..1".to_owned()));
        assert!(unit_interval(f64::NAN).is_err());
        assert_eq!(rate(0.9), Ok(0.9));
        for bad in [0.0, -1.0, 2e9, f64::INFINITY, f64::NAN] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        assert_eq!(amount(1e15), Ok(1e15));
        for bad in [-0.01, 1.7e308, f64::INFINITY, f64::NAN] {
            assert!(amount(bad).is_err(), "{bad}");
            assert!(duration(bad).is_err(), "{bad}");
        }
        assert_eq!(amount(0.0), Ok(0.0));
        assert_eq!(amount(-5.0), Err("-5 is outside 0..1e15".to_owned()));
    }
}

//! Rules for values that the decoder shares with every other reader of the same kinds of
//! value (the configuration, the reference files): one definition of each. A refusal says
//! what is wrong with the value, e.g. `1.5 is outside 0..1`; the caller names the field.

/// A number in 0..=1: a probability, a margin.
pub fn unit_interval(v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) { Ok(v) } else { Err(format!("{v} is outside 0..1")) }
}

/// An exchange rate: a finite number > 0.
pub fn rate(v: f64) -> Result<f64, String> {
    if v.is_finite() && v > 0.0 { Ok(v) } else { Err(format!("{v} is not a finite number > 0")) }
}

/// An amount or a duration: a finite number >= 0.
pub fn non_negative(v: f64) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 { Ok(v) } else { Err(format!("{v} is not a finite number >= 0")) }
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
        for bad in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        assert_eq!(non_negative(0.0), Ok(0.0));
        assert_eq!(non_negative(-5.0), Err("-5 is not a finite number >= 0".to_owned()));
        assert!(non_negative(f64::INFINITY).is_err());
    }
}

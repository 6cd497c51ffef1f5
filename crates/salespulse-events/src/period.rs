//! Quota and market-size periods: `2026-11` (month), `2026-Q4` (quarter), `2026` (year).
//!
//! The labels are fiscal: which calendar months a quarter or a year covers depends on the
//! configured fiscal-year start month, which the engine applies, not this crate.

use std::fmt;

/// A fiscal period as written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Period {
    /// A month, 1..=12.
    Month { year: i32, month: u8 },
    /// A quarter, 1..=4.
    Quarter { year: i32, quarter: u8 },
    /// A whole year.
    Year { year: i32 },
}

impl Period {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-Qn`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Period> {
        let (year, rest) = match text.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (text, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        match rest {
            None => Some(Period::Year { year }),
            Some(r) if r.len() == 2 && r.as_bytes()[0] == b'Q' => {
                let quarter = r[1..].parse::<u8>().ok().filter(|q| (1..=4).contains(q))?;
                Some(Period::Quarter { year, quarter })
            }
            Some(r) if r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit()) => {
                let month = r.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?;
                Some(Period::Month { year, month })
            }
            Some(_) => None,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Year { year } => write!(f, "{year:04}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms_and_round_trips() {
        for text in ["2026-11", "2026-Q4", "2026", "2027-01", "2025-Q1"] {
            let p = Period::parse(text).unwrap_or_else(|| panic!("{text} should parse"));
            assert_eq!(p.to_string(), text);
        }
        assert_eq!(Period::parse("2026-Q4"), Some(Period::Quarter { year: 2026, quarter: 4 }));
    }

    #[test]
    fn rejects_malformed_periods() {
        for text in ["", "26", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-1", "2026-q4", "2026-11-01", "abcd"] {
            assert_eq!(Period::parse(text), None, "{text:?} should not parse");
        }
    }
}

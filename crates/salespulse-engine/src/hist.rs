//! Log-bucket histograms for durations: mergeable, subtractable, bounded.
//!
//! Bucket 0 holds values <= 1 (seconds); bucket `i > 0` holds `(2^((i-1)/16), 2^(i/16)]`,
//! up to bucket [`MAX_BUCKET`] (about 2^31 s, beyond any window). A quantile is reported as
//! the geometric middle of the bucket that holds it (nearest-rank), so its relative error
//! is at most 2^(1/32) - 1, about 2.2%, for values above 1 s; values at or below 1 s read
//! as 0.5 s. Sums and counts are exact.

/// Buckets per doubling.
const PER_DOUBLING: f64 = 16.0;
/// The last bucket; larger values are clamped into it.
pub const MAX_BUCKET: u16 = 16 * 31;

/// The bucket of a non-negative value.
pub fn bucket(value: f64) -> u16 {
    if value <= 1.0 || value.is_nan() {
        return 0;
    }
    let i = (value.log2() * PER_DOUBLING).ceil();
    if i >= f64::from(MAX_BUCKET) { MAX_BUCKET } else { i.max(1.0) as u16 }
}

/// The value reported for a bucket.
pub fn representative(bucket: u16) -> f64 {
    if bucket == 0 { 0.5 } else { 2f64.powf((f64::from(bucket) - 0.5) / PER_DOUBLING) }
}

/// Nearest-rank quantile `q` (0..=1) of bucket counts sorted by bucket.
pub fn quantile(sorted: &[(u16, f64)], q: f64) -> Option<f64> {
    let total: f64 = sorted.iter().map(|(_, c)| c).sum();
    if total < 0.5 {
        return None;
    }
    let rank = (q * total).ceil().max(1.0);
    let mut seen = 0.0;
    for &(b, c) in sorted {
        seen += c;
        if seen + 1e-9 >= rank {
            return Some(representative(b));
        }
    }
    sorted.last().map(|&(b, _)| representative(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representative_is_within_the_documented_error() {
        let bound = 2f64.powf(1.0 / 32.0) - 1.0 + 1e-12;
        for v in [1.5, 2.0, 59.0, 300.0, 3600.0, 86_400.0, 7_776_000.0] {
            let r = representative(bucket(v));
            assert!(((r - v) / v).abs() <= bound, "{v} -> {r}");
        }
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(1e12), MAX_BUCKET);
    }

    #[test]
    fn nearest_rank() {
        let h = [(bucket(10.0), 1.0), (bucket(100.0), 2.0), (bucket(1000.0), 1.0)];
        let near = |a: f64, b: f64| ((a - b) / b).abs() < 0.03;
        assert!(near(quantile(&h, 0.5).unwrap(), 100.0));
        assert!(near(quantile(&h, 0.25).unwrap(), 10.0));
        assert!(near(quantile(&h, 0.9).unwrap(), 1000.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}

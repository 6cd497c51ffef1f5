//! Log-bucket histograms for durations: mergeable, subtractable, bounded.
//!
//! Bucket 0 holds values <= 1 (seconds); bucket `i > 0` holds `(2^((i-1)/16), 2^(i/16)]`,
//! up to bucket [`MAX_BUCKET`] (about 2^31 s, beyond any window). They are exported as
//! cumulative counts at a few bounds per KPI ([`cumulative`]): exact for every value at or
//! below a bound, and a value at most 4.4% above a bound may count at it. Sums and counts
//! are exact.

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
    #[allow(clippy::cast_possible_truncation, reason = "in 1..MAX_BUCKET here")]
    let bucket = if i >= f64::from(MAX_BUCKET) { MAX_BUCKET } else { i.max(1.0) as u16 };
    bucket
}

/// The lower edge of a bucket: values in it are above it (bucket 0: 0).
pub fn lower(bucket: u16) -> f64 {
    if bucket == 0 { 0.0 } else { 2f64.powf(f64::from(bucket - 1) / PER_DOUBLING) }
}

/// The cumulative count at upper bound `le` of bucket counts: every bucket whose lower
/// edge is below `le`. So every observation <= `le` is counted, and so are those at most
/// one bucket width (2^(1/16) - 1, 4.4%) above it.
pub fn cumulative(buckets: &[(u16, f64)], le: f64) -> f64 {
    buckets.iter().filter(|(b, _)| lower(*b) < le).map(|(_, c)| c).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_above_its_bucket_lower_edge_by_less_than_a_bucket() {
        let width = 2f64.powf(1.0 / PER_DOUBLING);
        for v in [1.5, 2.0, 59.0, 60.0, 300.0, 3600.0, 86_400.0, 7_776_000.0] {
            let lo = lower(bucket(v));
            assert!(lo < v && v <= lo * width * (1.0 + 1e-12), "{v}: lower edge {lo}");
        }
        assert_eq!((bucket(0.0), lower(0)), (0, 0.0));
        assert_eq!(bucket(1e12), MAX_BUCKET);
    }

    #[test]
    fn cumulative_counts_at_a_bound() {
        let h = [(bucket(10.0), 1.0), (bucket(300.0), 2.0), (bucket(310.0), 4.0), (bucket(1000.0), 1.0)];
        assert_eq!(cumulative(&h, 60.0), 1.0);
        assert_eq!(cumulative(&h, 300.0), 3.0, "a value at the bound counts");
        assert_eq!(cumulative(&h, 900.0), 7.0);
        assert_eq!(cumulative(&h, f64::INFINITY), 8.0);
        assert_eq!(cumulative(&[], 60.0), 0.0);
    }
}

//! Latency percentiles: Hyndman-Fan type 7 (linear interpolation between closest ranks), the
//! definition of numpy's default, R's `quantile(type = 7)` and the reference SDK.
//!
//! For sorted values `x[0..n]` and `p` in `[0, 1]`: `h = (n - 1) · p`, and the percentile is
//! `x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋])` (just `x[⌊h⌋]` when `h` is a whole number).
//! NaN, infinite and negative values are dropped first; the input need not be sorted.

use crate::pricing::round_half_away;
use crate::records::LatencySummary;

/// Decimals kept by [`latency_summary`]: 3, i.e. microsecond resolution on millisecond values.
pub const LATENCY_DECIMALS: usize = 3;

/// The usable values of `values` (finite and `>= 0`), sorted ascending.
fn clean_sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite() && *x >= 0.0).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Type-7 percentile of already cleaned and sorted values (`p` already checked).
fn type7(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p;
    let lo = (h.floor() as usize).min(last);
    let hi = (lo + 1).min(last);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// The `p`-quantile (`p` in `[0, 1]`, e.g. `0.95`) of `values` by type-7 interpolation,
/// unrounded. None when no usable value remains or `p` is outside `[0, 1]` or NaN.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    type7(&clean_sorted(values), p)
}

/// Several quantiles of the same values (sorted once), in the order of `ps`; None under the
/// same conditions as [`percentile`] (any `p` out of range makes the whole call None).
pub fn percentiles(values: &[f64], ps: &[f64]) -> Option<Vec<f64>> {
    if ps.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return None;
    }
    let sorted = clean_sorted(values);
    ps.iter().map(|p| type7(&sorted, *p)).collect()
}

/// p50/p95/p99 of `values` (milliseconds), each rounded to [`LATENCY_DECIMALS`] decimals half
/// away from zero; None when no usable value remains (empty, or only NaN/negative values).
pub fn latency_summary(values: &[f64]) -> Option<LatencySummary> {
    let q = percentiles(values, &[0.50, 0.95, 0.99])?;
    let r = |x: f64| round_half_away(x, LATENCY_DECIMALS);
    Some(LatencySummary { p50_ms: r(q[0]), p95_ms: r(q[1]), p99_ms: r(q[2]) })
}

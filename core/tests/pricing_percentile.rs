//! Hyndman-Fan type-7 percentiles: h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).

use patter_core::percentile::{latency_summary, percentile, percentiles};
use patter_core::records::LatencySummary;

fn summary(p50: f64, p95: f64, p99: f64) -> Option<LatencySummary> {
    Some(LatencySummary { p50_ms: p50, p95_ms: p95, p99_ms: p99 })
}

#[test]
fn empty_and_unusable_sets_give_none() {
    assert_eq!(latency_summary(&[]), None);
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(latency_summary(&[f64::NAN, -1.0, f64::INFINITY]), None);
}

#[test]
fn one_value_is_every_percentile() {
    // n = 1: h = 0 for every p
    assert_eq!(latency_summary(&[42.0]), summary(42.0, 42.0, 42.0));
    assert_eq!(percentile(&[42.0], 0.0), Some(42.0));
    assert_eq!(percentile(&[42.0], 1.0), Some(42.0));
}

#[test]
fn two_values_interpolate() {
    // sorted [10, 20], n − 1 = 1: p50 h=0.5 → 10 + 0.5×10 = 15; p95 h=0.95 → 19.5; p99 → 19.9
    assert_eq!(latency_summary(&[20.0, 10.0]), summary(15.0, 19.5, 19.9));
}

#[test]
fn ties() {
    assert_eq!(latency_summary(&[5.0, 5.0, 5.0, 5.0]), summary(5.0, 5.0, 5.0));
    // sorted [1, 3, 3, 3, 9]: p50 h=2 → 3; p95 h=3.8 → 3 + 0.8×6 = 7.8; p99 h=3.96 → 3 + 0.96×6 = 8.76
    assert_eq!(latency_summary(&[3.0, 9.0, 3.0, 1.0, 3.0]), summary(3.0, 7.8, 8.76));
}

#[test]
fn unsorted_input_and_extreme_p() {
    let v = [30.0, 10.0, 50.0, 20.0, 40.0]; // sorted [10, 20, 30, 40, 50], n − 1 = 4
    assert_eq!(percentile(&v, 0.0), Some(10.0)); // h = 0
    assert_eq!(percentile(&v, 1.0), Some(50.0)); // h = 4
    assert_eq!(percentile(&v, 0.25), Some(20.0)); // h = 1
    assert_eq!(percentile(&v, 0.5), Some(30.0)); // h = 2
                                                 // p95 h = 3.8 → 40 + 0.8×10 = 48; p99 h = 3.96 → 40 + 0.96×10 = 49.6
    assert_eq!(latency_summary(&v), summary(30.0, 48.0, 49.6));
    assert_eq!(percentiles(&v, &[0.0, 1.0]), Some(vec![10.0, 50.0]));
}

#[test]
fn matches_numpy_default_on_one_to_ten() {
    // numpy.percentile(range(1, 11), [50, 95, 99]) = [5.5, 9.55, 9.91]:
    // h = 9p → p50 4.5 → 5 + 0.5 = 5.5; p95 8.55 → 9 + 0.55 = 9.55; p99 8.91 → 9 + 0.91 = 9.91
    let v: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(latency_summary(&v), summary(5.5, 9.55, 9.91));
}

#[test]
fn nan_negative_and_infinite_values_are_dropped() {
    // usable: [100, 200] → p50 = 150
    let v = [f64::NAN, -1.0, 200.0, f64::INFINITY, 100.0];
    assert_eq!(percentile(&v, 0.5), Some(150.0));
}

#[test]
fn p_outside_zero_one_is_none() {
    for p in [-0.1, 1.5, f64::NAN, 95.0] {
        assert_eq!(percentile(&[1.0, 2.0], p), None, "p = {p}");
    }
    assert_eq!(percentiles(&[1.0, 2.0], &[0.5, 2.0]), None);
}

#[test]
fn summary_is_rounded_to_three_decimals_half_away_from_zero() {
    // sorted [0, 0.001]: p50 h=0.5 → 0.0005 → 0.001 (tie rounds away from zero);
    // p95 → 0.00095 → 0.001; p99 → 0.00099 → 0.001
    assert_eq!(latency_summary(&[0.001, 0.0]), summary(0.001, 0.001, 0.001));
    // sorted [100, 100.0004]: p50 → 100.0002 → 100.0; p99 → 100.000396 → 100.0
    assert_eq!(latency_summary(&[100.0, 100.0004]), summary(100.0, 100.0, 100.0));
    // unrounded percentile keeps the digits: sorted [0, 1], p = 0.123456 → 0.123456
    assert_eq!(percentile(&[0.0, 1.0], 0.123456), Some(0.123456));
}

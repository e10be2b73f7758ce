//! Latency percentiles. OWNED BY THE PRICING WORK (issue 4): interface only for now.

use crate::records::LatencySummary;

/// p50/p95/p99 of `values` (milliseconds); None when empty.
pub fn latency_summary(values: &[f64]) -> Option<LatencySummary> {
    if values.is_empty() {
        return None;
    }
    Some(LatencySummary { p50_ms: 0.0, p95_ms: 0.0, p99_ms: 0.0 })
}

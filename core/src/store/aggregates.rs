//! Aggregates over the ring: counts, cost totals, mean duration, latency percentiles.

use super::record::{Aggregates, CallRecord};
use crate::records::CostBreakdown;

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Computes [`Aggregates`] over `calls` (finished calls) with `active` calls in progress.
///
/// * costs: sums over calls that have a cost; `avg_cost` divides by those calls only;
/// * `avg_duration_ms`: mean over calls that have a duration (crashed calls have none);
/// * `latency`: `crate::percentile::latency_summary` (type 7) over each call's `p50_ms`.
pub fn compute<'a>(calls: impl Iterator<Item = &'a CallRecord>, active: usize) -> Aggregates {
    let (mut total, mut completed, mut failed, mut abandoned) = (0u64, 0u64, 0u64, 0u64);
    let mut sum = CostBreakdown::default();
    let mut priced = 0u64;
    let (mut dur_sum, mut dur_n) = (0f64, 0u64);
    let mut p50s = Vec::new();
    for c in calls {
        let s = &c.summary;
        total += 1;
        match s.status.as_str() {
            "completed" => completed += 1,
            "failed" => failed += 1,
            "abandoned" => abandoned += 1,
            _ => {}
        }
        if let Some(k) = &s.cost {
            priced += 1;
            sum.total += k.total;
            sum.telephony += k.telephony;
            sum.stt += k.stt;
            sum.tts += k.tts;
            sum.llm += k.llm;
            sum.realtime += k.realtime;
        }
        if let Some(d) = s.duration_ms {
            dur_sum += d as f64;
            dur_n += 1;
        }
        if let Some(l) = &s.latency {
            if l.p50_ms.is_finite() {
                p50s.push(l.p50_ms);
            }
        }
    }
    let cost_breakdown = CostBreakdown {
        total: round6(sum.total),
        telephony: round6(sum.telephony),
        stt: round6(sum.stt),
        tts: round6(sum.tts),
        llm: round6(sum.llm),
        realtime: round6(sum.realtime),
    };
    Aggregates {
        total_calls: total,
        completed,
        failed,
        abandoned,
        active_calls: active as u64,
        total_cost: cost_breakdown.total,
        avg_cost: if priced > 0 { round6(sum.total / priced as f64) } else { 0.0 },
        cost_breakdown,
        avg_duration_ms: if dur_n > 0 { Some((dur_sum / dur_n as f64 * 10.0).round() / 10.0) } else { None },
        latency: crate::percentile::latency_summary(&p50s),
    }
}

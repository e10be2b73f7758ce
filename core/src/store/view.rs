//! What a viewer of the store shows, computed once here for every front end (the `patter`
//! command line's text and the dashboard page's JSON): the stages of a turn and a call's turn
//! waterfall, cost split by category and by provider, and the calls over time (cost and time
//! to first byte per hour or day).

use super::record::{CallRecord, CallSummary};
use crate::clock::Timestamp;
use crate::records::{CostBreakdown, LatencySummary, TurnLatency};
use serde::Serialize;
use std::collections::BTreeMap;

/// One measured stage of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stage {
    /// `ttfb (heard)`, `endpoint`, `stt`, `llm ttft`, `llm total`, `tts first byte`.
    pub name: &'static str,
    /// Its duration in ms.
    pub ms: f64,
}

/// The measures of a turn, in the order they happen: the time to first byte the caller hears,
/// then the stages behind it (which overlap it and each other, so a viewer draws each from zero
/// on one scale rather than stacking them). Unmeasured, negative or non-finite values are left
/// out.
pub fn turn_stages(l: &TurnLatency) -> Vec<Stage> {
    [
        ("ttfb (heard)", l.ttfb_ms),
        ("endpoint", l.endpoint_ms),
        ("stt", l.stt_ms),
        ("llm ttft", l.llm_ttft_ms),
        ("llm total", l.llm_ms),
        ("tts first byte", l.tts_ttfb_ms),
    ]
    .into_iter()
    .filter_map(|(name, v)| v.filter(|v| v.is_finite() && *v >= 0.0).map(|ms| Stage { name, ms }))
    .collect()
}

/// One turn of a waterfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaterfallTurn {
    /// 1-based turn number.
    pub turn: u32,
    /// Whether the caller barged in.
    pub interrupted: bool,
    /// The time to first byte the caller heard, when measured.
    pub ttfb_ms: Option<f64>,
    /// The stages (see [`turn_stages`]).
    pub stages: Vec<Stage>,
}

/// A call's turns with their stages, all on one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waterfall {
    /// The longest stage of the call (at least 1 ms): the full width of a bar.
    pub scale_ms: f64,
    /// Turns that have a latency record, in transcript order.
    pub turns: Vec<WaterfallTurn>,
}

/// The turn waterfall of a call (from the latency of its transcript's assistant lines).
pub fn waterfall(rec: &CallRecord) -> Waterfall {
    let turns: Vec<WaterfallTurn> = rec
        .transcript
        .iter()
        .filter_map(|t| {
            t.latency.as_ref().map(|l| WaterfallTurn {
                turn: t.turn_index,
                interrupted: t.interrupted,
                ttfb_ms: l.ttfb_ms.filter(|v| v.is_finite() && *v >= 0.0),
                stages: turn_stages(l),
            })
        })
        .collect();
    let scale_ms = turns.iter().flat_map(|t| t.stages.iter().map(|s| s.ms)).fold(1.0_f64, f64::max);
    Waterfall { scale_ms, turns }
}

/// The cost categories, in display order.
pub const COST_CATEGORIES: [&str; 5] = ["telephony", "stt", "tts", "llm", "realtime"];

fn name_or_unknown(v: &Option<String>) -> String {
    v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into())
}

/// A call's cost split into `(category, provider key, USD)` for each category (provider keys
/// read `openai (llm)`, `twilio (telephony)`; `unknown` when the record names none).
pub fn cost_parts(c: &CallSummary, cost: &CostBreakdown) -> [(&'static str, String, f64); 5] {
    let a = &c.agent;
    [
        ("telephony", format!("{} (telephony)", name_or_unknown(&c.telephony_provider)), cost.telephony),
        ("stt", format!("{} (stt)", name_or_unknown(&a.stt_provider)), cost.stt),
        ("tts", format!("{} (tts)", name_or_unknown(&a.tts_provider)), cost.tts),
        ("llm", format!("{} (llm)", name_or_unknown(&a.llm_provider)), cost.llm),
        ("realtime", format!("{} (realtime)", name_or_unknown(&a.provider)), cost.realtime),
    ]
}

/// USD rounded to 6 decimals (what every front end prints).
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The most buckets a timeline holds (the newest are kept).
pub const MAX_BUCKETS: usize = 400;

/// One hour or day of calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimePoint {
    /// Start of the bucket: `2026-12-01` (days) or `2026-12-01T13:00Z` (hours), UTC.
    pub start: String,
    /// Calls started in it.
    pub calls: u64,
    /// Their cost by category (USD, 6 decimals).
    pub cost: CostBreakdown,
    /// Their cost by provider key (see [`cost_parts`]), only non-zero ones.
    pub by_provider: BTreeMap<String, f64>,
    /// Type-7 percentiles over the calls' median time to first byte (`latency.p50_ms`), None
    /// when no call of the bucket has one.
    pub ttfb: Option<LatencySummary>,
}

/// The calls over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// `hour` when the calls span at most two days, else `day`.
    pub bucket: &'static str,
    /// Consecutive buckets, oldest first (empty ones included, so the axis is to scale).
    pub points: Vec<TimePoint>,
    /// Every provider key that has a cost, largest total first.
    pub providers: Vec<String>,
}

const HOUR_NS: u64 = 3_600_000_000_000;
const DAY_NS: u64 = 24 * HOUR_NS;

#[derive(Default)]
struct Acc {
    calls: u64,
    cost: CostBreakdown,
    by_provider: BTreeMap<String, f64>,
    p50s: Vec<f64>,
}

/// Buckets `calls` by start time (see [`Timeline`]).
pub fn timeline<'a>(calls: impl Iterator<Item = &'a CallSummary>) -> Timeline {
    let calls: Vec<&CallSummary> = calls.collect();
    let (Some(lo), Some(hi)) = (calls.iter().map(|c| c.started_ns).min(), calls.iter().map(|c| c.started_ns).max())
    else {
        return Timeline { bucket: "day", points: Vec::new(), providers: Vec::new() };
    };
    let (bucket, width) = if hi - lo <= 2 * DAY_NS { ("hour", HOUR_NS) } else { ("day", DAY_NS) };
    let last = hi / width;
    let first = (lo / width).max(last.saturating_sub(MAX_BUCKETS as u64 - 1));
    let mut acc: Vec<Acc> = (first..=last).map(|_| Acc::default()).collect();
    let mut provider_totals: BTreeMap<String, f64> = BTreeMap::new();
    for c in calls {
        let b = c.started_ns / width;
        if b < first {
            continue;
        }
        let Some(a) = acc.get_mut((b - first) as usize) else { continue };
        a.calls += 1;
        if let Some(cost) = &c.cost {
            a.cost.total += cost.total;
            for (cat, provider, v) in cost_parts(c, cost) {
                match cat {
                    "telephony" => a.cost.telephony += v,
                    "stt" => a.cost.stt += v,
                    "tts" => a.cost.tts += v,
                    "llm" => a.cost.llm += v,
                    _ => a.cost.realtime += v,
                }
                if v > 0.0 {
                    *a.by_provider.entry(provider.clone()).or_default() += v;
                    *provider_totals.entry(provider).or_default() += v;
                }
            }
        }
        if let Some(p) = c.latency.map(|l| l.p50_ms).filter(|v| v.is_finite()) {
            a.p50s.push(p);
        }
    }
    let points = acc
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let start = Timestamp((first + i as u64) * width).to_iso8601();
            let start = match bucket {
                "day" => start.get(..10).unwrap_or(&start).to_string(),
                _ => format!("{}Z", start.get(..16).unwrap_or(&start)),
            };
            let c = a.cost;
            TimePoint {
                start,
                calls: a.calls,
                cost: CostBreakdown {
                    total: round6(c.total),
                    telephony: round6(c.telephony),
                    stt: round6(c.stt),
                    tts: round6(c.tts),
                    llm: round6(c.llm),
                    realtime: round6(c.realtime),
                },
                by_provider: a.by_provider.into_iter().map(|(k, v)| (k, round6(v))).collect(),
                ttfb: crate::percentile::latency_summary(&a.p50s),
            }
        })
        .collect();
    let mut providers: Vec<(String, f64)> = provider_totals.into_iter().collect();
    providers.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Timeline { bucket, points, providers: providers.into_iter().map(|(k, _)| k).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::AgentInfo;
    use crate::store::RecordSource;

    fn summary(id: &str, started_ns: u64, cost: f64, p50: f64) -> CallSummary {
        CallSummary {
            call_id: id.into(),
            direction: "inbound".into(),
            trace_id: None,
            started_at: Timestamp(started_ns).to_iso8601(),
            ended_at: None,
            duration_ms: Some(1000),
            status: "completed".into(),
            caller: None,
            callee: None,
            telephony_provider: Some("twilio".into()),
            provider_mode: "pipeline".into(),
            agent: AgentInfo { llm_provider: Some("openai".into()), ..AgentInfo::default() },
            turns: 1,
            cost: Some(CostBreakdown { total: cost * 2.0, telephony: cost, llm: cost, ..CostBreakdown::default() }),
            latency: Some(LatencySummary { p50_ms: p50, p95_ms: p50, p99_ms: p50 }),
            error: None,
            unpriced: Vec::new(),
            source: RecordSource::Disk,
            started_ns,
            order_ns: started_ns,
        }
    }

    #[test]
    fn stages_skip_what_was_not_measured() {
        let l =
            TurnLatency { ttfb_ms: Some(900.0), stt_ms: Some(f64::NAN), llm_ttft_ms: Some(-1.0), ..Default::default() };
        assert_eq!(turn_stages(&l), vec![Stage { name: "ttfb (heard)", ms: 900.0 }]);
    }

    #[test]
    fn timeline_buckets_by_day_with_empty_days_and_percentiles() {
        let d = DAY_NS;
        let calls = [
            summary("a", 10 * d + 5, 0.01, 100.0),
            summary("b", 10 * d + 9, 0.02, 300.0),
            summary("c", 13 * d, 0.5, 50.0),
        ];
        let t = timeline(calls.iter());
        assert_eq!(t.bucket, "day");
        assert_eq!(t.points.len(), 4);
        assert_eq!(t.points[0].start, "1970-01-11");
        assert_eq!(t.points[0].calls, 2);
        assert_eq!(t.points[0].cost.telephony, 0.03);
        assert_eq!(t.points[0].by_provider["openai (llm)"], 0.03);
        assert_eq!(t.points[0].ttfb.unwrap().p50_ms, 200.0);
        assert_eq!(t.points[1].calls, 0);
        assert!(t.points[1].ttfb.is_none());
        assert_eq!(t.providers[0], "openai (llm)");
    }

    #[test]
    fn timeline_uses_hours_for_a_short_span() {
        let calls = [summary("a", 5 * HOUR_NS, 0.01, 1.0), summary("b", 7 * HOUR_NS + 1, 0.01, 1.0)];
        let t = timeline(calls.iter());
        assert_eq!(t.bucket, "hour");
        assert_eq!(t.points.len(), 3);
        assert_eq!(t.points[0].start, "1970-01-01T05:00Z");
        assert!(timeline(std::iter::empty()).points.is_empty());
    }
}

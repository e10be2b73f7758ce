//! Text rendering of the `patter` command line: the call list, one call as a turn waterfall
//! with its cost and transcript, and cost totals.

use super::CostBy;
use crate::store::view::{self, round6};
use crate::store::{CallRecord, CallSummary};
use std::collections::BTreeMap;
use std::fmt::Write;

/// `2026-04-23T18:02:12.413Z` → `2026-04-23 18:02:12`.
fn when(iso: &str) -> String {
    iso.get(..19).map(|s| s.replace('T', " ")).unwrap_or_else(|| iso.to_string())
}

fn duration(ms: Option<u64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{}m {:02}s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// The call list, newest first.
pub(super) fn calls_table(calls: &[CallSummary]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<19}  {:>8}  {:<3}  {:<11}  {:>5}  {:>10}  {:>15}  CALL",
        "STARTED (UTC)", "DURATION", "DIR", "STATUS", "TURNS", "COST USD", "TTFB p50/p95 ms"
    );
    for c in calls {
        let dir = if c.direction == "outbound" { "out" } else { "in" };
        let cost = c.cost.as_ref().map(|c| format!("{:.6}", c.total)).unwrap_or_else(|| "-".into());
        let ttfb = c.latency.map(|l| format!("{:.0} / {:.0}", l.p50_ms, l.p95_ms)).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "{:<19}  {:>8}  {:<3}  {:<11}  {:>5}  {:>10}  {:>15}  {}",
            when(&c.started_at),
            duration(c.duration_ms),
            dir,
            c.status,
            c.turns,
            cost,
            ttfb,
            c.call_id
        );
    }
    if calls.is_empty() {
        s.push_str("(no calls)\n");
    }
    s
}

const BAR: usize = 40;

fn bar(offset: f64, len: f64, scale: f64) -> String {
    let start = ((offset / scale) * BAR as f64).round() as usize;
    let width = (((len / scale) * BAR as f64).round() as usize).max(1);
    let start = start.min(BAR - 1);
    let width = width.min(BAR - start);
    format!("{}{}{}", " ".repeat(start), "█".repeat(width), " ".repeat(BAR - start - width))
}

/// One call: header, cost, per-turn waterfall (where the time to first byte went), transcript,
/// events.
pub(super) fn call_detail(r: &CallRecord) -> String {
    let c = &r.summary;
    let mut s = String::new();
    let _ = writeln!(s, "call        {}", c.call_id);
    let _ = writeln!(
        s,
        "started     {} UTC   duration {}   {} {}   {}",
        when(&c.started_at),
        duration(c.duration_ms),
        c.direction,
        c.provider_mode,
        c.status
    );
    if let Some(t) = &c.trace_id {
        let _ = writeln!(s, "trace       {t}");
    }
    let who = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(s, "parties     {} → {}   via {}", who(&c.caller), who(&c.callee), who(&c.telephony_provider));
    let a = &c.agent;
    let _ = writeln!(
        s,
        "agent       stt {}  llm {} {}  tts {} {}",
        who(&a.stt_provider),
        who(&a.llm_provider),
        who(&a.model),
        who(&a.tts_provider),
        who(&a.voice)
    );
    if let Some(e) = &c.error {
        let _ = writeln!(s, "error       {e}");
    }
    if let Some(cost) = &c.cost {
        let _ = writeln!(
            s,
            "cost USD    {:.6} = telephony {:.6} + stt {:.6} + tts {:.6} + llm {:.6} + realtime {:.6}",
            cost.total, cost.telephony, cost.stt, cost.tts, cost.llm, cost.realtime
        );
    }
    if !c.unpriced.is_empty() {
        let _ = writeln!(s, "unpriced    {}", c.unpriced.join(", "));
    }
    if let Some(l) = c.latency {
        let _ = writeln!(s, "ttfb        p50 {:.0} ms   p95 {:.0} ms   p99 {:.0} ms", l.p50_ms, l.p95_ms, l.p99_ms);
    }

    // Waterfall: one block per turn that has latency, bars on one scale for the whole call.
    let w = view::waterfall(r);
    if !w.turns.is_empty() {
        let scale = w.scale_ms;
        let _ = writeln!(
            s,
            "\nturns (time to first byte and the stages behind it; bars from 0 on one scale, {scale:.0} ms wide)"
        );
        for t in &w.turns {
            let head = match t.ttfb_ms {
                Some(v) => format!("turn {}: ttfb {v:.0} ms", t.turn),
                None => format!("turn {}", t.turn),
            };
            let tail = if t.interrupted { "  (barge-in)" } else { "" };
            let _ = writeln!(s, "  {head}{tail}");
            for st in &t.stages {
                let _ = writeln!(s, "    {:<15}|{}| {:7.0} ms", st.name, bar(0.0, st.ms, scale), st.ms);
            }
        }
    }

    if !r.transcript.is_empty() {
        let _ = writeln!(s, "\ntranscript");
        for t in &r.transcript {
            let cut = if t.interrupted { "  [cut off]" } else { "" };
            let _ = writeln!(s, "  [{}] {:<9} {}{cut}", t.turn_index, t.role, t.text);
        }
    }
    if !r.events.is_empty() {
        let _ = writeln!(s, "\nevents");
        for e in &r.events {
            let ts = e.ts.as_deref().and_then(|t| t.get(11..23)).unwrap_or("-");
            let data = serde_json::Value::Object(e.data.clone());
            let _ = writeln!(s, "  {ts}  {:<10} {data}", e.kind);
        }
    }
    s
}

/// Cost totals grouped by `by`: (key, USD, calls), largest first (by day: oldest first).
pub(super) fn cost_rows(calls: &[CallSummary], by: CostBy) -> Vec<(String, f64, usize)> {
    let mut m: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    let mut add = |k: String, v: f64| {
        if v > 0.0 {
            let e = m.entry(k).or_default();
            e.0 += v;
            e.1 += 1;
        }
    };
    let name = |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "unknown".into());
    for c in calls {
        let Some(cost) = &c.cost else { continue };
        let a = &c.agent;
        match by {
            CostBy::Category => {
                for (k, _, v) in view::cost_parts(c, cost) {
                    add(k.into(), v);
                }
            }
            CostBy::Provider => {
                for (_, k, v) in view::cost_parts(c, cost) {
                    add(k, v);
                }
            }
            CostBy::Model => add(name(&a.model), cost.llm + cost.realtime),
            CostBy::Day => add(c.started_at.get(..10).unwrap_or("unknown").to_string(), cost.total),
        }
    }
    let mut rows: Vec<(String, f64, usize)> = m.into_iter().map(|(k, (v, n))| (k, round6(v), n)).collect();
    if by != CostBy::Day {
        rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    rows
}

/// The cost table with its total.
pub(super) fn cost_table(rows: &[(String, f64, usize)], by: CostBy, calls: usize) -> String {
    let head = match by {
        CostBy::Category => "CATEGORY",
        CostBy::Provider => "PROVIDER (CATEGORY)",
        CostBy::Model => "MODEL (LLM + REALTIME)",
        CostBy::Day => "DAY (UTC)",
    };
    let mut s = String::new();
    let _ = writeln!(s, "{head:<32}  {:>12}  {:>6}", "COST USD", "CALLS");
    let mut total = 0.0;
    for (k, v, n) in rows {
        total += v;
        let _ = writeln!(s, "{k:<32}  {v:>12.6}  {n:>6}");
    }
    let _ = writeln!(s, "{:<32}  {:>12.6}  {:>6}", "total", (total * 1e6).round() / 1e6, calls);
    s
}

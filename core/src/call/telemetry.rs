//! What a Call hands to the metrics and logs pipeline ([`crate::telemetry`]): measurements at
//! the moments they happen (token usage, LLM durations and TTFT, turn latencies, call outcome
//! and cost) and, when logs are on, its records as log records. Every function here is a no-op
//! costing one atomic load when metrics/logs are off, and never blocks.

use super::CallInner;
use crate::records::{CallEnd, EventLine, TranscriptLine, TurnLatency};
use crate::telemetry::metrics::LocalHist;
use crate::telemetry::{self as t, logs, Metric};
use opentelemetry::trace::SpanContext;
use std::sync::{Arc, Mutex, Weak};

/// A call's link to the metrics/logs pipeline, fixed at its start.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CallTelemetry {
    /// The state that counted the call as active (0: none).
    epoch: u64,
    trace_id: [u8; 16],
    span_id: [u8; 8],
}

impl CallTelemetry {
    /// Counts the call active and emits its `patter.call.start` record.
    pub(crate) fn start(start: &crate::records::CallStart, root: Option<&SpanContext>) -> CallTelemetry {
        let ct = CallTelemetry {
            epoch: t::call_started(start.direction.as_str(), &start.provider_mode),
            trace_id: root.map(|c| c.trace_id().to_bytes()).unwrap_or_default(),
            span_id: root.map(|c| c.span_id().to_bytes()).unwrap_or_default(),
        };
        t::emit_log(|cfg| logs::call_start(cfg, &ct.ctx(&start.call_id, &start.side), start));
        ct
    }

    fn ctx<'a>(&self, call_id: &'a str, side: &'a str) -> logs::Ctx<'a> {
        logs::Ctx { call_id, side, trace_id: self.trace_id, span_id: self.span_id }
    }
}

impl CallInner {
    fn log_ctx(&self) -> logs::Ctx<'_> {
        self.telemetry.ctx(&self.start.call_id, &self.start.side)
    }

    /// A turn closed: `patter.latency.ttfb` and `patter.latency.turn`.
    pub(crate) fn turn_metrics(&self, l: &TurnLatency) {
        if !t::metrics_on() {
            return;
        }
        let attrs = [self.start.direction.as_str(), self.start.provider_mode.as_str()];
        if let Some(v) = l.ttfb_ms {
            t::record(Metric::LatencyTtfb, &attrs, v);
        }
        if let Some(v) = l.turn_ms {
            t::record(Metric::LatencyTurn, &attrs, v);
        }
    }

    /// A transcript line, under the turn's span when it has one.
    pub(crate) fn transcript_log(&self, turn_span: Option<[u8; 8]>, line: &TranscriptLine) {
        t::emit_log(|cfg| {
            let mut ctx = self.log_ctx();
            if let Some(s) = turn_span {
                ctx.span_id = s;
            }
            logs::transcript(cfg, &ctx, line)
        });
    }

    /// An events.jsonl event.
    pub(crate) fn event_log(&self, ev: &EventLine) {
        t::emit_log(|cfg| logs::event(cfg, &self.log_ctx(), ev));
    }

    /// The call ended: `patter.calls`, `patter.calls.active`, `patter.call.cost` and the
    /// `patter.call.end` record.
    pub(crate) fn end_telemetry(&self, ledger: &super::ledger::Ledger, end: &CallEnd) {
        let (direction, mode) = (self.start.direction.as_str(), self.start.provider_mode.as_str());
        t::call_ended(self.telemetry.epoch, direction, mode, end.status.as_str(), || {
            let mut costs = ledger.priced_entries(&self.pricing, self.realtime_provider());
            let seconds = end.duration_ms as f64 / 1000.0;
            let mut meter = crate::pricing::CostMeter::new(self.pricing.clone());
            if let Some(tp) = &self.start.telephony_provider {
                costs.push(("telephony", tp.as_str(), None, meter.add_telephony(tp, self.start.direction, seconds)));
            }
            if let Some((p, m)) = &self.realtime {
                costs.push(("realtime", p.as_str(), m.as_deref(), meter.add_realtime(p, m.as_deref(), seconds / 60.0)));
            }
            costs
        });
        t::emit_log(|cfg| logs::call_end(cfg, &self.log_ctx(), &self.start, end));
    }
}

/// The measurements of a call's LLM iterations (`patter.llm.ttft`, `gen_ai.client.token.usage`,
/// `gen_ai.client.operation.duration`), gathered per provider and model under a lock of the
/// call's own and merged into the registry before each collection ([`t::Pending`]) and when
/// the call goes: an iteration's four measurements take no registry lock and find no series.
#[derive(Default)]
pub(crate) struct LlmSeries {
    /// The state the gathered measurements belong to, and where they are.
    block: Option<(u64, Arc<Mutex<LlmPending>>)>,
}

/// The measurements gathered since the last merge, per provider and model.
#[derive(Default)]
pub(crate) struct LlmPending {
    entries: Vec<LlmEntry>,
}

struct LlmEntry {
    provider: Box<str>,
    model: Option<Box<str>>,
    /// TTFT, input tokens, output tokens, duration.
    hists: [LocalHist; 4],
}

/// Provider/model pairs a call gathers measurements for; the rest go straight to the registry.
const LLM_SERIES: usize = 32;

const TTFT: usize = 0;
const INPUT: usize = 1;
const OUTPUT: usize = 2;
const DURATION: usize = 3;
/// The histogram of each of `LlmEntry::hists`.
const METRIC_OF: [Metric; 4] = [Metric::LlmTtft, Metric::TokenUsage, Metric::TokenUsage, Metric::OperationDuration];

/// The attribute values of measurement `slot` of (`provider`, `model`), in catalogue order.
fn values_of<'a>(slot: usize, provider: &'a str, model: &'a str) -> ([&'a str; 4], usize) {
    match slot {
        TTFT => ([provider, model, "", ""], 2),
        INPUT => (["chat", provider, model, "input"], 4),
        OUTPUT => (["chat", provider, model, "output"], 4),
        _ => {
            debug_assert_eq!(slot, DURATION);
            (["chat", provider, model, ""], 3)
        }
    }
}

impl LlmPending {
    /// The entry of (`provider`, `model`), made on first use; None once [`LLM_SERIES`] are kept.
    fn entry(&mut self, provider: &str, model: Option<&str>) -> Option<&mut LlmEntry> {
        let i = match self.entries.iter().position(|e| &*e.provider == provider && e.model.as_deref() == model) {
            Some(i) => i,
            None if self.entries.len() < LLM_SERIES => {
                self.entries.push(LlmEntry {
                    provider: provider.into(),
                    model: model.map(Into::into),
                    hists: METRIC_OF.map(LocalHist::new),
                });
                self.entries.len() - 1
            }
            None => return None,
        };
        Some(&mut self.entries[i])
    }

    fn merge_into(&mut self, registry: &crate::telemetry::metrics::Registry) {
        for e in &mut self.entries {
            let model = e.model.as_deref().unwrap_or("");
            for (slot, h) in e.hists.iter_mut().enumerate() {
                if h.count() > 0 {
                    let (values, n) = values_of(slot, &e.provider, model);
                    registry.merge(METRIC_OF[slot], &values[..n], h);
                    h.clear();
                }
            }
        }
    }
}

impl t::Pending for Mutex<LlmPending> {
    fn merge_into(&self, registry: &crate::telemetry::metrics::Registry) {
        self.lock().unwrap_or_else(|e| e.into_inner()).merge_into(registry);
    }
}

impl LlmSeries {
    /// Where measurements for state `epoch` are gathered: made and registered with that state
    /// on first use (measurements of an earlier state, whose collections have ended, are let
    /// go); None when `epoch` is no longer current.
    fn block(&mut self, epoch: u64) -> Option<&Mutex<LlmPending>> {
        if self.block.as_ref().map(|b| b.0) != Some(epoch) {
            let fresh = Arc::new(Mutex::new(LlmPending::default()));
            let weak: Weak<dyn t::Pending> = Arc::downgrade(&fresh) as Weak<Mutex<LlmPending>>;
            self.block = t::register_pending(epoch, weak).then_some((epoch, fresh));
        }
        self.block.as_ref().map(|(_, b)| &**b)
    }
}

impl Drop for LlmSeries {
    /// The call goes: what it gathered goes to the registry now (a lock another thread held at
    /// a `fork()` is not waited for).
    fn drop(&mut self) {
        if let Some((epoch, block)) = self.block.take() {
            if let Ok(mut p) = block.try_lock() {
                t::merge_now(epoch, |r| p.merge_into(r));
            }
        }
    }
}

/// A finished LLM iteration's measurements, each when known: `patter.llm.ttft` (ms),
/// `gen_ai.client.token.usage` (input, cached input included; output) and
/// `gen_ai.client.operation.duration` (`duration_ms`, recorded in seconds).
pub(crate) fn llm_iteration(
    series: &mut LlmSeries,
    provider: &str,
    model: Option<&str>,
    ttft_ms: Option<f64>,
    tokens: Option<(u64, u64)>,
    duration_ms: Option<f64>,
) {
    let Some(epoch) = t::metrics_epoch() else { return };
    let measured = [ttft_ms, tokens.map(|t| t.0 as f64), tokens.map(|t| t.1 as f64), duration_ms.map(|ms| ms / 1000.0)];
    // Gathered under the call's own lock; straight into the registry when the call keeps no
    // more pairs, or while the collector is merging this call's measurements.
    if let Some(mut pending) = series.block(epoch).and_then(|b| b.try_lock().ok()) {
        if let Some(e) = pending.entry(provider, model) {
            for (slot, v) in measured.into_iter().enumerate() {
                if let Some(v) = v {
                    e.hists[slot].add(METRIC_OF[slot], v);
                }
            }
            return;
        }
    }
    let model = model.unwrap_or("");
    for (slot, v) in measured.into_iter().enumerate() {
        if let Some(v) = v {
            let (values, n) = values_of(slot, provider, model);
            t::record(METRIC_OF[slot], &values[..n], v);
        }
    }
}

/// `patter.llm.ttft` of an LLM span's first token, through the call's series.
pub(crate) fn llm_ttft_in(series: &mut LlmSeries, provider: &str, model: Option<&str>, ms: f64) {
    llm_iteration(series, provider, model, Some(ms), None, None);
}

/// `gen_ai.client.token.usage` of an LLM span's usage report, through the call's series.
pub(crate) fn llm_tokens_in(series: &mut LlmSeries, provider: &str, model: Option<&str>, input: u64, output: u64) {
    llm_iteration(series, provider, model, None, Some((input, output)), None);
}

/// `gen_ai.client.operation.duration` of an LLM span's end (`ms`), through the call's series.
pub(crate) fn llm_duration_in(series: &mut LlmSeries, provider: &str, model: Option<&str>, ms: f64) {
    llm_iteration(series, provider, model, None, None, Some(ms));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Temporality;
    use crate::telemetry::metrics::Registry;

    /// Provider, model, TTFT, (input, output) tokens, duration.
    type Iteration<'a> = (&'a str, Option<&'a str>, Option<f64>, Option<(u64, u64)>, Option<f64>);

    #[test]
    fn gathered_iterations_merge_into_the_data_points_of_recording_each() {
        let iterations: [Iteration<'_>; 4] = [
            ("openai", Some("gpt-4o-mini"), Some(312.5), Some((412, 36)), Some(900.0)),
            ("openai", Some("gpt-4o-mini"), None, Some((0, 7)), Some(f64::NAN)),
            ("anthropic", None, Some(95.0), None, None),
            ("openai", Some("gpt-4o-mini"), Some(120.0), None, Some(450.0)),
        ];
        let (direct, merged) = (Registry::new(1), Registry::new(1));
        let mut pending = LlmPending::default();
        for (provider, model, ttft, tokens, duration) in iterations {
            let measured =
                [ttft, tokens.map(|t| t.0 as f64), tokens.map(|t| t.1 as f64), duration.map(|ms| ms / 1000.0)];
            let e = pending.entry(provider, model).unwrap();
            for (slot, v) in measured.into_iter().enumerate() {
                if let Some(v) = v {
                    e.hists[slot].add(METRIC_OF[slot], v);
                    let (values, n) = values_of(slot, provider, model.unwrap_or(""));
                    direct.record(METRIC_OF[slot], &values[..n], v);
                }
            }
        }
        assert_eq!(pending.entries.len(), 2);
        pending.merge_into(&merged);
        let (a, b) = (direct.collect(Temporality::Delta, 1, 2), merged.collect(Temporality::Delta, 1, 2));
        let names: Vec<&str> = a.iter().map(|d| d.info.name).collect();
        assert_eq!(names, ["gen_ai.client.token.usage", "gen_ai.client.operation.duration", "patter.llm.ttft"]);
        for (x, y) in a.iter().zip(&b) {
            let (mut px, mut py) = (x.points.clone(), y.points.clone());
            px.sort_by(|p, q| p.attributes.cmp(&q.attributes));
            py.sort_by(|p, q| p.attributes.cmp(&q.attributes));
            assert_eq!(px, py, "{}", x.info.name);
        }
        // Merged once: emptied.
        pending.merge_into(&merged);
        assert!(merged.collect(Temporality::Delta, 2, 3).is_empty());
    }

    #[test]
    fn a_call_keeps_at_most_llm_series_pairs() {
        let mut pending = LlmPending::default();
        for i in 0..LLM_SERIES {
            assert!(pending.entry("p", Some(&format!("m{i}"))).is_some());
        }
        assert!(pending.entry("p", Some("one-more")).is_none());
        assert!(pending.entry("p", Some("m3")).is_some(), "a kept pair is still found");
    }
}

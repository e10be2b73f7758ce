//! What a Call hands to the metrics and logs pipeline ([`crate::telemetry`]): measurements at
//! the moments they happen (token usage, LLM durations and TTFT, turn latencies, call outcome
//! and cost) and, when logs are on, its records as log records. Every function here is a no-op
//! costing one atomic load when metrics/logs are off, and never blocks.

use super::CallInner;
use crate::records::{CallEnd, EventLine, TranscriptLine, TurnLatency};
use crate::telemetry::{self as t, logs, Metric};
use opentelemetry::trace::SpanContext;

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

/// The metric series a call's LLM iterations go to, per provider and model (see
/// [`t::record_cached`]): an iteration records four measurements, and finding each series by
/// its attribute values again (hash, compare) was a fifth of a traced `record_llm`.
#[derive(Debug, Default)]
pub(crate) struct LlmSeries {
    entries: Vec<LlmSeriesEntry>,
}

#[derive(Debug)]
struct LlmSeriesEntry {
    provider: Box<str>,
    model: Option<Box<str>>,
    /// TTFT, input tokens, output tokens, duration.
    slots: [Option<t::Cached>; 4],
}

/// Provider/model pairs a call keeps series for; the rest are found by values each time.
const LLM_SERIES: usize = 32;

impl LlmSeries {
    /// The series slots of (`provider`, `model`) (TTFT, input tokens, output tokens, duration),
    /// made on first use; None once [`LLM_SERIES`] pairs are kept.
    fn slots(&mut self, provider: &str, model: Option<&str>) -> Option<&mut [Option<t::Cached>; 4]> {
        let i = match self.entries.iter().position(|e| &*e.provider == provider && e.model.as_deref() == model) {
            Some(i) => i,
            None if self.entries.len() < LLM_SERIES => {
                self.entries.push(LlmSeriesEntry {
                    provider: provider.into(),
                    model: model.map(Into::into),
                    slots: [None; 4],
                });
                self.entries.len() - 1
            }
            None => return None,
        };
        Some(&mut self.entries[i].slots)
    }
}

const TTFT: usize = 0;
const INPUT: usize = 1;
const OUTPUT: usize = 2;
const DURATION: usize = 3;

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
    if !t::metrics_on() {
        return;
    }
    let mut spare = [None; 4];
    let slots = series.slots(provider, model).unwrap_or(&mut spare);
    let m = model.unwrap_or("");
    if let Some(ms) = ttft_ms {
        t::record_cached(&mut slots[TTFT], Metric::LlmTtft, &[provider, m], ms);
    }
    if let Some((input, output)) = tokens {
        t::record_cached(&mut slots[INPUT], Metric::TokenUsage, &["chat", provider, m, "input"], input as f64);
        t::record_cached(&mut slots[OUTPUT], Metric::TokenUsage, &["chat", provider, m, "output"], output as f64);
    }
    if let Some(ms) = duration_ms {
        t::record_cached(&mut slots[DURATION], Metric::OperationDuration, &["chat", provider, m], ms / 1000.0);
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

//! A finished LLM iteration recorded in one call ([`Call::record_llm`]): the `getpatter.llm`
//! span, turn latencies, usage, cost and metrics that `llm()` + `first_token()` + `usage()` +
//! `end()` record, from the times the host measured. One crossing from a binding instead of
//! four or five, and one lock of the call instead of four.

use super::otel::{OtelSpan, Parent};
use super::span::{push_llm_start, LlmUsage, SpanKind};
use super::turn::{add_ms, round1};
use super::Call;
use crate::clock::Timestamp;
use crate::error::check_id;
use crate::rules;
use crate::tracing::names as n;
use crate::{PatterError, Result};
use opentelemetry::KeyValue;

/// What a finished LLM iteration reports besides its provider and duration (see
/// [`Call::record_llm`]). Every field may be omitted (`LlmRecord::default()`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LlmRecord<'a> {
    /// The requested model (`gen_ai.request.model`), as [`Call::llm`] takes it.
    pub model: Option<&'a str>,
    /// Messages sent (omitted: 0), as [`Call::llm`] takes it.
    pub history_size: Option<u64>,
    /// Milliseconds from the iteration's start to its first token: finite, `>= 0` and at most
    /// the duration (`getpatter.llm.ttft_ms`, what [`super::Span::first_token`] measures).
    pub ttft_ms: Option<f64>,
    /// Uncached input tokens (see [`super::Span::usage`]).
    pub input_tokens: Option<u64>,
    /// Output tokens.
    pub output_tokens: Option<u64>,
    /// Input tokens served from the provider's prompt cache.
    pub cached_input_tokens: Option<u64>,
}

impl LlmRecord<'_> {
    /// Whether the record reports usage: when any of the three counts is given (an omitted one
    /// then counts 0), as `usage(input, output, cached)` would.
    fn has_usage(&self) -> bool {
        self.input_tokens.is_some() || self.output_tokens.is_some() || self.cached_input_tokens.is_some()
    }
}

/// Milliseconds (finite, `>= 0`) as whole nanoseconds (saturating).
fn nanos(ms: f64) -> u64 {
    (ms * 1_000_000.0).round() as u64
}

impl Call {
    /// Records a finished LLM iteration (tool rounds included) in one call: the same
    /// `getpatter.llm` span, turn latencies, usage, cost and metrics as
    /// [`llm`](Self::llm) + [`first_token`](super::Span::first_token) +
    /// [`usage`](super::Span::usage) + [`end`](super::Span::end), with the times measured by
    /// the host. The span ends now (the call's clock) and started `duration_ms` (finite,
    /// `>= 0`) earlier, in the open turn (a turn opens at that start when none is open);
    /// `ttft_ms` places the first token; usage is reported when any token count is given.
    ///
    /// Every argument is checked before anything is recorded: a bad one, or usage that would
    /// take a call total past [`rules::MAX_COUNT`], is `InvalidArgument` and records nothing;
    /// an ended call is `State`.
    pub fn record_llm(&self, provider: &str, duration_ms: f64, r: LlmRecord<'_>) -> Result<()> {
        check_id("provider", provider)?;
        if let Some(m) = r.model {
            check_id("model", m)?;
        }
        let history_size = rules::count_or("history_size", r.history_size, 0)?;
        let duration_ms = rules::non_negative("duration_ms", duration_ms)?;
        let ttft_ms = match r.ttft_ms {
            None => None,
            Some(t) => {
                let t = rules::non_negative("ttft_ms", t)?;
                if t > duration_ms {
                    return Err(PatterError::invalid(
                        "ttft_ms",
                        format!("must be at most duration_ms ({}), got {}", rules::show(duration_ms), rules::show(t)),
                    ));
                }
                Some(t)
            }
        };
        let usage = if r.has_usage() {
            Some(LlmUsage::new(r.input_tokens.unwrap_or(0), r.output_tokens.unwrap_or(0), r.cached_input_tokens)?)
        } else {
            None
        };
        let inner = &*self.inner;
        let mut st = self.live()?;
        let totals = usage.as_ref().map(|u| u.totals(&st)).transpose()?;
        // The span's times, as the four calls would have read them from the clock (nothing
        // reads them when nothing consumes timings).
        let end = inner.now_if_timed();
        let start = Timestamp(end.0.saturating_sub(nanos(duration_ms)));
        let first = ttft_ms.filter(|_| inner.timed).map(|t| Timestamp(start.0.saturating_add(nanos(t)).min(end.0)));
        let turn = inner.ensure_turn(&mut st, start);
        turn.llm_iterations += 1;
        turn.agent_activity = true;
        let (number, iteration) = (turn.number, turn.llm_iterations);
        let ttft = first.map(|f| round1(f.millis_since(start)));
        if let Some(ttft) = ttft {
            if turn.latency.llm_ttft_ms.is_none() {
                turn.latency.llm_ttft_ms = Some(ttft);
            }
        }
        if let (Some(u), Some(totals)) = (&usage, totals) {
            u.apply(inner, &mut st, number, provider, r.model, totals);
        }
        let dur = end.millis_since(start);
        if inner.timed {
            if let Some(t) = st.turn.as_mut() {
                add_ms(&mut t.latency.llm_ms, dur);
            }
        }
        if let Some(queue) = inner.recorder {
            let provider_value = st.shared_value(provider);
            let model_value = r.model.map(|m| st.shared_value(m));
            let mut record = queue.record();
            let attrs = &mut record.attributes;
            inner.push_base_attrs(attrs, true);
            attrs.push(KeyValue::new(n::OPENINFERENCE_SPAN_KIND, SpanKind::Llm.openinference_kind()));
            push_llm_start(attrs, iteration, history_size, &provider_value, model_value.as_ref());
            if let Some(ttft) = ttft {
                attrs.push(KeyValue::new(n::LLM_TTFT_MS, ttft));
            }
            if let Some(u) = &usage {
                let usd = inner.llm_usd(&mut st, &provider_value, model_value.as_ref(), u);
                record.attributes.extend(u.attributes(usd));
            }
            if let Some(parent) = st.turn.as_ref().and_then(|t| t.otel.as_ref()) {
                let span =
                    OtelSpan::start(queue, record, inner.ids.as_ref(), n::SPAN_LLM, Parent::Local(parent), start);
                span.end(end);
            }
        }
        super::telemetry::llm_iteration(
            &mut st.llm_series,
            provider,
            r.model,
            ttft,
            usage.as_ref().map(|u| (u.input + u.cached, u.output)),
            inner.timed.then_some(dur),
        );
        drop(st);
        Ok(())
    }
}

//! Service spans of a call: stt, endpoint, llm, tts, bargein, tool.
//!
//! A [`Span`] is a handle the host ends when the work is done (dropping it ends it too).
//! Texts handed to a span go to the transcript or events on disk; the span itself only ever
//! gets their lengths.

use super::otel::{OtelSpan, Parent};
use super::turn::{add_ms, append_text, round1};
use super::{Call, CallInner, CallState};
use crate::clock::Timestamp;
use crate::error::check_text;
use crate::rules;
use crate::tracing::names as n;
use crate::{PatterError, Result};
use opentelemetry::trace::Status;
use opentelemetry::KeyValue;
use std::sync::Arc;

/// Which service a span measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// `getpatter.stt`
    Stt,
    /// `getpatter.endpoint`
    Endpoint,
    /// `getpatter.llm`
    Llm,
    /// `getpatter.tts`
    Tts,
    /// `getpatter.bargein`
    Bargein,
    /// `getpatter.tool`
    Tool,
}

impl SpanKind {
    /// Every kind, in the order of the catalogue.
    pub const ALL: [SpanKind; 6] =
        [SpanKind::Stt, SpanKind::Endpoint, SpanKind::Llm, SpanKind::Tts, SpanKind::Bargein, SpanKind::Tool];

    /// The kind as the API spells it (`span.kind` in every binding): `stt`, `endpoint`, `llm`,
    /// `tts`, `bargein`, `tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Stt => "stt",
            SpanKind::Endpoint => "endpoint",
            SpanKind::Llm => "llm",
            SpanKind::Tts => "tts",
            SpanKind::Bargein => "bargein",
            SpanKind::Tool => "tool",
        }
    }

    /// The span name.
    pub fn span_name(self) -> &'static str {
        match self {
            SpanKind::Stt => n::SPAN_STT,
            SpanKind::Endpoint => n::SPAN_ENDPOINT,
            SpanKind::Llm => n::SPAN_LLM,
            SpanKind::Tts => n::SPAN_TTS,
            SpanKind::Bargein => n::SPAN_BARGEIN,
            SpanKind::Tool => n::SPAN_TOOL,
        }
    }

    /// The `openinference.span.kind` GenAI backends classify the span by (OpenInference has
    /// no speech kind: speech stages are pipeline steps, `CHAIN`).
    pub fn openinference_kind(self) -> &'static str {
        match self {
            SpanKind::Llm => n::KIND_LLM,
            SpanKind::Tool => n::KIND_TOOL,
            SpanKind::Stt | SpanKind::Endpoint | SpanKind::Tts | SpanKind::Bargein => n::KIND_CHAIN,
        }
    }
}

/// A service span of a call. End it with [`end`](Span::end); dropping it ends it as well.
pub struct Span {
    call: Arc<CallInner>,
    kind: SpanKind,
    turn: u32,
    started_at: Timestamp,
    /// Slot of the recording span in the call's state (None when not recording or ended).
    otel: Option<usize>,
    /// The recording span's ids, for [`Span::traceparent`].
    ids: Option<(opentelemetry::trace::TraceId, opentelemetry::trace::SpanId, opentelemetry::trace::TraceFlags)>,
    ended: bool,
    /// Provider and model of STT and LLM spans (priced when usage arrives).
    provider: Option<opentelemetry::StringValue>,
    model: Option<opentelemetry::StringValue>,
    first_mark: Option<Timestamp>,
    detail: Detail,
}

enum Detail {
    None,
    Text(String),
    Tool(Box<ToolDetail>),
    Silence(Option<f64>),
}

/// What a tool span keeps for its `tool_result` event.
struct ToolDetail {
    name: String,
    result: Option<String>,
    error: Option<String>,
}

impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Span").field("kind", &self.kind).field("turn", &self.turn).field("ended", &self.ended).finish()
    }
}

/// Length in Unicode scalar values (what Python's `len` counts), with an ASCII fast path.
fn chars(s: &str) -> u64 {
    if s.is_ascii() {
        s.len() as u64
    } else {
        s.chars().count() as u64
    }
}

/// The OTel GenAI keys of a service span: operation, provider and (when given) model.
fn push_gen_ai(
    attrs: &mut Vec<KeyValue>,
    operation: &'static str,
    provider: &opentelemetry::StringValue,
    model: Option<&opentelemetry::StringValue>,
) {
    attrs.push(KeyValue::new(n::GEN_AI_OPERATION_NAME, operation));
    attrs.push(KeyValue::new(n::GEN_AI_PROVIDER_NAME, provider.clone()));
    if let Some(m) = model {
        attrs.push(KeyValue::new(n::GEN_AI_REQUEST_MODEL, m.clone()));
    }
}

/// The attributes an LLM span starts with after the base ones and its kind: iteration,
/// history size, provider and the GenAI keys.
pub(super) fn push_llm_start(
    attrs: &mut Vec<KeyValue>,
    iteration: u32,
    history_size: u64,
    provider: &opentelemetry::StringValue,
    model: Option<&opentelemetry::StringValue>,
) {
    attrs.push(KeyValue::new(n::LLM_ITERATION, iteration as i64));
    attrs.push(KeyValue::new(n::LLM_HISTORY_SIZE, history_size as i64));
    attrs.push(KeyValue::new(n::LLM_PROVIDER, provider.clone()));
    push_gen_ai(attrs, n::OPERATION_CHAT, provider, model);
}

/// One LLM usage report, its counts checked ([`rules::count`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct LlmUsage {
    pub(super) input: u64,
    pub(super) output: u64,
    pub(super) cached: u64,
}

impl LlmUsage {
    /// Checks the counts (`cached_input_tokens` omitted: 0).
    pub(super) fn new(input_tokens: u64, output_tokens: u64, cached_input_tokens: Option<u64>) -> Result<Self> {
        Ok(LlmUsage {
            input: rules::count("input_tokens", input_tokens)?,
            output: rules::count("output_tokens", output_tokens)?,
            cached: rules::count_or("cached_input_tokens", cached_input_tokens, 0)?,
        })
    }

    /// The call's totals with this report added, or `InvalidArgument` when one would pass
    /// [`rules::MAX_COUNT`] (then nothing may be recorded).
    pub(super) fn totals(&self, st: &CallState) -> Result<(u64, u64, u64)> {
        Ok((
            rules::add_count("input_tokens", st.usage.llm_input_tokens, self.input)?,
            rules::add_count("output_tokens", st.usage.llm_output_tokens, self.output)?,
            rules::add_count("cached_input_tokens", st.usage.llm_cached_input_tokens, self.cached)?,
        ))
    }

    /// Adds the report to the call (`totals` from [`totals`](Self::totals)) and, when turns
    /// keep costs, to turn `turn` if it is the open one.
    pub(super) fn apply(
        &self,
        call: &CallInner,
        st: &mut CallState,
        turn: u32,
        provider: &str,
        model: Option<&str>,
        totals: (u64, u64, u64),
    ) {
        st.ledger.add_llm(provider, model, self.input, self.output, self.cached);
        (st.usage.llm_input_tokens, st.usage.llm_output_tokens, st.usage.llm_cached_input_tokens) = totals;
        // A turn's totals are part of the call's, so they cannot pass the limit either.
        if let Some(t) = st.turn.as_mut().filter(|t| call.turn_costs() && t.number == turn) {
            t.ledger.add_llm(provider, model, self.input, self.output, self.cached);
            t.usage.llm_input_tokens += self.input;
            t.usage.llm_output_tokens += self.output;
            t.usage.llm_cached_input_tokens += self.cached;
        }
    }

    /// The span attributes of the report, its cost (`usd`) last. `gen_ai.usage.input_tokens`
    /// counts every input token, cached ones included (the OTel GenAI meaning); the cached
    /// part is `gen_ai.usage.cache_read.input_tokens`.
    pub(super) fn attributes(&self, usd: Option<f64>) -> impl Iterator<Item = KeyValue> {
        let cached =
            (self.cached > 0).then(|| KeyValue::new(n::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, self.cached as i64));
        [
            KeyValue::new(n::COST_LLM_INPUT_TOKENS, self.input as i64),
            KeyValue::new(n::COST_LLM_OUTPUT_TOKENS, self.output as i64),
            KeyValue::new(n::GEN_AI_USAGE_INPUT_TOKENS, (self.input + self.cached) as i64),
            KeyValue::new(n::GEN_AI_USAGE_OUTPUT_TOKENS, self.output as i64),
        ]
        .into_iter()
        .chain(cached)
        .chain(usd.map(|usd| KeyValue::new(n::COST_USD, usd)))
    }
}

fn wrong_kind(method: &'static str, kind: SpanKind, wanted: SpanKind) -> PatterError {
    PatterError::invalid("span", format!("{method}() is for {} spans, not {}", wanted.span_name(), kind.span_name()))
}

impl Span {
    fn open(
        call: &Call,
        kind: SpanKind,
        provider: &str,
        model: Option<&str>,
        history_size: u64,
        text: Option<&str>,
    ) -> Result<Span> {
        let inner = &call.inner;
        let mut st = call.live()?;
        let (provider_value, model_value) = if matches!(kind, SpanKind::Stt | SpanKind::Llm | SpanKind::Tts) {
            (Some(st.shared_value(provider)), model.map(|m| st.shared_value(m)))
        } else {
            (None, None)
        };
        let at = inner.now_if_timed();
        let turn = inner.ensure_turn(&mut st, at);
        let number = turn.number;
        // The span's record when recording; attributes go straight into it.
        let mut record = inner.recorder.map(|q| q.record());
        if let Some(r) = record.as_mut() {
            inner.push_base_attrs(
                &mut r.attributes,
                !matches!(kind, SpanKind::Endpoint | SpanKind::Bargein | SpanKind::Tool),
            );
            r.attributes.push(KeyValue::new(n::OPENINFERENCE_SPAN_KIND, kind.openinference_kind()));
        }
        let mut detail = Detail::None;
        match kind {
            SpanKind::Stt => {
                if let (Some(r), Some(v)) = (record.as_mut(), &provider_value) {
                    r.attributes.push(KeyValue::new(n::STT_PROVIDER, v.clone()));
                    push_gen_ai(&mut r.attributes, n::OPERATION_STT, v, model_value.as_ref());
                }
            }
            SpanKind::Llm => {
                turn.llm_iterations += 1;
                turn.agent_activity = true;
                let iteration = turn.llm_iterations;
                if let (Some(r), Some(v)) = (record.as_mut(), &provider_value) {
                    push_llm_start(&mut r.attributes, iteration, history_size, v, model_value.as_ref());
                }
            }
            SpanKind::Tts => {
                let text = text.unwrap_or("");
                let len = chars(text);
                let total = rules::add_count("text", st.usage.tts_chars, len)?;
                let turn = st.turn.as_mut().expect("turn just ensured");
                turn.agent_activity = true;
                if inner.records_turns {
                    append_text(&mut turn.agent_text, text);
                }
                if inner.turn_costs() {
                    turn.usage.tts_chars += len;
                    turn.ledger.add_tts(provider, model, len);
                }
                st.usage.tts_chars = total;
                st.ledger.add_tts(provider, model, len);
                if let (Some(r), Some(v)) = (record.as_mut(), &provider_value) {
                    let attrs = &mut r.attributes;
                    attrs.push(KeyValue::new(n::TTS_TEXT_LEN, len as i64));
                    attrs.push(KeyValue::new(n::COST_TTS_CHARS, len as i64));
                    attrs.push(KeyValue::new(n::TTS_PROVIDER, v.clone()));
                    push_gen_ai(attrs, n::OPERATION_TTS, v, model_value.as_ref());
                    if let Some(usd) = inner.span_usd(provider, |t| t.price_tts(provider, model, len)) {
                        attrs.push(KeyValue::new(n::COST_USD, usd));
                    }
                }
            }
            SpanKind::Bargein => {
                let text = text.unwrap_or("");
                if let Some(r) = record.as_mut() {
                    r.attributes.push(KeyValue::new(n::BARGEIN_CANCELLED_TEXT_LEN, chars(text) as i64));
                }
                turn.interrupted = true;
                if inner.records_turns {
                    detail = Detail::Text(text.to_string());
                }
            }
            SpanKind::Endpoint => detail = Detail::Silence(None),
            SpanKind::Tool => {}
        }
        let mut ids = None;
        let otel = match (inner.recorder, record, st.turn.as_ref().and_then(|t| t.otel.as_ref())) {
            (Some(queue), Some(record), Some(parent)) => {
                let o = OtelSpan::start(queue, record, inner.ids.as_ref(), kind.span_name(), Parent::Local(parent), at);
                let c = o.context();
                ids = Some((c.trace_id(), c.span_id(), c.trace_flags()));
                Some(st.park(o))
            }
            _ => None,
        };
        drop(st);
        Ok(Span {
            call: inner.clone(),
            kind,
            turn: number,
            started_at: at,
            otel,
            ids,
            ended: false,
            provider: provider_value,
            model: model_value,
            first_mark: None,
            detail,
        })
    }

    pub(crate) fn start(
        call: &Call,
        kind: SpanKind,
        provider: &str,
        model: Option<&str>,
        history_size: u64,
    ) -> Result<Span> {
        if let Some(m) = model {
            crate::error::check_id("model", m)?;
        }
        Self::open(call, kind, provider, model, history_size, None)
    }

    pub(crate) fn start_with_text(
        call: &Call,
        kind: SpanKind,
        provider: &str,
        model: Option<&str>,
        text: &str,
    ) -> Result<Span> {
        if let Some(m) = model {
            crate::error::check_id("model", m)?;
        }
        Self::open(call, kind, provider, model, 0, Some(text))
    }

    pub(crate) fn start_tool(call: &Call, name: &str, transport: &str) -> Result<Span> {
        let mut span = Self::open(call, SpanKind::Tool, "", None, 0, None)?;
        span.detail = Detail::Tool(Box::new(ToolDetail { name: name.to_string(), result: None, error: None }));
        if span.otel.is_some() {
            let name = opentelemetry::StringValue::from(name.to_string());
            span.set_attrs([
                KeyValue::new(n::TOOL_NAME, name.clone()),
                KeyValue::new(n::TOOL_TRANSPORT, transport.to_string()),
                KeyValue::new(n::GEN_AI_OPERATION_NAME, n::OPERATION_EXECUTE_TOOL),
                KeyValue::new(n::GEN_AI_TOOL_NAME, name),
            ]);
        }
        Ok(span)
    }

    /// The W3C `traceparent` header of this span, for the request it measures (an STT, LLM or
    /// TTS HTTP call, a tool's webhook) so the provider's spans join the call's trace. A span
    /// that is not recorded gives what [`Call::traceparent`] gives.
    pub fn traceparent(&self) -> Option<String> {
        match self.ids {
            Some((t, s, f)) => Some(crate::tracing::traceparent::format(&t.to_bytes(), &s.to_bytes(), f.to_u8())),
            None => self.call.traceparent.clone(),
        }
    }

    /// Barge-in: how much of the agent's audio the caller heard before talking over it
    /// (milliseconds; finite and `>= 0`). Sets `getpatter.bargein.audio_played_ms`.
    pub fn audio_played_ms(&mut self, ms: f64) -> Result<()> {
        self.check("audio_played_ms", SpanKind::Bargein)?;
        let ms = rules::non_negative("audio_played_ms", ms)?;
        self.set_attrs([KeyValue::new(n::BARGEIN_AUDIO_PLAYED_MS, ms)]);
        Ok(())
    }

    /// Tool: the id the model gave this tool call (e.g. `call_abc123`). Sets
    /// `gen_ai.tool.call.id`.
    pub fn tool_call_id(&mut self, id: &str) -> Result<()> {
        self.check("tool_call_id", SpanKind::Tool)?;
        crate::error::check_id("tool_call_id", id)?;
        self.set_attrs([KeyValue::new(n::GEN_AI_TOOL_CALL_ID, id.to_string())]);
        Ok(())
    }

    /// Which service this span measures.
    pub fn kind(&self) -> SpanKind {
        self.kind
    }

    /// The turn this span belongs to.
    pub fn turn(&self) -> u32 {
        self.turn
    }

    /// When the span started.
    pub fn started_at(&self) -> Timestamp {
        self.started_at
    }

    /// Whether the span has ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    fn set_attrs(&self, attrs: impl IntoIterator<Item = KeyValue>) {
        if let Some(slot) = self.otel {
            if let Some(o) = self.call.lock().open.get_mut(slot).and_then(Option::as_mut) {
                o.set_attributes(attrs);
            }
        }
    }

    fn provider_name(&self) -> &str {
        self.provider.as_ref().map_or("", |v| v.as_str())
    }

    fn model_name(&self) -> Option<&str> {
        self.model.as_ref().map(|v| v.as_str())
    }

    #[inline]
    fn check(&self, method: &'static str, wanted: SpanKind) -> Result<()> {
        if self.kind != wanted {
            return Err(wrong_kind(method, self.kind, wanted));
        }
        if self.ended {
            return Err(PatterError::State(format!("{method}(): the {} span has ended", self.kind.span_name())));
        }
        Ok(())
    }

    /// STT: the final transcript, the recogniser's confidence (omitted, or in `[0, 1]`) and the
    /// billed audio seconds (omitted: 0; else finite and `>= 0`). The text goes to
    /// transcript.jsonl; the span gets its length. A bad number is `InvalidArgument` (see
    /// [`crate::rules`]) and changes nothing.
    pub fn transcript(
        &mut self,
        text: &str,
        confidence: Option<f64>,
        audio_seconds: impl Into<Option<f64>>,
    ) -> Result<()> {
        self.check("transcript", SpanKind::Stt)?;
        check_text("text", text)?;
        let confidence = rules::confidence("confidence", confidence)?;
        let secs = rules::non_negative_or("audio_seconds", audio_seconds.into(), 0.0)?;
        let call = self.call.clone();
        let mut st = call.lock();
        if st.ended.is_some() {
            return Err(PatterError::State("the call has ended".into()));
        }
        let total = rules::add_seconds("audio_seconds", st.usage.stt_seconds, secs)?;
        let at = call.now_if_timed();
        let turn = call.ensure_turn(&mut st, at);
        if call.records_turns {
            append_text(&mut turn.user_text, text);
        }
        if call.turn_costs() {
            turn.usage.stt_seconds += secs;
            turn.ledger.add_stt(self.provider_name(), self.model_name(), secs);
        }
        st.usage.stt_seconds = total;
        st.ledger.add_stt(self.provider_name(), self.model_name(), secs);
        drop(st);
        if self.otel.is_some() {
            let confidence = confidence.map(|c| KeyValue::new(n::STT_CONFIDENCE, c));
            let (p, m) = (self.provider_name(), self.model_name());
            let usd = call.span_usd(p, |t| t.price_stt(p, m, secs)).map(|usd| KeyValue::new(n::COST_USD, usd));
            self.set_attrs(
                [KeyValue::new(n::STT_TEXT_LEN, chars(text) as i64), KeyValue::new(n::COST_STT_SECONDS, secs)]
                    .into_iter()
                    .chain(confidence)
                    .chain(usd),
            );
        }
        Ok(())
    }

    /// Endpoint: the trailing silence (ms; finite and `>= 0`) after which end-of-utterance was
    /// declared.
    pub fn silence_ms(&mut self, ms: f64) -> Result<()> {
        self.check("silence_ms", SpanKind::Endpoint)?;
        let ms = rules::non_negative("silence_ms", ms)?;
        self.detail = Detail::Silence(Some(ms));
        self.set_attrs([KeyValue::new(n::ENDPOINT_SILENCE_MS, ms)]);
        Ok(())
    }

    /// LLM: the first token arrived (later calls are ignored). Sets `getpatter.llm.ttft_ms`.
    pub fn first_token(&mut self) -> Result<()> {
        self.check("first_token", SpanKind::Llm)?;
        if self.first_mark.is_some() || !self.call.timed {
            return Ok(());
        }
        let at = self.call.now();
        self.first_mark = Some(at);
        let ttft = round1(at.millis_since(self.started_at));
        {
            let mut st = self.call.lock();
            if let Some(t) = st.turn.as_mut().filter(|t| t.number == self.turn) {
                if t.latency.llm_ttft_ms.is_none() {
                    t.latency.llm_ttft_ms = Some(ttft);
                }
            }
            if let Some(o) = self.otel.and_then(|slot| st.open.get_mut(slot)).and_then(Option::as_mut) {
                o.set_attribute(KeyValue::new(n::LLM_TTFT_MS, ttft));
            }
            super::telemetry::llm_ttft_in(&mut st.llm_series, self.provider_name(), self.model_name(), ttft);
        }
        Ok(())
    }

    /// LLM: token usage of this iteration (`input_tokens` excludes `cached_input_tokens`,
    /// omitted: 0). Each count is at most [`rules::MAX_COUNT`]; a report that would take one
    /// of the call's totals past it is `InvalidArgument` and changes nothing (totals never wrap).
    pub fn usage(
        &mut self,
        input_tokens: u64,
        output_tokens: u64,
        cached_input_tokens: impl Into<Option<u64>>,
    ) -> Result<()> {
        self.check("usage", SpanKind::Llm)?;
        let u = LlmUsage::new(input_tokens, output_tokens, cached_input_tokens.into())?;
        let call = &self.call;
        let (p, m) = (self.provider_name(), self.model_name());
        {
            let mut st = call.lock();
            let totals = u.totals(&st)?;
            u.apply(call, &mut st, self.turn, p, m, totals);
            if let (Some(slot), Some(pv)) = (self.otel, &self.provider) {
                let usd = call.llm_usd(&mut st, pv, self.model.as_ref(), &u);
                if let Some(o) = st.open.get_mut(slot).and_then(Option::as_mut) {
                    o.set_attributes(u.attributes(usd));
                }
            }
            super::telemetry::llm_tokens_in(&mut st.llm_series, p, m, u.input + u.cached, u.output);
        }
        Ok(())
    }

    /// TTS: the first audio byte of this sentence is out (later calls are ignored). The turn's
    /// first one sets the turn's TTFB.
    pub fn first_byte(&mut self) -> Result<()> {
        self.check("first_byte", SpanKind::Tts)?;
        if self.first_mark.is_some() || !self.call.timed {
            return Ok(());
        }
        let at = self.call.now();
        self.first_mark = Some(at);
        let mut st = self.call.lock();
        if let Some(t) = st.turn.as_mut().filter(|t| t.number == self.turn) {
            if t.first_audio.is_none() {
                t.latency.tts_ttfb_ms = Some(round1(at.millis_since(self.started_at)));
                t.mark_first_audio(at);
            }
        }
        Ok(())
    }

    /// Tool: the tool's result (goes to events.jsonl only).
    pub fn tool_result(&mut self, result: &str) -> Result<()> {
        self.check("tool_result", SpanKind::Tool)?;
        check_text("result", result)?;
        if let Detail::Tool(t) = &mut self.detail {
            t.result = Some(result.to_string());
        }
        Ok(())
    }

    /// Marks the span failed with an error code (the span gets an error status with the code;
    /// put no user content in it).
    pub fn fail(&mut self, code: &str) -> Result<()> {
        if self.ended {
            return Err(PatterError::State("fail(): the span has ended".into()));
        }
        crate::error::check_id("code", code)?;
        if let Detail::Tool(t) = &mut self.detail {
            t.error = Some(code.to_string());
        }
        if let Some(slot) = self.otel {
            if let Some(o) = self.call.lock().open.get_mut(slot).and_then(Option::as_mut) {
                o.set_status(Status::error(code.to_string()));
            }
        }
        Ok(())
    }

    /// Ends the span. Ending twice, or after the call ended (which already ended it), is a
    /// no-op.
    #[inline]
    pub fn end(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if !self.call.timed && self.kind != SpanKind::Bargein {
            return;
        }
        self.record_end();
    }

    /// The work of [`end`](Span::end) when something consumes it.
    fn record_end(&mut self) {
        let call = self.call.clone();
        let mut st = call.lock();
        let at = call.now_if_timed();
        if let Some(slot) = self.otel.take() {
            if let Some(o) = st.unpark(slot) {
                o.end(at);
            }
        }
        if st.ended.is_some() {
            return;
        }
        let dur = at.millis_since(self.started_at);
        let same_turn = st.turn.as_ref().map(|t| t.number) == Some(self.turn);
        match self.kind {
            SpanKind::Stt => {
                if let Some(t) = st.turn.as_mut().filter(|_| same_turn) {
                    t.last_stt_end = Some(at);
                    add_ms(&mut t.latency.stt_ms, dur);
                }
            }
            SpanKind::Endpoint => {
                if let Some(t) = st.turn.as_mut().filter(|_| same_turn) {
                    t.endpoint_start = Some(self.started_at);
                    if let Detail::Silence(Some(ms)) = self.detail {
                        t.latency.endpoint_ms = Some(round1(ms));
                    }
                }
            }
            SpanKind::Llm => {
                if let Some(t) = st.turn.as_mut().filter(|_| same_turn) {
                    add_ms(&mut t.latency.llm_ms, dur);
                }
                super::telemetry::llm_duration_in(&mut st.llm_series, self.provider_name(), self.model_name(), dur);
            }
            SpanKind::Tts => {}
            SpanKind::Bargein => {
                let cancelled = match &self.detail {
                    Detail::Text(s) => s.clone(),
                    _ => String::new(),
                };
                if let Some(t) = st.turn.as_mut().filter(|_| same_turn) {
                    t.interrupted = true;
                }
                if same_turn {
                    call.close_turn(&mut st, at);
                }
                drop(st);
                let mut data = serde_json::Map::new();
                data.insert("turn_index".into(), self.turn.into());
                data.insert("cancelled_text".into(), cancelled.into());
                data.insert("bargein_ms".into(), round1(dur).into());
                call.event("barge_in", self.started_at, data);
            }
            SpanKind::Tool => {
                drop(st);
                let mut data = serde_json::Map::new();
                if let Detail::Tool(t) = &mut self.detail {
                    data.insert("name".into(), std::mem::take(&mut t.name).into());
                    data.insert("result".into(), t.result.take().map(Into::into).unwrap_or(serde_json::Value::Null));
                    data.insert("error".into(), t.error.take().map(Into::into).unwrap_or(serde_json::Value::Null));
                }
                data.insert("turn_index".into(), self.turn.into());
                data.insert("duration_ms".into(), round1(dur).into());
                call.event("tool_result", at, data);
            }
        }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        self.end();
    }
}

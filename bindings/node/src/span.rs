//! Service spans of a call (stt, endpoint, llm, tts, bargein, tool).

use crate::error::{js_err, IntoJs, Result, INVALID_ARGUMENT};
use crate::util::{finite, to_u64};
use napi_derive::napi;
use patter_core::call::Span as CoreSpan;

/// Options of {@link Span.transcript}.
#[napi(object, object_to_js = false)]
pub struct TranscriptOptions {
    /// Recogniser confidence, 0..1.
    pub confidence: Option<f64>,
    /// Billed audio seconds (default 0).
    pub audio_seconds: Option<f64>,
}

/// A service span of a call. End it with `end()` when the work is done (a garbage-collected
/// span is ended too, but at an unknown time).
#[napi]
pub struct Span {
    inner: CoreSpan,
}

impl Span {
    pub(crate) fn new(inner: CoreSpan) -> Self {
        Span { inner }
    }
}

#[napi]
impl Span {
    /// Spans are started by the Call's methods (`call.llm(…)`, …), never with `new`.
    #[napi(constructor, catch_unwind, skip_typescript)]
    pub fn new_from_js() -> Result<Self> {
        Err(js_err(INVALID_ARGUMENT, "spans are started by a Call's methods (call.stt(), call.llm(), …), not with new"))
    }

    /// The span name (`getpatter.stt`, `getpatter.llm`, …).
    #[napi(getter, catch_unwind)]
    pub fn name(&self) -> &'static str {
        self.inner.kind().span_name()
    }

    /// The turn this span belongs to.
    #[napi(getter, catch_unwind)]
    pub fn turn(&self) -> u32 {
        self.inner.turn()
    }

    /// Whether the span has ended.
    #[napi(getter, catch_unwind)]
    pub fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// STT: the final transcript (to transcript.jsonl; the span gets its length), the
    /// recogniser's confidence and the billed audio seconds.
    #[napi(strict, catch_unwind)]
    pub fn transcript(&mut self, text: String, options: Option<TranscriptOptions>) -> Result<()> {
        let (confidence, secs) = match options {
            Some(o) => (o.confidence, o.audio_seconds),
            None => (None, None),
        };
        let confidence = confidence.map(|c| finite("confidence", c)).transpose()?;
        let secs = secs.map(|s| finite("audioSeconds", s)).transpose()?.unwrap_or(0.0);
        self.inner.transcript(&text, confidence, secs).js()
    }

    /// Endpoint: the trailing silence (ms) after which end-of-utterance was declared.
    #[napi(strict, catch_unwind)]
    pub fn silence_ms(&mut self, ms: f64) -> Result<()> {
        self.inner.silence_ms(ms).js()
    }

    /// LLM: the first token arrived (sets `getpatter.llm.ttft_ms`; later calls are ignored).
    #[napi(strict, catch_unwind)]
    pub fn first_token(&mut self) -> Result<()> {
        self.inner.first_token().js()
    }

    /// LLM: token usage of this iteration (`inputTokens` excludes `cachedInputTokens`).
    #[napi(strict, catch_unwind)]
    pub fn usage(&mut self, input_tokens: f64, output_tokens: f64, cached_input_tokens: Option<f64>) -> Result<()> {
        let i = to_u64("inputTokens", input_tokens)?;
        let o = to_u64("outputTokens", output_tokens)?;
        let c = cached_input_tokens.map(|c| to_u64("cachedInputTokens", c)).transpose()?.unwrap_or(0);
        self.inner.usage(i, o, c).js()
    }

    /// TTS: the first audio byte of this sentence is out (the turn's first sets its TTFB).
    #[napi(strict, catch_unwind)]
    pub fn first_byte(&mut self) -> Result<()> {
        self.inner.first_byte().js()
    }

    /// Tool: the tool's result (to events.jsonl only).
    #[napi(strict, catch_unwind)]
    pub fn tool_result(&mut self, result: String) -> Result<()> {
        self.inner.tool_result(&result).js()
    }

    /// Marks the span failed with an error code (no user content in it, please).
    #[napi(strict, catch_unwind)]
    pub fn fail(&mut self, code: String) -> Result<()> {
        self.inner.fail(&code).js()
    }

    /// Ends the span. Ending twice, or after the call ended, is a no-op.
    #[napi(strict, catch_unwind)]
    pub fn end(&mut self) {
        self.inner.end();
    }
}

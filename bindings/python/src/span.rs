//! `Span`: a service span of a call (stt, endpoint, llm, tts, bargein, tool) and a context
//! manager that ends it.

use crate::errors::IntoPyResult;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyType;

/// A service span of a call. End it with ``end()`` or use it as a context manager
/// (``with call.llm("openai") as llm: ...``); an exception escaping the block marks the span
/// failed with the exception's class name. Ending twice is a no-op.
#[pyclass(module = "patter._native")]
pub struct Span {
    inner: patter_core::call::Span,
}

impl Span {
    pub(crate) fn new(inner: patter_core::call::Span) -> Self {
        Span { inner }
    }
}

/// A Python int as a core count (the core's rule: `0..=MAX_COUNT`).
pub(crate) fn count(py: Python<'_>, name: &'static str, v: i64) -> PyResult<u64> {
    patter_core::rules::count_i64(name, v).py_err(py)
}

#[crate::args::name_arguments]
#[pymethods]
impl Span {
    /// ``stt``, ``endpoint``, ``llm``, ``tts``, ``bargein`` or ``tool``.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    /// The span name (``getpatter.stt`` …).
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.kind().span_name()
    }

    /// The 1-based turn this span belongs to.
    #[getter]
    fn turn(&self) -> u32 {
        self.inner.turn()
    }

    /// Whether the span has ended.
    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// STT: the final transcript (to disk only; the span gets its length), the recogniser's
    /// confidence (0..1) and the billed audio seconds.
    #[pyo3(signature = (text, confidence = None, audio_seconds = None))]
    fn transcript(
        &mut self,
        py: Python<'_>,
        text: PyBackedStr,
        confidence: Option<f64>,
        audio_seconds: Option<f64>,
    ) -> PyResult<()> {
        self.inner.transcript(&text, confidence, audio_seconds).py_err(py)
    }

    /// Endpoint: the trailing silence (ms) after which end-of-utterance was declared.
    fn silence_ms(&mut self, py: Python<'_>, ms: f64) -> PyResult<()> {
        self.inner.silence_ms(ms).py_err(py)
    }

    /// LLM: the first token arrived (sets ``getpatter.llm.ttft_ms``; later calls are ignored).
    fn first_token(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.first_token().py_err(py)
    }

    /// LLM: token usage of this iteration (``input_tokens`` excludes ``cached_input_tokens``).
    #[pyo3(signature = (input_tokens, output_tokens, cached_input_tokens = None))]
    fn usage(
        &mut self,
        py: Python<'_>,
        input_tokens: i64,
        output_tokens: i64,
        cached_input_tokens: Option<i64>,
    ) -> PyResult<()> {
        let (i, o, c) = (
            count(py, "input_tokens", input_tokens)?,
            count(py, "output_tokens", output_tokens)?,
            cached_input_tokens.map(|c| count(py, "cached_input_tokens", c)).transpose()?,
        );
        self.inner.usage(i, o, c).py_err(py)
    }

    /// TTS: the first audio byte of this sentence is out (the turn's first sets its TTFB).
    fn first_byte(&mut self, py: Python<'_>) -> PyResult<()> {
        self.inner.first_byte().py_err(py)
    }

    /// Tool: the tool's result (to events.jsonl only).
    fn tool_result(&mut self, py: Python<'_>, result: PyBackedStr) -> PyResult<()> {
        self.inner.tool_result(&result).py_err(py)
    }

    /// Barge-in: how much of the agent's audio the caller heard (ms; finite and >= 0).
    fn audio_played_ms(&mut self, py: Python<'_>, ms: f64) -> PyResult<()> {
        self.inner.audio_played_ms(ms).py_err(py)
    }

    /// Tool: the id the model gave this tool call (``gen_ai.tool.call.id``).
    fn tool_call_id(&mut self, py: Python<'_>, tool_call_id: PyBackedStr) -> PyResult<()> {
        self.inner.tool_call_id(&tool_call_id).py_err(py)
    }

    /// The W3C ``traceparent`` header of this span, for the request it measures; a span that is
    /// not recorded gives the call's ``traceparent()``.
    fn traceparent(&self) -> Option<String> {
        self.inner.traceparent()
    }

    /// Marks the span failed with an error code (no user content in it, please).
    fn fail(&mut self, py: Python<'_>, code: PyBackedStr) -> PyResult<()> {
        self.inner.fail(&code).py_err(py)
    }

    /// Ends the span (a no-op when it has ended).
    fn end(&mut self) {
        self.inner.end();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &mut self,
        exc_type: Option<&Bound<'_, PyType>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        if let Some(t) = exc_type {
            if !self.inner.is_ended() {
                let code = t.name().map(|n| n.to_string()).unwrap_or_else(|_| "exception".into());
                let _ = self.inner.fail(&code);
            }
        }
        self.inner.end();
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "<patter.Span {} turn={}{}>",
            self.inner.kind().span_name(),
            self.inner.turn(),
            if self.inner.is_ended() { " ended" } else { "" }
        )
    }
}

//! `Call`: one phone call, a thin wrapper over `patter_core::call::Call`.

use crate::calllog::CallLogger;
use crate::clock::{ManualClock, SequentialIds};
use crate::convert::{dict_to_map, py_to_json, record_to_py};
use crate::errors::IntoPyResult;
use crate::pricing::Pricing;
use crate::span::Span;
use crate::store::MetricsStore;
use patter_core::call::{CallOptions, CallOutcome, LlmRecord};
use patter_core::records::{AgentInfo, Direction};
use patter_core::tracing::traceparent::HostContext;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyString};

/// A live phone call. Everything the agent reports about the call goes through it; the core
/// turns it into spans (``getpatter.call`` > ``getpatter.turn`` > service spans), the call
/// record on disk and the cost meter.
///
/// Use it as a context manager (``with patter.Call(...) as call:``): the block binds it as
/// the current call (see ``patter.current_call``) and ends it on exit, as failed if an
/// exception escapes.
#[pyclass(module = "patter._native", subclass, weakref, frozen)]
pub struct Call {
    pub(crate) inner: patter_core::call::Call,
}

fn agent_from_dict(py: Python<'_>, agent: Option<&Bound<'_, PyAny>>) -> PyResult<AgentInfo> {
    let mut info = AgentInfo::default();
    let Some(agent) = agent.filter(|a| !a.is_none()) else { return Ok(info) };
    let d = agent.cast::<PyDict>().map_err(|_| pyo3::exceptions::PyTypeError::new_err("agent must be a dict"))?;
    for (k, v) in d.iter() {
        let key: String = k.extract().map_err(|_| pyo3::exceptions::PyTypeError::new_err("agent keys must be str"))?;
        let value: Option<String> = if v.is_none() {
            None
        } else {
            Some(
                v.cast::<PyString>()
                    .map_err(|_| {
                        pyo3::exceptions::PyTypeError::new_err(format!("agent[{key:?}] must be a str or None"))
                    })?
                    .to_cow()?
                    .into_owned(),
            )
        };
        info.set(&key, value).py_err(py)?;
    }
    Ok(info)
}

/// The host's current OpenTelemetry span context, when `opentelemetry.trace` is loaded (a host
/// that never imported it has no current span): its ids, flags and tracestate as the API holds
/// them. The core decides whether they make a parent. Nothing here ever fails a call.
fn host_context(py: Python<'_>) -> Option<HostContext> {
    let modules = py.import("sys").ok()?.getattr("modules").ok()?;
    let trace = modules.cast::<PyDict>().ok()?.get_item("opentelemetry.trace").ok()??;
    let ctx = trace.call_method0("get_current_span").ok()?.call_method0("get_span_context").ok()?;
    let trace_id: u128 = ctx.getattr("trace_id").ok()?.extract().ok()?;
    let span_id: u64 = ctx.getattr("span_id").ok()?.extract().ok()?;
    let flags: u32 = ctx.getattr("trace_flags").ok()?.extract().ok()?;
    let tracestate: Option<String> =
        ctx.getattr("trace_state").ok().and_then(|t| t.call_method0("to_header").ok()).and_then(|h| h.extract().ok());
    Some(HostContext::from_ints(trace_id, span_id, flags, tracestate))
}

fn owned(s: Option<PyBackedStr>) -> Option<String> {
    s.map(|s| s.to_string())
}

#[crate::args::name_arguments]
#[pymethods]
impl Call {
    /// Starts a call: opens the root ``getpatter.call`` span (when tracing records), writes the
    /// initial call record (when persistence is on), registers it in ``store`` and starts the
    /// cost meter. ``logger`` defaults to the process logger (``PATTER_LOG_DIR``), ``pricing``
    /// to the process table.
    #[new]
    #[pyo3(signature = (
        call_id, *, direction, provider_mode, side = None, caller = None, callee = None,
        telephony_provider = None, realtime_provider = None, realtime_model = None, agent = None,
        logger = None, store = None, pricing = None, clock = None, ids = None, traceparent = None,
        tracestate = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        call_id: PyBackedStr,
        direction: PyBackedStr,
        provider_mode: PyBackedStr,
        side: Option<PyBackedStr>,
        caller: Option<PyBackedStr>,
        callee: Option<PyBackedStr>,
        telephony_provider: Option<PyBackedStr>,
        realtime_provider: Option<PyBackedStr>,
        realtime_model: Option<PyBackedStr>,
        agent: Option<&Bound<'_, PyAny>>,
        logger: Option<PyRef<'_, CallLogger>>,
        store: Option<PyRef<'_, MetricsStore>>,
        pricing: Option<PyRef<'_, Pricing>>,
        clock: Option<PyRef<'_, ManualClock>>,
        ids: Option<PyRef<'_, SequentialIds>>,
        traceparent: Option<PyBackedStr>,
        tracestate: Option<PyBackedStr>,
    ) -> PyResult<Self> {
        let direction = Direction::parse(&direction).py_err(py)?;
        let mut opts = CallOptions::new(call_id.to_string(), direction, provider_mode.to_string());
        opts.side = owned(side);
        opts.caller = owned(caller);
        opts.callee = owned(callee);
        opts.telephony_provider = owned(telephony_provider);
        opts.realtime_provider = owned(realtime_provider);
        opts.realtime_model = owned(realtime_model);
        opts.agent = agent_from_dict(py, agent)?;
        opts.logger = logger.map(|l| l.inner.clone());
        opts.store = store.map(|s| s.inner.clone());
        opts.pricing = pricing.map(|p| p.inner.clone());
        if let Some(c) = clock {
            opts.clock = Some(c.inner.clone());
        }
        if let Some(i) = ids {
            opts.ids = Some(i.inner.clone());
        }
        opts.traceparent = owned(traceparent);
        opts.tracestate = owned(tracestate);
        opts.host_context = host_context(py);
        let inner = patter_core::call::Call::start(opts).py_err(py)?;
        Ok(Call { inner })
    }

    /// The call id, verbatim.
    #[getter]
    fn call_id(&self) -> &str {
        self.inner.call_id()
    }

    /// The side stamped on this call's cost/latency spans (``"uut"`` unless set).
    #[getter]
    fn side(&self) -> &str {
        self.inner.side()
    }

    /// Hex trace id of the call's trace, or None when spans are not recorded.
    #[getter]
    fn trace_id(&self) -> Option<&str> {
        self.inner.trace_id()
    }

    /// The W3C ``traceparent`` header of the call span, for outgoing requests (STT, LLM, TTS
    /// HTTP calls) so providers' spans join the call's trace. When the call records no spans
    /// (tracing off, or a parent that is not sampled): the parent's header, or None.
    fn traceparent(&self) -> Option<&str> {
        self.inner.traceparent()
    }

    /// Whether this call records spans (decided when it started).
    #[getter]
    fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// Whether the call has ended.
    #[getter]
    fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// The number of the open turn, or None.
    #[getter]
    fn current_turn(&self) -> Option<u32> {
        self.inner.current_turn()
    }

    /// Starts a new turn (ending the open one) and returns its 1-based number. Optional:
    /// service spans started with no open turn open one.
    fn start_turn(&self, py: Python<'_>) -> PyResult<u32> {
        self.inner.start_turn().py_err(py)
    }

    /// Ends the open turn (no-op when none is open) and writes its transcript lines.
    fn end_turn(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.end_turn().py_err(py)
    }

    /// Starts a ``getpatter.stt`` span (one per final transcript); report the transcript with
    /// ``span.transcript(text, confidence, audio_seconds)``.
    #[pyo3(signature = (provider, model = None))]
    fn stt(&self, py: Python<'_>, provider: PyBackedStr, model: Option<PyBackedStr>) -> PyResult<Span> {
        Ok(Span::new(self.inner.stt(&provider, model.as_deref()).py_err(py)?))
    }

    /// Starts a ``getpatter.endpoint`` span; its start is when the user stopped speaking.
    fn endpoint(&self, py: Python<'_>) -> PyResult<Span> {
        Ok(Span::new(self.inner.endpoint().py_err(py)?))
    }

    /// Starts a ``getpatter.llm`` span: one per LLM iteration, tool rounds included.
    #[pyo3(signature = (provider, model = None, history_size = None))]
    fn llm(
        &self,
        py: Python<'_>,
        provider: PyBackedStr,
        model: Option<PyBackedStr>,
        history_size: Option<i64>,
    ) -> PyResult<Span> {
        let history_size = history_size.map(|h| crate::span::count(py, "history_size", h)).transpose()?;
        Ok(Span::new(self.inner.llm(&provider, model.as_deref(), history_size).py_err(py)?))
    }

    /// Records a finished LLM iteration in one call: the ``getpatter.llm`` span (and turn
    /// latencies, usage, cost) that ``llm()`` + ``first_token()`` + ``usage()`` + ``end()``
    /// record. It ends now and started ``duration_ms`` earlier; ``ttft_ms`` places the first
    /// token; usage is reported when any token count is given.
    #[pyo3(signature = (
        provider, duration_ms, model = None, history_size = None, ttft_ms = None, input_tokens = None,
        output_tokens = None, cached_input_tokens = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn record_llm(
        &self,
        py: Python<'_>,
        provider: PyBackedStr,
        duration_ms: f64,
        model: Option<PyBackedStr>,
        history_size: Option<i64>,
        ttft_ms: Option<f64>,
        input_tokens: Option<i64>,
        output_tokens: Option<i64>,
        cached_input_tokens: Option<i64>,
    ) -> PyResult<()> {
        let count = |name, v: Option<i64>| v.map(|v| crate::span::count(py, name, v)).transpose();
        let record = LlmRecord {
            model: model.as_deref(),
            history_size: count("history_size", history_size)?,
            ttft_ms,
            input_tokens: count("input_tokens", input_tokens)?,
            output_tokens: count("output_tokens", output_tokens)?,
            cached_input_tokens: count("cached_input_tokens", cached_input_tokens)?,
        };
        self.inner.record_llm(&provider, duration_ms, record).py_err(py)
    }

    /// Starts a ``getpatter.tts`` span for one sentence. ``text`` goes to the transcript on
    /// disk; the span only gets its length.
    #[pyo3(signature = (provider, text, model = None))]
    fn tts(
        &self,
        py: Python<'_>,
        provider: PyBackedStr,
        text: PyBackedStr,
        model: Option<PyBackedStr>,
    ) -> PyResult<Span> {
        Ok(Span::new(self.inner.tts(&provider, &text, model.as_deref()).py_err(py)?))
    }

    /// Starts a ``getpatter.bargein`` span: the caller talked over the agent. Ending it (when
    /// the agent's audio stopped) ends the turn as interrupted.
    /// ``audio_played_ms``: how much of the agent's audio the caller heard, when known.
    #[pyo3(signature = (cancelled_text = None, audio_played_ms = None))]
    fn bargein(
        &self,
        py: Python<'_>,
        cancelled_text: Option<PyBackedStr>,
        audio_played_ms: Option<f64>,
    ) -> PyResult<Span> {
        Ok(Span::new(self.inner.bargein_with(cancelled_text.as_deref(), audio_played_ms).py_err(py)?))
    }

    /// Starts a ``getpatter.tool`` span. ``arguments`` (a str, or any JSON-compatible value)
    /// goes to events.jsonl only, never to the span. ``tool_call_id``: the id the model gave the
    /// call (``gen_ai.tool.call.id``).
    #[pyo3(signature = (name, transport = None, arguments = None, tool_call_id = None))]
    fn tool(
        &self,
        py: Python<'_>,
        name: PyBackedStr,
        transport: Option<PyBackedStr>,
        arguments: Option<&Bound<'_, PyAny>>,
        tool_call_id: Option<PyBackedStr>,
    ) -> PyResult<Span> {
        let args = json_text(py, "arguments", arguments)?;
        let span =
            self.inner.tool_with(&name, transport.as_deref(), args.as_deref(), tool_call_id.as_deref()).py_err(py)?;
        Ok(Span::new(span))
    }

    /// Records an ``error`` event. With ``fatal=True`` the code becomes the call's error even
    /// if it later ends normally.
    #[pyo3(signature = (code, message = None, fatal = None))]
    fn error(
        &self,
        py: Python<'_>,
        code: PyBackedStr,
        message: Option<PyBackedStr>,
        fatal: Option<bool>,
    ) -> PyResult<()> {
        self.inner.error(&code, message.as_deref(), fatal).py_err(py)
    }

    /// Records a custom operational event in events.jsonl (``data``: a JSON-compatible dict;
    /// it never becomes a span attribute).
    #[pyo3(signature = (kind, data = None))]
    fn event(&self, py: Python<'_>, kind: PyBackedStr, data: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let map = match data.filter(|d| !d.is_none()) {
            None => serde_json::Map::new(),
            Some(d) => {
                let d =
                    d.cast::<PyDict>().map_err(|_| pyo3::exceptions::PyTypeError::new_err("data must be a dict"))?;
                dict_to_map(py, "data", d, 0)?
            }
        };
        self.inner.event(&kind, map).py_err(py)
    }

    /// The cost accumulated so far, in USD by category (``total``, ``telephony``, ``stt``,
    /// ``tts``, ``llm``, ``realtime``).
    fn cost<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        record_to_py(py, &self.inner.cost())
    }

    /// Usage accumulated so far (``stt_seconds``, ``tts_chars``, LLM tokens).
    fn usage<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        record_to_py(py, &self.inner.usage())
    }

    /// Ends the call (as failed with ``error`` as its code when given) and returns the end
    /// record as a dict: ``ended_at``, ``duration_ms``, ``status``, ``turns``, ``cost``,
    /// ``usage``, ``latency``, ``error``, ``unpriced``. Ending twice raises ``StateError``.
    #[pyo3(signature = (error = None))]
    fn end<'py>(&self, py: Python<'py>, error: Option<PyBackedStr>) -> PyResult<Bound<'py, PyAny>> {
        let outcome = match error {
            Some(code) => CallOutcome::Failed(code.to_string()),
            None => CallOutcome::Completed,
        };
        let end = self.inner.end(outcome).py_err(py)?;
        record_to_py(py, &end)
    }

    /// The end record once the call has ended, else None.
    fn ended<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.ended().map(|e| record_to_py(py, &e)).transpose()
    }

    fn __repr__(&self) -> String {
        format!(
            "<patter.Call call_id={:?} side={:?}{}>",
            self.inner.call_id(),
            self.inner.side(),
            if self.inner.is_ended() { " ended" } else { "" }
        )
    }
}

/// A str argument as is; any other JSON-compatible value as its JSON text; None as "".
fn json_text(py: Python<'_>, name: &'static str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(None),
        Some(o) => {
            if let Ok(s) = o.cast::<PyString>() {
                return Ok(Some(s.to_cow()?.into_owned()));
            }
            let v = py_to_json(py, name, o, 0)?;
            Ok(Some(serde_json::to_string(&v).unwrap_or_default()))
        }
    }
}

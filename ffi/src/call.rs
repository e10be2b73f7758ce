//! The call handle: one per phone call; everything the host reports goes through it.

use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::options::{patter_call_options_t, snapshot};
use crate::span::{patter_span_t, SPANS};
use crate::status::patter_status;
use crate::strings::{give_string, opt_str_arg, require_out, str_arg, write_opt, write_out};
use patter_core::call::{Call, CallOutcome, LlmRecord, Span};
use serde::Serialize;
use std::ffi::c_char;
use std::sync::{Arc, Mutex};

/// A live phone call (opaque; see `patter_call_start`).
pub struct patter_call_t {
    _opaque: [u8; 0],
}

pub(crate) static CALLS: Registry<Call> = Registry::new(Kind::Call);

fn call_of(call: *const patter_call_t) -> FfiResult<Arc<Call>> {
    CALLS.get(token(call), "call")
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> FfiResult<String> {
    serde_json::to_string(value).map_err(|e| FfiError::new(patter_status::PATTER_STATUS_INTERNAL, e.to_string()))
}

/// Registers a new span and writes its handle.
unsafe fn give_span(out: *mut *mut patter_span_t, span: Span) -> FfiResult<()> {
    let t = SPANS.insert(Mutex::new(span));
    unsafe { write_out(out, handle(t), "out_span") }
}

/// Starts a call from `opts`: opens the root `getpatter.call` span (when tracing records),
/// writes the initial metadata.json (when persistence is on) and registers the call in the
/// store (if the options name one). The options are copied; free them whenever you like. On
/// success `*out` receives a handle to end with `patter_call_end` and free with
/// `patter_call_free`. A call with the same id and side still live (not ended):
/// `PATTER_STATUS_INVALID_ARGUMENT`. NULL `opts` or `out`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_start(
    opts: *const patter_call_options_t,
    out: *mut *mut patter_call_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let o = snapshot(opts)?;
        let call = Call::start(o)?;
        let t = CALLS.insert(call);
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Frees a call handle. A call not ended with `patter_call_end` is recorded as abandoned
/// (status `abandoned` in its span and metadata.json) once this handle and all its span
/// handles are freed. NULL is a no-op (`PATTER_STATUS_OK`); a second free returns
/// `PATTER_STATUS_INVALID_HANDLE` and does nothing else. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_free(call: *mut patter_call_t) -> patter_status {
    guard(|| {
        if call.is_null() {
            return Ok(());
        }
        CALLS.remove(token(call), "call").map(drop)
    })
}

/// Starts a new turn (ending the open one); `*out_turn` (optional, may be NULL) receives its
/// 1-based number. Optional: a service span started with no open turn opens one. NULL
/// `call`: `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_start_turn(call: *mut patter_call_t, out_turn: *mut u32) -> patter_status {
    guard(|| {
        let n = call_of(call)?.start_turn()?;
        unsafe { write_opt(out_turn, n) };
        Ok(())
    })
}

/// Ends the open turn (no-op when none is open): stamps its latency attributes and writes its
/// transcript lines. NULL `call`: `PATTER_STATUS_NULL_POINTER`; an ended call:
/// `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_end_turn(call: *mut patter_call_t) -> patter_status {
    guard(|| Ok(call_of(call)?.end_turn()?))
}

/// Writes the number of the open turn to `*out_turn`, or 0 when no turn is open. NULL `call`
/// or `out_turn`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_current_turn(call: *const patter_call_t, out_turn: *mut u32) -> patter_status {
    guard(|| {
        require_out(out_turn, "out_turn")?;
        let n = call_of(call)?.current_turn().unwrap_or(0);
        unsafe { write_out(out_turn, n, "out_turn") }
    })
}

/// Starts a `getpatter.stt` span (one per final transcript) for `provider` (e.g.
/// `"deepgram"`) and optional `model` (NULL: none); report the text with
/// `patter_span_transcript`. On success `*out_span` receives a span handle to end with
/// `patter_span_end` and free with `patter_span_free`. NULL `call`, `provider` or
/// `out_span`: `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_stt(
    call: *mut patter_call_t,
    provider: *const c_char,
    provider_len: usize,
    model: *const c_char,
    model_len: usize,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let c = call_of(call)?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let span = c.stt(p, m)?;
        unsafe { give_span(out_span, span) }
    })
}

/// Starts a `getpatter.endpoint` span (end-of-utterance detection); its start is taken as the
/// moment the user stopped speaking. Report the silence with `patter_span_silence_ms`. NULL
/// `call` or `out_span`: `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_endpoint(
    call: *mut patter_call_t,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let span = call_of(call)?.endpoint()?;
        unsafe { give_span(out_span, span) }
    })
}

/// Starts a `getpatter.llm` span: one per LLM iteration, tool rounds included, for `provider`
/// (e.g. `"openai"`), optional `model` (NULL: none) and the conversation's `history_size`
/// (messages sent). Report with `patter_span_first_token` and `patter_span_usage`. NULL
/// `call`, `provider` or `out_span`: `PATTER_STATUS_NULL_POINTER`; an ended call:
/// `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_llm(
    call: *mut patter_call_t,
    provider: *const c_char,
    provider_len: usize,
    model: *const c_char,
    model_len: usize,
    history_size: u64,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let c = call_of(call)?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let span = c.llm(p, m, history_size)?;
        unsafe { give_span(out_span, span) }
    })
}

/// Records a finished LLM iteration in one call: the `getpatter.llm` span (and turn latencies,
/// usage, cost) that `patter_call_llm` + `patter_span_first_token` + `patter_span_usage` +
/// `patter_span_end` record. The span ends now (the call's clock) and started `duration_ms`
/// (finite, >= 0) earlier, in the open turn (one opens at that start when none is open).
/// Optional values are pointers (NULL: omitted): `model` (with `model_len`), `history_size`
/// (default 0), `ttft_ms` (ms from the start to the first token, at most `duration_ms`) and
/// the token counts (usage is reported when any is given; an omitted one counts 0). A bad
/// argument, or usage that would take a call total past 2^53 - 1:
/// `PATTER_STATUS_INVALID_ARGUMENT`, and nothing is recorded. NULL `call` or `provider`:
/// `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn patter_call_record_llm(
    call: *mut patter_call_t,
    provider: *const c_char,
    provider_len: usize,
    duration_ms: f64,
    model: *const c_char,
    model_len: usize,
    history_size: *const u64,
    ttft_ms: *const f64,
    input_tokens: *const u64,
    output_tokens: *const u64,
    cached_input_tokens: *const u64,
) -> patter_status {
    guard(|| {
        let c = call_of(call)?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let record = LlmRecord {
            model: m,
            history_size: unsafe { history_size.as_ref() }.copied(),
            ttft_ms: unsafe { ttft_ms.as_ref() }.copied(),
            input_tokens: unsafe { input_tokens.as_ref() }.copied(),
            output_tokens: unsafe { output_tokens.as_ref() }.copied(),
            cached_input_tokens: unsafe { cached_input_tokens.as_ref() }.copied(),
        };
        Ok(c.record_llm(p, duration_ms, record)?)
    })
}

/// Starts a `getpatter.tts` span for one synthesized sentence `text` (it goes to the
/// transcript; the span only gets its length) by `provider` with optional `model` (NULL:
/// none): the same argument order as every binding. Report the first audio byte with
/// `patter_span_first_byte`. NULL `call`, `provider`, `text` or `out_span`:
/// `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_tts(
    call: *mut patter_call_t,
    provider: *const c_char,
    provider_len: usize,
    text: *const c_char,
    text_len: usize,
    model: *const c_char,
    model_len: usize,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let c = call_of(call)?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let t = unsafe { str_arg(text, text_len, "text") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let span = c.tts(p, t, m)?;
        unsafe { give_span(out_span, span) }
    })
}

/// Starts a `getpatter.bargein` span: the caller talked over the agent. `cancelled_text` (may
/// be NULL: empty) is what the agent did not get to say; only its length goes on the span.
/// `*audio_played_ms` (NULL: not given; else finite and >= 0): how much of the agent's audio
/// the caller heard. Ending the span (when the agent's audio has stopped) ends the turn as
/// interrupted. A bad value: `PATTER_STATUS_INVALID_ARGUMENT` (nothing starts). NULL `call`
/// or `out_span`: `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_bargein(
    call: *mut patter_call_t,
    cancelled_text: *const c_char,
    cancelled_text_len: usize,
    audio_played_ms: *const f64,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let c = call_of(call)?;
        let t = unsafe { opt_str_arg(cancelled_text, cancelled_text_len, "cancelled_text") }?;
        // SAFETY: NULL or a readable double per the contract.
        let played = unsafe { audio_played_ms.as_ref() }.copied();
        let span = c.bargein_with(t, played)?;
        unsafe { give_span(out_span, span) }
    })
}

/// Starts a `getpatter.tool` span for tool `name` over `transport` (e.g. `"handler"`,
/// `"webhook"`, `"mcp"`; NULL: the core's default, `"handler"`). `arguments` (may be NULL:
/// empty) goes to events.jsonl only (a `tool_call` event). `tool_call_id` (may be NULL: not
/// given) is the id the model gave the call (`gen_ai.tool.call.id`). Report the result with
/// `patter_span_tool_result`. NULL `call`, `name` or `out_span`: `PATTER_STATUS_NULL_POINTER`;
/// an empty `tool_call_id`: `PATTER_STATUS_INVALID_ARGUMENT`; an ended call:
/// `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_tool(
    call: *mut patter_call_t,
    name: *const c_char,
    name_len: usize,
    transport: *const c_char,
    transport_len: usize,
    arguments: *const c_char,
    arguments_len: usize,
    tool_call_id: *const c_char,
    tool_call_id_len: usize,
    out_span: *mut *mut patter_span_t,
) -> patter_status {
    guard(|| {
        require_out(out_span, "out_span")?;
        let c = call_of(call)?;
        let n = unsafe { str_arg(name, name_len, "name") }?;
        let tr = unsafe { opt_str_arg(transport, transport_len, "transport") }?;
        let a = unsafe { opt_str_arg(arguments, arguments_len, "arguments") }?;
        let id = unsafe { opt_str_arg(tool_call_id, tool_call_id_len, "tool_call_id") }?;
        let span = c.tool_with(n, tr, a, id)?;
        unsafe { give_span(out_span, span) }
    })
}

/// Records an `error` event in events.jsonl with `code` (e.g. `"stt_connection"`) and
/// `message` (may be NULL: empty). With `fatal`, the code becomes the call's error: the call
/// ends as `failed` even if `patter_call_end` is later given no error. NULL `call` or
/// `code`: `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_error(
    call: *mut patter_call_t,
    code: *const c_char,
    code_len: usize,
    message: *const c_char,
    message_len: usize,
    fatal: bool,
) -> patter_status {
    guard(|| {
        let c = call_of(call)?;
        let code = unsafe { str_arg(code, code_len, "code") }?;
        let msg = unsafe { opt_str_arg(message, message_len, "message") }?;
        Ok(c.error(code, msg, fatal)?)
    })
}

/// Records a custom operational event of type `kind` in events.jsonl. `data` (JSON text; may
/// be NULL: `{}`) must be a JSON object; it never becomes a span attribute. Not an object or
/// not JSON: `PATTER_STATUS_INVALID_ARGUMENT`. NULL `call` or `kind`:
/// `PATTER_STATUS_NULL_POINTER`; an ended call: `PATTER_STATUS_STATE`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_event(
    call: *mut patter_call_t,
    kind: *const c_char,
    kind_len: usize,
    data: *const c_char,
    data_len: usize,
) -> patter_status {
    guard(|| {
        let c = call_of(call)?;
        let kind = unsafe { str_arg(kind, kind_len, "kind") }?;
        let data = match unsafe { opt_str_arg(data, data_len, "data") }? {
            None => serde_json::Map::new(),
            Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(m)) => m,
                Ok(_) => return Err(FfiError::invalid("data", "must be a JSON object")),
                Err(e) => return Err(FfiError::invalid("data", e)),
            },
        };
        Ok(c.event(kind, data)?)
    })
}

/// Ends the call: ends its open spans and turn, prices telephony/realtime time, stamps the call
/// span, rewrites metadata.json and updates the store. `error` (a code) NULL means a normal
/// hang-up (`completed`, or `failed` after a fatal `patter_call_error`); otherwise the call
/// ends `failed` with that code. `*out_end_json` (optional, may be NULL; free with
/// `patter_string_free`) receives the end record as JSON: `ended_at`, `duration_ms`,
/// `status`, `turns`, `cost`, `usage`, `latency`, `error`, `unpriced`. Ending twice:
/// `PATTER_STATUS_STATE`, nothing changes. NULL `call`: `PATTER_STATUS_NULL_POINTER`.
/// The handle still needs `patter_call_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_end(
    call: *mut patter_call_t,
    error: *const c_char,
    error_len: usize,
    out_end_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        let c = call_of(call)?;
        let outcome = match unsafe { opt_str_arg(error, error_len, "error") }? {
            None => CallOutcome::Completed,
            Some(code) => CallOutcome::Failed(code.to_string()),
        };
        let end = c.end(outcome)?;
        if !out_end_json.is_null() {
            unsafe { give_string(out_end_json, to_json(&end)?, "out_end_json") }?;
        }
        Ok(())
    })
}

/// Writes the end record of an ended call as JSON (as `patter_call_end` returns it) to
/// `*out_json` (free with `patter_string_free`). A call still live: `PATTER_STATUS_STATE`.
/// NULL `call` or `out_json`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_end_record_json(
    call: *const patter_call_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let end = call_of(call)?
            .ended()
            .ok_or_else(|| FfiError::new(patter_status::PATTER_STATUS_STATE, "the call has not ended"))?;
        unsafe { give_string(out_json, to_json(&end)?, "out_json") }
    })
}

/// Writes the cost accumulated so far as JSON (`total`, `telephony`, `stt`, `tts`, `llm`,
/// `realtime`, in USD) to `*out_json` (free with `patter_string_free`). NULL `call` or
/// `out_json`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_cost_json(
    call: *const patter_call_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let cost = call_of(call)?.cost();
        unsafe { give_string(out_json, to_json(&cost)?, "out_json") }
    })
}

/// Writes the usage accumulated so far as JSON (`stt_seconds`, `tts_chars`,
/// `llm_input_tokens`, `llm_output_tokens`, `llm_cached_input_tokens`) to `*out_json` (free
/// with `patter_string_free`). NULL `call` or `out_json`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_usage_json(
    call: *const patter_call_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let usage = call_of(call)?.usage();
        unsafe { give_string(out_json, to_json(&usage)?, "out_json") }
    })
}

/// Writes the hex trace id of the call's trace to `*out_trace_id` (free with
/// `patter_string_free`), or NULL when the call records no spans (tracing off). NULL `call`
/// or `out_trace_id`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_trace_id(
    call: *const patter_call_t,
    out_trace_id: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_trace_id, "out_trace_id")?;
        let c = call_of(call)?;
        match c.trace_id() {
            Some(t) => unsafe { give_string(out_trace_id, t.to_string(), "out_trace_id") },
            None => unsafe { write_out(out_trace_id, std::ptr::null_mut(), "out_trace_id") },
        }
    })
}

/// Writes the W3C `traceparent` header of the call span to `*out_traceparent` (free with
/// `patter_string_free`), for outgoing requests so that providers' spans join the call's
/// trace. When the call records no spans (tracing off, or a parent that is not sampled) it is
/// the parent's header as set with `patter_call_options_set_traceparent` (version 00), or
/// NULL when the call has no parent. NULL `call` or `out_traceparent`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_traceparent(
    call: *const patter_call_t,
    out_traceparent: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_traceparent, "out_traceparent")?;
        let c = call_of(call)?;
        match c.traceparent() {
            Some(t) => unsafe { give_string(out_traceparent, t.to_string(), "out_traceparent") },
            None => unsafe { write_out(out_traceparent, std::ptr::null_mut(), "out_traceparent") },
        }
    })
}

/// Writes the side stamped on this call's cost/latency spans to `*out_side` (free with
/// `patter_string_free`). NULL `call` or `out_side`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_side(call: *const patter_call_t, out_side: *mut *mut c_char) -> patter_status {
    guard(|| {
        require_out(out_side, "out_side")?;
        let side = call_of(call)?.side().to_string();
        unsafe { give_string(out_side, side, "out_side") }
    })
}

/// Writes whether the call records spans (decided when it started) to `*out_recording`. NULL
/// `call` or `out_recording`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_is_recording(
    call: *const patter_call_t,
    out_recording: *mut bool,
) -> patter_status {
    guard(|| {
        require_out(out_recording, "out_recording")?;
        let r = call_of(call)?.is_recording();
        unsafe { write_out(out_recording, r, "out_recording") }
    })
}

/// Writes whether the call has ended to `*out_ended`. NULL `call` or `out_ended`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_is_ended(call: *const patter_call_t, out_ended: *mut bool) -> patter_status {
    guard(|| {
        require_out(out_ended, "out_ended")?;
        let e = call_of(call)?.is_ended();
        unsafe { write_out(out_ended, e, "out_ended") }
    })
}

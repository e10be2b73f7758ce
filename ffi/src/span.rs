//! Service span handles (stt, endpoint, llm, tts, bargein, tool) and what the host reports on
//! them.

use crate::error::FfiResult;
use crate::guard::guard;
use crate::handle::{token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{give_string, require_out, str_arg, write_out};
use patter_core::call::{Span, SpanKind};
use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};

/// A service span of a call (opaque; see `patter_call_stt` and its siblings).
pub struct patter_span_t {
    _opaque: [u8; 0],
}

/// Which service a span measures (see `patter_span_kind`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_span_kind {
    /// `getpatter.stt`
    PATTER_SPAN_STT = 0,
    /// `getpatter.endpoint`
    PATTER_SPAN_ENDPOINT = 1,
    /// `getpatter.llm`
    PATTER_SPAN_LLM = 2,
    /// `getpatter.tts`
    PATTER_SPAN_TTS = 3,
    /// `getpatter.bargein`
    PATTER_SPAN_BARGEIN = 4,
    /// `getpatter.tool`
    PATTER_SPAN_TOOL = 5,
}

pub(crate) static SPANS: Registry<Mutex<Span>> = Registry::new(Kind::Span);

/// Runs `f` on the span behind `span`.
fn with_span<T>(span: *const patter_span_t, f: impl FnOnce(&mut Span) -> FfiResult<T>) -> FfiResult<T> {
    let s = SPANS.get(token(span), "span")?;
    let mut g: MutexGuard<'_, Span> = s.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut g)
}

/// STT: reports the final transcript `text` (it goes to transcript.jsonl; the span gets its
/// length), the recogniser's `*confidence` (NULL: not given; else finite in [0, 1]) and the
/// billed `*audio_seconds` (NULL: 0; else finite and >= 0). NaN, infinities, negative or
/// out-of-range values: `PATTER_STATUS_INVALID_ARGUMENT` (nothing is recorded). Not an STT
/// span: `PATTER_STATUS_INVALID_ARGUMENT`; an ended span or call: `PATTER_STATUS_STATE`. NULL
/// `span` or `text`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_transcript(
    span: *mut patter_span_t,
    text: *const c_char,
    text_len: usize,
    confidence: *const f64,
    audio_seconds: *const f64,
) -> patter_status {
    guard(|| {
        let t = unsafe { str_arg(text, text_len, "text") }?;
        // SAFETY: NULL or a readable double per the contract.
        let conf = unsafe { confidence.as_ref() }.copied();
        let secs = unsafe { audio_seconds.as_ref() }.copied();
        with_span(span, |s| Ok(s.transcript(t, conf, secs)?))
    })
}

/// Endpoint: reports the trailing silence (milliseconds, finite and >= 0) after which
/// end-of-utterance was declared. Not an endpoint span or a bad value:
/// `PATTER_STATUS_INVALID_ARGUMENT`; an ended span: `PATTER_STATUS_STATE`. NULL `span`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_silence_ms(span: *mut patter_span_t, ms: f64) -> patter_status {
    guard(|| with_span(span, |s| Ok(s.silence_ms(ms)?)))
}

/// LLM: the first token arrived (sets `getpatter.llm.ttft_ms`; later calls are ignored). Not
/// an LLM span: `PATTER_STATUS_INVALID_ARGUMENT`; an ended span: `PATTER_STATUS_STATE`. NULL
/// `span`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_first_token(span: *mut patter_span_t) -> patter_status {
    guard(|| with_span(span, |s| Ok(s.first_token()?)))
}

/// LLM: token usage of this iteration (`input_tokens` excludes `cached_input_tokens`). Each
/// count is at most 2^53 - 1, and a report that would take one of the call's totals past it is
/// `PATTER_STATUS_INVALID_ARGUMENT` (totals never wrap; nothing is recorded). Not an
/// LLM span: `PATTER_STATUS_INVALID_ARGUMENT`; an ended span: `PATTER_STATUS_STATE`. NULL
/// `span`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_usage(
    span: *mut patter_span_t,
    input_tokens: u64,
    output_tokens: u64,
    cached_input_tokens: u64,
) -> patter_status {
    guard(|| with_span(span, |s| Ok(s.usage(input_tokens, output_tokens, cached_input_tokens)?)))
}

/// TTS: the first audio byte of this sentence is out (the turn's first one sets the turn's
/// time to first byte; later calls are ignored). Not a TTS span:
/// `PATTER_STATUS_INVALID_ARGUMENT`; an ended span: `PATTER_STATUS_STATE`. NULL `span`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_first_byte(span: *mut patter_span_t) -> patter_status {
    guard(|| with_span(span, |s| Ok(s.first_byte()?)))
}

/// Tool: the tool's `result` (goes to events.jsonl only, in the `tool_result` event written
/// when the span ends). Not a tool span: `PATTER_STATUS_INVALID_ARGUMENT`; an ended span:
/// `PATTER_STATUS_STATE`. NULL `span` or `result`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_tool_result(
    span: *mut patter_span_t,
    result: *const c_char,
    result_len: usize,
) -> patter_status {
    guard(|| {
        let r = unsafe { str_arg(result, result_len, "result") }?;
        with_span(span, |s| Ok(s.tool_result(r)?))
    })
}

/// Barge-in: how much of the agent's audio the caller heard before talking over it
/// (milliseconds, finite and >= 0; sets `getpatter.bargein.audio_played_ms`). Not a barge-in
/// span or a bad value: `PATTER_STATUS_INVALID_ARGUMENT`; an ended span: `PATTER_STATUS_STATE`.
/// NULL `span`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_audio_played_ms(span: *mut patter_span_t, ms: f64) -> patter_status {
    guard(|| with_span(span, |s| Ok(s.audio_played_ms(ms)?)))
}

/// Tool: the id the model gave this tool call (e.g. `"call_abc123"`; sets
/// `gen_ai.tool.call.id`). Not a tool span or an empty id: `PATTER_STATUS_INVALID_ARGUMENT`; an
/// ended span: `PATTER_STATUS_STATE`. NULL `span` or `tool_call_id`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_tool_call_id(
    span: *mut patter_span_t,
    tool_call_id: *const c_char,
    tool_call_id_len: usize,
) -> patter_status {
    guard(|| {
        let id = unsafe { str_arg(tool_call_id, tool_call_id_len, "tool_call_id") }?;
        with_span(span, |s| Ok(s.tool_call_id(id)?))
    })
}

/// Writes the W3C `traceparent` header of this span to `*out_traceparent` (free with
/// `patter_string_free`), for the request the span measures (an STT, LLM or TTS HTTP call) so
/// the provider's spans join the call's trace. A span that is not recorded gives what
/// `patter_call_traceparent` gives (possibly NULL). NULL `span` or `out_traceparent`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_traceparent(
    span: *const patter_span_t,
    out_traceparent: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_traceparent, "out_traceparent")?;
        match with_span(span, |s| Ok(s.traceparent()))? {
            Some(t) => unsafe { give_string(out_traceparent, t, "out_traceparent") },
            None => unsafe { write_out(out_traceparent, std::ptr::null_mut(), "out_traceparent") },
        }
    })
}

/// Marks the span failed with an error `code` (the span gets an error status carrying the
/// code: put no user content in it). An ended span: `PATTER_STATUS_STATE`. NULL `span` or
/// `code`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_fail(
    span: *mut patter_span_t,
    code: *const c_char,
    code_len: usize,
) -> patter_status {
    guard(|| {
        let c = unsafe { str_arg(code, code_len, "code") }?;
        with_span(span, |s| Ok(s.fail(c)?))
    })
}

/// Ends the span. Ending twice, or after the call ended (which already ended it), is a no-op
/// returning `PATTER_STATUS_OK`. The handle still needs `patter_span_free`. NULL `span`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_end(span: *mut patter_span_t) -> patter_status {
    guard(|| {
        with_span(span, |s| {
            s.end();
            Ok(())
        })
    })
}

/// Writes whether the span has ended to `*out_ended`. NULL `span` or `out_ended`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_is_ended(span: *const patter_span_t, out_ended: *mut bool) -> patter_status {
    guard(|| {
        require_out(out_ended, "out_ended")?;
        let e = with_span(span, |s| Ok(s.is_ended()))?;
        unsafe { write_out(out_ended, e, "out_ended") }
    })
}

/// Writes the span's kind (a `patter_span_kind` value) to `*out_kind`. NULL `span` or
/// `out_kind`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_get_kind(span: *const patter_span_t, out_kind: *mut i32) -> patter_status {
    guard(|| {
        require_out(out_kind, "out_kind")?;
        let k = with_span(span, |s| {
            Ok(match s.kind() {
                SpanKind::Stt => patter_span_kind::PATTER_SPAN_STT,
                SpanKind::Endpoint => patter_span_kind::PATTER_SPAN_ENDPOINT,
                SpanKind::Llm => patter_span_kind::PATTER_SPAN_LLM,
                SpanKind::Tts => patter_span_kind::PATTER_SPAN_TTS,
                SpanKind::Bargein => patter_span_kind::PATTER_SPAN_BARGEIN,
                SpanKind::Tool => patter_span_kind::PATTER_SPAN_TOOL,
            })
        })?;
        unsafe { write_out(out_kind, k as i32, "out_kind") }
    })
}

/// Writes the 1-based number of the turn the span belongs to to `*out_turn`. NULL `span` or
/// `out_turn`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_span_turn(span: *const patter_span_t, out_turn: *mut u32) -> patter_status {
    guard(|| {
        require_out(out_turn, "out_turn")?;
        let t = with_span(span, |s| Ok(s.turn()))?;
        unsafe { write_out(out_turn, t, "out_turn") }
    })
}

/// Frees a span handle, ending the span first if it has not ended. NULL is a no-op
/// (`PATTER_STATUS_OK`); a second free returns `PATTER_STATUS_INVALID_HANDLE` and does
/// nothing else. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_span_free(span: *mut patter_span_t) -> patter_status {
    guard(|| {
        if span.is_null() {
            return Ok(());
        }
        let s = SPANS.remove(token(span), "span")?;
        s.lock().unwrap_or_else(|p| p.into_inner()).end();
        Ok(())
    })
}

//! Call options: a builder handle instead of a C struct, so adding an option never changes
//! the ABI. Create with `patter_call_options_new`, set what you need, pass to
//! `patter_call_start` (as often as you like), free with `patter_call_options_free`.

use crate::calllog::{patter_call_logger_t, LOGGERS};
use crate::clock::CLOCKS;
use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::pricing::{patter_pricing_t, PRICINGS};
use crate::status::patter_status;
use crate::store::{patter_metrics_store_t, STORES};
use crate::strings::{opt_str_arg, require_out, str_arg, write_out};
use patter_core::call::CallOptions;
use patter_core::clock::SequentialIds;
use patter_core::records::Direction;
use std::ffi::c_char;
use std::sync::{Arc, Mutex};

use crate::clock::patter_clock_t;

/// Options for starting a call (opaque; see `patter_call_options_new`).
pub struct patter_call_options_t {
    _opaque: [u8; 0],
}

/// Direction of a phone call, as passed to `patter_call_options_new`.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_direction {
    /// The caller dialled the agent.
    PATTER_DIRECTION_INBOUND = 0,
    /// The agent dialled out.
    PATTER_DIRECTION_OUTBOUND = 1,
}

pub(crate) static OPTIONS: Registry<Mutex<CallOptions>> = Registry::new(Kind::CallOptions);

pub(crate) fn direction_arg(direction: i32) -> FfiResult<Direction> {
    match direction {
        0 => Ok(Direction::Inbound),
        1 => Ok(Direction::Outbound),
        other => Err(FfiError::invalid(
            "direction",
            format!("{other} is neither PATTER_DIRECTION_INBOUND (0) nor PATTER_DIRECTION_OUTBOUND (1)"),
        )),
    }
}

/// Runs `f` on the options behind `opts`.
fn with_opts(opts: *mut patter_call_options_t, f: impl FnOnce(&mut CallOptions) -> FfiResult<()>) -> FfiResult<()> {
    let o = OPTIONS.get(token(opts), "opts")?;
    let mut guard = o.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut guard)
}

/// Creates call options with the three required values; everything else has a default
/// (system clock, random ids, process call logger from `PATTER_LOG_DIR`, built-in prices).
/// `call_id` (non-empty, at most 16 KiB) and `provider_mode` (e.g. `"pipeline"`,
/// `"openai_realtime"`) are UTF-8 pointer + length; `direction` is a `patter_direction`.
/// On success `*out` receives a handle to free with `patter_call_options_free`.
/// NULL `call_id`, `provider_mode` or `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_new(
    call_id: *const c_char,
    call_id_len: usize,
    direction: i32,
    provider_mode: *const c_char,
    provider_mode_len: usize,
    out: *mut *mut patter_call_options_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let id = unsafe { str_arg(call_id, call_id_len, "call_id") }?;
        let mode = unsafe { str_arg(provider_mode, provider_mode_len, "provider_mode") }?;
        let dir = direction_arg(direction)?;
        patter_core::error::check_id("call_id", id)?;
        patter_core::error::check_id("provider_mode", mode)?;
        let t = OPTIONS.insert(Mutex::new(CallOptions::new(id, dir, mode)));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Frees call options. NULL is a no-op (`PATTER_STATUS_OK`); a second free of the same handle
/// returns `PATTER_STATUS_INVALID_HANDLE` and does nothing else. Calls started from the options
/// are not affected.
#[no_mangle]
pub extern "C" fn patter_call_options_free(opts: *mut patter_call_options_t) -> patter_status {
    guard(|| {
        if opts.is_null() {
            return Ok(());
        }
        OPTIONS.remove(token(opts), "opts").map(drop)
    })
}

/// Sets an optional string field of the options (NULL `value` clears it).
unsafe fn set_string(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
    name: &'static str,
    apply: impl FnOnce(&mut CallOptions, Option<String>),
) -> patter_status {
    guard(|| {
        let o = OPTIONS.get(token(opts), "opts")?;
        // Values are validated by `patter_call_start`, as the core does for every binding.
        let v = unsafe { opt_str_arg(value, value_len, name) }?;
        let mut g = o.lock().unwrap_or_else(|p| p.into_inner());
        apply(&mut g, v.map(str::to_string));
        Ok(())
    })
}

/// Sets the side stamped on this call's cost/latency spans (`patter.side`; default: the
/// process default, `"uut"`). `value` NULL resets to the default. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_side(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "side", |o, v| o.side = v) }
}

/// Sets the W3C `traceparent` header of the host's span (e.g. from the incoming webhook
/// request): the call span becomes its child, in the same trace, with the remote flag. A parent
/// that is not sampled (flags `00`) means no span of the call is exported; costs, the call
/// record and the store are unaffected. A malformed header (not
/// `00-<32 hex>-<16 hex>-<2 hex>`, lowercase, ids not all zeros; later versions are read as
/// version 00): `PATTER_STATUS_INVALID_ARGUMENT` naming `traceparent`, here and from
/// `patter_call_start`. `value` NULL (or empty) clears it. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_traceparent(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let o = OPTIONS.get(token(opts), "opts")?;
        let v = unsafe { opt_str_arg(value, value_len, "traceparent") }?;
        patter_core::tracing::traceparent::check_traceparent_option(v)?;
        o.lock().unwrap_or_else(|p| p.into_inner()).traceparent = v.map(str::to_string);
        Ok(())
    })
}

/// Sets the W3C `tracestate` carried on the call's spans (with a `traceparent`; without one
/// `patter_call_start` returns `PATTER_STATUS_INVALID_ARGUMENT` naming `tracestate`). A
/// malformed list: `PATTER_STATUS_INVALID_ARGUMENT` naming `tracestate`. `value` NULL (or
/// empty) clears it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_tracestate(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let o = OPTIONS.get(token(opts), "opts")?;
        let v = unsafe { opt_str_arg(value, value_len, "tracestate") }?;
        patter_core::tracing::traceparent::check_tracestate_option(v)?;
        o.lock().unwrap_or_else(|p| p.into_inner()).tracestate = v.map(str::to_string);
        Ok(())
    })
}

/// Sets the caller's number (redacted on disk per `PATTER_LOG_REDACT_PHONE`, never put on a
/// span). `value` NULL clears it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_caller(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "caller", |o, v| o.caller = v) }
}

/// Sets the callee's number (same treatment as the caller's). `value` NULL clears it.
/// NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_callee(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "callee", |o, v| o.callee = v) }
}

/// Sets the carrier (`"twilio"`, `"telnyx"`, …): the call's duration is priced per minute
/// at its end. `value` NULL clears it (no carrier, e.g. a web call). NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_telephony_provider(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "telephony_provider", |o, v| o.telephony_provider = v) }
}

/// Sets the agent's provider in metadata.json (`agent.provider`). `value` NULL clears it.
/// NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_provider(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_provider", |o, v| o.agent.provider = v) }
}

/// Sets the agent's LLM or realtime model (`agent.model`). `value` NULL clears it. NULL
/// `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_model(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_model", |o, v| o.agent.model = v) }
}

/// Sets the agent's TTS voice (`agent.voice`). `value` NULL clears it. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_voice(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_voice", |o, v| o.agent.voice = v) }
}

/// Sets the conversation language (`agent.language`). `value` NULL clears it. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_language(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_language", |o, v| o.agent.language = v) }
}

/// Sets the STT provider of a pipeline agent (`agent.stt_provider`). `value` NULL clears
/// it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_stt_provider(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_stt_provider", |o, v| o.agent.stt_provider = v) }
}

/// Sets the TTS provider of a pipeline agent (`agent.tts_provider`). `value` NULL clears
/// it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_tts_provider(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_tts_provider", |o, v| o.agent.tts_provider = v) }
}

/// Sets the LLM provider of a pipeline agent (`agent.llm_provider`). `value` NULL clears
/// it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_agent_llm_provider(
    opts: *mut patter_call_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    unsafe { set_string(opts, value, value_len, "agent_llm_provider", |o, v| o.agent.llm_provider = v) }
}

/// Makes the call a realtime (speech-to-speech) session: its duration is billed as realtime
/// minutes of `provider` (e.g. `"openai_realtime"`) and optional `model` (NULL: none) at call
/// end. `provider` NULL clears the provider; a `model` without a provider is
/// `PATTER_STATUS_INVALID_ARGUMENT` at `patter_call_start` (the core's rule). NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_options_set_realtime(
    opts: *mut patter_call_options_t,
    provider: *const c_char,
    provider_len: usize,
    model: *const c_char,
    model_len: usize,
) -> patter_status {
    guard(|| {
        let p = unsafe { opt_str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let (p, m) = (p.map(str::to_string), m.map(str::to_string));
        with_opts(opts, |o| {
            o.realtime_provider = p;
            o.realtime_model = m;
            Ok(())
        })
    })
}

/// Makes calls started from these options read time from `clock` (a manual clock from
/// `patter_manual_clock_new`: deterministic runs). The options keep the clock alive, so the
/// clock handle may be freed afterwards. `clock` NULL restores the system clock. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`; a freed `clock`: `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_clock(
    opts: *mut patter_call_options_t,
    clock: *const patter_clock_t,
) -> patter_status {
    guard(|| {
        let c = if clock.is_null() { None } else { Some(CLOCKS.get(token(clock), "clock")?) };
        with_opts(opts, |o| {
            o.clock = c.map(|c| c as Arc<dyn patter_core::clock::Clock>);
            Ok(())
        })
    })
}

/// Makes calls started from these options take trace and span ids from a deterministic
/// sequence derived from `seed` (the same script yields the same ids in every run and every
/// language). Calls started from the same options share one sequence. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_sequential_ids(opts: *mut patter_call_options_t, seed: u64) -> patter_status {
    guard(|| {
        with_opts(opts, |o| {
            o.ids = Some(Arc::new(SequentialIds::new(seed)));
            Ok(())
        })
    })
}

/// Makes calls started from these options use random ids again (the default). NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_random_ids(opts: *mut patter_call_options_t) -> patter_status {
    guard(|| {
        with_opts(opts, |o| {
            o.ids = None;
            Ok(())
        })
    })
}

/// Keeps calls started from these options in `store` (see `patter_metrics_store_new`). The
/// options keep the store alive. `store` NULL detaches. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`; a freed `store`: `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_store(
    opts: *mut patter_call_options_t,
    store: *const patter_metrics_store_t,
) -> patter_status {
    guard(|| {
        let s = if store.is_null() { None } else { Some(STORES.get(token(store), "store")?) };
        with_opts(opts, |o| {
            o.store = s;
            Ok(())
        })
    })
}

/// Writes the records of calls started from these options with `logger` (see
/// `patter_call_logger_new`) instead of the process logger configured from `PATTER_LOG_DIR`.
/// `logger` NULL restores the process logger. NULL `opts`: `PATTER_STATUS_NULL_POINTER`; a
/// freed `logger`: `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_logger(
    opts: *mut patter_call_options_t,
    logger: *const patter_call_logger_t,
) -> patter_status {
    guard(|| {
        let l = if logger.is_null() { None } else { Some(LOGGERS.get(token(logger), "logger")?) };
        with_opts(opts, |o| {
            o.logger = l.map(|l| (*l).clone());
            Ok(())
        })
    })
}

/// Prices calls started from these options with `pricing` (see `patter_pricing_new`) instead
/// of the built-in rates. `pricing` NULL restores the built-in rates. NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`; a freed `pricing`: `PATTER_STATUS_INVALID_HANDLE`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_options_set_pricing(
    opts: *mut patter_call_options_t,
    pricing: *const patter_pricing_t,
) -> patter_status {
    guard(|| {
        let p = if pricing.is_null() { None } else { Some(PRICINGS.get(token(pricing), "pricing")?) };
        with_opts(opts, |o| {
            o.pricing = p;
            Ok(())
        })
    })
}

/// A snapshot of the options behind `opts`.
pub(crate) fn snapshot(opts: *const patter_call_options_t) -> FfiResult<CallOptions> {
    let o = OPTIONS.get(token(opts), "opts")?;
    let g = o.lock().unwrap_or_else(|p| p.into_inner());
    Ok(g.clone())
}

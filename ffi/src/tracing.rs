//! Tracing: options, init/shutdown, status and counters of the span pipeline.

use crate::error::FfiResult;
use crate::guard::{guard, guard_value};
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{give_string, opt_str_arg, require_out, str_arg, write_opt, write_out};
use patter_core::config::TracingOptions;
use std::ffi::c_char;
use std::sync::Mutex;
use std::time::Duration;

/// Options for `patter_init_tracing` (opaque; see `patter_tracing_options_new`). Whatever is
/// not set falls back to the environment (`OTEL_*`), then to the defaults.
pub struct patter_tracing_options_t {
    _opaque: [u8; 0],
}

static TRACING_OPTIONS: Registry<Mutex<TracingOptions>> = Registry::new(Kind::TracingOptions);

fn with_topts(opts: *mut patter_tracing_options_t, f: impl FnOnce(&mut TracingOptions)) -> FfiResult<()> {
    let o = TRACING_OPTIONS.get(token(opts), "opts")?;
    let mut g = o.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut g);
    Ok(())
}

/// Creates empty tracing options (everything from the environment). On success `*out`
/// receives a handle to free with `patter_tracing_options_free`. NULL `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_new(out: *mut *mut patter_tracing_options_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let t = TRACING_OPTIONS.insert(Mutex::new(TracingOptions::default()));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Frees tracing options. NULL is a no-op (`PATTER_STATUS_OK`); a second free returns
/// `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_free(opts: *mut patter_tracing_options_t) -> patter_status {
    guard(|| {
        if opts.is_null() {
            return Ok(());
        }
        TRACING_OPTIONS.remove(token(opts), "opts").map(drop)
    })
}

/// Sets `service.name` (else `OTEL_SERVICE_NAME`, else `"patter"`). `value` NULL clears it.
/// NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_set_service_name(
    opts: *mut patter_tracing_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let v = unsafe { opt_str_arg(value, value_len, "service_name") }?.map(str::to_string);
        with_topts(opts, |o| o.service_name = v)
    })
}

/// Sets the OTLP/HTTP base endpoint, e.g. `"http://localhost:4318"` (`/v1/traces` is
/// appended unless present; else `OTEL_EXPORTER_OTLP_ENDPOINT`). `value` NULL clears it. A
/// malformed URL is reported by `patter_init_tracing` (`PATTER_STATUS_CONFIG`). NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_set_otlp_endpoint(
    opts: *mut patter_tracing_options_t,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let v = unsafe { opt_str_arg(value, value_len, "otlp_endpoint") }?.map(str::to_string);
        with_topts(opts, |o| o.otlp_endpoint = v)
    })
}

/// Adds (or replaces) a resource attribute; explicit ones override `OTEL_RESOURCE_ATTRIBUTES`
/// keys. NULL `opts`, `key` or `value`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_add_resource_attribute(
    opts: *mut patter_tracing_options_t,
    key: *const c_char,
    key_len: usize,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let k = unsafe { str_arg(key, key_len, "key") }?;
        let v = unsafe { str_arg(value, value_len, "value") }?;
        patter_core::error::check_id("key", k)?;
        with_topts(opts, |o| upsert(&mut o.resource_attributes, k, v))
    })
}

/// Adds (or replaces) an OTLP request header; explicit ones override
/// `OTEL_EXPORTER_OTLP_HEADERS` keys. NULL `opts`, `key` or `value`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_add_header(
    opts: *mut patter_tracing_options_t,
    key: *const c_char,
    key_len: usize,
    value: *const c_char,
    value_len: usize,
) -> patter_status {
    guard(|| {
        let k = unsafe { str_arg(key, key_len, "key") }?;
        let v = unsafe { str_arg(value, value_len, "value") }?;
        patter_core::error::check_id("key", k)?;
        with_topts(opts, |o| upsert(&mut o.headers, k, v))
    })
}

fn upsert(list: &mut Vec<(String, String)>, k: &str, v: &str) {
    match list.iter_mut().find(|(ek, _)| ek == k) {
        Some(slot) => slot.1 = v.to_string(),
        None => list.push((k.to_string(), v.to_string())),
    }
}

/// Turns the console sink (spans printed to stderr) on or off, overriding
/// `OTEL_CONSOLE_EXPORT`. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_set_console(
    opts: *mut patter_tracing_options_t,
    enabled: bool,
) -> patter_status {
    guard(|| with_topts(opts, |o| o.console = Some(enabled)))
}

/// Also writes spans as OTLP-JSON lines to the file at `path` (else `PATTER_OTEL_FILE`).
/// `path` NULL clears it. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_options_set_file(
    opts: *mut patter_tracing_options_t,
    path: *const c_char,
    path_len: usize,
) -> patter_status {
    guard(|| {
        let v = unsafe { opt_str_arg(path, path_len, "path") }?.map(std::path::PathBuf::from);
        with_topts(opts, |o| o.file = v)
    })
}

/// Disables (or re-enables) the OTLP/HTTP exporter, leaving only console, file and attached
/// exporters. NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_set_disable_otlp(
    opts: *mut patter_tracing_options_t,
    disable: bool,
) -> patter_status {
    guard(|| with_topts(opts, |o| o.disable_otlp = Some(disable)))
}

/// Turns OTLP metrics (`/v1/metrics`) on or off, overriding `OTEL_METRICS_EXPORTER` (by
/// default metrics are on whenever tracing is, unless that variable is `none`). NULL `opts`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_set_metrics(
    opts: *mut patter_tracing_options_t,
    enabled: bool,
) -> patter_status {
    guard(|| with_topts(opts, |o| o.metrics = Some(enabled)))
}

/// Turns call records as OTLP logs (`/v1/logs`) on or off, overriding `PATTER_OTEL_LOGS` (off
/// by default). NULL `opts`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_set_otel_logs(
    opts: *mut patter_tracing_options_t,
    enabled: bool,
) -> patter_status {
    guard(|| with_topts(opts, |o| o.otel_logs = Some(enabled)))
}

/// Includes (or not) transcript texts and event payloads in those log records, overriding
/// `PATTER_OTEL_LOG_TEXTS` (off by default). NULL `opts`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn patter_tracing_options_set_otel_log_texts(
    opts: *mut patter_tracing_options_t,
    enabled: bool,
) -> patter_status {
    guard(|| with_topts(opts, |o| o.otel_log_texts = Some(enabled)))
}

/// Starts tracing with `opts` (NULL: everything from the environment). Tracing stays off, and
/// `*out_enabled` (optional, may be NULL) receives false, unless `PATTER_OTEL_ENABLED` is
/// `1`/`true`/`yes`. Calling it again while enabled keeps the running configuration; call
/// `patter_shutdown_tracing` first to reconfigure. A malformed endpoint:
/// `PATTER_STATUS_CONFIG`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_init_tracing(
    opts: *const patter_tracing_options_t,
    out_enabled: *mut bool,
) -> patter_status {
    guard(|| {
        let o = if opts.is_null() {
            TracingOptions::default()
        } else {
            let o = TRACING_OPTIONS.get(token(opts), "opts")?;
            let g = o.lock().unwrap_or_else(|p| p.into_inner());
            g.clone()
        };
        let enabled = patter_core::tracing::init_tracing(&o)?;
        unsafe { write_opt(out_enabled, enabled) };
        Ok(())
    })
}

/// Flushes pending spans (bounded by the export timeout plus a second), then removes every
/// sink, attached exporters included. Safe to call twice or without `patter_init_tracing`.
/// Call it before the process exits, or spans still queued are lost. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_shutdown_tracing() -> patter_status {
    guard(|| {
        patter_core::tracing::shutdown_tracing();
        Ok(())
    })
}

/// Whether `patter_init_tracing` enabled tracing and `patter_shutdown_tracing` has not been
/// called since. Never fails. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_is_enabled() -> bool {
    guard_value(false, patter_core::tracing::is_enabled)
}

/// Waits until every span ended before this call has been handed to the exporters, at most
/// `timeout_ms` milliseconds. `*out_flushed` (optional, may be NULL) receives false on
/// timeout. Thread-safe; never call it from a live call's hot path.
#[no_mangle]
pub unsafe extern "C" fn patter_force_flush(timeout_ms: u64, out_flushed: *mut bool) -> patter_status {
    guard(|| {
        let ok = patter_core::tracing::force_flush(Duration::from_millis(timeout_ms));
        unsafe { write_opt(out_flushed, ok) };
        Ok(())
    })
}

/// Writes the span pipeline's counters as a JSON object to `*out_json` (free it with
/// `patter_string_free`): `enabled`, `recording`, `spans_ended`, `dropped`, `exported`,
/// `failed`, `sinks` (per-sink `name`, `exported`, `failed`, `last_error`) and `telemetry`
/// (metrics/logs export counters, see docs/metrics.md). NULL
/// `out_json`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_tracing_stats_json(out_json: *mut *mut c_char) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let json = serde_json::to_string(&patter_core::tracing::stats())
            .map_err(|e| crate::error::FfiError::new(patter_status::PATTER_STATUS_INTERNAL, e.to_string()))?;
        unsafe { give_string(out_json, json, "out_json") }
    })
}

/// Builds the process defaults a first call would otherwise build on its own thread: the
/// pricing table (with `PATTER_PRICING_FILE` overrides) and the `PATTER_LOG_DIR` logger.
/// `patter_init_tracing` does it too; call it at start-up when tracing stays off. Never fails
/// (bad configuration is logged and the defaults are used). Thread-safe.
#[no_mangle]
pub extern "C" fn patter_warm_up() -> patter_status {
    guard(|| {
        patter_core::call::warm_up();
        Ok(())
    })
}

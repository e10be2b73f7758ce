//! Call loggers: where a call's record (metadata.json, transcript.jsonl, events.jsonl under
//! `<root>/calls/YYYY/MM/DD/<call_id>/`) goes, with the `persist` semantics of the Patter SDKs.

use crate::call::to_json;
use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{give_string, opt_str_arg, require_out, write_opt, write_out};
use patter_core::calllog::CallLogger;
use patter_core::config::{Persist, ProcessEnv};
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

/// A call logger (opaque; see `patter_call_logger_new`).
pub struct patter_call_logger_t {
    _opaque: [u8; 0],
}

/// Where a logger writes, as the SDKs' `persist` argument (see `patter_call_logger_new`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_persist {
    /// `persist` not given: `PATTER_LOG_DIR` decides (`auto` = platform default); off when unset.
    PATTER_PERSIST_UNSET = 0,
    /// `persist=False`: never write, even if `PATTER_LOG_DIR` is set.
    PATTER_PERSIST_OFF = 1,
    /// `persist=True`: the platform default directory (Linux: `$XDG_DATA_HOME/patter`, else
    /// `~/.local/share/patter`).
    PATTER_PERSIST_DEFAULT_DIR = 2,
    /// `persist="<path>"`: the given directory (`~` expanded).
    PATTER_PERSIST_PATH = 3,
}

pub(crate) static LOGGERS: Registry<CallLogger> = Registry::new(Kind::Logger);

fn logger_of(logger: *const patter_call_logger_t) -> FfiResult<Arc<CallLogger>> {
    LOGGERS.get(token(logger), "logger")
}

unsafe fn give_logger(out: *mut *mut patter_call_logger_t, logger: CallLogger) -> FfiResult<()> {
    let t = LOGGERS.insert(logger);
    unsafe { write_out(out, handle(t), "out") }
}

/// Creates a logger with its own writer thread. `persist` is a `patter_persist`; `path`
/// (UTF-8) is required with `PATTER_PERSIST_PATH` and must be NULL otherwise. Redaction
/// (`PATTER_LOG_REDACT_PHONE`, `PATTER_LOG_HASH_KEY`) and retention
/// (`PATTER_LOG_RETENTION_DAYS`) come from the environment. No directory is created until a
/// call starts; write failures never reach the call path (they are counted, see
/// `patter_call_logger_stats_json`). An empty path, or no home directory for
/// `PATTER_PERSIST_DEFAULT_DIR`: `PATTER_STATUS_CONFIG`; an unknown `persist` or a path given
/// with another mode: `PATTER_STATUS_INVALID_ARGUMENT`. On success `*out` receives a handle to free
/// with `patter_call_logger_free`. NULL `out`, or NULL `path` with `PATTER_PERSIST_PATH`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_new(
    persist: i32,
    path: *const c_char,
    path_len: usize,
    out: *mut *mut patter_call_logger_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let p = unsafe { opt_str_arg(path, path_len, "path") }?;
        let persist = match (persist, p) {
            (3, None) => return Err(FfiError::null("path")),
            (3, Some(p)) => Persist::Path(p.to_string()),
            (0..=2, Some(_)) => return Err(FfiError::invalid("path", "is only allowed with PATTER_PERSIST_PATH")),
            (0, None) => Persist::Unset,
            (1, None) => Persist::Off,
            (2, None) => Persist::PlatformDefault,
            (other, _) => return Err(FfiError::invalid("persist", format!("{other} is not a patter_persist"))),
        };
        let logger = CallLogger::new(&persist, &ProcessEnv)?;
        unsafe { give_logger(out, logger) }
    })
}

/// Creates a handle to the process default logger (the one calls use when their options name
/// none): configured from the environment the first time it is needed. On success `*out`
/// receives a handle to free with `patter_call_logger_free` (the logger itself lives on).
/// NULL `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_from_env(out: *mut *mut patter_call_logger_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        unsafe { give_logger(out, CallLogger::from_env()) }
    })
}

/// Creates a logger that writes nothing, whatever the environment says (same as
/// `PATTER_PERSIST_OFF`). On success `*out` receives a handle to free with
/// `patter_call_logger_free`. NULL `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_disabled(out: *mut *mut patter_call_logger_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        unsafe { give_logger(out, CallLogger::disabled()) }
    })
}

/// Writes `*out_enabled`: whether the logger writes anything. NULL `logger` or `out_enabled`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_enabled(
    logger: *const patter_call_logger_t,
    out_enabled: *mut bool,
) -> patter_status {
    guard(|| {
        require_out(out_enabled, "out_enabled")?;
        let e = logger_of(logger)?.enabled();
        unsafe { write_out(out_enabled, e, "out_enabled") }
    })
}

/// Writes the log root (the directory holding `calls/`) to `*out_root` (free with
/// `patter_string_free`), or NULL for a disabled logger. A root that is not valid UTF-8 is
/// converted lossily. NULL `logger` or `out_root`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_root(
    logger: *const patter_call_logger_t,
    out_root: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_root, "out_root")?;
        let l = logger_of(logger)?;
        match l.root() {
            Some(r) => unsafe { give_string(out_root, r.to_string_lossy().into_owned(), "out_root") },
            None => unsafe { write_out(out_root, std::ptr::null_mut(), "out_root") },
        }
    })
}

/// Blocks until every record the logger has queued so far is on disk (metadata fsynced).
/// NULL `logger`: `PATTER_STATUS_NULL_POINTER`. Thread-safe; do not call it from a live call's
/// hot path.
#[no_mangle]
pub extern "C" fn patter_call_logger_flush(logger: *const patter_call_logger_t) -> patter_status {
    guard(|| {
        logger_of(logger)?.flush();
        Ok(())
    })
}

/// Like `patter_call_logger_flush`, giving up after `timeout_ms`; `*out_completed` (optional,
/// may be NULL) receives whether everything was written. NULL `logger`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_flush_timeout(
    logger: *const patter_call_logger_t,
    timeout_ms: u64,
    out_completed: *mut bool,
) -> patter_status {
    guard(|| {
        let done = logger_of(logger)?.flush_timeout(Duration::from_millis(timeout_ms));
        unsafe { write_opt(out_completed, done) };
        Ok(())
    })
}

/// Writes the logger's counters as JSON (`written`, `dropped`, `errors`, `sweeps`) to
/// `*out_json` (free with `patter_string_free`). NULL `logger` or `out_json`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_stats_json(
    logger: *const patter_call_logger_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let stats = logger_of(logger)?.stats();
        unsafe { give_string(out_json, to_json(&stats)?, "out_json") }
    })
}

/// Runs a retention sweep now (on the logger's writer thread; it never follows a symlink) and
/// waits for it. `*out_report_json` (optional, may be NULL; free with `patter_string_free`)
/// receives `days_removed`, `months_removed`, `years_removed`, `errors`. NULL `logger`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_sweep_now(
    logger: *const patter_call_logger_t,
    out_report_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        let report = logger_of(logger)?.sweep_now();
        if !out_report_json.is_null() {
            unsafe { give_string(out_report_json, to_json(&report)?, "out_report_json") }?;
        }
        Ok(())
    })
}

/// Frees a logger handle. Options and calls that use the logger keep it alive; the last
/// reference drains the queue and stops the writer thread. NULL is a no-op
/// (`PATTER_STATUS_OK`); a second free returns `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_logger_free(logger: *mut patter_call_logger_t) -> patter_status {
    guard(|| {
        if logger.is_null() {
            return Ok(());
        }
        LOGGERS.remove(token(logger), "logger").map(drop)
    })
}

//! Call loggers: where a call's record (metadata.json, transcript.jsonl, events.jsonl) goes.

use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{require_out, write_out};
use patter_core::calllog::CallLogger;

/// A call logger (opaque; see `patter_call_logger_from_env`).
pub struct patter_call_logger_t {
    _opaque: [u8; 0],
}

pub(crate) static LOGGERS: Registry<CallLogger> = Registry::new(Kind::Logger);

/// Creates a logger configured from the environment (`PATTER_LOG_DIR`, `auto` = platform
/// default; unset = writes nothing), like the process default. On success `*out` receives a
/// handle to free with `patter_call_logger_free`. NULL `out`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_from_env(
    out: *mut *mut patter_call_logger_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let t = LOGGERS.insert(CallLogger::from_env());
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Creates a logger that writes nothing, whatever the environment says (`persist=False`). On
/// success `*out` receives a handle to free with `patter_call_logger_free`. NULL `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_call_logger_disabled(
    out: *mut *mut patter_call_logger_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let t = LOGGERS.insert(CallLogger::disabled());
        unsafe { write_out(out, handle(t), "out") }
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
        let e = LOGGERS.get(token(logger), "logger")?.enabled();
        unsafe { write_out(out_enabled, e, "out_enabled") }
    })
}

/// Blocks until every record the logger has queued so far is on disk. NULL `logger`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe; do not call it from a live call's hot path.
#[no_mangle]
pub extern "C" fn patter_call_logger_flush(logger: *const patter_call_logger_t) -> patter_status {
    guard(|| {
        LOGGERS.get(token(logger), "logger")?.flush();
        Ok(())
    })
}

/// Frees a logger handle. Options and calls that use the logger keep it alive (their records
/// are still written). NULL is a no-op (`PATTER_STATUS_OK`); a second free returns
/// `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_call_logger_free(logger: *mut patter_call_logger_t) -> patter_status {
    guard(|| {
        if logger.is_null() {
            return Ok(());
        }
        LOGGERS.remove(token(logger), "logger").map(drop)
    })
}

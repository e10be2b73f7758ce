//! The core's diagnostics handed to a C host: a callback (function pointer + `user_data`), like
//! a logging callback; without one they are printed to stderr. Codes, rate limit and the
//! delivery thread are the core's.

use crate::guard::guard;
use crate::status::patter_status;
use crate::strings::{give_string, require_out, write_opt};
use patter_core::diagnostics::{self as core, Diagnostic, DiagnosticHandler, Level};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;
use std::time::Duration;

/// `level` of a diagnostic: something was lost or refused, the process goes on.
pub const PATTER_DIAGNOSTIC_WARN: i32 = 1;
/// `level` of a diagnostic: a whole subsystem stopped (an export or writer thread).
pub const PATTER_DIAGNOSTIC_ERROR: i32 = 2;

/// Receives one diagnostic, on libpatter's diagnostics thread (never on a caller's thread, one
/// at a time). `level` is `PATTER_DIAGNOSTIC_WARN` or `PATTER_DIAGNOSTIC_ERROR`; `code` is a
/// stable identifier such as `calllog.write_failed` or `tracing.export_failed`; `message` one
/// human-readable line (no user content); `suppressed` how many diagnostics of this code the
/// rate limit (one per code per 10 s) held back since the previous one. The strings are
/// NUL-terminated UTF-8, valid only during the call.
pub type patter_diagnostic_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: i32,
        code: *const c_char,
        message: *const c_char,
        suppressed: u64,
    ),
>;

/// Called once with `user_data` when a diagnostics callback is replaced: the place to free
/// `user_data`. May be NULL.
pub type patter_diagnostic_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

struct CHandler {
    callback: unsafe extern "C" fn(*mut c_void, i32, *const c_char, *const c_char, u64),
    release: patter_diagnostic_release_fn,
    user_data: usize,
}

impl DiagnosticHandler for CHandler {
    fn handle(&self, d: &Diagnostic) {
        let level = match d.level {
            Level::Warn => PATTER_DIAGNOSTIC_WARN,
            Level::Error => PATTER_DIAGNOSTIC_ERROR,
        };
        let code = CString::new(d.code.as_str()).unwrap_or_default();
        let message = CString::new(d.message.replace('\0', " ")).unwrap_or_default();
        // SAFETY: the host promised a valid function accepting these arguments.
        unsafe { (self.callback)(self.user_data as *mut c_void, level, code.as_ptr(), message.as_ptr(), d.suppressed) };
    }
}

impl Drop for CHandler {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: as above; called once, when the core lets go of the handler.
            unsafe { release(self.user_data as *mut c_void) };
        }
    }
}

/// Sends every diagnostic from now on to `callback` (replacing the previous one, whose
/// `release` is then called). NULL `callback`: back to the default, one line per diagnostic on
/// stderr. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_set_diagnostics_callback(
    callback: patter_diagnostic_fn,
    user_data: *mut c_void,
    release: patter_diagnostic_release_fn,
) -> patter_status {
    guard(|| {
        match callback {
            Some(callback) => {
                core::set_handler(Arc::new(CHandler { callback, release, user_data: user_data as usize }))
            }
            None => core::set_stderr(),
        }
        Ok(())
    })
}

/// Delivers no diagnostics at all (they are still counted in `patter_diagnostics_stats_json`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn patter_set_diagnostics_silent() -> patter_status {
    guard(|| {
        core::set_silent();
        Ok(())
    })
}

/// Waits at most `timeout_ms` until every diagnostic raised so far was delivered; writes
/// whether it was to `*out_flushed` (may be NULL). Thread-safe; do not call it from the
/// diagnostics callback (it would wait for itself until the timeout).
#[no_mangle]
pub unsafe extern "C" fn patter_diagnostics_flush(timeout_ms: u64, out_flushed: *mut bool) -> patter_status {
    guard(|| {
        let ok = core::flush(Duration::from_millis(timeout_ms));
        unsafe { write_opt(out_flushed, ok) };
        Ok(())
    })
}

/// Writes the diagnostics counters as a JSON object to `*out_json` (free it with
/// `patter_string_free`): `raised`, `suppressed`, `delivered`, `dropped`. NULL `out_json`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_diagnostics_stats_json(out_json: *mut *mut c_char) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let json = serde_json::to_string(&core::stats())
            .map_err(|e| crate::error::FfiError::new(patter_status::PATTER_STATUS_INTERNAL, e.to_string()))?;
        unsafe { give_string(out_json, json, "out_json") }
    })
}

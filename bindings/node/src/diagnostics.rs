//! The core's diagnostics handed to JS: `setDiagnosticsHandler(fn)` makes the core call `fn`
//! with each diagnostic on the JS thread (through a weak threadsafe function, so it never keeps
//! the process alive); the package installs one that calls `process.emitWarning` at load. Codes,
//! rate limit and the delivery thread are the core's.

use crate::error::{invalid, IntoJs, Result};
use crate::util::off_thread;
use napi::bindgen_prelude::{AsyncTask, Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task};
use napi_derive::napi;
use patter_core::diagnostics::{self as core, DiagnosticHandler};
use std::sync::Arc;
use std::time::Duration;

/// One diagnostic of the core: a stable `code` (e.g. `calllog.write_failed`), a one-line
/// `message` (never user content), its `level` (`warn` or `error`) and how many of the same code
/// the rate limit (one per code per 10 s) held back since the previous one (`suppressed`).
#[napi(object, object_from_js = false)]
pub struct Diagnostic {
    /// `warn` or `error`.
    pub level: String,
    /// Stable identifier of the kind of diagnostic.
    pub code: String,
    /// One human-readable line.
    pub message: String,
    /// Diagnostics of this code held back since the previous one.
    pub suppressed: f64,
}

type Tsfn = ThreadsafeFunction<Diagnostic, Unknown<'static>, Diagnostic, Status, false, true>;

struct JsHandler(Tsfn);

impl DiagnosticHandler for JsHandler {
    fn handle(&self, d: &core::Diagnostic) {
        let js = Diagnostic {
            level: d.level.as_str().into(),
            code: d.code.as_str().into(),
            message: d.message.clone(),
            suppressed: d.suppressed as f64,
        };
        let _ = self.0.call(js, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// Sends the core's diagnostics to `handler` (called on the JS thread), or back to stderr with
/// `null`. The package calls it at load with a handler that calls `process.emitWarning`.
#[napi(strict, catch_unwind, ts_args_type = "handler: ((diagnostic: Diagnostic) => void) | null")]
pub fn set_diagnostics_handler(handler: Option<Function<Diagnostic, Unknown<'static>>>) -> Result<()> {
    match handler {
        Some(f) => {
            let tsfn: Tsfn = f
                .build_threadsafe_function::<Diagnostic>()
                .callee_handled::<false>()
                .weak::<true>()
                .build()
                .map_err(|e| invalid("handler", e))?;
            core::set_handler(Arc::new(JsHandler(tsfn)));
        }
        None => core::set_stderr(),
    }
    Ok(())
}

/// Delivers no diagnostics at all (they are still counted in {@link diagnosticsStats}).
#[napi(strict, catch_unwind)]
pub fn set_diagnostics_silent() {
    core::set_silent();
}

pub struct DiagnosticsFlushTask(Duration);

#[napi]
impl Task for DiagnosticsFlushTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> napi::Result<bool> {
        let timeout = self.0;
        off_thread(|| core::flush(timeout))
    }
    fn resolve(&mut self, _env: Env, out: bool) -> napi::Result<bool> {
        Ok(out)
    }
}

/// Resolves once every diagnostic raised so far was handed to the handler (its JS call is then
/// queued on the event loop); `false` if that took longer than `timeoutMs` (default: the core's, 10 s).
#[napi(strict, catch_unwind)]
pub fn flush_diagnostics(timeout_ms: Option<f64>) -> Result<AsyncTask<DiagnosticsFlushTask>> {
    let t = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).js()?;
    Ok(AsyncTask::new(DiagnosticsFlushTask(t)))
}

/// Counters of the core's diagnostics.
#[napi(object, object_from_js = false)]
pub struct DiagnosticsStats {
    /// Raised by the core, suppressed ones included.
    pub raised: f64,
    /// Held back by the rate limit (counted in a later diagnostic).
    pub suppressed: f64,
    /// Handed to the handler.
    pub delivered: f64,
    /// Lost because the delivery queue was full.
    pub dropped: f64,
}

/// A snapshot of the diagnostics counters.
#[napi(strict, catch_unwind)]
pub fn diagnostics_stats() -> DiagnosticsStats {
    let s = core::stats();
    DiagnosticsStats {
        raised: s.raised as f64,
        suppressed: s.suppressed as f64,
        delivered: s.delivered as f64,
        dropped: s.dropped as f64,
    }
}

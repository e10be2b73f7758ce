//! `CallLogger`: where call records go on disk (`persist` semantics of the Patter docs).

use crate::error::{IntoJs, Result};
use crate::records::{to_js_value, Json};
use crate::util::off_thread;
use napi::bindgen_prelude::{AsyncTask, Either3, Null};
use napi::{Env, Task};
use napi_derive::napi;
use patter_core::calllog::CallLogger as CoreCallLogger;
use patter_core::config::{Persist, ProcessEnv};
use std::time::Duration;

/// Options of `new CallLogger(…)`.
#[napi(object, object_to_js = false)]
pub struct CallLoggerOptions {
    /// `undefined`/`null`: `PATTER_LOG_DIR` decides (off when unset); `false`: off even if
    /// `PATTER_LOG_DIR` is set; `true`: the platform default directory; a string: that
    /// directory (`~` expanded). Redaction, hash key and retention come from the environment.
    #[napi(ts_type = "boolean | string | null")]
    pub persist: Option<Either3<bool, String, Null>>,
}
crate::option_keys!(CallLoggerOptions: persist);

/// Writes one directory per call (`calls/YYYY/MM/DD/<call id>/`: metadata.json,
/// transcript.jsonl, events.jsonl) on a background writer thread. Pass it as `logger` in
/// {@link CallOptions}; calls started without one use the process logger (`PATTER_LOG_DIR`).
#[napi]
pub struct CallLogger {
    pub(crate) inner: CoreCallLogger,
}

#[napi]
impl CallLogger {
    /// A logger for `persist` (see {@link CallLoggerOptions}). Throws `PATTER_CONFIG` for an
    /// unusable path.
    #[napi(constructor, strict, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "CallLoggerOptions | undefined | null")] options: Option<
            crate::util::Known<CallLoggerOptions>,
        >,
    ) -> Result<Self> {
        let persist = match options.and_then(|o| o.0.persist) {
            None | Some(Either3::C(_)) => Persist::Unset,
            Some(Either3::A(on)) => Persist::from(on),
            Some(Either3::B(path)) => Persist::Path(path),
        };
        Ok(CallLogger { inner: CoreCallLogger::new(&persist, &ProcessEnv).js()? })
    }

    /// The process default logger (what calls started without `logger` use), configured from
    /// the environment (`PATTER_LOG_DIR`, …) the first time it is asked for.
    #[napi(factory, catch_unwind, writable = true, configurable = true, js_name = "default")]
    pub fn default_logger() -> Self {
        CallLogger { inner: CoreCallLogger::from_env() }
    }

    /// Whether this logger writes anything.
    #[napi(getter, catch_unwind)]
    pub fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    /// The log root (the directory holding `calls/`), or null when disabled.
    #[napi(getter, catch_unwind)]
    pub fn root(&self) -> Option<String> {
        self.inner.root().map(|p| p.to_string_lossy().into_owned())
    }

    /// Resolves once everything queued so far is written (metadata fsynced); `false` if that
    /// took longer than `timeoutMs` (default: the core's, 10000).
    #[napi(strict, catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn flush(&self, timeout_ms: Option<f64>) -> Result<AsyncTask<LogFlushTask>> {
        let timeout = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).js()?;
        Ok(AsyncTask::new(LogFlushTask { logger: self.inner.clone(), timeout }))
    }

    /// Counters: `written`, `dropped` (queue full), `errors`, `sweeps`.
    #[napi(catch_unwind, ts_return_type = "LogStats")]
    pub fn stats(&self) -> Result<serde_json::Value> {
        to_js_value(&self.inner.stats())
    }

    /// Runs a retention sweep now (on the writer thread) and resolves its report.
    #[napi(catch_unwind, ts_return_type = "Promise<SweepReport>")]
    pub fn sweep_now(&self) -> AsyncTask<SweepTask> {
        AsyncTask::new(SweepTask { logger: self.inner.clone() })
    }
}

pub struct LogFlushTask {
    logger: CoreCallLogger,
    timeout: Duration,
}

#[napi]
impl Task for LogFlushTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> napi::Result<bool> {
        let (logger, timeout) = (&self.logger, self.timeout);
        off_thread(|| logger.flush_timeout(timeout))
    }
    fn resolve(&mut self, _env: Env, out: bool) -> napi::Result<bool> {
        Ok(out)
    }
}

pub struct SweepTask {
    logger: CoreCallLogger,
}

#[napi]
impl Task for SweepTask {
    type Output = serde_json::Value;
    type JsValue = Json;
    fn compute(&mut self) -> napi::Result<serde_json::Value> {
        let report = off_thread(|| self.logger.sweep_now())?;
        serde_json::to_value(report).map_err(|e| napi::Error::from_reason(e.to_string()))
    }
    fn resolve(&mut self, _env: Env, out: serde_json::Value) -> napi::Result<Json> {
        Ok(Json(out))
    }
}

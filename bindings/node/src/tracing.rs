//! `initTracing`, `isEnabled`, `shutdownTracing`, `forceFlush`, `tracingStats`.
//! Anything that can wait runs on the libuv thread pool and returns a promise.

use crate::error::{IntoJs, Result};
use crate::util::{off_thread, Checked};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;
use patter_core::config::TracingOptions as CoreTracingOptions;
use patter_core::tracing as t;
use std::collections::HashMap;
use std::time::Duration;

/// Options of {@link initTracing}. Anything not given falls back to the environment
/// (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_ENDPOINT`, …), then to the defaults.
#[napi(object, object_to_js = false)]
pub struct TracingOptions {
    /// `service.name` resource attribute (default `OTEL_SERVICE_NAME`, then `patter`).
    pub service_name: Option<String>,
    /// OTLP/HTTP base endpoint, e.g. `http://localhost:4318` (`/v1/traces` is appended).
    pub otlp_endpoint: Option<String>,
    /// Extra resource attributes (override `OTEL_RESOURCE_ATTRIBUTES` keys).
    #[napi(ts_type = "Record<string, string>")]
    pub resource_attributes: Option<Checked<HashMap<String, String>>>,
    /// Extra OTLP request headers (override `OTEL_EXPORTER_OTLP_HEADERS` keys).
    #[napi(ts_type = "Record<string, string>")]
    pub headers: Option<Checked<HashMap<String, String>>>,
    /// Print spans to stderr (default `OTEL_CONSOLE_EXPORT`).
    pub console: Option<bool>,
    /// Also append OTLP-JSON lines to this file (default `PATTER_OTEL_FILE`).
    pub file: Option<String>,
    /// Disable the OTLP/HTTP exporter (console/file/attached exporters only).
    pub disable_otlp: Option<bool>,
    /// OTLP metrics on/off (default `OTEL_METRICS_EXPORTER`; on with tracing unless `none`).
    pub metrics: Option<bool>,
    /// Call records as OTLP logs (default `PATTER_OTEL_LOGS`; off).
    pub otel_logs: Option<bool>,
    /// Transcript texts and event payloads in those logs (default `PATTER_OTEL_LOG_TEXTS`; off).
    pub otel_log_texts: Option<bool>,
}
crate::option_keys!(TracingOptions: service_name, otlp_endpoint, resource_attributes, headers, console, file, disable_otlp, metrics, otel_logs, otel_log_texts);

fn sorted(m: Option<Checked<HashMap<String, String>>>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = m.map(|c| c.0).unwrap_or_default().into_iter().collect();
    v.sort();
    v
}

/// Starts tracing. Returns `false` (and every span stays a no-op) unless `PATTER_OTEL_ENABLED`
/// is `1`/`true`/`yes`. Calling it again while enabled keeps the running configuration and
/// returns `true`; await {@link shutdownTracing} first to reconfigure.
/// Throws `PATTER_CONFIG` for an unusable endpoint.
#[napi(strict, catch_unwind)]
pub fn init_tracing(
    #[napi(ts_arg_type = "TracingOptions | undefined | null")] options: Option<crate::util::Known<TracingOptions>>,
) -> Result<bool> {
    let o = options.map(|o| o.0).unwrap_or(TracingOptions {
        service_name: None,
        otlp_endpoint: None,
        resource_attributes: None,
        headers: None,
        console: None,
        file: None,
        disable_otlp: None,
        metrics: None,
        otel_logs: None,
        otel_log_texts: None,
    });
    let opts = CoreTracingOptions {
        service_name: o.service_name,
        otlp_endpoint: o.otlp_endpoint,
        resource_attributes: sorted(o.resource_attributes),
        headers: sorted(o.headers),
        console: o.console,
        file: o.file.map(Into::into),
        disable_otlp: o.disable_otlp,
        metrics: o.metrics,
        otel_logs: o.otel_logs,
        otel_log_texts: o.otel_log_texts,
    };
    t::init_tracing(&opts).js()
}

/// Whether {@link initTracing} succeeded and tracing has not been shut down since.
#[napi(strict, catch_unwind)]
pub fn is_enabled() -> bool {
    t::is_enabled()
}

/// Whether new calls record spans right now (tracing enabled or an exporter attached).
#[napi(strict, catch_unwind)]
pub fn is_recording() -> bool {
    t::is_recording()
}

pub struct ShutdownTask;

#[napi]
impl Task for ShutdownTask {
    type Output = ();
    type JsValue = ();
    fn compute(&mut self) -> napi::Result<()> {
        off_thread(t::shutdown_tracing)
    }
    fn resolve(&mut self, _env: Env, _out: ()) -> napi::Result<()> {
        Ok(())
    }
}

/// Flushes pending spans, then removes every sink (attached exporters included). Resolves
/// when done; safe to call twice or without {@link initTracing}.
#[napi(strict, catch_unwind)]
pub fn shutdown_tracing() -> AsyncTask<ShutdownTask> {
    AsyncTask::new(ShutdownTask)
}

pub struct FlushTask(Duration);

#[napi]
impl Task for FlushTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> napi::Result<bool> {
        let timeout = self.0;
        off_thread(|| t::force_flush(timeout))
    }
    fn resolve(&mut self, _env: Env, out: bool) -> napi::Result<bool> {
        Ok(out)
    }
}

/// Waits until every span ended before this call has been handed to the sinks. Resolves
/// `false` if that took longer than `timeoutMs` (default 10000).
#[napi(strict, catch_unwind)]
pub fn force_flush(timeout_ms: Option<f64>) -> Result<AsyncTask<FlushTask>> {
    let timeout = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).js()?;
    Ok(AsyncTask::new(FlushTask(timeout)))
}

/// Export counters of one sink.
#[napi(object, object_from_js = false)]
pub struct SinkStats {
    /// `otlp:<url>`, `console`, `file:<path>` or `callback:<id>`.
    pub name: String,
    /// Spans delivered.
    pub exported: f64,
    /// Spans in batches the sink failed to deliver.
    pub failed: f64,
    /// The latest failure, if any.
    pub last_error: Option<String>,
}

/// Counters of the span pipeline since process start.
#[napi(object, object_from_js = false)]
pub struct TracingStats {
    /// {@link initTracing} is in effect.
    pub enabled: bool,
    /// New calls record spans.
    pub recording: bool,
    /// Spans ended by callers.
    pub spans_ended: f64,
    /// Spans dropped because the export queue was full.
    pub dropped: f64,
    /// Spans every sink accepted.
    pub exported: f64,
    /// Spans at least one sink failed to deliver (per-sink detail in `sinks`).
    pub failed: f64,
    /// Spans given up without an export: still queued or in flight when `shutdownTracing`'s
    /// deadline passed, or ended while nothing was recording.
    pub discarded: f64,
    /// Spans queued or being exported right now (0 once `shutdownTracing` has returned).
    pub pending: f64,
    /// The current sinks.
    pub sinks: Vec<SinkStats>,
    /// OTLP metrics and call-record logs export.
    pub telemetry: TelemetryStats,
}

/// Counters of the OTLP metrics and logs export (see `docs/metrics.md`).
#[napi(object, object_from_js = false)]
pub struct TelemetryStats {
    /// Calls record metrics.
    pub metrics_enabled: bool,
    /// Calls emit log records.
    pub logs_enabled: bool,
    /// Log records carry texts.
    pub log_texts: bool,
    /// Successful metric exports.
    pub metric_exports: f64,
    /// Failed metric exports.
    pub metric_export_failures: f64,
    /// Log records emitted by calls.
    pub log_records_emitted: f64,
    /// Log records dropped because the queue was full.
    pub log_records_dropped: f64,
    /// Log records the collector accepted.
    pub log_records_exported: f64,
    /// Log records in batches the collector did not accept.
    pub log_records_failed: f64,
    /// Log records given up at shutdown.
    pub log_records_discarded: f64,
    /// The latest export failure, if any.
    pub last_error: Option<String>,
}

/// A snapshot of the span pipeline's counters (drops and export failures are counted here,
/// never thrown).
#[napi(strict, catch_unwind)]
pub fn tracing_stats() -> TracingStats {
    let s = t::stats();
    TracingStats {
        enabled: s.enabled,
        recording: s.recording,
        spans_ended: s.spans_ended as f64,
        dropped: s.dropped as f64,
        exported: s.exported as f64,
        failed: s.failed as f64,
        discarded: s.discarded as f64,
        pending: s.pending as f64,
        sinks: s
            .sinks
            .into_iter()
            .map(|k| SinkStats {
                name: k.name,
                exported: k.exported as f64,
                failed: k.failed as f64,
                last_error: k.last_error,
            })
            .collect(),
        telemetry: TelemetryStats {
            metrics_enabled: s.telemetry.metrics_enabled,
            logs_enabled: s.telemetry.logs_enabled,
            log_texts: s.telemetry.log_texts,
            metric_exports: s.telemetry.metric_exports as f64,
            metric_export_failures: s.telemetry.metric_export_failures as f64,
            log_records_emitted: s.telemetry.log_records_emitted as f64,
            log_records_dropped: s.telemetry.log_records_dropped as f64,
            log_records_exported: s.telemetry.log_records_exported as f64,
            log_records_failed: s.telemetry.log_records_failed as f64,
            log_records_discarded: s.telemetry.log_records_discarded as f64,
            last_error: s.telemetry.last_error,
        },
    }
}

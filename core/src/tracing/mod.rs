//! OpenTelemetry tracing: configuration, the span pipeline and its sinks, the span catalogue.
//!
//! Spans are recorded as the official `opentelemetry_sdk` export record (`SpanData`), queued by
//! libpatter (so drops and failures are counted and the caller never blocks), encoded once per
//! batch straight to OTLP protobuf / OTLP-JSON (`wire`, byte-identical to the official
//! `opentelemetry-proto` encoding) and sent over OTLP/HTTP with the spec's retry rules
//! (`otlp_http`).

pub mod encode;
pub mod host_exporter;
mod json_writer;
pub mod names;
pub(crate) mod otlp_http;
mod pipeline;
mod queue;
mod sinks;
pub mod traceparent;
pub mod wire;

pub use host_exporter::{decode_spans_json, host_exporter, HostExporter};
pub(crate) use pipeline::recorder;
#[cfg(test)]
pub(crate) use pipeline::span_queue;
pub use pipeline::{
    attach_span_exporter, detach_span_exporter, force_flush, init_tracing, init_tracing_with_env, is_enabled,
    is_recording, shutdown_tracing, stats, SinkStats, TracingStats, SHUTDOWN_GRACE,
};
pub(crate) use queue::SpanQueue;
pub use sinks::{SpanBatch, SpanCallback};

use std::sync::RwLock;

/// The side stamped on cost/latency spans when a call does not name one.
pub const DEFAULT_SIDE: &str = "uut";

static DEFAULT_SIDE_OVERRIDE: RwLock<Option<String>> = RwLock::new(None);

/// Sets the side used by calls started without one (set by `attach_span_exporter(side=…)`).
pub fn set_default_side(side: &str) {
    if let Ok(mut s) = DEFAULT_SIDE_OVERRIDE.write() {
        *s = Some(side.to_string());
    }
}

/// The side used by calls started without one.
pub fn default_side() -> String {
    DEFAULT_SIDE_OVERRIDE.read().ok().and_then(|s| s.clone()).unwrap_or_else(|| DEFAULT_SIDE.to_string())
}

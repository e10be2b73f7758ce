//! Starting and ending SDK spans for a Call: explicit parent, explicit ids, explicit times.

use crate::clock::{IdSource, Timestamp};
use opentelemetry::trace::{Span as _, SpanBuilder, SpanContext, SpanId, TraceContextExt, TraceId, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, Span as SdkSpan};

/// A recording span and its context (for children).
pub(crate) struct OtelSpan {
    pub(crate) span: SdkSpan,
    pub(crate) ctx: SpanContext,
    /// A context whose active span is this one, built once so that children started under it
    /// clone it (a refcount) instead of allocating a new one each.
    pub(crate) as_parent: Option<Context>,
}

/// Starts `name` under `parent` (root when None) at `start` with `attrs`. With `will_parent`,
/// the span keeps a context for its children.
pub(crate) fn start(
    tracer: &SdkTracer,
    ids: &dyn IdSource,
    name: &'static str,
    parent: Option<&OtelSpan>,
    start: Timestamp,
    attrs: Vec<KeyValue>,
    will_parent: bool,
) -> OtelSpan {
    let builder = SpanBuilder::from_name(name).with_start_time(start.to_system_time()).with_attributes(attrs);
    let span_id = SpanId::from_bytes(ids.span_id());
    let root = Context::new();
    let (cx, trace) = match parent {
        Some(p) => (p.as_parent.as_ref().unwrap_or(&root), None),
        None => (&root, Some(TraceId::from_bytes(ids.trace_id()))),
    };
    let span = crate::tracing::with_ids(trace, span_id, || tracer.build_with_context(builder, cx));
    let ctx = span.span_context().clone();
    let as_parent = will_parent.then(|| Context::new().with_remote_span_context(ctx.clone()));
    OtelSpan { span, ctx, as_parent }
}

/// Ends `span` at `end`.
pub(crate) fn end(mut span: SdkSpan, end: Timestamp) {
    span.end_with_timestamp(end.to_system_time());
}

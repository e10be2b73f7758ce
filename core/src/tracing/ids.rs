//! Lets a Call choose the ids of the spans it starts through the SDK tracer.
//!
//! The SDK asks the provider's id generator for ids inside `build_with_context`; the Call
//! puts the ids it wants into a thread-local slot right before that call, so that span ids
//! come from the Call's injectable [`IdSource`](crate::clock::IdSource) (deterministic in
//! tests) while spans are still built by the official SDK.

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator};
use std::cell::Cell;

thread_local! {
    static NEXT: Cell<(Option<TraceId>, Option<SpanId>)> = const { Cell::new((None, None)) };
}

/// Runs `f` with the given ids preset for the span `f` builds on this thread.
pub(crate) fn with_ids<R>(trace: Option<TraceId>, span: SpanId, f: impl FnOnce() -> R) -> R {
    NEXT.with(|n| n.set((trace, Some(span))));
    let r = f();
    NEXT.with(|n| n.set((None, None)));
    r
}

/// The provider's id generator: preset ids when a Call set them, random otherwise.
#[derive(Debug, Default)]
pub(crate) struct PresetIdGenerator {
    fallback: RandomIdGenerator,
}

impl IdGenerator for PresetIdGenerator {
    fn new_trace_id(&self) -> TraceId {
        NEXT.with(|n| {
            let (t, s) = n.get();
            n.set((None, s));
            t
        })
        .unwrap_or_else(|| self.fallback.new_trace_id())
    }

    fn new_span_id(&self) -> SpanId {
        NEXT.with(|n| {
            let (t, s) = n.get();
            n.set((t, None));
            s
        })
        .unwrap_or_else(|| self.fallback.new_span_id())
    }
}

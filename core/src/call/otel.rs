//! A Call's spans, recorded directly as the OpenTelemetry SDK's export record (`SpanData`).
//!
//! The Call already decides everything the SDK tracer would (ids from its [`IdSource`], the
//! parent, start and end times; every span is sampled), so it fills in `SpanData` itself, in a
//! record recycled by the export thread, and hands the finished record to the export queue,
//! skipping the SDK span wrapper's context, sampler and processor dispatch (about a third of
//! the instructions of a span) and, in the steady state, any allocation. The SDK's rules that
//! change the exported bytes are kept: at most [`ATTRIBUTE_LIMIT`] attributes (the rest counted
//! as dropped) and a status that only moves up (`Unset < Error < Ok`).

use crate::clock::{IdSource, Timestamp};
use crate::tracing::traceparent::ParentContext;
use crate::tracing::SpanQueue;
use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

/// The SDK's default limit of attributes per span.
pub(crate) const ATTRIBUTE_LIMIT: usize = 128;

/// Where a span hangs: a new trace, a span of the host's trace (from a `traceparent`), or a
/// span of this call.
#[derive(Clone, Copy)]
pub(crate) enum Parent<'a> {
    /// The first span of a new trace.
    Root,
    /// A remote parent: the call joins its trace.
    Remote(&'a ParentContext),
    /// A span of this call.
    Local(&'a OtelSpan),
}

/// A span being recorded. Ending it queues it for export.
pub(crate) struct OtelSpan {
    data: Box<SpanData>,
    queue: &'static SpanQueue,
}

impl OtelSpan {
    /// Starts `name` under `parent` at `start`. `record` comes from [`SpanQueue::record`] with
    /// the span's attributes already pushed.
    pub(crate) fn start(
        queue: &'static SpanQueue,
        mut record: Box<SpanData>,
        ids: &dyn IdSource,
        name: &'static str,
        parent: Parent<'_>,
        start: Timestamp,
    ) -> OtelSpan {
        let span_id = SpanId::from_bytes(ids.span_id());
        let (trace_id, parent_span_id, remote, flags, trace_state) = match parent {
            Parent::Local(p) => {
                let c = p.context();
                (c.trace_id(), c.span_id(), false, c.trace_flags(), c.trace_state().clone())
            }
            Parent::Remote(p) => (
                TraceId::from_bytes(p.trace_id),
                SpanId::from_bytes(p.span_id),
                true,
                TraceFlags::new(p.flags) | TraceFlags::SAMPLED,
                p.trace_state.clone(),
            ),
            Parent::Root => {
                (TraceId::from_bytes(ids.trace_id()), SpanId::INVALID, false, TraceFlags::SAMPLED, TraceState::NONE)
            }
        };
        // Filled in place: the record keeps its instrumentation scope (the queue's, set when
        // the record was made) instead of dropping a whole record and cloning the scope again.
        debug_assert!(record.instrumentation_scope == *queue.scope(), "a record of another queue");
        let at = start.to_system_time();
        let r = &mut *record;
        r.dropped_attributes_count = r.attributes.len().saturating_sub(ATTRIBUTE_LIMIT) as u32;
        r.attributes.truncate(ATTRIBUTE_LIMIT);
        r.span_context = SpanContext::new(trace_id, span_id, flags, false, trace_state);
        r.parent_span_id = parent_span_id;
        r.parent_span_is_remote = remote;
        r.span_kind = SpanKind::Internal;
        r.name = name.into();
        r.start_time = at;
        r.end_time = at;
        r.events = SpanEvents::default();
        r.links = SpanLinks::default();
        r.status = Status::Unset;
        OtelSpan { data: record, queue }
    }

    /// The span's trace and span ids.
    pub(crate) fn context(&self) -> &SpanContext {
        &self.data.span_context
    }

    /// Adds one attribute (dropped and counted beyond [`ATTRIBUTE_LIMIT`]).
    pub(crate) fn set_attribute(&mut self, kv: KeyValue) {
        if self.data.attributes.len() < ATTRIBUTE_LIMIT {
            self.data.attributes.push(kv);
        } else {
            self.data.dropped_attributes_count += 1;
        }
    }

    /// Adds attributes in order.
    pub(crate) fn set_attributes(&mut self, kvs: impl IntoIterator<Item = KeyValue>) {
        for kv in kvs {
            self.set_attribute(kv);
        }
    }

    /// Sets the status unless it is already higher (`Unset < Error < Ok`).
    pub(crate) fn set_status(&mut self, status: Status) {
        if status > self.data.status {
            self.data.status = status;
        }
    }

    /// Ends the span at `end` and queues it for export (never blocks).
    pub(crate) fn end(mut self, end: Timestamp) {
        self.data.end_time = end.to_system_time();
        self.queue.submit(self.data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SequentialIds;

    fn queue() -> &'static SpanQueue {
        crate::tracing::span_queue()
    }

    fn start(ids: &SequentialIds, name: &'static str, parent: Option<&OtelSpan>, attrs: Vec<KeyValue>) -> OtelSpan {
        let mut record = queue().record();
        record.attributes.extend(attrs);
        let parent = parent.map_or(Parent::Root, Parent::Local);
        OtelSpan::start(queue(), record, ids, name, parent, Timestamp(5))
    }

    #[test]
    fn children_share_the_trace_and_name_their_parent() {
        let ids = SequentialIds::new(3);
        let root = start(&ids, "a", None, vec![]);
        let child = start(&ids, "b", Some(&root), vec![]);
        assert_eq!(root.data.parent_span_id, SpanId::INVALID);
        assert_eq!(child.data.parent_span_id, root.context().span_id());
        assert_eq!(child.context().trace_id(), root.context().trace_id());
        assert_ne!(child.context().span_id(), root.context().span_id());
        assert!(child.context().is_sampled() && !child.context().is_remote());
    }

    #[test]
    fn a_remote_parent_gives_trace_flags_and_state_to_the_whole_call() {
        let ids = SequentialIds::new(4);
        let mut p =
            crate::tracing::traceparent::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")
                .unwrap();
        p.trace_state = crate::tracing::traceparent::parse_tracestate("congo=t61").unwrap();
        let root = OtelSpan::start(queue(), queue().record(), &ids, "call", Parent::Remote(&p), Timestamp(5));
        let child = start(&ids, "turn", Some(&root), vec![]);
        assert_eq!(root.context().trace_id(), TraceId::from_bytes(p.trace_id));
        assert_eq!(root.data.parent_span_id, SpanId::from_bytes(p.span_id));
        assert!(root.data.parent_span_is_remote && !child.data.parent_span_is_remote);
        for s in [&root, &child] {
            assert_eq!(s.context().trace_flags().to_u8(), 0x03);
            assert_eq!(s.context().trace_state().header(), "congo=t61");
        }
        assert_eq!(child.context().trace_id(), root.context().trace_id());
    }

    #[test]
    fn attributes_beyond_the_limit_are_counted_not_kept() {
        let ids = SequentialIds::new(1);
        let attrs: Vec<KeyValue> = (0..ATTRIBUTE_LIMIT as i64 + 2).map(|i| KeyValue::new("k", i)).collect();
        let mut s = start(&ids, "a", None, attrs);
        assert_eq!((s.data.attributes.len(), s.data.dropped_attributes_count), (ATTRIBUTE_LIMIT, 2));
        s.set_attribute(KeyValue::new("late", 1));
        assert_eq!((s.data.attributes.len(), s.data.dropped_attributes_count), (ATTRIBUTE_LIMIT, 3));
    }

    #[test]
    fn status_only_moves_up() {
        let ids = SequentialIds::new(2);
        let mut s = start(&ids, "a", None, vec![]);
        s.set_status(Status::error("first"));
        s.set_status(Status::Unset);
        assert_eq!(s.data.status, Status::error("first"));
        s.set_status(Status::Ok);
        s.set_status(Status::error("late"));
        assert_eq!(s.data.status, Status::Ok);
    }
}

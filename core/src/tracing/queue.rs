//! The span queue between callers and the export thread, and the counters every span ends in.
//!
//! The caller's thread only does `try_send`: a full queue drops the span and counts it.
//! Span records travel as `Box<SpanData>` (the queue moves a pointer, not the record, and the
//! allocation is reused), hence the `Vec<Box<_>>`s below.
#![allow(clippy::vec_box)]

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SpanData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

/// Span-level counters of one pipeline. Every ended span ends in exactly one of `dropped`,
/// `exported`, `failed` or `discarded`, or is still queued/in flight.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub ended: AtomicU64,
    /// The queue was full.
    pub dropped: AtomicU64,
    /// Every sink accepted the span.
    pub exported: AtomicU64,
    /// At least one sink failed to deliver the span.
    pub failed: AtomicU64,
    /// Given up without an export attempt: still queued or in flight when `shutdown_tracing`'s
    /// deadline passed, ended while nothing was recording, or ended in a forked child by a
    /// span that started before the fork.
    pub discarded: AtomicU64,
}

/// Control messages for the export thread (spans travel on their own queue).
pub(crate) enum Ctl {
    /// A full batch is waiting.
    Wake,
    /// Export everything queued so far, then acknowledge.
    Flush(SyncSender<()>),
}

/// Where finished spans go: `submit` never blocks. The export thread never sleeps on the span
/// queue itself (that would cost a wake-up syscall per span); it polls the queue on a timer and
/// is woken only when a full batch is waiting.
#[derive(Debug)]
pub(crate) struct SpanQueue {
    spans: SyncSender<Box<SpanData>>,
    ctl: SyncSender<Ctl>,
    pending: AtomicU64,
    max_batch: u64,
    pub(crate) counters: Arc<Counters>,
    scope: InstrumentationScope,
    /// Records the export thread is done with, handed back so that a span costs the caller no
    /// allocation (and the allocator no cross-thread free) in the steady state.
    pool: Mutex<Vec<Box<SpanData>>>,
    /// Most records the pool keeps while spans flow ([`POOL_BATCHES`] batches): room for the
    /// records a caller takes while the queue fills up a little, which come back when it drains
    /// again; a smaller pool had the export thread free those and the caller allocate new ones
    /// on every such swing.
    pool_cap: usize,
    /// What the pool is cut back to after a burst ([`shrink_pool`](Self::shrink_pool)).
    pool_rest: usize,
    /// The fork generation this queue's export thread lives in.
    generation: u64,
}

impl std::fmt::Debug for Ctl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ctl::Wake => "Wake",
            Ctl::Flush(_) => "Flush",
        })
    }
}

/// Attribute capacity of a new record: an LLM span with its time to first token, usage and
/// cost has 18 (19 with cached input), so a new record never grows (a reallocation and copy on
/// the caller's thread) while its span is recorded.
pub(crate) const RECORD_ATTRIBUTES: usize = 24;

/// The record pool's bound while spans flow, in batches (see `SpanQueue::pool_cap`).
const POOL_BATCHES: usize = 8;
/// The record pool's bound after a burst, in batches.
const POOL_REST_BATCHES: usize = 2;

impl SpanQueue {
    /// A queue feeding `spans`, waking the export thread through `ctl` every `max_batch` spans.
    pub(crate) fn new(
        spans: SyncSender<Box<SpanData>>,
        ctl: SyncSender<Ctl>,
        max_batch: usize,
        counters: Arc<Counters>,
    ) -> Self {
        SpanQueue {
            spans,
            ctl,
            pending: AtomicU64::new(0),
            max_batch: max_batch as u64,
            counters,
            scope: InstrumentationScope::builder(super::names::SCOPE_NAME).build(),
            pool: Mutex::new(Vec::with_capacity(POOL_BATCHES * max_batch)),
            pool_cap: POOL_BATCHES * max_batch,
            pool_rest: POOL_REST_BATCHES * max_batch,
            generation: crate::fork::generation(),
        }
    }

    /// A record for a new span: a recycled one (attributes cleared, capacity kept) when the
    /// export thread has returned some, else a new one. Never waits for the pool's lock.
    pub(crate) fn record(&self) -> Box<SpanData> {
        let recycled = self.pool.try_lock().ok().and_then(|mut p| p.pop());
        match recycled {
            Some(mut r) => {
                // Already cleared by `recycle` (a no-op then); kept so a record never carries
                // stale attributes whatever returned it.
                r.attributes.clear();
                r
            }
            None => {
                let mut r = Box::new(self.empty_record());
                r.attributes.reserve(RECORD_ATTRIBUTES);
                r
            }
        }
    }

    /// A blank record (no attributes, no allocation).
    pub(crate) fn empty_record(&self) -> SpanData {
        SpanData {
            span_context: opentelemetry::trace::SpanContext::NONE,
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: opentelemetry::trace::SpanKind::Internal,
            name: "".into(),
            start_time: std::time::UNIX_EPOCH,
            end_time: std::time::UNIX_EPOCH,
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: Default::default(),
            links: Default::default(),
            status: opentelemetry::trace::Status::Unset,
            instrumentation_scope: self.scope.clone(),
        }
    }

    /// Takes back exported records (export thread), keeping at most `pool_cap`. Their
    /// attributes were dropped on the export thread right after export (the pipeline's
    /// `Batch::clear_attributes`), so that the caller's [`record`](Self::record) does not pay
    /// for it; clearing again here costs nothing then and keeps the pool clean whatever
    /// returned the records.
    pub(crate) fn recycle(&self, records: &mut Vec<Box<SpanData>>) {
        let room = self.pool.lock().map(|p| self.pool_cap.saturating_sub(p.len())).unwrap_or(0);
        let n = room.min(records.len());
        for r in &mut records[..n] {
            r.attributes.clear();
        }
        if let Ok(mut pool) = self.pool.lock() {
            let n = n.min(self.pool_cap.saturating_sub(pool.len()));
            pool.extend(records.drain(..n));
        }
        records.clear();
    }

    /// After a burst: frees pooled records beyond [`POOL_REST_BATCHES`] batches, so that what a
    /// burst leaves resident is no more than before it (the caller then trims the heap).
    pub(crate) fn shrink_pool(&self) {
        let surplus: Vec<Box<SpanData>> = match self.pool.lock() {
            Ok(mut pool) if pool.len() > self.pool_rest => {
                let keep = self.pool_rest;
                pool.drain(keep..).collect()
            }
            _ => Vec::new(),
        };
        drop(surplus); // outside the lock: the caller's `record` never waits for the frees
    }

    /// The instrumentation scope every span carries (`getpatter`).
    pub(crate) fn scope(&self) -> &InstrumentationScope {
        &self.scope
    }

    /// Queues a finished span; a full queue drops it and counts the drop. A span ended while
    /// nothing records (after `shutdown_tracing`) is counted as discarded at once; one that
    /// started before a `fork()` and ends in the child is counted in the child's pipeline.
    pub(crate) fn submit(&self, span: Box<SpanData>) {
        if self.generation != crate::fork::generation() {
            super::pipeline::discard_stale(span);
            return;
        }
        self.counters.ended.fetch_add(1, Ordering::Relaxed);
        if !super::pipeline::is_recording() {
            self.counters.discarded.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.spans.try_send(span) {
            Ok(()) => {
                if (self.pending.fetch_add(1, Ordering::Relaxed) + 1) % self.max_batch == 0 {
                    let _ = self.ctl.try_send(Ctl::Wake);
                }
            }
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                let d = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                crate::diagnostics::report(
                    crate::diagnostics::Level::Warn,
                    crate::diagnostics::Code::TracingQueueFull,
                    || format!("span queue full: span dropped ({d} dropped so far); the exporters cannot keep up"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;
    use std::sync::mpsc::{sync_channel, Receiver};

    fn queue(max_batch: usize) -> (SpanQueue, Receiver<Box<SpanData>>) {
        let (tx, rx) = sync_channel(4);
        let (ctl, _) = sync_channel(1);
        (SpanQueue::new(tx, ctl, max_batch, Arc::new(Counters::default())), rx)
    }

    #[test]
    fn recycled_records_come_back_empty_with_their_capacity() {
        let (q, _rx) = queue(1);
        let mut dirty = Box::new(q.empty_record());
        dirty.attributes.extend((0..40).map(|i| KeyValue::new("stale", i as i64)));
        let cap = dirty.attributes.capacity();
        q.recycle(&mut vec![dirty]);
        let r = q.record();
        assert!(r.attributes.is_empty());
        assert_eq!(r.attributes.capacity(), cap, "the recycled record was not the one reused");
        let fresh = q.record();
        assert!(fresh.attributes.is_empty() && fresh.attributes.capacity() >= RECORD_ATTRIBUTES);
    }

    #[test]
    fn the_pool_is_bounded() {
        let (q, _rx) = queue(2);
        let mut many: Vec<Box<SpanData>> = (0..40).map(|_| Box::new(q.empty_record())).collect();
        q.recycle(&mut many);
        assert!(many.is_empty());
        assert_eq!(q.pool.lock().unwrap().len(), 2 * POOL_BATCHES);
    }

    #[test]
    fn the_pool_keeps_a_queue_swing_of_records_and_is_cut_back_after_a_burst() {
        // The caller took 6 batches of records while the queue filled up (none pooled then);
        // they all come back as the queue drains and stay for the next swing.
        let (q, _rx) = queue(2);
        let mut back: Vec<Box<SpanData>> = (0..12).map(|_| Box::new(q.empty_record())).collect();
        q.recycle(&mut back);
        assert_eq!(q.pool.lock().unwrap().len(), 12);
        q.shrink_pool();
        assert_eq!(q.pool.lock().unwrap().len(), 2 * POOL_REST_BATCHES);
        q.shrink_pool();
        assert_eq!(q.pool.lock().unwrap().len(), 2 * POOL_REST_BATCHES);
    }
}

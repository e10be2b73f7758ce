//! Exporters written by the host (a Python object, a JS function, a C function pointer): one
//! contract for every language. Each batch reaches the host as the OTLP protobuf bytes of an
//! `ExportTraceServiceRequest` (encoded once per batch, shared with the OTLP sink), and
//! [`decode_spans_json`] turns such bytes into the canonical OTLP-JSON every binding's decode
//! helper returns.
//!
//! Host code is slow and may block (a GIL, a busy JS thread), so it never runs on the export
//! thread: each host exporter has its own worker thread fed by a bounded queue of batches. A
//! slow exporter costs its own batches (dropped when its queue is full, counted as failed in the
//! pipeline's stats and reported as a diagnostic), never the OTLP export of the others.
//! `force_flush` and shutdown wait for these queues too. After `fork()` the child starts a new
//! worker and leaves the parent's (whose thread is gone) untouched.

use super::sinks::{SpanBatch, SpanCallback};
use crate::diagnostics::{self, Code, Level};
use crate::{PatterError, Result};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// Batches a host exporter may have waiting before new ones are dropped (512 spans each at most:
/// 32,768 spans).
pub const HOST_EXPORTER_QUEUE_BATCHES: usize = 64;

/// What a binding implements for a host exporter: receives one batch as OTLP protobuf bytes on
/// the exporter's own thread; an `Err` counts the batch as failed.
pub trait HostExporter: Send + Sync {
    /// Hands one batch (an `ExportTraceServiceRequest`, OTLP protobuf) to the host.
    fn export(&self, otlp_protobuf: &[u8]) -> std::result::Result<(), String>;
    /// Identity used to make attaching idempotent (the host object, function or pointer pair).
    fn identity(&self) -> u64;
    /// Called once, after the last batch, when the exporter is detached or tracing shuts down.
    fn shutdown(&self) {}
}

/// Decodes a batch handed to a host exporter (OTLP protobuf) into canonical OTLP-JSON, the shape
/// every binding's decode helper returns. Bytes that are not an `ExportTraceServiceRequest`:
/// `InvalidArgument`.
pub fn decode_spans_json(otlp_protobuf: &[u8]) -> Result<String> {
    let req = ExportTraceServiceRequest::decode(otlp_protobuf)
        .map_err(|e| PatterError::invalid("batch", format!("is not an OTLP ExportTraceServiceRequest: {e}")))?;
    serde_json::to_string(&req).map_err(|e| PatterError::invalid("batch", e.to_string()))
}

/// Wraps a host exporter as a span callback with its own worker thread (attach the result with
/// [`attach_span_exporter`](super::attach_span_exporter)).
pub fn host_exporter(host: Arc<dyn HostExporter>) -> Arc<dyn SpanCallback> {
    let sink = Arc::new(HostSink { host, delivered: Arc::default(), worker: AtomicPtr::new(std::ptr::null_mut()) });
    if let Ok(mut all) = REGISTRY.lock() {
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&sink));
    }
    sink
}

/// Waits until every host exporter has handed over what it was given, at most until
/// `deadline` (called by `force_flush` and shutdown after the export thread drained).
pub(crate) fn flush_all(deadline: Instant) -> bool {
    let sinks: Vec<Arc<HostSink>> = match REGISTRY.try_lock() {
        Ok(all) => all.iter().filter_map(Weak::upgrade).collect(),
        Err(_) => return true,
    };
    sinks.iter().all(|s| s.flush(deadline))
}

static REGISTRY: Mutex<Vec<Weak<HostSink>>> = Mutex::new(Vec::new());

struct HostSink {
    host: Arc<dyn HostExporter>,
    delivered: Arc<Delivery>,
    /// The worker of the current fork generation (an `Arc<Worker>` turned into a raw pointer);
    /// a stale one (built before a fork) is left alone, never locked.
    worker: AtomicPtr<Worker>,
}

/// What the host did with the batches (its sink's line in the tracing stats).
#[derive(Default)]
struct Delivery {
    exported: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Delivery {
    fn failed(&self, spans: usize, error: String) {
        self.failed.fetch_add(spans as u64, Ordering::Relaxed);
        if let Ok(mut le) = self.last_error.try_lock() {
            *le = Some(error);
        }
    }
}

struct Worker {
    generation: u64,
    state: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Default)]
struct Queue {
    batches: VecDeque<(Arc<[u8]>, usize)>,
    busy: bool,
    stop: bool,
}

static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

impl HostSink {
    /// The worker of this process generation, started on first use.
    fn worker(&self) -> Option<Arc<Worker>> {
        let generation = crate::fork::generation();
        let ptr = self.worker.load(Ordering::Acquire);
        if !ptr.is_null() {
            // SAFETY: the pointer came from `Arc::into_raw` and is only released in `Drop`.
            let w = unsafe { &*ptr };
            if w.generation == generation {
                unsafe { Arc::increment_strong_count(ptr) };
                // SAFETY: the count was just incremented for this new handle.
                return Some(unsafe { Arc::from_raw(ptr) });
            }
        }
        crate::fork::watch();
        let w = Arc::new(Worker { generation, state: Mutex::new(Queue::default()), changed: Condvar::new() });
        let host = self.host.clone();
        let delivered = self.delivered.clone();
        let run = w.clone();
        let name = format!("patter-host-exporter-{}", NEXT_THREAD.fetch_add(1, Ordering::Relaxed));
        if let Err(e) = std::thread::Builder::new().name(name).spawn(move || run.run(&*host, &delivered)) {
            diagnostics::report(Level::Error, Code::TracingUnavailable, || {
                format!("could not start a span exporter's thread: {e}; its batches are dropped")
            });
            return None;
        }
        let new = Arc::into_raw(w.clone()) as *mut Worker;
        match self.worker.compare_exchange(ptr, new, Ordering::AcqRel, Ordering::Acquire) {
            // The previous pointer (a stale generation's) is leaked on purpose: its lock may be
            // held by a thread that no longer exists.
            Ok(_) => Some(w),
            Err(_) => {
                // SAFETY: `new` was never published; take the reference back.
                drop(unsafe { Arc::from_raw(new) });
                w.stop();
                None
            }
        }
    }

    fn flush(&self, deadline: Instant) -> bool {
        let ptr = self.worker.load(Ordering::Acquire);
        if ptr.is_null() {
            return true;
        }
        // SAFETY: as in `worker`.
        let w = unsafe { &*ptr };
        if w.generation != crate::fork::generation() {
            return true;
        }
        w.wait_idle(deadline)
    }
}

impl Worker {
    fn run(&self, host: &dyn HostExporter, delivered: &Delivery) {
        loop {
            let (bytes, spans) = {
                let Ok(mut q) = self.state.lock() else { return };
                loop {
                    if let Some(b) = q.batches.pop_front() {
                        q.busy = true;
                        break b;
                    }
                    if q.stop {
                        return;
                    }
                    q = match self.changed.wait(q) {
                        Ok(q) => q,
                        Err(_) => return,
                    };
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| host.export(&bytes)))
                .unwrap_or_else(|_| Err("the exporter panicked".into()));
            match outcome {
                Ok(()) => {
                    delivered.exported.fetch_add(spans as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    diagnostics::report(Level::Warn, Code::TracingExportFailed, || {
                        format!("a span exporter failed a batch of {spans} spans: {e}")
                    });
                    delivered.failed(spans, e);
                }
            }
            if let Ok(mut q) = self.state.lock() {
                q.busy = false;
            }
            self.changed.notify_all();
        }
    }

    fn wait_idle(&self, deadline: Instant) -> bool {
        let Ok(mut q) = self.state.lock() else { return false };
        while q.busy || !q.batches.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            q = match self.changed.wait_timeout(q, left.min(Duration::from_millis(100))) {
                Ok((q, _)) => q,
                Err(_) => return false,
            };
        }
        true
    }

    fn stop(&self) {
        if let Ok(mut q) = self.state.lock() {
            q.stop = true;
        }
        self.changed.notify_all();
    }
}

impl SpanCallback for HostSink {
    fn export(&self, batch: &SpanBatch<'_>) -> std::result::Result<(), String> {
        let spans = batch.spans().len();
        let Some(w) = self.worker() else { return Err("the exporter's thread is not running".into()) };
        let Ok(mut q) = w.state.lock() else { return Err("the exporter's queue is unusable".into()) };
        if q.batches.len() >= HOST_EXPORTER_QUEUE_BATCHES {
            let e = format!(
                "the exporter is {HOST_EXPORTER_QUEUE_BATCHES} batches behind; this batch of {spans} spans was dropped"
            );
            self.delivered.failed(spans, e.clone());
            return Err(e);
        }
        q.batches.push_back((Arc::from(batch.protobuf()), spans));
        drop(q);
        w.changed.notify_all();
        Ok(())
    }

    fn identity(&self) -> Option<u64> {
        Some(self.host.identity())
    }

    fn delivery(&self) -> Option<(u64, u64, Option<String>)> {
        let d = &self.delivered;
        let last = d.last_error.lock().ok().and_then(|e| e.clone());
        Some((d.exported.load(Ordering::Relaxed), d.failed.load(Ordering::Relaxed), last))
    }

    fn shutdown(&self) {
        let drained = self.flush(Instant::now() + crate::rules::DEFAULT_TIMEOUT);
        let ptr = self.worker.load(Ordering::Acquire);
        if !ptr.is_null() {
            // SAFETY: as in `worker`.
            let w = unsafe { &*ptr };
            if w.generation == crate::fork::generation() {
                w.stop();
            }
        }
        if !drained {
            diagnostics::report(Level::Warn, Code::TracingExportFailed, || {
                "a span exporter did not take its last batches in time; they were discarded".to_string()
            });
        }
        let host = self.host.clone();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| host.shutdown()));
    }
}

impl Drop for HostSink {
    fn drop(&mut self) {
        let ptr = *self.worker.get_mut();
        if !ptr.is_null() {
            // SAFETY: the reference published by `worker`, released once here.
            let w = unsafe { Arc::from_raw(ptr) };
            if w.generation == crate::fork::generation() {
                w.stop();
            } else {
                std::mem::forget(w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_gives_the_canonical_json_and_rejects_garbage() {
        let req = ExportTraceServiceRequest { resource_spans: vec![] };
        assert_eq!(decode_spans_json(&req.encode_to_vec()).unwrap(), serde_json::to_string(&req).unwrap());
        let err = decode_spans_json(b"\xff\xff\xff").unwrap_err();
        assert!(err.to_string().starts_with("invalid argument `batch`: is not an OTLP"), "{err}");
    }
}

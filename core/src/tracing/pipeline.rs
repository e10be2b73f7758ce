//! The span pipeline: a bounded queue that Calls put their finished spans on (the SDK's
//! `SpanData`), and one export thread that batches them out to every attached sink.
//!
//! The caller's thread only does `try_send`: a full queue drops the span and counts it. A dead,
//! failing or slow collector costs counted failures and drops on the export thread, never a
//! blocked or failed call.
//!
//! Span records travel as `Box<SpanData>` (the queue moves a pointer, not the record, and the
//! allocation is reused), hence the `Vec<Box<_>>`s below.
#![allow(clippy::vec_box)]

use super::encode::SpanResource;
use super::sinks::{CallbackSink, ConsoleSink, FileSink, OtlpSink, Sink, SpanCallback};
use crate::config::{Env, ProcessEnv, TracingConfig, TracingOptions};
use crate::Result;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SpanData;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Whether spans are recorded at all (tracing enabled or a host exporter attached).
/// Read on every Call operation, so it is a plain atomic.
static RECORDING: AtomicBool = AtomicBool::new(false);
static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

/// Control messages for the export thread (spans travel on their own queue).
enum Ctl {
    /// A full batch is waiting.
    Wake,
    /// Export everything queued so far, then acknowledge.
    Flush(SyncSender<()>),
}

#[derive(Debug, Default)]
struct Counters {
    ended: AtomicU64,
    dropped: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
}

struct SinkSlot {
    name: String,
    key: Option<u64>,
    sink: Mutex<Box<dyn Sink>>,
    exported: AtomicU64,
    failed: AtomicU64,
    consecutive_failures: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl SinkSlot {
    fn new(name: &str, key: Option<u64>, sink: Box<dyn Sink>) -> Arc<SinkSlot> {
        Arc::new(SinkSlot {
            name: name.to_string(),
            key,
            sink: Mutex::new(sink),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            consecutive_failures: AtomicU64::new(0),
            last_error: Mutex::new(None),
        })
    }

    fn export(&self, batch: &[SpanData], resource: &SpanResource, totals: &Counters) {
        let n = batch.len() as u64;
        let result = match self.sink.lock() {
            Ok(mut s) => s.export(batch, resource),
            Err(_) => Err("sink lock poisoned".into()),
        };
        match result {
            Ok(()) => {
                self.exported.fetch_add(n, Ordering::Relaxed);
                totals.exported.fetch_add(n, Ordering::Relaxed);
                if self.consecutive_failures.swap(0, Ordering::Relaxed) > 0 {
                    tracing::info!(sink = %self.name, "span export recovered");
                }
            }
            Err(e) => {
                self.failed.fetch_add(n, Ordering::Relaxed);
                totals.failed.fetch_add(n, Ordering::Relaxed);
                let k = self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
                // One line when a sink starts failing, then one per 100 failed batches.
                if k % 100 == 0 {
                    tracing::warn!(sink = %self.name, spans = n, error = %e, "span export failed; spans dropped");
                }
                if let Ok(mut le) = self.last_error.lock() {
                    *le = Some(e);
                }
            }
        }
    }

    fn shutdown(&self) {
        if let Ok(mut s) = self.sink.lock() {
            s.shutdown();
        }
    }
}

#[derive(Default)]
struct Sinks {
    /// Sinks configured by `init_tracing` (OTLP, console, file).
    configured: Vec<Arc<SinkSlot>>,
    /// Host exporters attached with `attach_span_exporter`.
    attached: Vec<Arc<SinkSlot>>,
    resource: SpanResource,
    enabled: bool,
    config: Option<TracingConfig>,
}

struct Pipeline {
    queue: &'static SpanQueue,
    ctl: SyncSender<Ctl>,
    counters: Arc<Counters>,
    sinks: Arc<Mutex<Sinks>>,
    export_timeout: Duration,
    /// The process that started the export thread (a forked child has no export thread).
    pid: u32,
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
    counters: Arc<Counters>,
    scope: InstrumentationScope,
    /// Records the export thread is done with, handed back so that a span costs the caller no
    /// allocation (and the allocator no cross-thread free) in the steady state.
    pool: Mutex<Vec<Box<SpanData>>>,
    pool_cap: usize,
}

/// Attribute capacity of a new record (a service span has up to ~12).
const RECORD_ATTRIBUTES: usize = 16;

impl SpanQueue {
    fn new(spans: SyncSender<Box<SpanData>>, ctl: SyncSender<Ctl>, max_batch: usize, counters: Arc<Counters>) -> Self {
        SpanQueue {
            spans,
            ctl,
            pending: AtomicU64::new(0),
            max_batch: max_batch as u64,
            counters,
            scope: InstrumentationScope::builder(super::names::SCOPE_NAME).build(),
            pool: Mutex::new(Vec::with_capacity(2 * max_batch)),
            pool_cap: 2 * max_batch,
        }
    }

    /// A record for a new span: a recycled one (attributes cleared, capacity kept) when the
    /// export thread has returned some, else a new one. Never waits for the pool's lock.
    pub(crate) fn record(&self) -> Box<SpanData> {
        let recycled = self.pool.try_lock().ok().and_then(|mut p| p.pop());
        match recycled {
            Some(mut r) => {
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
    fn empty_record(&self) -> SpanData {
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

    /// Takes back exported records (export thread), keeping at most `pool_cap`.
    fn recycle(&self, records: &mut Vec<Box<SpanData>>) {
        if let Ok(mut pool) = self.pool.lock() {
            let room = self.pool_cap.saturating_sub(pool.len());
            let n = room.min(records.len());
            pool.extend(records.drain(..n));
        }
        records.clear();
    }

    /// The instrumentation scope every span carries (`getpatter`).
    pub(crate) fn scope(&self) -> &InstrumentationScope {
        &self.scope
    }

    /// Queues a finished span; a full queue drops it and counts the drop.
    pub(crate) fn submit(&self, span: Box<SpanData>) {
        self.counters.ended.fetch_add(1, Ordering::Relaxed);
        match self.spans.try_send(span) {
            Ok(()) => {
                if (self.pending.fetch_add(1, Ordering::Relaxed) + 1) % self.max_batch == 0 {
                    let _ = self.ctl.try_send(Ctl::Wake);
                }
            }
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                let d = self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                if d % 10_000 == 0 {
                    tracing::warn!(dropped_total = d + 1, "span queue full; span dropped");
                }
            }
        }
    }
}

/// The batch being assembled on the export thread: the spans moved out of their records, and
/// the emptied records, which take their spans back after export and return to the queue's
/// pool.
struct Batch {
    spans: Vec<SpanData>,
    shells: Vec<Box<SpanData>>,
}

impl Batch {
    fn push(&mut self, queue: &SpanQueue, mut record: Box<SpanData>) {
        self.spans.push(std::mem::replace(&mut *record, queue.empty_record()));
        self.shells.push(record);
    }

    /// Hands the batch to every sink, then recycles its records.
    fn export(&mut self, queue: &SpanQueue, sinks: &Mutex<Sinks>, counters: &Counters) {
        if self.spans.is_empty() {
            return;
        }
        let (slots, resource) = match sinks.lock() {
            Ok(s) => (s.configured.iter().chain(s.attached.iter()).cloned().collect::<Vec<_>>(), s.resource.clone()),
            Err(_) => (Vec::new(), SpanResource::default()),
        };
        for slot in &slots {
            slot.export(&self.spans, &resource, counters);
        }
        for (shell, span) in self.shells.iter_mut().zip(self.spans.drain(..)) {
            **shell = span;
        }
        queue.recycle(&mut self.shells);
    }
}

fn export_loop(
    queue: &'static SpanQueue,
    spans: Receiver<Box<SpanData>>,
    ctl: Receiver<Ctl>,
    sinks: Arc<Mutex<Sinks>>,
    counters: Arc<Counters>,
    max_batch: usize,
    delay: Duration,
) {
    let mut batch = Batch { spans: Vec::with_capacity(max_batch), shells: Vec::with_capacity(max_batch) };
    // Drains the span queue as it is now, in batches of at most `max_batch`.
    let drain = |batch: &mut Batch| loop {
        match spans.try_recv() {
            Ok(s) => {
                batch.push(queue, s);
                if batch.spans.len() >= max_batch {
                    batch.export(queue, &sinks, &counters);
                }
            }
            Err(_) => {
                batch.export(queue, &sinks, &counters);
                return;
            }
        }
    };
    loop {
        match ctl.recv_timeout(delay) {
            Ok(Ctl::Wake) | Err(RecvTimeoutError::Timeout) => drain(&mut batch),
            Ok(Ctl::Flush(ack)) => {
                drain(&mut batch);
                let _ = ack.send(());
            }
            Err(RecvTimeoutError::Disconnected) => {
                drain(&mut batch);
                return;
            }
        }
    }
}

fn pipeline() -> &'static Pipeline {
    PIPELINE.get_or_init(|| {
        // Queue and batch sizes come from the environment the first time the pipeline is
        // needed; they cannot change afterwards.
        let cfg = TracingConfig::resolve(&TracingOptions { disable_otlp: true, ..Default::default() }, &ProcessEnv)
            .expect("config without OTLP endpoint cannot fail");
        let (span_tx, span_rx) = sync_channel::<Box<SpanData>>(cfg.queue_capacity);
        let (ctl_tx, ctl_rx) = sync_channel::<Ctl>(64);
        let counters = Arc::new(Counters::default());
        let sinks = Arc::new(Mutex::new(Sinks::default()));
        let (max_batch, delay) = (cfg.max_batch, cfg.batch_delay);
        // Leaked once per process: spans hold a `&'static` to it.
        let queue: &'static SpanQueue = Box::leak(Box::new(SpanQueue::new(span_tx, ctl_tx.clone(), max_batch, counters.clone())));
        let loop_sinks = sinks.clone();
        let loop_counters = counters.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("patter-span-export".into())
            .spawn(move || export_loop(queue, span_rx, ctl_rx, loop_sinks, loop_counters, max_batch, delay))
        {
            tracing::error!(error = %e, "could not start the span export thread; spans will be dropped");
        }
        Pipeline { queue, ctl: ctl_tx, counters, sinks, export_timeout: cfg.export_timeout, pid: std::process::id() }
    })
}

/// The queue every recording Call puts its spans on (None until tracing is enabled or an
/// exporter is attached).
pub(crate) fn recorder() -> Option<&'static SpanQueue> {
    if RECORDING.load(Ordering::Acquire) {
        PIPELINE.get().map(|p| p.queue)
    } else {
        None
    }
}

/// The span queue, whether or not anything is recording (unit tests of span records).
#[cfg(test)]
pub(crate) fn span_queue() -> &'static SpanQueue {
    pipeline().queue
}

/// Whether new calls record spans right now.
pub fn is_recording() -> bool {
    RECORDING.load(Ordering::Acquire)
}

fn update_recording(s: &Sinks) {
    RECORDING.store(s.enabled || !s.attached.is_empty(), Ordering::Release);
}

/// Starts tracing with `opts` resolved against the process environment. Returns `Ok(false)`
/// (and records nothing) unless `PATTER_OTEL_ENABLED` is `1`/`true`/`yes`. Calling it again
/// while enabled keeps the running configuration and returns `Ok(true)`; call
/// [`shutdown_tracing`] first to reconfigure.
pub fn init_tracing(opts: &TracingOptions) -> Result<bool> {
    init_tracing_with_env(opts, &ProcessEnv)
}

/// [`init_tracing`] with an explicit environment (tests, hosts that pin configuration).
pub fn init_tracing_with_env(opts: &TracingOptions, env: &dyn Env) -> Result<bool> {
    let cfg = TracingConfig::resolve(opts, env)?;
    crate::call::warm_up();
    if !cfg.enabled {
        tracing::info!("PATTER_OTEL_ENABLED is not set: tracing stays off (spans are no-ops)");
        return Ok(false);
    }
    let p = pipeline();
    let mut sinks = p.sinks.lock().map_err(|_| crate::PatterError::State("tracing state poisoned".into()))?;
    if sinks.enabled {
        return Ok(true);
    }
    let mut configured = Vec::new();
    if let Some(url) = &cfg.traces_url {
        let sink = OtlpSink::new(url, &cfg.headers, cfg.export_timeout).map_err(crate::PatterError::Exporter)?;
        configured.push(SinkSlot::new(&format!("otlp:{url}"), None, Box::new(sink)));
    }
    if cfg.console {
        configured.push(SinkSlot::new("console", None, Box::new(ConsoleSink)));
    }
    if let Some(path) = &cfg.file {
        configured.push(SinkSlot::new(&format!("file:{}", path.display()), None, Box::new(FileSink::new(path.clone()))));
    }
    sinks.configured = configured;
    sinks.resource = SpanResource { service_name: cfg.service_name.clone(), attributes: cfg.resource_attributes.clone() };
    sinks.enabled = true;
    sinks.config = Some(cfg);
    update_recording(&sinks);
    Ok(true)
}

/// Whether `init_tracing` succeeded and `shutdown_tracing` has not been called since.
pub fn is_enabled() -> bool {
    PIPELINE.get().and_then(|p| p.sinks.lock().ok().map(|s| s.enabled)).unwrap_or(false)
}

/// Waits until every span ended before this call has been handed to the sinks, at most
/// `timeout`. Returns false on timeout, and at once in a process forked after tracing started
/// (it has no export thread). Never call it from a live call's hot path.
pub fn force_flush(timeout: Duration) -> bool {
    let Some(p) = PIPELINE.get() else { return true };
    if p.pid != std::process::id() {
        // A forked child inherited the queue but not the thread that drains it.
        tracing::warn!("patter tracing: set up before fork(); this process has no export thread, nothing is flushed");
        return false;
    }
    let (ack_tx, ack_rx) = sync_channel(1);
    let deadline = Instant::now() + timeout;
    let mut msg = Ctl::Flush(ack_tx);
    loop {
        match p.ctl.try_send(msg) {
            Ok(()) => break,
            Err(TrySendError::Full(m)) => {
                if Instant::now() >= deadline {
                    return false;
                }
                msg = m;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(TrySendError::Disconnected(_)) => return false,
        }
    }
    ack_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).is_ok()
}

/// Flushes pending spans (bounded by the export timeout plus a second), then removes every
/// sink, attached exporters included. Safe to call twice, or without `init_tracing`.
pub fn shutdown_tracing() {
    let Some(p) = PIPELINE.get() else { return };
    if let Ok(s) = p.sinks.lock() {
        if !s.enabled && s.attached.is_empty() {
            return;
        }
    }
    // Stop new spans first, then drain what is queued.
    RECORDING.store(false, Ordering::Release);
    if !force_flush(p.export_timeout + Duration::from_secs(1)) {
        tracing::warn!("shutdown_tracing: flush timed out; remaining spans dropped");
    }
    let removed: Vec<Arc<SinkSlot>> = match p.sinks.lock() {
        Ok(mut s) => {
            s.enabled = false;
            s.config = None;
            let mut all = std::mem::take(&mut s.configured);
            all.append(&mut s.attached);
            update_recording(&s);
            all
        }
        Err(_) => Vec::new(),
    };
    for slot in removed {
        slot.shutdown();
    }
}

fn callback_key(cb: &Arc<dyn SpanCallback>) -> u64 {
    cb.identity().unwrap_or(Arc::as_ptr(cb) as *const () as usize as u64)
}

/// Attaches a host exporter: from now on every span is recorded and handed to it, whether or
/// not `PATTER_OTEL_ENABLED` is set. Attaching the same exporter again is a no-op (returns
/// false). `side` becomes the default side of calls started without one.
pub fn attach_span_exporter(cb: Arc<dyn SpanCallback>, side: Option<&str>) -> Result<bool> {
    if let Some(side) = side {
        crate::error::check_id("side", side)?;
        super::set_default_side(side);
    }
    let p = pipeline();
    let key = callback_key(&cb);
    let mut sinks = p.sinks.lock().map_err(|_| crate::PatterError::State("tracing state poisoned".into()))?;
    if sinks.attached.iter().any(|s| s.key == Some(key)) {
        return Ok(false);
    }
    let name = format!("callback:{key:x}");
    sinks.attached.push(SinkSlot::new(&name, Some(key), Box::new(CallbackSink(cb))));
    update_recording(&sinks);
    Ok(true)
}

/// Detaches a host exporter attached earlier (after flushing what it is owed). Returns
/// whether it was attached.
pub fn detach_span_exporter(cb: &Arc<dyn SpanCallback>) -> bool {
    let Some(p) = PIPELINE.get() else { return false };
    let key = callback_key(cb);
    let present = p.sinks.lock().map(|s| s.attached.iter().any(|x| x.key == Some(key))).unwrap_or(false);
    if !present {
        return false;
    }
    force_flush(p.export_timeout + Duration::from_secs(1));
    let removed = match p.sinks.lock() {
        Ok(mut s) => {
            let pos = s.attached.iter().position(|x| x.key == Some(key));
            let r = pos.map(|i| s.attached.remove(i));
            update_recording(&s);
            r
        }
        Err(_) => None,
    };
    if let Some(slot) = removed {
        slot.shutdown();
        true
    } else {
        false
    }
}

/// Per-sink export counters.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SinkStats {
    /// `otlp:<url>`, `console`, `file:<path>` or `callback:<id>`.
    pub name: String,
    /// Spans delivered.
    pub exported: u64,
    /// Spans in batches the sink failed to deliver.
    pub failed: u64,
    /// The latest failure, if any.
    pub last_error: Option<String>,
}

/// Counters of the span pipeline since process start.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct TracingStats {
    /// `init_tracing` is in effect.
    pub enabled: bool,
    /// New calls record spans.
    pub recording: bool,
    /// Spans ended by callers.
    pub spans_ended: u64,
    /// Spans dropped because the export queue was full.
    pub dropped: u64,
    /// Span deliveries since process start, summed over all sinks (a span sent to two sinks
    /// counts twice).
    pub exported: u64,
    /// Failed span deliveries since process start, summed over all sinks.
    pub failed: u64,
    /// The current sinks.
    pub sinks: Vec<SinkStats>,
}

/// A snapshot of the pipeline's counters.
pub fn stats() -> TracingStats {
    let Some(p) = PIPELINE.get() else { return TracingStats::default() };
    let mut st = TracingStats {
        recording: is_recording(),
        spans_ended: p.counters.ended.load(Ordering::Relaxed),
        dropped: p.counters.dropped.load(Ordering::Relaxed),
        exported: p.counters.exported.load(Ordering::Relaxed),
        failed: p.counters.failed.load(Ordering::Relaxed),
        ..Default::default()
    };
    if let Ok(s) = p.sinks.lock() {
        st.enabled = s.enabled;
        for slot in s.configured.iter().chain(s.attached.iter()) {
            let ss = SinkStats {
                name: slot.name.clone(),
                exported: slot.exported.load(Ordering::Relaxed),
                failed: slot.failed.load(Ordering::Relaxed),
                last_error: slot.last_error.lock().ok().and_then(|e| e.clone()),
            };
            st.sinks.push(ss);
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;

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
        let mut many: Vec<Box<SpanData>> = (0..10).map(|_| Box::new(q.empty_record())).collect();
        q.recycle(&mut many);
        assert!(many.is_empty());
        assert_eq!(q.pool.lock().unwrap().len(), 4);
    }

    #[test]
    fn a_full_queue_drops_and_counts() {
        let (q, rx) = queue(512);
        for _ in 0..6 {
            q.submit(q.record());
        }
        assert_eq!(rx.try_iter().count(), 4);
        assert_eq!(q.counters.ended.load(Ordering::Relaxed), 6);
        assert_eq!(q.counters.dropped.load(Ordering::Relaxed), 2);
    }
}

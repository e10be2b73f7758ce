//! The span pipeline: the queue Calls put their finished spans on, one export thread that
//! batches them out to every attached sink, and the accounting that says where each span went.
//!
//! A dead, failing or slow collector costs counted failures and drops on the export thread,
//! never a blocked or failed call. Every ended span lands in exactly one counter (exported,
//! failed, dropped, discarded) or is still queued/in flight; after `shutdown_tracing` returns
//! nothing is in flight.
//!
//! fork(): the pipeline is tagged with the fork generation it was built in. In a child the first
//! use finds it stale, leaves it untouched (its locks may be held by threads that do not exist
//! there) and builds a fresh one, with new queues, counters, export thread and sinks rebuilt
//! from the parent's configuration, so a pre-forked worker exports its own spans.
#![allow(clippy::vec_box)]

use super::encode::SpanResource;
use super::otlp_http::OtlpHttpSink;
use super::queue::{Counters, Ctl, SpanQueue};
use super::sinks::{CallbackSink, ConsoleSink, EncodeBuffers, FileSink, Sink, SpanBatch, SpanCallback};
use crate::config::{Env, ProcessEnv, TracingConfig, TracingOptions};
use crate::Result;
use opentelemetry_sdk::trace::SpanData;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Whether spans are recorded at all (tracing enabled or a host exporter attached).
/// Read on every Call operation, so it is a plain atomic.
static RECORDING: AtomicBool = AtomicBool::new(false);
/// The pipeline of this process (leaked: one per fork generation at most).
static CURRENT: AtomicPtr<Pipeline> = AtomicPtr::new(std::ptr::null_mut());
/// Held (= generation + 1 of the holder) while a pipeline is being built.
static BUILDING: AtomicU64 = AtomicU64::new(0);
/// How much longer than the export timeout `shutdown_tracing` may take.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

struct SinkSlot {
    name: String,
    /// The host exporter behind a callback sink (kept outside the lock so that a forked child
    /// can rebuild the sink without touching the lock).
    callback: Option<(u64, Arc<dyn SpanCallback>)>,
    sink: Mutex<Box<dyn Sink>>,
    exported: AtomicU64,
    failed: AtomicU64,
    consecutive_failures: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl SinkSlot {
    fn new(name: &str, callback: Option<(u64, Arc<dyn SpanCallback>)>, sink: Box<dyn Sink>) -> Arc<SinkSlot> {
        Arc::new(SinkSlot {
            name: name.to_string(),
            callback,
            sink: Mutex::new(sink),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            consecutive_failures: AtomicU64::new(0),
            last_error: Mutex::new(None),
        })
    }

    fn key(&self) -> Option<u64> {
        self.callback.as_ref().map(|(k, _)| *k)
    }

    /// Exports one batch; returns whether the sink accepted it.
    fn export(&self, batch: &SpanBatch<'_>) -> bool {
        let n = batch.spans().len() as u64;
        let result = match self.sink.lock() {
            Ok(mut s) => s.export(batch),
            Err(_) => Err("sink lock poisoned".into()),
        };
        match result {
            Ok(()) => {
                self.exported.fetch_add(n, Ordering::Relaxed);
                if self.consecutive_failures.swap(0, Ordering::Relaxed) > 0 {
                    tracing::info!(sink = %self.name, "span export recovered");
                }
                true
            }
            Err(e) => {
                self.failed.fetch_add(n, Ordering::Relaxed);
                self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
                crate::diagnostics::report(
                    crate::diagnostics::Level::Warn,
                    crate::diagnostics::Code::TracingExportFailed,
                    || format!("sink {} failed to export {n} spans: {e}", self.name),
                );
                if let Ok(mut le) = self.last_error.lock() {
                    *le = Some(e);
                }
                false
            }
        }
    }

    /// Shuts the sink down unless an export is using it right now (a hung collector): then the
    /// export thread drops it when that export returns, and the drop releases it.
    fn shutdown(&self) {
        if let Ok(mut s) = self.sink.try_lock() {
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

impl Sinks {
    fn all(&self) -> Vec<Arc<SinkSlot>> {
        self.configured.iter().chain(self.attached.iter()).cloned().collect()
    }
}

/// The batch the export thread is delivering, so that a shutdown that gives up on it can count
/// it as discarded (and the export thread then does not count it again).
#[derive(Default)]
struct Ledger {
    next_seq: u64,
    in_flight: Option<(u64, u64)>,
}

struct Pipeline {
    queue: &'static SpanQueue,
    ctl: SyncSender<Ctl>,
    /// Taken by the export thread while it pulls a batch, and by a shutdown that discards
    /// what is left.
    spans: Mutex<Receiver<Box<SpanData>>>,
    ledger: Mutex<Ledger>,
    counters: Arc<Counters>,
    sinks: Mutex<Sinks>,
    export_timeout: Duration,
    max_batch: usize,
    generation: u64,
}

/// What a forked child takes over from its parent's pipeline.
#[derive(Clone, Default)]
struct Inherited {
    config: Option<TracingConfig>,
    callbacks: Vec<(u64, Arc<dyn SpanCallback>)>,
}

/// The current pipeline, built on first use (and again in a forked child).
fn pipeline() -> &'static Pipeline {
    let p = CURRENT.load(Ordering::Acquire);
    // SAFETY: pipelines are leaked, never freed.
    if let Some(p) = unsafe { p.as_ref() } {
        if p.generation == crate::fork::generation() {
            return p;
        }
    }
    rebuild()
}

#[cold]
fn rebuild() -> &'static Pipeline {
    crate::fork::watch();
    let gen = crate::fork::generation();
    // Take the build lock; a holder from an older generation was a thread of the parent that
    // does not exist here.
    loop {
        let held = BUILDING.load(Ordering::Acquire);
        if (held == 0 || held != gen + 1)
            && BUILDING.compare_exchange(held, gen + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
        {
            break;
        }
        std::thread::yield_now();
    }
    let old = CURRENT.load(Ordering::Acquire);
    // SAFETY: as in `pipeline`.
    let p = match unsafe { old.as_ref() } {
        Some(p) if p.generation == gen => p,
        stale => {
            let inherited = stale.map(inherit).unwrap_or_default();
            let p: &'static Pipeline = Box::leak(Box::new(Pipeline::new()));
            p.adopt(inherited);
            CURRENT.store(p as *const Pipeline as *mut Pipeline, Ordering::Release);
            p
        }
    };
    BUILDING.store(0, Ordering::Release);
    p
}

/// What a forked child takes over from its parent's pipeline, published by the parent on every
/// change of its sinks (see [`update_recording`]) so that the child reads it with one atomic
/// load: the sinks' mutex may have been held by a parent thread at fork time, and then it
/// stays locked forever in the child.
static FORK_SNAPSHOT: AtomicPtr<Inherited> = AtomicPtr::new(std::ptr::null_mut());

/// Reads the configuration and host exporters of a parent's pipeline in a forked child.
fn inherit(_stale: &Pipeline) -> Inherited {
    // SAFETY: the snapshot is freed only by the thread that replaces it, after the swap; in this
    // child no thread other than the caller (who holds the build lock) has touched it.
    unsafe { FORK_SNAPSHOT.load(Ordering::Acquire).as_ref() }.cloned().unwrap_or_default()
}

impl Pipeline {
    fn new() -> Pipeline {
        // Queue and batch sizes come from the environment the first time the pipeline is
        // needed; they cannot change afterwards.
        let cfg =
            TracingConfig::resolve(&TracingOptions { disable_otlp: Some(true), ..Default::default() }, &ProcessEnv)
                .expect("config without OTLP endpoint cannot fail");
        let (span_tx, span_rx) = sync_channel::<Box<SpanData>>(cfg.queue_capacity);
        let (ctl_tx, ctl_rx) = sync_channel::<Ctl>(64);
        let counters = Arc::new(Counters::default());
        // Leaked once per pipeline: spans hold a `&'static` to it.
        let queue: &'static SpanQueue =
            Box::leak(Box::new(SpanQueue::new(span_tx, ctl_tx.clone(), cfg.max_batch, counters.clone())));
        let p = Pipeline {
            queue,
            ctl: ctl_tx,
            spans: Mutex::new(span_rx),
            ledger: Mutex::new(Ledger::default()),
            counters,
            sinks: Mutex::new(Sinks::default()),
            export_timeout: cfg.export_timeout,
            max_batch: cfg.max_batch,
            generation: crate::fork::generation(),
        };
        p.start_thread(ctl_rx, cfg.batch_delay);
        p
    }

    fn start_thread(&self, ctl: Receiver<Ctl>, delay: Duration) {
        // The thread finds the pipeline through CURRENT once it is published.
        let gen = self.generation;
        if let Err(e) = std::thread::Builder::new().name("patter-span-export".into()).spawn(move || {
            let p = loop {
                // SAFETY: as in `pipeline`.
                match unsafe { CURRENT.load(Ordering::Acquire).as_ref() } {
                    Some(p) if p.generation == gen => break p,
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            };
            p.export_loop(ctl, delay)
        }) {
            crate::diagnostics::report(
                crate::diagnostics::Level::Error,
                crate::diagnostics::Code::TracingUnavailable,
                || format!("could not start the span export thread ({e}); spans will be dropped"),
            );
        }
    }

    /// Installs what a forked child inherited (nothing in a new process).
    fn adopt(&self, inherited: Inherited) {
        let mut sinks = self.sinks.lock().unwrap_or_else(|e| e.into_inner());
        for (key, cb) in inherited.callbacks {
            sinks.attached.push(callback_slot(key, cb));
        }
        if let Some(cfg) = inherited.config {
            match configured_sinks(&cfg) {
                Ok(configured) => {
                    sinks.configured = configured;
                    sinks.resource = SpanResource {
                        service_name: cfg.service_name.clone(),
                        attributes: cfg.resource_attributes.clone(),
                    };
                    sinks.enabled = true;
                    sinks.config = Some(cfg);
                }
                Err(e) => crate::diagnostics::report(
                    crate::diagnostics::Level::Error,
                    crate::diagnostics::Code::TracingUnavailable,
                    || format!("could not restart the exporters after fork() ({e}); tracing is off"),
                ),
            }
        }
        update_recording(&sinks);
    }

    fn export_loop(&'static self, ctl: Receiver<Ctl>, delay: Duration) {
        let mut batch = Batch::new(self.max_batch);
        let mut burst = BurstMemory::default();
        loop {
            match ctl.recv_timeout(delay) {
                Ok(Ctl::Wake) => {
                    burst.drained(self.drain(&mut batch), false);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if burst.drained(self.drain(&mut batch), true) {
                        self.queue.shrink_pool();
                        crate::memory::release_free_memory();
                    }
                }
                Ok(Ctl::Flush(ack)) => {
                    burst.drained(self.drain(&mut batch), false);
                    let _ = ack.send(());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.drain(&mut batch);
                    return;
                }
            }
        }
    }

    /// Exports the span queue as it is now, in batches of at most `max_batch`; returns the
    /// number of spans exported.
    fn drain(&self, batch: &mut Batch) -> usize {
        let mut exported = 0usize;
        loop {
            let seq = {
                let Ok(rx) = self.spans.lock() else { return exported };
                while batch.received() < self.max_batch {
                    match rx.try_recv() {
                        Ok(s) => batch.receive(s),
                        Err(_) => break,
                    }
                }
                batch.settle(self.queue);
                if batch.len() == 0 {
                    return exported;
                }
                // In flight from here: a shutdown that gives up now counts it as discarded.
                let mut l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
                l.next_seq += 1;
                l.in_flight = Some((l.next_seq, batch.len() as u64));
                l.next_seq
            };
            let full = batch.len() == self.max_batch;
            exported += batch.len();
            self.export(batch, seq);
            if !full {
                return exported;
            }
        }
    }

    /// Hands the batch to every sink, settles its count, then recycles its records.
    fn export(&self, batch: &mut Batch, seq: u64) {
        let (slots, resource) = match self.sinks.lock() {
            Ok(s) => (s.all(), s.resource.clone()),
            Err(_) => (Vec::new(), SpanResource::default()),
        };
        let mut all_ok = true;
        {
            let buffers = std::mem::take(&mut batch.buffers);
            let shared = SpanBatch::reusing(&batch.slots[..batch.len], &resource, buffers);
            for slot in &slots {
                all_ok &= slot.export(&shared);
            }
            batch.buffers = shared.into_buffers();
        }
        // The spans' attributes are dropped now, while the sinks have just read them (still in
        // the CPU's caches), not when the next batch swaps them out (see `Batch`).
        batch.clear_attributes();
        // A batch with no sink left (all removed meanwhile) was delivered nowhere.
        let nowhere = slots.is_empty();
        drop(slots);
        let n = batch.len() as u64;
        {
            let mut l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
            if l.in_flight.is_some_and(|(s, _)| s == seq) {
                l.in_flight = None;
                let c = &self.counters;
                let counter = if nowhere {
                    &c.discarded
                } else if all_ok {
                    &c.exported
                } else {
                    &c.failed
                };
                counter.fetch_add(n, Ordering::Relaxed);
            }
        }
        batch.recycle(self.queue);
    }

    /// Gives up on every span still queued or in flight, counting them as discarded.
    fn discard_pending(&self) -> u64 {
        let mut n = 0u64;
        if let Ok(rx) = self.spans.lock() {
            while rx.try_recv().is_ok() {
                n += 1;
            }
        }
        let mut l = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, k)) = l.in_flight.take() {
            n += k;
        }
        self.counters.discarded.fetch_add(n, Ordering::Relaxed);
        n
    }
}

/// Spans exported in one drain from which the export thread counts it as a burst.
const BURST_SPANS: usize = 8192;

/// When the memory of a burst goes back to the system. A burst that filled the queue leaves tens
/// of MiB of freed records that glibc's allocator would otherwise keep for the life of the
/// process; but handing them back while spans still flow only makes the callers' next records
/// fault fresh pages in (about 0.2 µs a span on a busy caller). So the record pool is cut back
/// and the heap trimmed once spans have stopped flowing after a burst: at the first wake-up by
/// the batch delay (less than a batch arrived in a whole delay) that exported less than a burst.
/// The steady state (a batch or two per drain) never trims.
#[derive(Default)]
struct BurstMemory {
    pending: bool,
}

impl BurstMemory {
    /// Notes a drain of `exported` spans, `quiet` when the batch delay woke the export thread
    /// (no full batch arrived during it); true when the burst's memory should go back now.
    fn drained(&mut self, exported: usize, quiet: bool) -> bool {
        if exported >= BURST_SPANS {
            self.pending = true;
            false
        } else if quiet && self.pending {
            self.pending = false;
            true
        } else {
            false
        }
    }
}

/// The batch being assembled on the export thread. Each record taken off the queue swaps its
/// span with a slot of `slots` (the spans of the batch are `slots[..len]`, contiguous as
/// [`SpanBatch`] hands them out) and gets back the slot's earlier occupant, an already exported
/// span whose memory the next span reuses; the records return to the queue's pool after
/// export. No span is built, moved back or dropped on this thread. `buffers` are the encoding
/// buffers every batch reuses.
///
/// The records are taken off the queue first ([`receive`](Self::receive), which asks the CPU to
/// load each one) and swapped afterwards ([`settle`](Self::settle)): a record was just written
/// by another core, and swapping each as it arrives waited for every one of them in turn.
struct Batch {
    slots: Vec<SpanData>,
    len: usize,
    shells: Vec<Box<SpanData>>,
    buffers: EncodeBuffers,
}

impl Batch {
    fn new(max_batch: usize) -> Batch {
        Batch {
            slots: Vec::with_capacity(max_batch),
            len: 0,
            shells: Vec::with_capacity(max_batch),
            buffers: EncodeBuffers::default(),
        }
    }

    /// Takes a record off the queue (swapped into the batch by [`settle`](Self::settle)).
    fn receive(&mut self, record: Box<SpanData>) {
        crate::memory::prefetch(&*record as *const SpanData as *const u8, std::mem::size_of::<SpanData>());
        self.shells.push(record);
    }

    /// Records taken off the queue so far, settled or not.
    fn received(&self) -> usize {
        self.shells.len()
    }

    /// Swaps the spans of the records received since the last call into the batch's slots.
    fn settle(&mut self, queue: &SpanQueue) {
        while self.len < self.shells.len() {
            if self.len == self.slots.len() {
                let mut slot = queue.empty_record();
                slot.attributes.reserve(super::queue::RECORD_ATTRIBUTES);
                self.slots.push(slot);
            }
            std::mem::swap(&mut self.slots[self.len], &mut *self.shells[self.len]);
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Drops the attributes of the batch's spans (capacity kept: the next spans reuse it).
    fn clear_attributes(&mut self) {
        for s in &mut self.slots[..self.len] {
            s.attributes.clear();
        }
    }

    fn recycle(&mut self, queue: &SpanQueue) {
        self.len = 0;
        queue.recycle(&mut self.shells);
    }
}

/// Counts a span that started before a `fork()` and ended in the child (its queue has no
/// export thread here): ended and discarded in the child's pipeline.
pub(crate) fn discard_stale(span: Box<SpanData>) {
    drop(span);
    let c = &pipeline().counters;
    c.ended.fetch_add(1, Ordering::Relaxed);
    c.discarded.fetch_add(1, Ordering::Relaxed);
}

/// The queue every recording Call puts its spans on (None until tracing is enabled or an
/// exporter is attached).
#[inline]
pub(crate) fn recorder() -> Option<&'static SpanQueue> {
    if RECORDING.load(Ordering::Acquire) {
        let q = pipeline().queue;
        // A forked child whose parent's state could not be taken over records nothing.
        RECORDING.load(Ordering::Acquire).then_some(q)
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

/// Called after every change of the sinks: whether calls record, and the fork snapshot.
fn update_recording(s: &Sinks) {
    RECORDING.store(s.enabled || !s.attached.is_empty(), Ordering::Release);
    let snapshot = Inherited {
        config: if s.enabled { s.config.clone() } else { None },
        callbacks: s.attached.iter().filter_map(|a| a.callback.clone()).collect(),
    };
    let old = FORK_SNAPSHOT.swap(Box::into_raw(Box::new(snapshot)), Ordering::AcqRel);
    if !old.is_null() {
        // SAFETY: only a forked child reads the snapshot (its own copy of memory), and it reads
        // the pointer stored at fork time; no thread of this process reads `old`.
        drop(unsafe { Box::from_raw(old) });
    }
}

fn callback_slot(key: u64, cb: Arc<dyn SpanCallback>) -> Arc<SinkSlot> {
    let name = format!("callback:{key:x}");
    SinkSlot::new(&name, Some((key, cb.clone())), Box::new(CallbackSink(cb)))
}

/// The sinks `cfg` asks for (OTLP, console, file).
fn configured_sinks(cfg: &TracingConfig) -> Result<Vec<Arc<SinkSlot>>> {
    let mut configured = Vec::new();
    if let Some(url) = &cfg.traces_url {
        let sink = OtlpHttpSink::new(url, &cfg.headers, cfg.export_timeout).map_err(crate::PatterError::Exporter)?;
        configured.push(SinkSlot::new(&format!("otlp:{url}"), None, Box::new(sink)));
    }
    if cfg.console {
        configured.push(SinkSlot::new("console", None, Box::new(ConsoleSink)));
    }
    if let Some(path) = &cfg.file {
        configured.push(SinkSlot::new(
            &format!("file:{}", path.display()),
            None,
            Box::new(FileSink::new(path.clone())),
        ));
    }
    Ok(configured)
}

fn state_error() -> crate::PatterError {
    crate::PatterError::State("tracing state poisoned".into())
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
    let mut sinks = p.sinks.lock().map_err(|_| state_error())?;
    if sinks.enabled {
        return Ok(true);
    }
    let telemetry = crate::config::TelemetryConfig::resolve(opts, &cfg, env)?;
    sinks.configured = configured_sinks(&cfg)?;
    crate::telemetry::start(telemetry);
    sinks.resource =
        SpanResource { service_name: cfg.service_name.clone(), attributes: cfg.resource_attributes.clone() };
    sinks.enabled = true;
    sinks.config = Some(cfg);
    update_recording(&sinks);
    Ok(true)
}

/// Whether `init_tracing` succeeded and `shutdown_tracing` has not been called since.
pub fn is_enabled() -> bool {
    if CURRENT.load(Ordering::Acquire).is_null() {
        return false;
    }
    pipeline().sinks.lock().map(|s| s.enabled).unwrap_or(false)
}

/// Waits until every span ended before this call has been handed to the sinks, at most
/// `timeout`. Returns false on timeout. Never call it from a live call's hot path.
pub fn force_flush(timeout: Duration) -> bool {
    if CURRENT.load(Ordering::Acquire).is_null() {
        return true;
    }
    let deadline = Instant::now() + timeout;
    // The export thread first, then the host exporters' own threads it handed batches to.
    flush_until(pipeline(), deadline) && super::host_exporter::flush_all(deadline)
}

fn flush_until(p: &Pipeline, deadline: Instant) -> bool {
    let (ack_tx, ack_rx) = sync_channel(1);
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

/// Flushes pending spans, then removes every sink, attached exporters included. Takes at most
/// the export timeout plus [`SHUTDOWN_GRACE`]: spans still queued or in flight then (a hung
/// collector) are counted as `discarded`. Safe to call twice, or without `init_tracing`, and in
/// a forked child.
pub fn shutdown_tracing() {
    if CURRENT.load(Ordering::Acquire).is_null() {
        return;
    }
    let p = pipeline();
    let export_timeout = match p.sinks.lock() {
        Ok(s) if !s.enabled && s.attached.is_empty() => return,
        Ok(s) => s.config.as_ref().map_or(p.export_timeout, |c| c.export_timeout),
        Err(_) => p.export_timeout,
    };
    // Stop new spans first (they are counted as discarded from now on), then drain the queue;
    // the final metrics/logs export runs meanwhile, within the same deadline.
    let deadline = Instant::now() + export_timeout + SHUTDOWN_GRACE;
    let telemetry = crate::telemetry::begin_shutdown(deadline);
    RECORDING.store(false, Ordering::Release);
    if !flush_until(p, deadline) {
        let n = p.discard_pending();
        crate::diagnostics::report(
            crate::diagnostics::Level::Warn,
            crate::diagnostics::Code::TracingShutdownDiscarded,
            || format!("shutdown_tracing: the export deadline passed; {n} spans still queued were discarded"),
        );
    }
    let removed: Vec<Arc<SinkSlot>> = match p.sinks.lock() {
        Ok(mut s) => {
            s.enabled = false;
            s.config = None;
            let all = s.all();
            s.configured.clear();
            s.attached.clear();
            update_recording(&s);
            all
        }
        Err(_) => Vec::new(),
    };
    for slot in removed {
        slot.shutdown();
    }
    crate::telemetry::finish_shutdown(telemetry, deadline);
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
    let mut sinks = p.sinks.lock().map_err(|_| state_error())?;
    if sinks.attached.iter().any(|s| s.key() == Some(key)) {
        return Ok(false);
    }
    sinks.attached.push(callback_slot(key, cb));
    update_recording(&sinks);
    Ok(true)
}

/// Detaches a host exporter attached earlier (after flushing what it is owed, at most the
/// export timeout plus [`SHUTDOWN_GRACE`]). Returns whether it was attached.
pub fn detach_span_exporter(cb: &Arc<dyn SpanCallback>) -> bool {
    if CURRENT.load(Ordering::Acquire).is_null() {
        return false;
    }
    let p = pipeline();
    let key = callback_key(cb);
    let present = p.sinks.lock().map(|s| s.attached.iter().any(|x| x.key() == Some(key))).unwrap_or(false);
    if !present {
        return false;
    }
    flush_until(p, Instant::now() + p.export_timeout + SHUTDOWN_GRACE);
    let removed = match p.sinks.lock() {
        Ok(mut s) => {
            let pos = s.attached.iter().position(|x| x.key() == Some(key));
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
    /// Spans this sink delivered.
    pub exported: u64,
    /// Spans in batches this sink failed to deliver.
    pub failed: u64,
    /// The latest failure, if any.
    pub last_error: Option<String>,
}

/// Counters of the span pipeline of this process (a forked child starts from zero). Every ended
/// span is in exactly one of `dropped`, `exported`, `failed`, `discarded` or `pending`:
/// `spans_ended = dropped + exported + failed + discarded + pending`, and `pending` is 0 once
/// `shutdown_tracing` has returned.
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
    /// Spans every sink accepted.
    pub exported: u64,
    /// Spans at least one sink failed to deliver (per-sink detail in `sinks`). A host exporter
    /// takes its batches on a thread of its own: a batch queued for it counts here as delivered,
    /// and what the exporter made of it is in its `sinks` line.
    pub failed: u64,
    /// Spans given up without an export: still queued or in flight when `shutdown_tracing`'s
    /// deadline passed, or ended while nothing was recording.
    pub discarded: u64,
    /// Spans queued or being exported right now.
    pub pending: u64,
    /// The current sinks.
    pub sinks: Vec<SinkStats>,
    /// OTLP metrics and logs export (see `docs/metrics.md`).
    pub telemetry: crate::telemetry::TelemetryStats,
}

/// A snapshot of the pipeline's counters.
pub fn stats() -> TracingStats {
    if CURRENT.load(Ordering::Acquire).is_null() {
        return TracingStats::default();
    }
    let p = pipeline();
    let c = &p.counters;
    // Read the outcomes before `ended`, so `pending` is never negative.
    let (dropped, exported, failed, discarded) = (
        c.dropped.load(Ordering::Acquire),
        c.exported.load(Ordering::Acquire),
        c.failed.load(Ordering::Acquire),
        c.discarded.load(Ordering::Acquire),
    );
    let ended = c.ended.load(Ordering::Acquire);
    let mut st = TracingStats {
        recording: is_recording(),
        spans_ended: ended,
        dropped,
        exported,
        failed,
        discarded,
        pending: ended.saturating_sub(dropped + exported + failed + discarded),
        telemetry: crate::telemetry::stats(),
        ..Default::default()
    };
    if let Ok(s) = p.sinks.lock() {
        st.enabled = s.enabled;
        for slot in s.configured.iter().chain(s.attached.iter()) {
            let (exported, failed, last_error) =
                slot.callback.as_ref().and_then(|(_, cb)| cb.delivery()).unwrap_or_else(|| {
                    (
                        slot.exported.load(Ordering::Relaxed),
                        slot.failed.load(Ordering::Relaxed),
                        slot.last_error.lock().ok().and_then(|e| e.clone()),
                    )
                });
            st.sinks.push(SinkStats { name: slot.name.clone(), exported, failed, last_error });
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::{BurstMemory, BURST_SPANS};

    #[test]
    fn a_burst_keeps_its_memory_until_spans_stop_flowing() {
        let mut b = BurstMemory::default();
        assert!(!b.drained(BURST_SPANS, false), "a burst while spans flow");
        assert!(!b.drained(512, false), "still flowing: a full batch woke the thread");
        assert!(!b.drained(BURST_SPANS * 2, true), "a quiet wake-up that still exported a burst");
        assert!(b.drained(100, true), "the first quiet wake-up after the burst");
        assert!(!b.drained(0, true), "released once");
    }

    #[test]
    fn the_steady_state_never_releases() {
        let mut b = BurstMemory::default();
        for _ in 0..100 {
            assert!(!b.drained(512, false));
            assert!(!b.drained(BURST_SPANS - 1, true));
        }
    }
}

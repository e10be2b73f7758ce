//! OTLP metrics and (opt-in) call records as OTLP log records, next to the spans.
//!
//! Same design as the span pipeline, and for the same reasons (fork safety, no async runtime in
//! the host, cheap export): no `opentelemetry_sdk` metrics or logs SDK and no `opentelemetry-otlp`
//! exporter. The core aggregates the metric catalogue itself ([`metrics`]: per-instrument short
//! mutexes, never waiting on I/O), queues log records on a bounded channel (a full queue drops
//! and counts), and one export thread (`patter-telemetry`) encodes `ExportMetricsServiceRequest`
//! / `ExportLogsServiceRequest` protobuf directly ([`encode`], byte-identical to `prost`) and
//! POSTs them to `/v1/metrics` and `/v1/logs` with the span sink's OTLP/HTTP client and retry
//! rules ([`crate::tracing::otlp_http`]).
//!
//! Lifecycle: `init_tracing` starts it (metrics on with tracing, logs opt-in; see
//! [`crate::config::TelemetryConfig`]); `shutdown_tracing` exports what is left (the last
//! metrics, every queued log record) within its own bound, concurrently with the span flush.
//!
//! fork(): the state is tagged with its fork generation. In a child the first use finds it
//! stale, leaves it (and its locks) alone and builds a fresh one from the parent's immutable
//! configuration: zeroed instruments, a new queue and export thread.

pub(crate) mod encode;
pub(crate) mod logs;
pub(crate) mod metrics;
pub mod names;
mod pb;

pub use names::{Kind, Metric, MetricInfo, METRICS};

use crate::config::TelemetryConfig;
use crate::tracing::encode::SpanResource;
use crate::tracing::otlp_http::OtlpHttp;
use logs::LogRecord;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Whether calls record metrics (read on the call path: a plain atomic).
static METRICS_ON: AtomicBool = AtomicBool::new(false);
/// Whether calls emit log records.
static LOGS_ON: AtomicBool = AtomicBool::new(false);
/// The state of this process (leaked: one per start and fork generation).
static CURRENT: AtomicPtr<State> = AtomicPtr::new(std::ptr::null_mut());
/// Source of state ids (a call remembers which state counted it as active).
static EPOCHS: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
struct Counters {
    log_emitted: AtomicU64,
    log_dropped: AtomicU64,
    log_exported: AtomicU64,
    log_failed: AtomicU64,
    log_discarded: AtomicU64,
    metric_exports: AtomicU64,
    metric_failures: AtomicU64,
}

enum Ctl {
    /// Export everything now (logs, then metrics), acknowledge; `true`: then exit.
    Flush(SyncSender<()>, Instant, bool),
}

struct State {
    generation: u64,
    epoch: u64,
    config: TelemetryConfig,
    running: AtomicBool,
    registry: metrics::Registry,
    logs_tx: SyncSender<LogRecord>,
    logs_rx: Mutex<Receiver<LogRecord>>,
    ctl: SyncSender<Ctl>,
    counters: Counters,
    last_error: Mutex<Option<String>>,
    /// What callers gather away from the registry (see [`Pending`]), merged before each
    /// collection.
    pending: Mutex<Vec<std::sync::Weak<dyn Pending>>>,
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

impl State {
    fn new(config: TelemetryConfig) -> (Box<State>, Receiver<Ctl>) {
        let cap = config.logs.as_ref().map_or(1, |l| l.queue_capacity);
        let (logs_tx, logs_rx) = sync_channel(cap);
        let (ctl, ctl_rx) = sync_channel(8);
        let s = Box::new(State {
            generation: crate::fork::generation(),
            epoch: EPOCHS.fetch_add(1, Ordering::Relaxed),
            config,
            running: AtomicBool::new(true),
            registry: metrics::Registry::new(now_ns()),
            logs_tx,
            logs_rx: Mutex::new(logs_rx),
            ctl,
            counters: Counters::default(),
            last_error: Mutex::new(None),
            pending: Mutex::new(Vec::new()),
        });
        (s, ctl_rx)
    }

    fn spawn(&'static self, ctl: Receiver<Ctl>) {
        if let Err(e) = std::thread::Builder::new().name("patter-telemetry".into()).spawn(move || run(self, ctl)) {
            self.running.store(false, Ordering::Release);
            crate::diagnostics::report(
                crate::diagnostics::Level::Error,
                crate::diagnostics::Code::TracingUnavailable,
                || format!("could not start the metrics/logs export thread ({e}); metrics and logs are off"),
            );
        }
    }
}

/// The state of this process generation: in a forked child, a fresh one built from the
/// parent's configuration (when the parent's was running).
fn current() -> Option<&'static State> {
    let p = CURRENT.load(Ordering::Acquire);
    // SAFETY: states are leaked, never freed.
    let s = unsafe { p.as_ref() }?;
    if s.generation == crate::fork::generation() {
        return Some(s);
    }
    rebuild(p, s)
}

#[cold]
fn rebuild(p: *mut State, stale: &'static State) -> Option<&'static State> {
    // Only immutable fields and atomics of the parent's state are read here.
    if !stale.running.load(Ordering::Acquire) {
        return None;
    }
    let (fresh, ctl) = State::new(stale.config.clone());
    let fresh = Box::into_raw(fresh);
    match CURRENT.compare_exchange(p, fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            // SAFETY: just published; never freed.
            let s: &'static State = unsafe { &*fresh };
            s.spawn(ctl);
            Some(s)
        }
        Err(_) => {
            // SAFETY: never published; another thread installed its own.
            drop(unsafe { Box::from_raw(fresh) });
            current()
        }
    }
}

/// Starts metrics/logs export for `cfg` (called by `init_tracing`, under its lock). A running
/// state is kept, as `init_tracing` keeps a running configuration.
pub(crate) fn start(cfg: TelemetryConfig) {
    crate::fork::watch();
    if current().is_some_and(|s| s.running.load(Ordering::Acquire)) {
        return;
    }
    if cfg.metrics.is_none() && cfg.logs.is_none() {
        return;
    }
    let (metrics, logs) = (cfg.metrics.is_some(), cfg.logs.is_some());
    let (s, ctl) = State::new(cfg);
    let s: &'static State = Box::leak(s);
    CURRENT.store(s as *const State as *mut State, Ordering::Release);
    s.spawn(ctl);
    METRICS_ON.store(metrics && s.running.load(Ordering::Acquire), Ordering::Release);
    LOGS_ON.store(logs && s.running.load(Ordering::Acquire), Ordering::Release);
}

/// A shutdown in progress (see [`begin_shutdown`]).
pub(crate) struct Stopping(Option<(&'static State, Receiver<()>)>);

/// Stops recording and asks the export thread for its final export, bounded by `deadline`;
/// returns at once (the span flush runs meanwhile). [`finish_shutdown`] waits for it.
pub(crate) fn begin_shutdown(deadline: Instant) -> Stopping {
    METRICS_ON.store(false, Ordering::Release);
    LOGS_ON.store(false, Ordering::Release);
    let Some(s) = current() else { return Stopping(None) };
    if !s.running.swap(false, Ordering::AcqRel) {
        return Stopping(None);
    }
    let (ack, rx) = sync_channel(1);
    let mut msg = Ctl::Flush(ack, deadline, true);
    loop {
        match s.ctl.try_send(msg) {
            Ok(()) => return Stopping(Some((s, rx))),
            Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                msg = m;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(_) => return Stopping(None),
        }
    }
}

/// Waits (until `deadline`) for the final export; log records still queued then are counted
/// as discarded.
pub(crate) fn finish_shutdown(stopping: Stopping, deadline: Instant) {
    let Some((s, rx)) = stopping.0 else { return };
    if rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).is_ok() {
        return;
    }
    let mut n = 0;
    if let Ok(q) = s.logs_rx.try_lock() {
        while q.try_recv().is_ok() {
            n += 1;
        }
    }
    s.counters.log_discarded.fetch_add(n, Ordering::Relaxed);
}

/// Whether calls record metrics right now.
#[inline]
pub(crate) fn metrics_on() -> bool {
    METRICS_ON.load(Ordering::Relaxed)
}

/// Whether calls emit log records right now.
#[inline]
pub(crate) fn logs_on() -> bool {
    LOGS_ON.load(Ordering::Relaxed)
}

/// Records one measurement (no-op unless metrics are on).
#[inline]
pub(crate) fn record(metric: Metric, values: &[&str], v: f64) {
    if metrics_on() {
        if let Some(s) = current() {
            s.registry.record(metric, values, v);
        }
    }
}

/// Measurements a caller gathers away from the registry, under a lock of its own (a call's LLM
/// iterations, [`metrics::LocalHist`]): registered with the state ([`register_pending`]), they
/// are merged into its registry before each collection, so a data point holds everything
/// measured before it was collected, as if each measurement had been recorded at once.
pub(crate) trait Pending: Send + Sync {
    /// Adds what was gathered to `registry` and empties it.
    fn merge_into(&self, registry: &metrics::Registry);
}

/// The id of the state measurements go to now; None while metrics are off.
#[inline]
pub(crate) fn metrics_epoch() -> Option<u64> {
    if !metrics_on() {
        return None;
    }
    current().map(|s| s.epoch)
}

/// Has the state `epoch` merge `p` before each collection for as long as `p` lives; false
/// (nothing registered) when `epoch` is no longer the current state.
pub(crate) fn register_pending(epoch: u64, p: std::sync::Weak<dyn Pending>) -> bool {
    match current() {
        Some(s) if s.epoch == epoch => {
            s.pending.lock().unwrap_or_else(|e| e.into_inner()).push(p);
            true
        }
        _ => false,
    }
}

/// Runs `f` on the registry of state `epoch` when it is still the current one (a caller
/// handing over what it gathered, e.g. a call that goes: its measurements still reach a final
/// collection that has not run yet).
pub(crate) fn merge_now(epoch: u64, f: impl FnOnce(&metrics::Registry)) {
    if let Some(s) = current().filter(|s| s.epoch == epoch) {
        f(&s.registry);
    }
}

/// Merges every live registered [`Pending`] into `s`'s registry (the collector, before it
/// collects); forgets those that are gone.
fn merge_pending(s: &State) {
    let live: Vec<std::sync::Arc<dyn Pending>> = {
        let mut all = s.pending.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|w| w.strong_count() > 0);
        all.iter().filter_map(std::sync::Weak::upgrade).collect()
    };
    for p in &live {
        p.merge_into(&s.registry);
    }
}

/// A call started: counts it active; returns the id of the state that counted it (0: none).
pub(crate) fn call_started(direction: &str, provider_mode: &str) -> u64 {
    if !metrics_on() {
        return 0;
    }
    match current() {
        Some(s) => {
            s.registry.record(Metric::CallsActive, &[direction, provider_mode], 1.0);
            s.epoch
        }
        None => 0,
    }
}

/// A call ended: no longer active (if the same state counted it), counted by outcome, its
/// cost added by category/provider/model (`costs` is only evaluated when metrics are on).
pub(crate) fn call_ended<'a>(
    epoch: u64,
    direction: &str,
    provider_mode: &str,
    outcome: &str,
    costs: impl FnOnce() -> Vec<(&'static str, &'a str, Option<&'a str>, f64)>,
) {
    if !metrics_on() {
        return;
    }
    let Some(s) = current() else { return };
    if epoch != 0 && epoch == s.epoch {
        s.registry.record(Metric::CallsActive, &[direction, provider_mode], -1.0);
    }
    s.registry.record(Metric::Calls, &[direction, provider_mode, outcome], 1.0);
    for (category, provider, model, usd) in costs() {
        s.registry.record(Metric::CallCost, &[category, provider, model.unwrap_or("")], usd);
    }
}

/// Queues a log record built by `build` (only called when logs are on); never blocks: a full
/// queue drops the record and counts it.
pub(crate) fn emit_log(build: impl FnOnce(&crate::config::LogsConfig) -> LogRecord) {
    if !logs_on() {
        return;
    }
    let Some(s) = current() else { return };
    let Some(cfg) = s.config.logs.as_ref() else { return };
    let rec = build(cfg);
    s.counters.log_emitted.fetch_add(1, Ordering::Relaxed);
    if s.logs_tx.try_send(rec).is_err() {
        let d = s.counters.log_dropped.fetch_add(1, Ordering::Relaxed) + 1;
        crate::diagnostics::report(
            crate::diagnostics::Level::Warn,
            crate::diagnostics::Code::TelemetryQueueFull,
            || format!("log-record queue full: record dropped ({d} dropped so far); the exporter cannot keep up"),
        );
    }
}

// ---- the export thread ---------------------------------------------------------------------

struct Exporter {
    s: &'static State,
    resource: SpanResource,
    metrics_http: Option<OtlpHttp>,
    logs_http: Option<OtlpHttp>,
    /// Previous observations of the observable counters (delta temporality).
    observed: HashMap<(usize, Vec<String>), u64>,
    last_ns: u64,
}

fn http(headers: &[(String, String)], timeout: Duration) -> Option<OtlpHttp> {
    match OtlpHttp::new(headers, timeout) {
        Ok(h) => Some(h),
        Err(e) => {
            crate::diagnostics::report(
                crate::diagnostics::Level::Error,
                crate::diagnostics::Code::TelemetryExportFailed,
                || format!("metrics/logs exporter unusable: {e}"),
            );
            None
        }
    }
}

fn run(s: &'static State, ctl: Receiver<Ctl>) {
    let cfg = &s.config;
    let timeout = cfg.export_timeout;
    let mut ex = Exporter {
        s,
        resource: SpanResource { service_name: cfg.service_name.clone(), attributes: cfg.resource_attributes.clone() },
        metrics_http: cfg.metrics.as_ref().and_then(|m| http(&m.headers, timeout)),
        logs_http: cfg.logs.as_ref().and_then(|l| http(&l.headers, timeout)),
        observed: HashMap::new(),
        last_ns: s.registry.start_ns(),
    };
    let interval = cfg.metrics.as_ref().map(|m| m.interval);
    let tick = cfg.logs.as_ref().map(|l| l.batch_delay).or(interval).unwrap_or(Duration::from_secs(1));
    let mut next_metrics = interval.map(|i| Instant::now() + i);
    loop {
        let now = Instant::now();
        let wait = next_metrics.map_or(tick, |n| tick.min(n.saturating_duration_since(now)));
        match ctl.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {
                ex.export_logs(Instant::now() + timeout);
                if let (Some(next), Some(i)) = (next_metrics, interval) {
                    if Instant::now() >= next {
                        ex.export_metrics(Instant::now() + timeout);
                        next_metrics = Some(Instant::now() + i);
                    }
                }
            }
            Ok(Ctl::Flush(ack, deadline, exit)) => {
                ex.export_logs(deadline);
                ex.export_metrics(deadline);
                let _ = ack.send(());
                if exit {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl Exporter {
    fn failed(&self, e: String, what: &str) {
        crate::diagnostics::report(
            crate::diagnostics::Level::Warn,
            crate::diagnostics::Code::TelemetryExportFailed,
            || format!("OTLP {what} export failed: {e}"),
        );
        if let Ok(mut l) = self.s.last_error.lock() {
            *l = Some(e);
        }
    }

    /// Exports the queued log records in batches until the queue is empty or `deadline`.
    fn export_logs(&mut self, deadline: Instant) {
        let Some(cfg) = self.s.config.logs.as_ref() else { return };
        loop {
            let batch: Vec<LogRecord> = match self.s.logs_rx.lock() {
                Ok(rx) => rx.try_iter().take(cfg.max_batch).collect(),
                Err(_) => return,
            };
            if batch.is_empty() {
                return;
            }
            let n = batch.len() as u64;
            let c = &self.s.counters;
            if Instant::now() >= deadline {
                c.log_discarded.fetch_add(n, Ordering::Relaxed);
                continue;
            }
            let mut body = Vec::with_capacity(batch.len() * 256);
            encode::logs_request(&self.resource, &batch, &mut body);
            let sent = match self.logs_http.as_mut() {
                Some(h) => h.post(&cfg.url, &body, deadline, "log records"),
                None => Err("no exporter".into()),
            };
            match sent {
                Ok(()) => c.log_exported.fetch_add(n, Ordering::Relaxed),
                Err(e) => {
                    self.failed(e, "logs");
                    c.log_failed.fetch_add(n, Ordering::Relaxed)
                }
            };
            if batch.len() < cfg.max_batch {
                return;
            }
        }
    }

    /// Collects every instrument and the pipeline counters and exports them.
    fn export_metrics(&mut self, deadline: Instant) {
        let Some(cfg) = self.s.config.metrics.as_ref() else { return };
        let now = now_ns();
        merge_pending(self.s);
        let mut data = self.s.registry.collect(cfg.temporality, self.last_ns, now);
        let (items, sinks) = self.pipeline_counters();
        let start = self.s.registry.start_ns();
        data.push(metrics::observe(
            Metric::PipelineItems,
            items,
            cfg.temporality,
            &mut self.observed,
            start,
            self.last_ns,
            now,
        ));
        if !sinks.is_empty() {
            data.push(metrics::observe(
                Metric::PipelineSinkSpans,
                sinks,
                cfg.temporality,
                &mut self.observed,
                start,
                self.last_ns,
                now,
            ));
        }
        self.last_ns = now;
        let mut body = Vec::with_capacity(4096);
        encode::metrics_request(&self.resource, &data, &mut body);
        let sent = match self.metrics_http.as_mut() {
            Some(h) => h.post(&cfg.url, &body, deadline, "data points"),
            None => Err("no exporter".into()),
        };
        let c = &self.s.counters;
        match sent {
            Ok(()) => c.metric_exports.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                self.failed(e, "metrics");
                c.metric_failures.fetch_add(1, Ordering::Relaxed)
            }
        };
    }

    /// `patter.pipeline.items` and `patter.pipeline.sink.spans` totals.
    #[allow(clippy::type_complexity)]
    fn pipeline_counters(&self) -> (Vec<(Vec<&'static str>, u64)>, Vec<(Vec<&'static str>, u64)>) {
        let t = crate::tracing::stats();
        let calllog = crate::calllog::CallLogger::from_env().stats();
        let c = &self.s.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut items = vec![
            (vec!["spans", "exported"], t.exported),
            (vec!["spans", "dropped"], t.dropped),
            (vec!["spans", "failed"], t.failed),
            (vec!["spans", "discarded"], t.discarded),
            (vec!["call_records", "written"], calllog.written),
            (vec!["call_records", "dropped"], calllog.dropped),
            (vec!["call_records", "failed"], calllog.errors),
        ];
        if self.s.config.logs.is_some() {
            items.extend([
                (vec!["log_records", "exported"], load(&c.log_exported)),
                (vec!["log_records", "dropped"], load(&c.log_dropped)),
                (vec!["log_records", "failed"], load(&c.log_failed)),
                (vec!["log_records", "discarded"], load(&c.log_discarded)),
            ]);
        }
        let mut sinks: Vec<(Vec<&'static str>, u64)> = Vec::new();
        for k in &t.sinks {
            let kind: &'static str = match k.name.split(':').next() {
                Some("otlp") => "otlp",
                Some("console") => "console",
                Some("file") => "file",
                _ => "callback",
            };
            for (outcome, n) in [("exported", k.exported), ("failed", k.failed)] {
                match sinks.iter_mut().find(|(v, _)| v[0] == kind && v[1] == outcome) {
                    Some(slot) => slot.1 += n,
                    None => sinks.push((vec![kind, outcome], n)),
                }
            }
        }
        (items, sinks)
    }
}

// ---- stats ---------------------------------------------------------------------------------

/// Counters of the metrics/logs export of this process (a forked child starts from zero).
/// Every emitted log record is in exactly one of `dropped`, `exported`, `failed`, `discarded`,
/// or still queued.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct TelemetryStats {
    /// Calls record metrics.
    pub metrics_enabled: bool,
    /// Calls emit log records.
    pub logs_enabled: bool,
    /// Log records carry texts.
    pub log_texts: bool,
    /// Successful metric exports.
    pub metric_exports: u64,
    /// Failed metric exports.
    pub metric_export_failures: u64,
    /// Log records emitted by calls.
    pub log_records_emitted: u64,
    /// Dropped because the queue was full.
    pub log_records_dropped: u64,
    /// Accepted by the collector.
    pub log_records_exported: u64,
    /// In batches the collector did not accept.
    pub log_records_failed: u64,
    /// Given up at shutdown.
    pub log_records_discarded: u64,
    /// The latest export failure, if any.
    pub last_error: Option<String>,
}

/// A snapshot of the metrics/logs counters.
pub fn stats() -> TelemetryStats {
    let p = CURRENT.load(Ordering::Acquire);
    // SAFETY: states are leaked, never freed.
    let Some(s) = (unsafe { p.as_ref() }) else { return TelemetryStats::default() };
    if s.generation != crate::fork::generation() {
        return TelemetryStats::default();
    }
    let c = &s.counters;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    TelemetryStats {
        metrics_enabled: metrics_on(),
        logs_enabled: logs_on(),
        log_texts: logs_on() && s.config.logs.as_ref().is_some_and(|l| l.texts),
        metric_exports: load(&c.metric_exports),
        metric_export_failures: load(&c.metric_failures),
        log_records_emitted: load(&c.log_emitted),
        log_records_dropped: load(&c.log_dropped),
        log_records_exported: load(&c.log_exported),
        log_records_failed: load(&c.log_failed),
        log_records_discarded: load(&c.log_discarded),
        last_error: s.last_error.try_lock().ok().and_then(|e| e.clone()),
    }
}

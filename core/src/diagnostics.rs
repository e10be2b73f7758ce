//! Diagnostics: how the core's warnings (a failed export, a full disk, a refused file, spans
//! discarded at shutdown…) reach the host, the same way from every language.
//!
//! The contract, owned here and only here:
//! - Every warning has a stable [`Code`] and a one-line message (no user content: no
//!   transcripts, payloads or phone numbers).
//! - Rate limit: per code, at most one diagnostic per [`RATE_INTERVAL`]; the ones held back are
//!   counted and reported as `suppressed` by the next one of that code (or by a summary once the
//!   interval has passed), so a full disk cannot flood the host's log and no count is lost.
//! - Delivery never blocks the caller: a diagnostic is queued (bounded, [`QUEUE_CAPACITY`]) and
//!   handed to the handler on a delivery thread of its own; a full queue counts a drop.
//! - Where it goes: the handler set with [`set_handler`] (Python installs one that logs to the
//!   `patter` logger, Node one that calls `process.emitWarning` or the host's callback, C a
//!   callback); without one, a line on stderr; [`set_silent`] turns delivery off. Every
//!   diagnostic is also emitted as a `tracing` event for Rust hosts with a subscriber.
//! - Survives `fork()`: a child delivers through a fresh queue and thread of its own.

use crate::fork;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// At most one diagnostic per code per interval; the rest are counted as suppressed.
pub const RATE_INTERVAL: Duration = Duration::from_secs(10);

/// How long [`flush`] waits when the host gives no timeout (the core's one default timeout).
pub const DEFAULT_FLUSH_TIMEOUT: Duration = crate::rules::DEFAULT_TIMEOUT;

/// Diagnostics queued for delivery at most; beyond that they are dropped and counted.
pub const QUEUE_CAPACITY: usize = 256;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Something was lost or refused, the process goes on (most diagnostics).
    Warn = 1,
    /// A whole subsystem stopped working (an export or writer thread could not start).
    Error = 2,
}

impl Level {
    /// `warn` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal : $doc:literal,)*) => {
        /// The stable identifier of a kind of diagnostic (what a host filters or alerts on).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as text, e.g. `tracing.export_failed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    TracingQueueFull = "tracing.queue_full": "The span queue was full: spans were dropped.",
    TracingExportFailed = "tracing.export_failed": "A sink failed to deliver a batch of spans.",
    TracingShutdownDiscarded = "tracing.shutdown_discarded": "Shutdown's deadline passed: spans still queued were discarded.",
    TracingUnavailable = "tracing.unavailable": "The export thread could not start (or restart after fork): spans are dropped.",
    TracingFileRepaired = "tracing.file_repaired": "The span file ended in a partial line left by a killed writer; it was cut off.",
    CallLogWriteFailed = "calllog.write_failed": "A call record could not be written (full disk, refused file, permissions…).",
    CallLogDropped = "calllog.dropped": "The call log's queue was full (or its writer gone): records were dropped.",
    CallLogFileRepaired = "calllog.file_repaired": "A JSONL file ended in a partial line left by a killed writer; it was cut off.",
    CallLogRetentionFailed = "calllog.retention_failed": "Retention could not remove an expired call.",
    CallLogUnavailable = "calllog.unavailable": "The call log is off: its root is unusable or its writer could not start.",
    StoreReadSkipped = "store.read_skipped": "Parts of a call's files on disk could not be read and were skipped.",
    DashboardRequestFailed = "dashboard.request_failed": "A dashboard request failed unexpectedly; the server goes on.",
    CallAbandoned = "call.abandoned": "A call was dropped without end(): recorded as abandoned.",
    PricingOverridesIgnored = "pricing.overrides_ignored": "Pricing overrides were invalid: the built-in rates are used.",
    ForkUnwatched = "fork.unwatched": "pthread_atfork failed: a forked child will not restart tracing or logging.",
    TelemetryExportFailed = "telemetry.export_failed": "An OTLP metrics or logs export failed (counted in the telemetry stats).",
    TelemetryQueueFull = "telemetry.queue_full": "The OTLP log-record queue was full: log records were dropped.",
}

const CODES: usize = Code::ALL.len();

/// One diagnostic as handed to the host.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub level: Level,
    /// What kind it is.
    #[serde(serialize_with = "code_as_str")]
    pub code: Code,
    /// One human-readable line (never user content).
    pub message: String,
    /// Diagnostics of the same code held back by the rate limit since the last one delivered.
    pub suppressed: u64,
}

fn code_as_str<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code.as_str())?;
        if self.suppressed > 0 {
            write!(f, " ({} similar suppressed)", self.suppressed)?;
        }
        Ok(())
    }
}

/// A host's diagnostics handler. It runs on the delivery thread, one diagnostic at a time.
pub trait DiagnosticHandler: Send + Sync {
    /// Receives one diagnostic.
    fn handle(&self, d: &Diagnostic);
}

impl<F: Fn(&Diagnostic) + Send + Sync> DiagnosticHandler for F {
    fn handle(&self, d: &Diagnostic) {
        self(d)
    }
}

const MODE_STDERR: u8 = 0;
const MODE_SILENT: u8 = 1;
const MODE_HANDLER: u8 = 2;

static MODE: AtomicU8 = AtomicU8::new(MODE_STDERR);
static HANDLER: RwLock<Option<Arc<dyn DiagnosticHandler>>> = RwLock::new(None);

/// Sends every diagnostic from now on to `handler` (replacing any earlier one).
pub fn set_handler(handler: Arc<dyn DiagnosticHandler>) {
    if let Ok(mut h) = HANDLER.write() {
        *h = Some(handler);
        MODE.store(MODE_HANDLER, Ordering::Release);
    }
}

/// Goes back to the default: one line per diagnostic on stderr.
pub fn set_stderr() {
    MODE.store(MODE_STDERR, Ordering::Release);
    if let Ok(mut h) = HANDLER.write() {
        *h = None;
    }
}

/// Delivers nothing (diagnostics are still counted in [`stats`] and emitted as `tracing` events).
pub fn set_silent() {
    MODE.store(MODE_SILENT, Ordering::Release);
    if let Ok(mut h) = HANDLER.write() {
        *h = None;
    }
}

/// Counters of the diagnostics of this process (a forked child starts from zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DiagnosticStats {
    /// Diagnostics raised by the core, suppressed ones included.
    pub raised: u64,
    /// Held back by the rate limit (their count reached the host in a later diagnostic).
    pub suppressed: u64,
    /// Handed to the handler (or stderr, or nobody when silent).
    pub delivered: u64,
    /// Lost because the delivery queue was full or the delivery thread could not start.
    pub dropped: u64,
}

/// Per-generation state: the rate limiter and the delivery queue of this process.
struct State {
    generation: u64,
    epoch: Instant,
    /// Per code: when (ms after `epoch`, +1 so 0 means never) the last one was let through.
    last: [AtomicU64; CODES],
    /// Per code: held back since the last one let through.
    held: [AtomicU64; CODES],
    raised: AtomicU64,
    suppressed: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    queued: AtomicU64,
    tx: OnceLock<Option<SyncSender<Diagnostic>>>,
}

static CURRENT: AtomicPtr<State> = AtomicPtr::new(std::ptr::null_mut());

impl State {
    fn new() -> State {
        State {
            generation: fork::generation(),
            epoch: Instant::now(),
            last: std::array::from_fn(|_| AtomicU64::new(0)),
            held: std::array::from_fn(|_| AtomicU64::new(0)),
            raised: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            tx: OnceLock::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// The sender, starting the delivery thread on first use.
    fn sender(&'static self) -> Option<&'static SyncSender<Diagnostic>> {
        self.tx
            .get_or_init(|| {
                let (tx, rx) = sync_channel(QUEUE_CAPACITY);
                std::thread::Builder::new()
                    .name("patter-diagnostics".into())
                    .spawn(move || deliver_loop(self, rx))
                    .ok()?;
                Some(tx)
            })
            .as_ref()
    }
}

/// This process's state (a fresh one in a forked child; the parent's is left untouched and
/// leaked, as its delivery thread does not exist there). Lock-free: a compare-and-swap.
fn state() -> &'static State {
    let gen = fork::generation();
    loop {
        let p = CURRENT.load(Ordering::Acquire);
        // SAFETY: states are leaked, never freed.
        if !p.is_null() && unsafe { &*p }.generation == gen {
            return unsafe { &*p };
        }
        fork::watch();
        let new = Box::into_raw(Box::new(State::new()));
        match CURRENT.compare_exchange(p, new, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: just published, never freed from now on.
            Ok(_) => return unsafe { &*new },
            // SAFETY: `new` was never published; another thread installed its own.
            Err(_) => drop(unsafe { Box::from_raw(new) }),
        }
    }
}

/// Raises a diagnostic. The message is built only when it will be delivered. Never blocks:
/// the rate limit is a few atomics, delivery happens on another thread.
pub(crate) fn report(level: Level, code: Code, message: impl FnOnce() -> String) {
    let s = state();
    s.raised.fetch_add(1, Ordering::Relaxed);
    let i = code as usize;
    let now = s.now_ms();
    let last = s.last[i].load(Ordering::Acquire);
    let interval = RATE_INTERVAL.as_millis() as u64;
    if (last != 0 && now.saturating_sub(last) < interval)
        || s.last[i].compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire).is_err()
    {
        s.held[i].fetch_add(1, Ordering::Relaxed);
        s.suppressed.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let d = Diagnostic { level, code, message: message(), suppressed: s.held[i].swap(0, Ordering::AcqRel) };
    emit_tracing_event(&d);
    enqueue(s, d);
}

fn enqueue(s: &'static State, d: Diagnostic) {
    match s.sender() {
        Some(tx) => {
            s.queued.fetch_add(1, Ordering::AcqRel);
            match tx.try_send(d) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    s.queued.fetch_sub(1, Ordering::AcqRel);
                    s.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        None => {
            s.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn emit_tracing_event(d: &Diagnostic) {
    match d.level {
        Level::Warn => ::tracing::warn!(code = d.code.as_str(), suppressed = d.suppressed, "{}", d.message),
        Level::Error => ::tracing::error!(code = d.code.as_str(), suppressed = d.suppressed, "{}", d.message),
    }
}

/// The delivery thread: hands each diagnostic to the handler, and once an interval has passed
/// reports the counts still held back (with the last message of that code).
fn deliver_loop(s: &'static State, rx: Receiver<Diagnostic>) {
    let mut last_seen: [Option<(Level, String)>; CODES] = std::array::from_fn(|_| None);
    loop {
        match rx.recv_timeout(RATE_INTERVAL / 4) {
            Ok(d) => {
                last_seen[d.code as usize] = Some((d.level, d.message.clone()));
                deliver(&d);
                s.delivered.fetch_add(1, Ordering::Relaxed);
                s.queued.fetch_sub(1, Ordering::AcqRel);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = s.now_ms();
        for &code in Code::ALL {
            let i = code as usize;
            let last = s.last[i].load(Ordering::Acquire);
            if s.held[i].load(Ordering::Acquire) == 0 || now.saturating_sub(last) < RATE_INTERVAL.as_millis() as u64 {
                continue;
            }
            if s.last[i].compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire).is_err() {
                continue;
            }
            let held = s.held[i].swap(0, Ordering::AcqRel);
            if held == 0 {
                continue;
            }
            let (level, message) = last_seen[i].clone().unwrap_or((Level::Warn, "repeated diagnostics".into()));
            let d = Diagnostic { level, code, message, suppressed: held };
            emit_tracing_event(&d);
            deliver(&d);
            s.delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn deliver(d: &Diagnostic) {
    match MODE.load(Ordering::Acquire) {
        MODE_SILENT => {}
        MODE_HANDLER => {
            // try_read: a writer that held the lock at fork() never releases it in a child.
            let h = HANDLER.try_read().ok().and_then(|h| h.clone());
            match h {
                Some(h) => {
                    // A panicking host handler must not take the delivery thread down.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.handle(d)));
                }
                None => to_stderr(d),
            }
        }
        _ => to_stderr(d),
    }
}

/// The default destination: one line on stderr (a failed write is ignored).
fn to_stderr(d: &Diagnostic) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "patter: {}: {d}", d.level.as_str());
}

/// Waits until every diagnostic raised so far was handed to the handler; false on timeout.
pub fn flush(timeout: Duration) -> bool {
    let p = CURRENT.load(Ordering::Acquire);
    if p.is_null() {
        return true;
    }
    // SAFETY: leaked, never freed.
    let s = unsafe { &*p };
    if s.generation != fork::generation() {
        return true; // the parent's queue: nothing of ours is in it
    }
    let deadline = Instant::now() + timeout;
    while s.queued.load(Ordering::Acquire) > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// A snapshot of this process's diagnostics counters.
pub fn stats() -> DiagnosticStats {
    let p = CURRENT.load(Ordering::Acquire);
    if p.is_null() {
        return DiagnosticStats::default();
    }
    // SAFETY: leaked, never freed.
    let s = unsafe { &*p };
    if s.generation != fork::generation() {
        return DiagnosticStats::default();
    }
    DiagnosticStats {
        raised: s.raised.load(Ordering::Relaxed),
        suppressed: s.suppressed.load(Ordering::Relaxed),
        delivered: s.delivered.load(Ordering::Relaxed),
        dropped: s.dropped.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    // One test owns the process-global handler (tests run on threads of one process).
    #[test]
    fn rate_limited_per_code_counted_and_delivered_off_thread() {
        let got: Arc<Mutex<Vec<(Diagnostic, String)>>> = Arc::default();
        let sink = got.clone();
        set_handler(Arc::new(move |d: &Diagnostic| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            sink.lock().unwrap().push((d.clone(), name));
        }));
        for i in 0..1000 {
            report(Level::Warn, Code::CallLogWriteFailed, || format!("disk full #{i}"));
        }
        report(Level::Error, Code::TracingUnavailable, || "no thread".into());
        assert!(flush(Duration::from_secs(5)));
        let v = got.lock().unwrap().clone();
        let disk: Vec<_> = v.iter().filter(|(d, _)| d.code == Code::CallLogWriteFailed).collect();
        assert_eq!(disk.len(), 1, "one per code per interval: {v:?}");
        assert_eq!(disk[0].0.message, "disk full #0");
        assert_eq!(disk[0].0.suppressed, 0);
        assert!(v.iter().any(|(d, _)| d.code == Code::TracingUnavailable && d.level == Level::Error));
        assert!(v.iter().all(|(_, t)| t == "patter-diagnostics"), "delivered on the delivery thread");
        let st = stats();
        assert!(st.raised >= 1001 && st.suppressed >= 999, "{st:?}");
        // A panicking handler does not kill delivery.
        set_handler(Arc::new(|_: &Diagnostic| panic!("host handler bug")));
        report(Level::Warn, Code::ForkUnwatched, || "x".into());
        assert!(flush(Duration::from_secs(5)));
        set_silent();
        report(Level::Warn, Code::CallAbandoned, || "y".into());
        assert!(flush(Duration::from_secs(5)));
        set_stderr();
        let d = Diagnostic { level: Level::Warn, code: Code::CallLogDropped, message: "m".into(), suppressed: 3 };
        assert_eq!(d.to_string(), "m [calllog.dropped] (3 similar suppressed)");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"level":"warn","code":"calllog.dropped","message":"m","suppressed":3}"#
        );
    }

    #[test]
    fn codes_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(c.as_str().contains('.'));
        }
    }
}

//! The per-call record on disk (`docs/call-record.md` documents the exact formats).
//!
//! `<root>/calls/YYYY/MM/DD/<safe id>/{metadata.json, transcript.jsonl, events.jsonl}`, the date
//! being the UTC date of the call's start. A [`CallLogger`] owns one writer thread fed by a
//! bounded queue: the caller's thread only clones the record and enqueues it (a full queue drops
//! and counts), the writer serialises, writes, and counts errors. Nothing here ever returns an
//! error into the call path, panics on input, or blocks a caller (except `flush`).
//!
//! Flushing: [`CallLogger::flush`] waits for everything queued so far; dropping the last clone of
//! a logger (and of its handles) drains the queue and joins the writer; on Unix an `atexit` hook
//! also flushes every live logger (at most 2 s each) when the process exits normally.
//!
//! fork(): a child inherits the logger but not its writer thread. Its first record starts a new
//! queue and writer of its own (the parent's queued records stay the parent's to write), so a
//! pre-forked worker writes its calls; flushing in a child that wrote nothing returns at once.

mod exit;
mod format;
mod hash;
mod redact;
mod retention;
mod safe_id;
mod stats;
mod writer;

pub use self::format::{event_line, metadata_json, transcript_line, SCHEMA_VERSION};
pub use self::redact::mask;
pub use self::retention::{day_expired, numeric_name, numeric_subdirs, sweep, SweepReport};
pub use self::safe_id::{is_verbatim_safe, safe_segment};
pub use self::stats::LogStats;
pub use crate::fsio::{DIR_MODE, FILE_MODE};

use self::stats::Counters;
use self::writer::{CallInfo, Msg, Writer};
use crate::clock::Timestamp;
use crate::config::{Env, LogConfig, Persist, ProcessEnv};
use crate::error::{PatterError, Result};
use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Largest queue capacity honoured (larger values are clamped).
pub const MAX_QUEUE_CAPACITY: usize = 1 << 20;

/// The relative directory of a call: `calls/YYYY/MM/DD/<safe id>` (UTC date of `started_at`).
pub fn call_rel_dir(call_id: &str, started_at: Timestamp) -> PathBuf {
    let (y, m, d) = started_at.utc_date();
    PathBuf::from("calls")
        .join(format!("{y:04}"))
        .join(format!("{m:02}"))
        .join(format!("{d:02}"))
        .join(safe_segment(call_id))
}

/// A queue and the writer thread draining it, in the fork generation that started them.
struct Chan {
    tx: Option<SyncSender<Msg>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    generation: u64,
}

impl Chan {
    fn start(root: &Path, config: &LogConfig, counters: &Arc<Counters>) -> std::io::Result<Chan> {
        crate::fork::watch();
        // std's bounded channel allocates every slot up front: keep the capacity sane.
        let (tx, rx) = mpsc::sync_channel(config.queue_capacity.clamp(1, MAX_QUEUE_CAPACITY));
        let writer = Writer::new(root.to_path_buf(), config.clone(), counters.clone());
        let handle = std::thread::Builder::new().name("patter-calllog".into()).spawn(move || writer.run(rx))?;
        Ok(Chan { tx: Some(tx), thread: Mutex::new(Some(handle)), generation: crate::fork::generation() })
    }
}

/// State shared by a logger's clones and its handles; dropping the last one drains the queue
/// and joins the writer thread.
pub(crate) struct Shared {
    /// The current queue (replaced in a forked child; the stale one is left alone, leaked).
    chan: AtomicPtr<Chan>,
    /// Held (= fork generation + 1 of the holder) while a child replaces `chan`.
    restarting: AtomicU64,
    counters: Arc<Counters>,
    config: LogConfig,
    root: PathBuf,
    next_key: AtomicU64,
}

impl Shared {
    /// The queue of this process: in a forked child, a new one with its own writer thread.
    fn chan(&self) -> Option<&Chan> {
        // SAFETY: `chan` always points to a live Chan: replaced ones are leaked, and the last
        // one is freed only in Drop, when no reference can exist.
        let c = unsafe { self.chan.load(Ordering::Acquire).as_ref()? };
        if c.generation == crate::fork::generation() {
            return Some(c);
        }
        self.restart()
    }

    #[cold]
    fn restart(&self) -> Option<&Chan> {
        let gen = crate::fork::generation();
        loop {
            let held = self.restarting.load(Ordering::Acquire);
            if (held == 0 || held != gen + 1)
                && self.restarting.compare_exchange(held, gen + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
            {
                break;
            }
            std::thread::yield_now();
        }
        // SAFETY: as in `chan`.
        let current = unsafe { self.chan.load(Ordering::Acquire).as_ref() };
        let c = match current {
            Some(c) if c.generation == gen => Some(c),
            _ => match Chan::start(&self.root, &self.config, &self.counters) {
                Ok(new) => {
                    let p = Box::into_raw(Box::new(new));
                    self.chan.store(p, Ordering::Release);
                    // SAFETY: just allocated; freed only in Drop.
                    Some(unsafe { &*p })
                }
                Err(e) => {
                    crate::diagnostics::report(
                        crate::diagnostics::Level::Error,
                        crate::diagnostics::Code::CallLogUnavailable,
                        || format!("could not start a call-log writer after fork() ({e}); records are dropped"),
                    );
                    current
                }
            },
        };
        self.restarting.store(0, Ordering::Release);
        c
    }

    fn sender(&self) -> Option<&SyncSender<Msg>> {
        self.chan().and_then(|c| c.tx.as_ref())
    }

    fn send(&self, msg: Msg) {
        let Some(tx) = self.sender() else { return };
        match tx.try_send(msg) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                self.warn_dropped();
            }
        }
    }

    /// Reports the drop (rate-limited by the diagnostics contract).
    fn warn_dropped(&self) {
        crate::diagnostics::report(crate::diagnostics::Level::Warn, crate::diagnostics::Code::CallLogDropped, || {
            let total = self.counters.dropped.load(Ordering::Relaxed);
            format!("call log queue full: records dropped ({total} so far); the writer cannot keep up")
        });
    }

    fn flush_until(&self, deadline: Option<Instant>) -> bool {
        // SAFETY: as in `chan`.
        let Some(c) = (unsafe { self.chan.load(Ordering::Acquire).as_ref() }) else { return true };
        if c.generation != crate::fork::generation() {
            // A forked child that has written nothing: what is queued is the parent's.
            return true;
        }
        let Some(tx) = &c.tx else { return true };
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        let mut msg = Msg::Flush(ack_tx);
        match deadline {
            None => {
                if tx.send(msg).is_err() {
                    return false;
                }
                ack_rx.recv().is_ok()
            }
            Some(deadline) => {
                loop {
                    match tx.try_send(msg) {
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
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let p = std::mem::replace(self.chan.get_mut(), std::ptr::null_mut());
        if p.is_null() {
            return;
        }
        // SAFETY: the current Chan, allocated by Box::into_raw and owned by this Shared.
        let mut c = unsafe { Box::from_raw(p) };
        if c.generation != crate::fork::generation() {
            // Inherited through fork(): its writer thread does not exist here and its locks may
            // be held. Leave it alone.
            std::mem::forget(c);
            return;
        }
        // Closing the channel lets the writer drain what is queued and exit.
        drop(c.tx.take());
        let handle = c.thread.get_mut().map(|g| g.take()).unwrap_or(None);
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }
}

/// Writes call directories under a root; cheap to clone (all clones share one writer thread).
#[derive(Clone, Default)]
pub struct CallLogger {
    shared: Option<Arc<Shared>>,
}

impl std::fmt::Debug for CallLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLogger").field("root", &self.root()).finish()
    }
}

impl CallLogger {
    /// A logger that writes nothing.
    pub fn disabled() -> Self {
        CallLogger { shared: None }
    }

    /// The process default logger: `persist` unset, configured from the process environment
    /// (`PATTER_LOG_DIR`, `PATTER_LOG_REDACT_PHONE`, `PATTER_LOG_HASH_KEY`,
    /// `PATTER_LOG_RETENTION_DAYS`) the first time it is asked for; later calls return clones of
    /// that same logger (changes to the environment afterwards are not seen).
    pub fn from_env() -> Self {
        static DEFAULT: OnceLock<CallLogger> = OnceLock::new();
        DEFAULT
            .get_or_init(|| match CallLogger::new(&Persist::Unset, &ProcessEnv) {
                Ok(l) => l,
                Err(e) => {
                    crate::diagnostics::report(
                        crate::diagnostics::Level::Warn,
                        crate::diagnostics::Code::CallLogUnavailable,
                        || format!("the default call log is off: {e}"),
                    );
                    CallLogger::disabled()
                }
            })
            .clone()
    }

    /// A new logger for `persist` (the `CallLogger(persist=...)` of the bindings), other
    /// settings from `env`. Errors only for an unusable explicit `persist` or when the writer
    /// thread cannot be started.
    pub fn new(persist: &Persist, env: &dyn Env) -> Result<Self> {
        Self::with_config(LogConfig::resolve(persist, env)?)
    }

    /// A new logger with a fully resolved configuration (`root: None` gives a disabled logger).
    /// No directory is created until the first call starts.
    pub fn with_config(config: LogConfig) -> Result<Self> {
        let Some(root) = config.root.clone() else { return Ok(Self::disabled()) };
        let counters = Arc::new(Counters::default());
        let chan = Chan::start(&root, &config, &counters).map_err(|e| PatterError::io(&root, &e))?;
        let shared = Arc::new(Shared {
            chan: AtomicPtr::new(Box::into_raw(Box::new(chan))),
            restarting: AtomicU64::new(0),
            counters,
            config,
            root,
            next_key: AtomicU64::new(1),
        });
        exit::register(&shared);
        Ok(CallLogger { shared: Some(shared) })
    }

    /// Whether this logger writes anything.
    pub fn enabled(&self) -> bool {
        self.shared.is_some()
    }

    /// The log root (the directory holding `calls/`), None when disabled.
    pub fn root(&self) -> Option<&Path> {
        self.shared.as_ref().map(|s| s.root.as_path())
    }

    /// The resolved configuration, None when disabled.
    pub fn config(&self) -> Option<&LogConfig> {
        self.shared.as_ref().map(|s| &s.config)
    }

    /// Begins a call's record (metadata.json with `status: "in_progress"`); returns the handle for
    /// the rest of the call. Only enqueues; never fails.
    pub fn start_call(&self, start: &CallStart) -> CallLogHandle {
        let Some(sh) = &self.shared else { return CallLogHandle { inner: None, ended: AtomicBool::new(false) } };
        let info = Arc::new(CallInfo {
            key: sh.next_key.fetch_add(1, Ordering::Relaxed),
            start: start.clone(),
            rel_dir: call_rel_dir(&start.call_id, start.started_at),
        });
        sh.send(Msg::Start(info.clone()));
        CallLogHandle { inner: Some((sh.clone(), info)), ended: AtomicBool::new(false) }
    }

    /// Blocks until everything queued so far has been written (handed to the OS; metadata is
    /// also fsynced). Returns at once for a disabled logger.
    pub fn flush(&self) {
        if let Some(sh) = &self.shared {
            sh.flush_until(None);
        }
    }

    /// Like [`flush`](Self::flush) but gives up after `timeout`; returns whether it completed.
    pub fn flush_timeout(&self, timeout: Duration) -> bool {
        match &self.shared {
            Some(sh) => sh.flush_until(Some(Instant::now() + timeout)),
            None => true,
        }
    }

    /// Counters: items written, dropped (queue full) and failed.
    pub fn stats(&self) -> LogStats {
        self.shared.as_ref().map(|s| s.counters.snapshot()).unwrap_or_default()
    }

    /// Runs a retention sweep now, on the writer thread, and waits for its report.
    pub fn sweep_now(&self) -> SweepReport {
        self.sweep_at_opt(None)
    }

    /// Runs a retention sweep as if the time were `now` (tests, hosts with their own clock).
    pub fn sweep_at(&self, now: Timestamp) -> SweepReport {
        self.sweep_at_opt(Some(now))
    }

    fn sweep_at_opt(&self, now: Option<Timestamp>) -> SweepReport {
        let Some(sh) = &self.shared else { return SweepReport::default() };
        let Some(tx) = sh.sender() else { return SweepReport::default() };
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if tx.send(Msg::Sweep(now, ack_tx)).is_err() {
            return SweepReport::default();
        }
        ack_rx.recv().unwrap_or_default()
    }
}

/// One call's record: enqueue-only methods, safe to share between threads.
#[derive(Debug)]
pub struct CallLogHandle {
    inner: Option<(Arc<Shared>, Arc<CallInfo>)>,
    ended: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("root", &self.root).finish()
    }
}

impl CallLogHandle {
    /// A handle that writes nothing.
    pub fn noop() -> Self {
        CallLogHandle { inner: None, ended: AtomicBool::new(false) }
    }

    /// Whether this handle writes anything.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The call's directory (`<root>/calls/YYYY/MM/DD/<safe id>`), None when disabled.
    pub fn dir(&self) -> Option<PathBuf> {
        self.inner.as_ref().map(|(sh, info)| sh.root.join(&info.rel_dir))
    }

    /// Appends a transcript line (enqueue only).
    pub fn transcript(&self, line: &TranscriptLine) {
        if let Some((sh, info)) = &self.inner {
            sh.send(Msg::Transcript(info.clone(), Box::new(line.clone())));
        }
    }

    /// Appends an event line (enqueue only).
    pub fn event(&self, event: &EventLine) {
        if let Some((sh, info)) = &self.inner {
            sh.send(Msg::Event(info.clone(), Box::new(event.clone())));
        }
    }

    /// Rewrites metadata.json with the end of the call (enqueue only). Calling it again
    /// rewrites it again.
    pub fn end(&self, end: &CallEnd) {
        if let Some((sh, info)) = &self.inner {
            self.ended.store(true, Ordering::Relaxed);
            sh.send(Msg::End(info.clone(), Box::new(end.clone())));
        }
    }
}

impl Drop for CallLogHandle {
    fn drop(&mut self) {
        if let Some((sh, info)) = &self.inner {
            if !self.ended.load(Ordering::Relaxed) {
                // Let the writer close this call's files; if the queue is full its cache evicts them later.
                if let Some(tx) = sh.sender() {
                    let _ = tx.try_send(Msg::Release(info.key));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_thread_safe() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CallLogger>();
        assert_send_sync::<CallLogHandle>();
        assert_send_sync::<crate::store::MetricsStore>();
    }

    #[test]
    fn rel_dir_uses_utc_start_date() {
        let t = Timestamp::parse_iso8601("2026-01-02T23:59:59.999Z").unwrap();
        assert_eq!(call_rel_dir("a/b", t).parent().unwrap(), Path::new("calls/2026/01/02"));
        assert_eq!(call_rel_dir("x", Timestamp(0)), Path::new("calls/1970/01/01/x"));
    }

    #[test]
    fn absurd_queue_capacity_is_clamped() {
        let dir = std::env::temp_dir().join(format!("patter-clamp-{}", std::process::id()));
        let l = CallLogger::with_config(LogConfig { queue_capacity: usize::MAX, ..LogConfig::at(&dir) }).unwrap();
        assert!(l.enabled());
        l.flush();
        assert!(!dir.exists(), "nothing is created before a call starts");
    }
}

//! The writer thread: the only place that touches the disk. It drains the logger's bounded
//! queue in order, keeps a small cache of open JSONL files, counts successes and failures, and
//! runs the sampled retention sweep (never on a caller's thread).

use super::format;
use super::retention::{self, SweepReport};
use super::stats::Counters;
use crate::clock::Timestamp;
use crate::config::LogConfig;
use crate::fsio::{self, Dir};
use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

/// Calls whose JSONL files stay open at once (2 files each); older ones are closed and reopened
/// on their next line.
const MAX_OPEN_CALLS: usize = 128;

/// What a call handle knows, shared with the writer: its start and its directory (fixed at
/// start, so a call crossing midnight and late writes stay in one directory).
#[derive(Debug)]
pub(crate) struct CallInfo {
    pub key: u64,
    pub start: CallStart,
    /// `calls/YYYY/MM/DD/<safe id>`, relative to the root.
    pub rel_dir: PathBuf,
}

/// One queue item.
pub(crate) enum Msg {
    Start(Arc<CallInfo>),
    Transcript(Arc<CallInfo>, Box<TranscriptLine>),
    Event(Arc<CallInfo>, Box<EventLine>),
    End(Arc<CallInfo>, Box<CallEnd>),
    Release(u64),
    Flush(SyncSender<()>),
    Sweep(Option<Timestamp>, SyncSender<SweepReport>),
}

#[derive(Clone, Copy)]
enum Stream {
    Transcript,
    Events,
}

impl Stream {
    fn file_name(self) -> &'static str {
        match self {
            Stream::Transcript => "transcript.jsonl",
            Stream::Events => "events.jsonl",
        }
    }
}

#[derive(Default)]
struct CallFiles {
    /// The call's directory, opened without following links (None: not yet, or to re-check).
    dir: Option<Arc<Dir>>,
    transcript: Option<Appender>,
    events: Option<Appender>,
    last_used: u64,
}

/// An open JSONL file and its length, so a line that would take it past
/// [`MAX_JSONL_BYTES`](crate::store::MAX_JSONL_BYTES) (what hydrate reads back) is refused.
struct Appender {
    file: File,
    len: u64,
}

pub(crate) struct Writer {
    root: PathBuf,
    /// The log root, opened on first use (and again after a failure).
    root_dir: Option<Arc<Dir>>,
    config: LogConfig,
    counters: Arc<Counters>,
    calls: HashMap<u64, CallFiles>,
    /// The day directory (`calls/Y/M/D`, relative to the root) of each call started and not yet
    /// ended or released: retention never removes it. A call's day comes from its own clock,
    /// which can be far behind the wall clock retention goes by (a deterministic clock, a
    /// replay), and a sweep must not delete a call while it is being written.
    live_days: HashMap<u64, PathBuf>,
    tick: u64,
    rng: u64,
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish() | 1
}

impl Writer {
    pub fn new(root: PathBuf, config: LogConfig, counters: Arc<Counters>) -> Self {
        Writer {
            root,
            root_dir: None,
            config,
            counters,
            calls: HashMap::new(),
            live_days: HashMap::new(),
            tick: 0,
            rng: seed(),
        }
    }

    /// Runs until every sender is gone and the queue is drained.
    pub fn run(mut self, rx: Receiver<Msg>) {
        while let Ok(msg) = rx.recv() {
            // A bug in one item must not stop the log: count it and go on.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(msg)));
            if r.is_err() {
                self.counters.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.close_all();
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Start(info) => {
                if let Some(day) = info.rel_dir.parent() {
                    self.live_days.insert(info.key, day.to_path_buf());
                }
                self.start(&info);
                if self.sample_sweep() {
                    self.sweep(now());
                }
            }
            Msg::Transcript(info, line) => self.append(&info, Stream::Transcript, &format::transcript_line(&line)),
            Msg::Event(info, ev) => self.append(&info, Stream::Events, &format::event_line(&ev)),
            Msg::End(info, end) => {
                self.end(&info, &end);
                self.live_days.remove(&info.key);
            }
            Msg::Release(key) => {
                self.calls.remove(&key);
                self.live_days.remove(&key);
            }
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            Msg::Sweep(at, ack) => {
                let rep = self.sweep(at.unwrap_or_else(now));
                let _ = ack.send(rep);
            }
        }
    }

    fn fail(&mut self, op: &'static str, path: &Path, err: &io::Error) {
        self.counters.errors.fetch_add(1, Ordering::Relaxed);
        crate::diagnostics::report(
            crate::diagnostics::Level::Warn,
            crate::diagnostics::Code::CallLogWriteFailed,
            || format!("could not {op} {}: {err}; the call goes on without it", path.display()),
        );
    }

    fn entry(&mut self, key: u64) -> &mut CallFiles {
        self.tick += 1;
        if !self.calls.contains_key(&key) && self.calls.len() >= MAX_OPEN_CALLS {
            if let Some(oldest) = self.calls.iter().min_by_key(|(_, c)| c.last_used).map(|(k, _)| *k) {
                self.calls.remove(&oldest);
            }
        }
        let tick = self.tick;
        let e = self.calls.entry(key).or_default();
        e.last_used = tick;
        e
    }

    /// Opens (creating) the call's directory below the root without following links; None
    /// (error counted and logged) when it cannot: a link, FIFO or file planted in its place,
    /// an unwritable or full disk.
    fn call_dir(&mut self, info: &CallInfo) -> Option<Arc<Dir>> {
        if let Some(d) = &self.entry(info.key).dir {
            return Some(d.clone());
        }
        let sync = self.config.fsync;
        let root = match &self.root_dir {
            Some(r) => r.clone(),
            None => match Dir::open_root(&self.root, sync) {
                Ok(r) => {
                    let r = Arc::new(r);
                    self.root_dir = Some(r.clone());
                    r
                }
                Err(e) => {
                    let root = self.root.clone();
                    self.fail("open the log root", &root, &e);
                    return None;
                }
            },
        };
        match root.subdirs(&info.rel_dir, sync) {
            Ok(d) => {
                let d = Arc::new(d);
                self.entry(info.key).dir = Some(d.clone());
                Some(d)
            }
            Err(e) => {
                // The root itself may be gone (retention, an operator): reopen it next time.
                self.root_dir = None;
                let dir = self.root.join(&info.rel_dir);
                self.fail("create the call directory", &dir, &e);
                None
            }
        }
    }

    fn write_metadata(&mut self, info: &CallInfo, end: Option<&CallEnd>) {
        if let Some(dir) = self.call_dir(info) {
            self.write_metadata_in(&dir, info, end);
        }
    }

    fn write_metadata_in(&mut self, dir: &Dir, info: &CallInfo, end: Option<&CallEnd>) {
        let bytes = format::metadata_json(&info.start, end, &self.config.redaction);
        match dir.write_atomic("metadata.json", &bytes, self.config.fsync) {
            Ok(()) => {
                self.counters.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.entry(info.key).dir = None;
                self.fail("write metadata.json", &dir.path().join("metadata.json"), &e);
            }
        }
    }

    fn start(&mut self, info: &CallInfo) {
        let Some(dir) = self.call_dir(info) else { return };
        // A directory reused by a restarted call may hold a crashed writer's temp file.
        dir.remove_stale_tmp();
        self.write_metadata_in(&dir, info, None);
    }

    fn end(&mut self, info: &CallInfo, end: &CallEnd) {
        self.write_metadata(info, Some(end));
        if let Some(mut files) = self.calls.remove(&info.key) {
            if self.config.fsync {
                for f in [files.transcript.take(), files.events.take()].into_iter().flatten() {
                    if let Err(e) = f.file.sync_data() {
                        let p = self.root.join(&info.rel_dir);
                        self.fail("fsync a JSONL file", &p, &e);
                    }
                }
            }
        }
    }

    fn append(&mut self, info: &CallInfo, stream: Stream, line: &[u8]) {
        let Some(dir) = self.call_dir(info) else { return };
        let name = stream.file_name();
        let entry = self.entry(info.key);
        let slot = match stream {
            Stream::Transcript => &mut entry.transcript,
            Stream::Events => &mut entry.events,
        };
        if slot.is_none() {
            match dir.open_append(name).and_then(|(file, repaired)| Ok((file.metadata()?.len(), file, repaired))) {
                Ok((len, file, repaired)) => {
                    *slot = Some(Appender { file, len });
                    if repaired > 0 {
                        crate::diagnostics::report(
                            crate::diagnostics::Level::Warn,
                            crate::diagnostics::Code::CallLogFileRepaired,
                            || {
                                format!(
                                    "{}: removed a partial line ({repaired} bytes) left by a killed writer",
                                    dir.path().join(name).display()
                                )
                            },
                        );
                    }
                }
                Err(e) => {
                    entry.dir = None;
                    self.fail("open a JSONL file", &dir.path().join(name), &e);
                    return;
                }
            }
        }
        let Some(app) = slot.as_mut() else { return };
        if app.len.saturating_add(line.len() as u64) > crate::store::MAX_JSONL_BYTES {
            let e = io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!(
                    "the line ({} bytes) would take the file past {} bytes, the most that is read back",
                    line.len(),
                    crate::store::MAX_JSONL_BYTES
                ),
            );
            self.fail("append a JSONL line", &dir.path().join(name), &e);
            return;
        }
        match fsio::append_line(&mut app.file, line) {
            Ok(()) => {
                app.len += line.len() as u64;
                self.counters.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                // Close it: the next line reopens (and re-checks the directory), so the log
                // recovers by itself once the disk does.
                *slot = None;
                entry.dir = None;
                self.fail("append a JSONL line", &dir.path().join(name), &e);
            }
        }
    }

    fn sample_sweep(&mut self) -> bool {
        let p = self.config.sweep_probability;
        if self.config.retention_days == 0 || p <= 0.0 {
            return false;
        }
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        r < p
    }

    fn sweep(&mut self, at: Timestamp) -> SweepReport {
        self.counters.sweeps.fetch_add(1, Ordering::Relaxed);
        let live: std::collections::HashSet<PathBuf> = self.live_days.values().map(|d| self.root.join(d)).collect();
        let rep = retention::sweep_keeping(&self.root, self.config.retention_days, at, &|day| live.contains(day));
        if rep.errors > 0 {
            self.counters.errors.fetch_add(rep.errors, Ordering::Relaxed);
        }
        // Directories of live calls may have been removed: re-check them on next use.
        self.root_dir = None;
        for c in self.calls.values_mut() {
            c.dir = None;
        }
        rep
    }

    fn close_all(&mut self) {
        self.calls.clear();
    }
}

/// Wall-clock now (retention only).
fn now() -> Timestamp {
    let ns =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    Timestamp(ns)
}

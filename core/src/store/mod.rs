//! The in-memory MetricsStore behind the local dashboard: a ring buffer of the newest finished
//! calls (default 500) plus the calls in progress, with `hydrate` to rebuild it from the call
//! log on disk. Every query returns `serde::Serialize` values (the bindings hand out JSON).
//!
//! Order: `get_calls` is newest first by completion (end instant; start instant for calls that
//! have no end, such as those whose process died mid-call). Hydrated calls are merged into that
//! same order, so they never appear above newer live calls.

mod aggregates;
mod hydrate;
mod parse;
mod query;
mod record;
mod ring;
pub mod view;

pub use self::hydrate::{read_call_files, HydrateReport, JsonlReport, MAX_JSONL_BYTES, MAX_METADATA_BYTES};
pub use self::parse::{event_entry, parse_instant, summary_from_metadata, transcript_entries, MetaError};
pub use self::query::{CallFilter, CallPage, MAX_PAGE};
pub use self::record::{Aggregates, CallRecord, CallSummary, EventEntry, RecordSource, TranscriptEntry};

use self::ring::Ring;
use crate::config::PhoneRedaction;
use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Default number of finished calls kept.
pub const DEFAULT_CAPACITY: usize = 500;
/// Transcript lines kept per call (later lines are dropped from memory; disk keeps them).
pub const MAX_TRANSCRIPT_LINES: usize = 10_000;
/// Events kept per call.
pub const MAX_EVENTS: usize = 1_000;

/// MetricsStore options.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreConfig {
    /// Finished calls kept (at least 1).
    pub capacity: usize,
    /// Redaction of caller/callee numbers of live calls (numbers read from disk that are not
    /// already redacted get it too). Default: mask.
    pub redaction: PhoneRedaction,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig { capacity: DEFAULT_CAPACITY, redaction: PhoneRedaction::Mask }
    }
}

#[derive(Debug)]
struct Inner {
    ring: Ring,
    active: HashMap<String, CallRecord>,
}

/// Ring buffer of the newest calls plus the active ones. Thread-safe; share it by reference
/// or in an `Arc`.
#[derive(Debug)]
pub struct MetricsStore {
    inner: Mutex<Inner>,
    redaction: PhoneRedaction,
    /// Bumped by every change (a call started, a line or event recorded, a call ended, calls
    /// hydrated): readers cache what they derive from the store by this number.
    generation: AtomicU64,
}

impl Default for MetricsStore {
    /// A store keeping the newest 500 finished calls.
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

fn summary_from_start(start: &CallStart, redaction: &PhoneRedaction) -> CallSummary {
    CallSummary {
        call_id: start.call_id.clone(),
        direction: start.direction.as_str().to_string(),
        trace_id: start.trace_id.clone(),
        started_at: start.started_at.to_iso8601(),
        ended_at: None,
        duration_ms: None,
        status: "in_progress".into(),
        caller: redaction.apply(start.caller.as_deref()),
        callee: redaction.apply(start.callee.as_deref()),
        telephony_provider: start.telephony_provider.clone(),
        provider_mode: start.provider_mode.clone(),
        agent: start.agent.clone(),
        turns: 0,
        cost: None,
        latency: None,
        error: None,
        unpriced: Vec::new(),
        source: RecordSource::Live,
        started_ns: start.started_at.0,
        order_ns: start.started_at.0,
    }
}

fn entry_from_line(line: &TranscriptLine) -> TranscriptEntry {
    TranscriptEntry {
        turn_index: line.turn_index,
        role: line.role.as_str().to_string(),
        text: line.text.clone(),
        ts: Some(line.ts.to_iso8601()),
        interrupted: line.interrupted,
        latency: line.latency,
        cost: line.cost,
    }
}

impl MetricsStore {
    /// A store keeping the newest `capacity` finished calls (at least 1), numbers masked.
    pub fn new(capacity: usize) -> Self {
        Self::with_config(StoreConfig { capacity, ..StoreConfig::default() })
    }

    /// A store with explicit options.
    pub fn with_config(config: StoreConfig) -> Self {
        MetricsStore {
            inner: Mutex::new(Inner { ring: Ring::new(config.capacity), active: HashMap::new() }),
            redaction: config.redaction,
            generation: AtomicU64::new(0),
        }
    }

    /// A number that changes whenever the store's content does (see the field); equal numbers
    /// mean nothing changed in between.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data: keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Finished calls the ring holds at most.
    pub fn capacity(&self) -> usize {
        self.lock().ring.capacity()
    }

    /// Finished calls held now.
    pub fn len(&self) -> usize {
        self.lock().ring.len()
    }

    /// Whether no finished call is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A call started (a second start with the same id replaces the active record).
    pub fn record_call_start(&self, start: &CallStart) {
        let rec = CallRecord {
            summary: summary_from_start(start, &self.redaction),
            transcript: Vec::new(),
            events: Vec::new(),
            disk_dir: None,
        };
        self.lock().active.insert(start.call_id.clone(), rec);
        self.changed();
    }

    /// A transcript line of a live call (ignored for unknown ids).
    pub fn record_transcript(&self, call_id: &str, line: &TranscriptLine) {
        let mut g = self.lock();
        if let Some(a) = g.active.get_mut(call_id) {
            if a.transcript.len() < MAX_TRANSCRIPT_LINES {
                a.transcript.push(entry_from_line(line));
            }
        }
        drop(g);
        self.changed();
    }

    /// An event of a live call (ignored for unknown ids).
    pub fn record_event(&self, call_id: &str, event: &EventLine) {
        let mut g = self.lock();
        if let Some(a) = g.active.get_mut(call_id) {
            if a.events.len() < MAX_EVENTS {
                a.events.push(EventEntry {
                    kind: event.kind.clone(),
                    ts: Some(event.ts.to_iso8601()),
                    data: event.data.clone(),
                });
            }
        }
        drop(g);
        self.changed();
    }

    /// A call ended: it leaves the active set and enters the ring (replacing a finished record
    /// with the same id). Works without a prior start, too.
    pub fn record_call_end(&self, start: &CallStart, end: &CallEnd) {
        let mut g = self.lock();
        let mut rec = g.active.remove(&start.call_id).unwrap_or_else(|| CallRecord {
            summary: summary_from_start(start, &self.redaction),
            transcript: Vec::new(),
            events: Vec::new(),
            disk_dir: None,
        });
        let s = &mut rec.summary;
        s.ended_at = Some(end.ended_at.to_iso8601());
        s.duration_ms = Some(end.duration_ms);
        s.status = end.status.as_str().to_string();
        s.turns = end.turns;
        s.cost = Some(end.cost);
        s.latency = end.latency;
        s.error = end.error.clone();
        s.unpriced = end.unpriced.clone();
        s.order_ns = end.ended_at.0;
        g.ring.insert(rec);
        drop(g);
        self.changed();
    }

    /// Finished calls, newest first, without transcripts; `limit` after skipping `offset`.
    pub fn get_calls(&self, limit: usize, offset: usize) -> Vec<CallSummary> {
        self.lock().ring.iter().skip(offset).take(limit).map(|r| r.summary.clone()).collect()
    }

    /// One call with its transcript and events: a finished one, else an active one. For a call
    /// loaded by `hydrate` the transcript and events are read from its directory now (without
    /// holding the store's lock); if they are gone from disk they come back empty.
    pub fn get_call(&self, call_id: &str) -> Option<CallRecord> {
        let mut rec = {
            let g = self.lock();
            g.ring.get(call_id).or_else(|| g.active.get(call_id)).cloned()?
        };
        if let Some(dir) = rec.disk_dir.take() {
            let (mut transcript, mut events, report) = read_call_files(&dir);
            if report != JsonlReport::default() {
                crate::diagnostics::report(
                    crate::diagnostics::Level::Warn,
                    crate::diagnostics::Code::StoreReadSkipped,
                    || {
                        format!(
                        "{}: parts of the call's JSONL files were skipped ({} truncated files, {} bad lines, {} torn tails)",
                        dir.display(), report.truncated_files, report.bad_lines, report.torn_tails
                    )
                    },
                );
            }
            transcript.truncate(MAX_TRANSCRIPT_LINES);
            events.truncate(MAX_EVENTS);
            rec.transcript = transcript;
            rec.events = events;
        }
        Some(rec)
    }

    /// Calls in progress, oldest start first.
    pub fn get_active_calls(&self) -> Vec<CallRecord> {
        let g = self.lock();
        let mut v: Vec<CallRecord> = g.active.values().cloned().collect();
        v.sort_by(|a, b| {
            a.summary.started_ns.cmp(&b.summary.started_ns).then_with(|| a.summary.call_id.cmp(&b.summary.call_id))
        });
        v
    }

    /// Aggregates over the finished calls held (see [`Aggregates`]).
    pub fn get_aggregates(&self) -> Aggregates {
        let g = self.lock();
        aggregates::compute(g.ring.iter(), g.active.len())
    }

    /// Rebuilds the store from a call-log root; returns the number of calls added.
    /// See [`hydrate_report`](Self::hydrate_report).
    pub fn hydrate(&self, root: impl AsRef<Path>) -> usize {
        self.hydrate_report(root).loaded
    }

    /// Rebuilds the store from a call-log root (ours or the reference SDK's layout):
    /// idempotent (ids already held are skipped), tolerant (bad entries are counted in the
    /// report and skipped), O(ring) (newest day first, stops once the ring is full). Disk I/O
    /// happens without holding the store's lock.
    pub fn hydrate_report(&self, root: impl AsRef<Path>) -> HydrateReport {
        self.hydrate_days(root.as_ref(), None)
    }

    /// Like [`hydrate_report`](Self::hydrate_report) but reads only the newest `days` day
    /// directories: a cheap way to pick up the calls written since the last hydrate (calls
    /// already held are not read again).
    pub fn hydrate_recent(&self, root: impl AsRef<Path>, days: usize) -> HydrateReport {
        self.hydrate_days(root.as_ref(), Some(days.max(1)))
    }

    fn hydrate_days(&self, root: &Path, max_days: Option<usize>) -> HydrateReport {
        let mut report = HydrateReport::default();
        let want = self.capacity();
        let present: std::collections::HashSet<String> = {
            let g = self.lock();
            g.ring.iter().map(|r| r.summary.call_id.clone()).chain(g.active.keys().cloned()).collect()
        };
        let found = hydrate::collect(root, want, max_days, &self.redaction, &|id| present.contains(id), &mut report);
        let mut g = self.lock();
        for rec in found {
            let id = rec.summary.call_id.as_str();
            if g.ring.contains(id) || g.active.contains_key(id) {
                report.already_present += 1;
                continue;
            }
            if g.ring.insert(rec) {
                report.loaded += 1;
            } else {
                report.not_retained += 1;
            }
        }
        drop(g);
        if report.loaded > 0 {
            self.changed();
        }
        report
    }

    /// One page of the finished calls that match `filter`, newest first, with the number of
    /// matches: for a dashboard's list. Runs over the summaries in memory (no disk access),
    /// cloning only the page; `limit` is capped at [`MAX_PAGE`].
    pub fn query_calls(&self, filter: &CallFilter, offset: usize, limit: usize) -> CallPage {
        let g = self.lock();
        query::page(g.ring.iter().map(|r| &r.summary), filter, offset, limit)
    }

    /// Runs `f` over the summaries of the finished calls held, newest first, under the store's
    /// lock (no clone): for aggregates a caller computes itself. Keep `f` short.
    pub fn with_summaries<T>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &CallSummary>) -> T) -> T {
        let g = self.lock();
        let mut it = g.ring.iter().map(|r| &r.summary);
        f(&mut it)
    }
}

//! The in-memory MetricsStore. OWNED BY THE PERSISTENCE WORK (issue 3): interface only for now.

use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};

/// Ring buffer of the newest calls plus the active ones.
#[derive(Debug, Default)]
pub struct MetricsStore {}

impl MetricsStore {
    /// A store keeping the newest `capacity` finished calls.
    pub fn new(capacity: usize) -> Self {
        let _ = capacity;
        MetricsStore {}
    }
    /// A call started.
    pub fn record_call_start(&self, _start: &CallStart) {}
    /// A transcript line of a live call.
    pub fn record_transcript(&self, _call_id: &str, _line: &TranscriptLine) {}
    /// An event of a live call.
    pub fn record_event(&self, _call_id: &str, _event: &EventLine) {}
    /// A call ended.
    pub fn record_call_end(&self, _start: &CallStart, _end: &CallEnd) {}
}

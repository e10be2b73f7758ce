//! The per-call record on disk. OWNED BY THE PERSISTENCE WORK (issue 3): interface only for now.

use crate::records::{CallEnd, CallStart, EventLine, TranscriptLine};
use std::path::PathBuf;

/// Writes call directories under a root; cheap to clone (shared writer).
#[derive(Debug, Clone, Default)]
pub struct CallLogger {
    root: Option<PathBuf>,
}

impl CallLogger {
    /// A logger that writes nothing.
    pub fn disabled() -> Self {
        CallLogger { root: None }
    }
    /// The process default logger, configured from the environment (`PATTER_LOG_DIR`, …).
    pub fn from_env() -> Self {
        Self::disabled()
    }
    /// Whether this logger writes anything.
    pub fn enabled(&self) -> bool {
        self.root.is_some()
    }
    /// Begins a call's record (writes metadata.json); returns the handle for the rest.
    pub fn start_call(&self, start: &CallStart) -> CallLogHandle {
        let _ = start;
        CallLogHandle {}
    }
    /// Blocks until everything queued so far is on disk.
    pub fn flush(&self) {}
}

/// One call's record: enqueue-only methods.
#[derive(Debug)]
pub struct CallLogHandle {}

impl CallLogHandle {
    /// Appends a transcript line.
    pub fn transcript(&self, _line: &TranscriptLine) {}
    /// Appends an event line.
    pub fn event(&self, _event: &EventLine) {}
    /// Rewrites metadata.json with the end of the call.
    pub fn end(&self, _end: &CallEnd) {}
}

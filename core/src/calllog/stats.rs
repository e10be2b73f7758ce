//! Counters of a call logger.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters shared by the logger's handles and its writer thread.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub written: AtomicU64,
    pub dropped: AtomicU64,
    pub errors: AtomicU64,
    pub sweeps: AtomicU64,
}

impl Counters {
    pub fn snapshot(&self) -> LogStats {
        LogStats {
            written: self.written.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            sweeps: self.sweeps.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of a logger's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LogStats {
    /// Items written: JSONL lines appended plus metadata.json files replaced.
    pub written: u64,
    /// Items dropped because the queue was full (or the writer was gone).
    pub dropped: u64,
    /// Items that failed to reach the disk (each logged, identical warnings rate-limited).
    pub errors: u64,
    /// Retention sweeps run.
    pub sweeps: u64,
}

//! Rate limiting of repeated identical warnings (a full disk must not flood the host's logs).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Identical warnings (same operation and error kind) are logged at most once per interval.
pub const WARN_INTERVAL: Duration = Duration::from_secs(60);

/// Remembers when each (operation, error kind) was last logged and how many were suppressed.
#[derive(Debug, Default)]
pub(crate) struct WarnLimiter {
    seen: HashMap<(&'static str, std::io::ErrorKind), (Instant, u64)>,
}

impl WarnLimiter {
    /// Logs the failure unless an identical one was logged less than [`WARN_INTERVAL`] ago.
    /// Returns whether a line was logged.
    pub fn warn(&mut self, op: &'static str, path: &std::path::Path, err: &std::io::Error) -> bool {
        let now = Instant::now();
        let key = (op, err.kind());
        match self.seen.get_mut(&key) {
            Some((last, suppressed)) if now.duration_since(*last) < WARN_INTERVAL => {
                *suppressed += 1;
                false
            }
            entry => {
                let suppressed = entry.map(|(_, s)| *s).unwrap_or(0);
                ::tracing::warn!(
                    path = %path.display(),
                    error = %err,
                    suppressed_since_last = suppressed,
                    "patter call log: could not {op}; the call goes on without it"
                );
                self.seen.insert(key, (now, 0));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_warnings_are_rate_limited() {
        let mut w = WarnLimiter::default();
        let e = std::io::Error::new(std::io::ErrorKind::StorageFull, "full");
        let p = std::path::Path::new("/x");
        assert!(w.warn("append", p, &e));
        assert!(!w.warn("append", p, &e));
        assert!(w.warn("write metadata", p, &e));
        let other = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no");
        assert!(w.warn("append", p, &other));
    }
}

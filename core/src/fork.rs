//! Surviving `fork()`: a child process has only the thread that called `fork`, so the span
//! export thread and the call-log writer threads it inherited do not exist there, and any lock
//! another thread held at fork time stays locked forever.
//!
//! The rule everywhere in the core: state that a background thread owns is tagged with the
//! [`generation`] it was built in. A child handler registered with `pthread_atfork` bumps the
//! generation (an atomic store, nothing else), so the first use in the child sees stale state,
//! leaves it untouched (never locks it, never joins its thread) and builds fresh state with new
//! threads. Checking costs one relaxed atomic load. What a child takes over from its parent
//! (tracing configuration, attached exporters) is published lock-free by the parent whenever it
//! changes, so the child never needs a lock a parent thread may have held at fork time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

static GENERATION: AtomicU64 = AtomicU64::new(0);
static WATCH: Once = Once::new();

/// How many times this process's ancestry forked since the core was loaded: 0 in the original
/// process, bumped in every child. Compare with the value saved when state was built.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Makes [`generation`] track forks from now on (idempotent; call before starting a thread).
pub fn watch() {
    WATCH.call_once(install);
}

#[cfg(unix)]
fn install() {
    extern "C" fn in_child() {
        // Async-signal-safe: one atomic add.
        GENERATION.fetch_add(1, Ordering::AcqRel);
    }
    // SAFETY: registers a plain `extern "C" fn()` child handler; no preconditions.
    let rc = unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
    if rc != 0 {
        crate::diagnostics::report(crate::diagnostics::Level::Warn, crate::diagnostics::Code::ForkUnwatched, || {
            format!("pthread_atfork failed (code {rc}); a forked child will not restart tracing or logging")
        });
    }
}

#[cfg(not(unix))]
fn install() {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_child_sees_a_new_generation() {
        watch();
        let before = generation();
        // SAFETY: the child only reads an atomic and calls _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let code = if generation() == before + 1 { 0 } else { 1 };
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child saw the wrong generation");
        assert_eq!(generation(), before, "the parent's generation must not change");
    }
}

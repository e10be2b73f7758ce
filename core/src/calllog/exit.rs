//! Process-exit flushing: every enabled logger registers here; on Unix an `atexit` hook flushes
//! the live ones (at most 2 s each) so a host that never drops its logger (a static, a Python
//! module global, a C program that calls `exit`) still gets its records on disk.

use super::Shared;
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::{Duration, Instant};

static REGISTRY: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());
static HOOK: Once = Once::new();
/// Longest wait per logger at exit.
const EXIT_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Registers a logger for flushing at exit (and prunes dead entries).
pub(crate) fn register(shared: &Arc<Shared>) {
    if let Ok(mut reg) = REGISTRY.lock() {
        reg.retain(|w| w.strong_count() > 0);
        reg.push(Arc::downgrade(shared));
    }
    HOOK.call_once(install_hook);
}

#[cfg(unix)]
fn install_hook() {
    extern "C" fn at_exit() {
        flush_all();
    }
    // SAFETY: registering a plain `extern "C" fn()` with the C runtime has no preconditions.
    unsafe {
        libc::atexit(at_exit);
    }
}

#[cfg(not(unix))]
fn install_hook() {}

/// Flushes every live registered logger, each bounded by a timeout. Never panics.
pub(crate) fn flush_all() {
    let _ = std::panic::catch_unwind(|| {
        let live: Vec<Arc<Shared>> = match REGISTRY.try_lock() {
            Ok(reg) => reg.iter().filter_map(Weak::upgrade).collect(),
            Err(_) => return,
        };
        // In a forked child a logger that wrote nothing returns at once.
        for sh in live {
            sh.flush_until(Some(Instant::now() + EXIT_FLUSH_TIMEOUT));
        }
    });
}

//! Deterministic time for tests and conformance runners: a clock that only moves when told.

use crate::error::Result;
use crate::util::to_u64;
use napi::bindgen_prelude::BigInt;
use napi_derive::napi;
use patter_core::clock::{Clock, ManualClock as CoreManualClock, SequentialIds as CoreSequentialIds, Timestamp};
use std::sync::Arc;

/// A clock that only moves when told. Pass it as `clock` in {@link CallOptions} (together with
/// `idSeed`) to make a call's spans and records identical on every run and in every language.
#[napi]
pub struct ManualClock {
    pub(crate) inner: Arc<CoreManualClock>,
}

#[napi]
impl ManualClock {
    /// A clock stopped at `startMs` milliseconds since the Unix epoch (UTC).
    #[napi(constructor, catch_unwind)]
    pub fn new(start_ms: f64) -> Result<Self> {
        let ms = to_u64("start_ms", start_ms)?;
        Ok(ManualClock { inner: Arc::new(CoreManualClock::new(Timestamp::from_millis(ms))) })
    }

    /// Moves the clock forward by `ms` milliseconds.
    #[napi(strict, catch_unwind)]
    pub fn advance(&self, ms: f64) -> Result<()> {
        self.inner.advance_ms(to_u64("ms", ms)?);
        Ok(())
    }

    /// Sets the time to `ms` since the Unix epoch (the clock never goes back: earlier values
    /// are ignored).
    #[napi(strict, catch_unwind)]
    pub fn set(&self, ms: f64) -> Result<()> {
        self.inner.set(Timestamp::from_millis(to_u64("ms", ms)?));
        Ok(())
    }

    /// The current time in milliseconds since the Unix epoch.
    #[napi(getter, catch_unwind)]
    pub fn now_ms(&self) -> f64 {
        self.inner.now().as_millis() as f64
    }

    /// The current time in nanoseconds since the Unix epoch.
    #[napi(getter, catch_unwind)]
    pub fn now_ns(&self) -> BigInt {
        BigInt::from(self.inner.now().0)
    }
}

/// Deterministic trace and span ids derived from `seed`. Pass it as `ids` in
/// {@link CallOptions}; calls sharing one instance continue its sequence (`idSeed` starts a fresh
/// one per call).
#[napi]
pub struct SequentialIds {
    pub(crate) inner: Arc<CoreSequentialIds>,
    seed: u64,
}

#[napi]
impl SequentialIds {
    /// Ids from `seed` (a non-negative integer).
    #[napi(constructor, strict, catch_unwind)]
    pub fn new(seed: f64) -> Result<Self> {
        let seed = to_u64("seed", seed)?;
        Ok(SequentialIds { inner: Arc::new(CoreSequentialIds::new(seed)), seed })
    }

    /// The seed.
    #[napi(getter, catch_unwind)]
    pub fn seed(&self) -> f64 {
        self.seed as f64
    }
}

/// The calling thread's CPU time in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`), or null where there
/// is no such clock. Node 20 has no per-thread CPU clock; the benchmarks (bench/compare-spans.js)
/// read this one to time a caller's own work on both sides alike, as Python's
/// `time.thread_time()` does, so that other threads and processes sharing the cores do not count.
#[napi(js_name = "__threadCpuNs", skip_typescript)]
pub fn thread_cpu_ns() -> Option<f64> {
    #[cfg(unix)]
    {
        // SAFETY: `ts` is plain old data filled by the kernel.
        let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Some(ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64);
        }
    }
    None
}

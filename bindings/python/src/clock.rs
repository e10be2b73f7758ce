//! Deterministic time and ids for tests and the conformance runners: a clock that moves only
//! when told and an id source derived from a seed (both are the core's own types).

use patter_core::clock::{Clock, Timestamp};
use pyo3::prelude::*;
use std::sync::Arc;

/// A clock stopped at `start_ms` (milliseconds since the Unix epoch) that only moves when told.
///
/// Pass it as ``Call(..., clock=clock)``; every timestamp of that call (span times, latencies,
/// transcript ``ts``, ``started_at``/``ended_at``) then comes from it.
#[pyclass(module = "patter._native", frozen)]
pub struct ManualClock {
    pub(crate) inner: Arc<patter_core::clock::ManualClock>,
}

#[crate::args::name_arguments]
#[pymethods]
impl ManualClock {
    #[new]
    fn new(start_ms: u64) -> Self {
        ManualClock { inner: Arc::new(patter_core::clock::ManualClock::new(Timestamp::from_millis(start_ms))) }
    }

    /// Moves the clock forward by ``ms`` milliseconds.
    fn advance(&self, ms: u64) {
        self.inner.advance_ms(ms);
    }

    /// Sets the clock to ``ms`` since the epoch (earlier values are ignored: it never goes back).
    fn set(&self, ms: u64) {
        self.inner.set(Timestamp::from_millis(ms));
    }

    /// The current time in whole milliseconds since the epoch.
    #[getter]
    fn now_ms(&self) -> u64 {
        self.inner.now().as_millis()
    }

    /// The current time in nanoseconds since the epoch.
    #[getter]
    fn now_ns(&self) -> u64 {
        self.inner.now().0
    }

    fn __repr__(&self) -> String {
        format!("ManualClock(now_ms={})", self.inner.now().as_millis())
    }
}

/// Deterministic trace and span ids derived from ``seed`` (the same on every run and in every
/// language). Pass it as ``Call(..., ids=SequentialIds(seed))``.
#[pyclass(module = "patter._native", frozen)]
pub struct SequentialIds {
    pub(crate) inner: Arc<patter_core::clock::SequentialIds>,
    seed: u64,
}

#[crate::args::name_arguments]
#[pymethods]
impl SequentialIds {
    #[new]
    fn new(seed: u64) -> Self {
        SequentialIds { inner: Arc::new(patter_core::clock::SequentialIds::new(seed)), seed }
    }

    /// The seed this source was built from.
    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    fn __repr__(&self) -> String {
        format!("SequentialIds(seed={})", self.seed)
    }
}

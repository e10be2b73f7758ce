//! The core's diagnostics handed to Python: `set_diagnostics_handler(fn)` makes the core call
//! `fn(level, code, message, suppressed)` on its delivery thread (the `patter` package installs
//! one that logs to the `patter` logger at import). Rate limit, queue and codes are the core's.

use crate::errors::IntoPyResult;
use patter_core::diagnostics::{self as core, Diagnostic, DiagnosticHandler};
use pyo3::prelude::*;
use std::sync::Arc;

/// A Python callable receiving diagnostics.
struct PyHandler(Py<PyAny>);

impl DiagnosticHandler for PyHandler {
    fn handle(&self, d: &Diagnostic) {
        // Nothing is delivered once the interpreter is shutting down (try_attach gives None).
        let _ = Python::try_attach(|py| {
            if let Err(e) = self.0.call1(py, (d.level.as_str(), d.code.as_str(), d.message.as_str(), d.suppressed)) {
                e.print(py); // a broken handler is reported once per diagnostic, never raised
            }
        });
    }
}

/// Sends the core's diagnostics to ``handler(level, code, message, suppressed)`` (called on the
/// core's delivery thread), or back to stderr with ``None``.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (handler))]
fn set_diagnostics_handler(handler: Option<Py<PyAny>>) {
    match handler {
        Some(h) => core::set_handler(Arc::new(PyHandler(h))),
        None => core::set_stderr(),
    }
}

/// Delivers no diagnostics at all (they are still counted in ``diagnostics_stats()``).
#[crate::args::name_arguments]
#[pyfunction]
fn set_diagnostics_silent() {
    core::set_silent();
}

/// Waits (GIL released) until every diagnostic raised so far was delivered, at most
/// ``timeout_ms`` milliseconds (default: the core's, 10000); False on timeout.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (timeout_ms = None))]
fn flush_diagnostics(py: Python<'_>, timeout_ms: Option<f64>) -> PyResult<bool> {
    let t = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).py_err(py)?;
    Ok(py.detach(|| core::flush(t)))
}

/// Counters: ``raised``, ``suppressed``, ``delivered``, ``dropped``.
#[crate::args::name_arguments]
#[pyfunction]
fn diagnostics_stats(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    crate::convert::record_to_py(py, &core::stats())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_diagnostics_handler, m)?)?;
    m.add_function(wrap_pyfunction!(set_diagnostics_silent, m)?)?;
    m.add_function(wrap_pyfunction!(flush_diagnostics, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostics_stats, m)?)?;
    Ok(())
}

//! `CallLogger`: where call records go on disk (`persist` semantics of the Patter docs).

use crate::convert::record_to_py;
use crate::errors::IntoPyResult;
use patter_core::config::{Persist, ProcessEnv};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

/// Writes one directory per call under a log root:
/// ``<root>/calls/YYYY/MM/DD/<call_id>/{metadata.json, transcript.jsonl, events.jsonl}``.
///
/// ``persist``: ``None`` falls back to ``PATTER_LOG_DIR`` (off when unset); ``False`` forces it
/// off even if ``PATTER_LOG_DIR`` is set; ``True`` uses the platform default directory; a path
/// (``~`` expanded) uses that directory. Writes happen on a background thread: the call path
/// only enqueues, and disk errors are counted (``stats()``), never raised into a call.
#[pyclass(module = "patter._native", frozen)]
pub struct CallLogger {
    pub(crate) inner: patter_core::calllog::CallLogger,
}

fn persist_from_py(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Persist> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Persist::Unset) };
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Persist::from(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Persist::Path(s.to_cow()?.into_owned()));
    }
    // os.PathLike (pathlib.Path …)
    if let Ok(p) = obj.extract::<std::path::PathBuf>() {
        return Ok(Persist::Path(p.to_string_lossy().into_owned()));
    }
    let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Err(pyo3::exceptions::PyTypeError::new_err(format!("persist must be None, a bool, a str or a path, got {ty}")))
}

#[crate::args::name_arguments]
#[pymethods]
impl CallLogger {
    #[new]
    #[pyo3(signature = (persist = None))]
    fn new(py: Python<'_>, persist: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let persist = persist_from_py(persist)?;
        let inner = patter_core::calllog::CallLogger::new(&persist, &ProcessEnv).py_err(py)?;
        Ok(CallLogger { inner })
    }

    /// The process default logger (``persist=None``: ``PATTER_LOG_DIR``), the one calls started
    /// without ``logger=`` use.
    #[staticmethod]
    fn default() -> Self {
        CallLogger { inner: patter_core::calllog::CallLogger::from_env() }
    }

    /// Whether this logger writes anything (False: every method returns at once).
    #[getter]
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    /// The log root (the directory holding ``calls/``), or None when disabled.
    #[getter]
    fn root(&self) -> Option<String> {
        self.inner.root().map(|p| p.to_string_lossy().into_owned())
    }

    /// Waits (GIL released) until everything queued so far is on disk, at most
    /// ``timeout_ms`` milliseconds (default: the core's, 10000). Returns whether it completed.
    #[pyo3(signature = (timeout_ms = None))]
    fn flush(&self, py: Python<'_>, timeout_ms: Option<f64>) -> PyResult<bool> {
        let d = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).py_err(py)?;
        Ok(py.detach(|| self.inner.flush_timeout(d)))
    }

    /// Counters: ``written``, ``dropped`` (queue full), ``errors``, ``sweeps``.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        record_to_py(py, &self.inner.stats())
    }

    /// Runs a retention sweep now on the writer thread (GIL released) and returns its report.
    fn sweep_now<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = py.detach(|| self.inner.sweep_now());
        record_to_py(py, &report)
    }

    fn __repr__(&self) -> String {
        match self.inner.root() {
            Some(r) => format!("CallLogger(root={:?})", r.display().to_string()),
            None => "CallLogger(enabled=False)".into(),
        }
    }
}

/// Flushes the process default logger (at interpreter exit), GIL released.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (timeout_ms = None))]
pub(crate) fn flush_default_logger(py: Python<'_>, timeout_ms: Option<f64>) -> PyResult<bool> {
    let d = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).py_err(py)?;
    Ok(py.detach(|| patter_core::calllog::CallLogger::from_env().flush_timeout(d)))
}

//! `MetricsStore`: the dashboard's ring buffer of recent calls, rebuilt from disk by `hydrate`.
//! Every query and `hydrate` run with the GIL released; results come back as plain dicts.

use crate::convert::record_to_py;
use crate::errors::IntoPyResult;
use patter_core::rules;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyList;
use std::path::PathBuf;
use std::sync::Arc;

/// The newest ``capacity`` finished calls (default 500) plus the calls in progress. Pass it to
/// ``Call(..., store=store)`` to keep live calls in it; ``hydrate(log_root)`` fills it from the
/// call log on disk (ours or the reference SDK's layout).
#[pyclass(module = "patter._native", frozen)]
pub struct MetricsStore {
    pub(crate) inner: Arc<patter_core::store::MetricsStore>,
}

#[crate::args::name_arguments]
#[pymethods]
impl MetricsStore {
    /// ``capacity``: finished calls kept (default 500); ``redact_phone``: how caller/callee
    /// numbers are shown (``"mask"`` default, ``"full"``, ``"hash_only"``; ``hash_key`` makes
    /// ``hash_only`` a keyed HMAC). The core applies the rules and defaults.
    #[new]
    #[pyo3(signature = (capacity = None, redact_phone = None, hash_key = None))]
    fn new(
        py: Python<'_>,
        capacity: Option<i64>,
        redact_phone: Option<PyBackedStr>,
        hash_key: Option<PyBackedStr>,
    ) -> PyResult<Self> {
        let capacity = capacity.map(|c| crate::span::count(py, "capacity", c)).transpose()?;
        let config = rules::store_options(capacity, redact_phone.as_deref(), hash_key.as_deref().map(str::as_bytes))
            .py_err(py)?;
        Ok(MetricsStore { inner: Arc::new(patter_core::store::MetricsStore::with_config(config)) })
    }

    /// Finished calls the ring keeps at most.
    #[getter]
    fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Finished calls held now (also ``len(store)``).
    #[getter]
    fn size(&self) -> usize {
        self.inner.len()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Loads the newest calls of a call-log root into the store; returns how many were added.
    /// Idempotent (ids already held are skipped); unparseable records are skipped and counted
    /// (see ``hydrate_report``). The GIL is released while it reads the disk.
    fn hydrate(&self, py: Python<'_>, root: PathBuf) -> usize {
        py.detach(|| self.inner.hydrate(&root))
    }

    /// ``hydrate`` returning the whole report (``loaded``, ``already_present``, ``corrupt``, …).
    fn hydrate_report<'py>(&self, py: Python<'py>, root: PathBuf) -> PyResult<Bound<'py, PyAny>> {
        let report = py.detach(|| self.inner.hydrate_report(&root));
        record_to_py(py, &report)
    }

    /// Finished calls, newest first, without transcripts (``limit`` after skipping ``offset``;
    /// omitted: the core's defaults, 50 and 0).
    #[pyo3(signature = (limit = None, offset = None))]
    fn get_calls<'py>(&self, py: Python<'py>, limit: Option<i64>, offset: Option<i64>) -> PyResult<Bound<'py, PyList>> {
        let limit = limit.map(|v| crate::span::count(py, "limit", v)).transpose()?;
        let offset = offset.map(|v| crate::span::count(py, "offset", v)).transpose()?;
        let (limit, offset) = rules::page(limit, offset);
        let calls = py.detach(|| self.inner.get_calls(limit, offset));
        let out = PyList::empty(py);
        for c in &calls {
            out.append(record_to_py(py, c)?)?;
        }
        Ok(out)
    }

    /// One call with its ``transcript`` and ``events`` (finished, else in progress), or None.
    fn get_call<'py>(&self, py: Python<'py>, call_id: PyBackedStr) -> PyResult<Option<Bound<'py, PyAny>>> {
        let rec = py.detach(|| self.inner.get_call(&call_id));
        rec.map(|r| record_to_py(py, &r)).transpose()
    }

    /// Calls in progress, oldest start first, with their transcript so far.
    fn get_active_calls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let calls = py.detach(|| self.inner.get_active_calls());
        let out = PyList::empty(py);
        for c in &calls {
            out.append(record_to_py(py, c)?)?;
        }
        Ok(out)
    }

    /// Totals over the finished calls held: counts by status, cost totals and breakdown,
    /// average duration, latency percentiles, active calls.
    fn get_aggregates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let agg = py.detach(|| self.inner.get_aggregates());
        record_to_py(py, &agg)
    }

    fn __repr__(&self) -> String {
        format!("MetricsStore(capacity={}, len={})", self.inner.capacity(), self.inner.len())
    }
}

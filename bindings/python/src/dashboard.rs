//! `serve_dashboard(store, port=None)`: the core's local dashboard over a `MetricsStore`, and
//! `cli_main(args)`: the `patter` command line writing straight to the process's stdout and
//! stderr (`python -m patter`), stopping `dashboard` on Ctrl-C.

use crate::errors::IntoPyResult;
use crate::store::MetricsStore;
use patter_core::dashboard::{self, DashboardOptions, DashboardServer};
use pyo3::prelude::*;
use std::sync::Arc;

/// A running dashboard (``patter.dashboard.serve(store)``): ``url`` carries the access token;
/// ``close()`` (or leaving the ``with`` block) stops it.
#[pyclass(module = "patter._native", frozen, name = "DashboardServer")]
pub struct Dashboard {
    inner: Arc<DashboardServer>,
}

#[crate::args::name_arguments]
#[pymethods]
impl Dashboard {
    /// ``http://127.0.0.1:<port>/?token=<token>``.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }

    /// The port it listens on.
    #[getter]
    fn port(&self) -> u16 {
        self.inner.port()
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Stops the server and joins its threads (idempotent; the GIL is released meanwhile).
    fn close(&self, py: Python<'_>) {
        let inner = self.inner.clone();
        py.detach(move || inner.close());
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) {
        self.close(py);
    }

    fn __repr__(&self) -> String {
        format!("DashboardServer(port={}, closed={})", self.inner.port(), self.inner.is_closed())
    }
}

/// Serves the dashboard over ``store`` on 127.0.0.1 (``port`` None or 0: a free port).
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (store, port = None))]
pub fn serve_dashboard(py: Python<'_>, store: &MetricsStore, port: Option<i64>) -> PyResult<Dashboard> {
    let port = port.map(|p| crate::span::count(py, "port", p)).transpose()?;
    let opts = DashboardOptions::from_port(port).py_err(py)?;
    let store = store.inner.clone();
    let server = py.detach(move || dashboard::serve(store, &opts)).py_err(py)?;
    Ok(Dashboard { inner: Arc::new(server) })
}

/// Runs the ``patter`` command line with ``args``, writing to the process's stdout/stderr as
/// it goes; returns the exit status. A long-running command (``dashboard``) stops on a Python
/// signal (Ctrl-C raises ``KeyboardInterrupt`` once it has stopped).
#[crate::args::name_arguments]
#[pyfunction]
pub fn cli_main(py: Python<'_>, args: Vec<String>) -> PyResult<i32> {
    let mut pending: Option<PyErr> = None;
    let code = py.detach(|| {
        let mut interrupted = || {
            Python::attach(|py| match py.check_signals() {
                Ok(()) => false,
                Err(e) => {
                    pending = Some(e);
                    true
                }
            })
        };
        patter_core::cli::run_until(
            &args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
            &mut interrupted,
        )
    });
    match pending {
        Some(e) => Err(e),
        None => Ok(code),
    }
}

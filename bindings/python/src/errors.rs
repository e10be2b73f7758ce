//! The one place core errors become Python exceptions.
//!
//! The exception classes are defined in Python (`patter/errors.py`) so they can inherit from
//! both `patter.PatterError` and the matching builtin (`ValueError`, `RuntimeError`, `OSError`);
//! they are looked up once and cached.

use patter_core::PatterError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static INVALID: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONFIG: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static STORAGE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CORRUPT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EXPORTER: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const MODULE: &str = "patter.errors";

fn raise(py: Python<'_>, cell: &PyOnceLock<Py<PyType>>, class: &str, message: String, attrs: &[(&str, &str)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = cell.import(py, MODULE, class)?;
        let exc = cls.call1((message.clone(),))?;
        for (k, v) in attrs {
            exc.setattr(*k, *v)?;
        }
        Ok(PyErr::from_value(exc))
    };
    // If the Python side is unavailable (e.g. the extension imported on its own), fall back to
    // a builtin with the same message rather than losing the error.
    build().unwrap_or_else(|_| pyo3::exceptions::PyRuntimeError::new_err(message))
}

/// Maps a core error to its `patter.errors` class (attributes carry the structured details).
pub(crate) fn to_py(py: Python<'_>, err: PatterError) -> PyErr {
    let msg = err.to_string();
    match &err {
        PatterError::InvalidArgument { name, reason } => {
            raise(py, &INVALID, "InvalidArgumentError", msg, &[("argument", name), ("reason", reason)])
        }
        PatterError::Config { key, reason } => {
            raise(py, &CONFIG, "ConfigError", msg, &[("key", key), ("reason", reason)])
        }
        PatterError::State(_) => raise(py, &STATE, "StateError", msg, &[]),
        PatterError::Io { path, reason } => {
            raise(py, &STORAGE, "StorageError", msg, &[("path", path), ("reason", reason)])
        }
        PatterError::Corrupt { path, reason } => {
            raise(py, &CORRUPT, "CorruptDataError", msg, &[("path", path), ("reason", reason)])
        }
        PatterError::Exporter(_) => raise(py, &EXPORTER, "ExporterError", msg, &[]),
    }
}

/// `InvalidArgumentError` for a check the binding makes while translating an argument.
pub(crate) fn invalid(py: Python<'_>, name: &'static str, reason: impl Into<String>) -> PyErr {
    to_py(py, PatterError::invalid(name, reason))
}

/// Extension: `result.py_err(py)?` maps a core `Result` once, at the boundary.
pub(crate) trait IntoPyResult<T> {
    /// Converts the core error into the matching Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for patter_core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

//! The one place core errors become Python exceptions.
//!
//! The exception classes are defined in Python (`patter/errors.py`) so they can inherit from
//! both `patter.PatterError` and the matching builtin (`ValueError`, `RuntimeError`, `OSError`);
//! they are looked up once and cached. Their `code` attribute is the core's error table's
//! ([`patter_core::ERROR_CODES`], exposed as `_native.ERROR_CODES`).

use patter_core::{ErrorCode, PatterError, ERROR_CODES};
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

/// The `patter.errors` class of each row of the core's error table (`INTERNAL` has none: a
/// panic surfaces as PyO3's `PanicException`).
fn class_of(code: ErrorCode) -> Option<&'static str> {
    Some(match code.name() {
        "INVALID_ARGUMENT" => "InvalidArgumentError",
        "CONFIG" => "ConfigError",
        "STATE" => "StateError",
        "IO" => "StorageError",
        "CORRUPT" => "CorruptDataError",
        "EXPORTER" => "ExporterError",
        _ => return None,
    })
}

/// `_native.ERROR_CODES`: the core's error table as `(name, code, c_status, meaning, class)`
/// tuples; `patter.errors` sets each class's `code` from it.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let rows: Vec<_> = ERROR_CODES.iter().map(|e| (e.name(), e.code, e.status, e.meaning, class_of(*e))).collect();
    m.add("ERROR_CODES", pyo3::types::PyTuple::new(m.py(), rows)?)
}

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
    let py_err = to_class(py, &err, msg);
    // The class carries its code; the instance does too, so that the builtin fallback of
    // `raise` (when `patter.errors` cannot be imported) still has it.
    let _ = py_err.value(py).setattr("code", err.code());
    py_err
}

fn to_class(py: Python<'_>, err: &PatterError, msg: String) -> PyErr {
    match err {
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

//! The one extractor every Python argument goes through (`#[name_arguments]` in
//! `patter-python-macros` routes them here): a wrong-type argument's `TypeError` (and an int
//! too large for its Rust type's `OverflowError`) names the argument in its message, in the
//! core's "invalid argument" wording, e.g.
//! ``invalid argument `provider`: 'int' object is not an instance of 'str'``. PyO3 0.30 only
//! adds a note (`while processing 'provider'`), which `str(e)` does not show (and Python 3.10,
//! which has no `add_note`, drops). The exception keeps its builtin type and its cause; other
//! errors pass through unchanged.

use patter_core::PatterError;
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;

/// Converts `obj` to `T`; a `TypeError` or `OverflowError` is re-raised naming the argument
/// `name`.
#[inline]
pub(crate) fn extract<'a, 'py, T: FromPyObject<'a, 'py>>(
    obj: &'a Bound<'py, PyAny>,
    name: &'static str,
) -> PyResult<T> {
    obj.extract::<T>().map_err(|e| named(obj.py(), name, e.into()))
}

#[cold]
fn named(py: Python<'_>, name: &'static str, err: PyErr) -> PyErr {
    let message = || PatterError::invalid(name, err.value(py).to_string()).to_string();
    let named = if err.is_instance_of::<PyTypeError>(py) {
        PyTypeError::new_err(message())
    } else if err.is_instance_of::<PyOverflowError>(py) {
        PyOverflowError::new_err(message())
    } else {
        return err;
    };
    named.set_cause(py, err.cause(py));
    named
}

/// Put above `#[pymethods]` and `#[pyfunction]` (before them: it rewrites the arguments they
/// see), so that every argument converts through [`extract`].
pub(crate) use patter_python_macros::name_arguments;

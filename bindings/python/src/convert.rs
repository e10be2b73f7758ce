//! Type translation between Python objects and the core's JSON-shaped records.
//!
//! Records (`CallEnd`, costs, stats) serialise through serde into `serde_json::Value` and from
//! there into plain Python dicts/lists/scalars; event payloads go the other way.

use crate::errors::invalid;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

/// Converts a JSON value into the equivalent Python object.
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, item) in map {
                d.set_item(k, json_to_py(py, item)?)?;
            }
            d.into_any()
        }
    })
}

/// Serialises any core record into a Python object (dicts keep the record's field order).
pub(crate) fn record_to_py<'py, T: serde::Serialize>(py: Python<'py>, record: &T) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(record)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("record serialisation failed: {e}")))?;
    json_to_py(py, &v)
}

const MAX_DEPTH: usize = 64;

/// Converts a JSON-compatible Python object (None, bool, int, float, str, list/tuple, dict with
/// str keys) into a JSON value. `name` is the argument reported in errors.
pub(crate) fn py_to_json(py: Python<'_>, name: &'static str, obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(invalid(py, name, format!("is nested deeper than {MAX_DEPTH} levels")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(invalid(py, name, "contains an integer outside the 64-bit range"));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| invalid(py, name, "contains a NaN or infinite float (not representable in JSON)"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(Value::Object(dict_to_map(py, name, d, depth)?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(py_to_json(py, name, &item?, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "{name}: values must be JSON-compatible (None, bool, int, float, str, list, dict), got {ty}"
    )))
}

/// Converts a dict with str keys into a JSON object (insertion order kept).
pub(crate) fn dict_to_map(
    py: Python<'_>,
    name: &'static str,
    d: &Bound<'_, PyDict>,
    depth: usize,
) -> PyResult<serde_json::Map<String, Value>> {
    let mut map = serde_json::Map::new();
    for (k, v) in d.iter() {
        let key = k
            .cast::<PyString>()
            .map_err(|_| pyo3::exceptions::PyTypeError::new_err(format!("{name}: dict keys must be str")))?
            .to_cow()?
            .into_owned();
        map.insert(key, py_to_json(py, name, &v, depth + 1)?);
    }
    Ok(map)
}

/// A dict of `str -> str` as ordered pairs (resource attributes, headers).
pub(crate) fn str_pairs(name: &'static str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Vec::new()) };
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err(format!("{name} must be a dict of str to str")))?;
    let mut out = Vec::with_capacity(d.len());
    for (k, v) in d.iter() {
        let (Ok(k), Ok(v)) = (k.cast::<PyString>(), v.cast::<PyString>()) else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!("{name} must be a dict of str to str")));
        };
        out.push((k.to_cow()?.into_owned(), v.to_cow()?.into_owned()));
    }
    Ok(out)
}

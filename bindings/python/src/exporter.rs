//! Host exporters written in Python: any object with an ``export(batch)`` method, or a callable
//! taking the batch. Every batch arrives as the OTLP protobuf bytes of an
//! ``ExportTraceServiceRequest`` (the contract of every binding, see
//! `patter_core::tracing::host_exporter`), on the exporter's own core thread: the GIL is taken
//! only there, never on a caller's thread or the export thread. ``decode_spans`` turns a batch
//! into the canonical OTLP-JSON shape.

use crate::convert::json_to_py;
use crate::errors::IntoPyResult;
use patter_core::tracing::HostExporter;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes};

/// A Python exporter attached to the core's span pipeline.
pub(crate) struct PyExporter {
    obj: Py<PyAny>,
}

impl PyExporter {
    /// Wraps `obj` if it has a callable ``export`` attribute or is itself callable.
    pub(crate) fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let has_export = obj.getattr("export").map(|m| m.is_callable()).unwrap_or(false);
        if !has_export && !obj.is_callable() {
            let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "exporter must have an export(batch) method or be callable, got {ty}"
            )));
        }
        Ok(PyExporter { obj: obj.clone().unbind() })
    }

    fn export_py(&self, py: Python<'_>, otlp_protobuf: &[u8]) -> PyResult<bool> {
        let batch = PyBytes::new(py, otlp_protobuf);
        let obj = self.obj.bind(py);
        let result = match obj.getattr("export") {
            Ok(m) if m.is_callable() => m.call1((batch,))?,
            _ => obj.call1((batch,))?,
        };
        // The one rule of every binding: returning false fails the batch (anything else is ok).
        Ok(!result.is_exact_instance_of::<PyBool>() || result.extract::<bool>()?)
    }
}

impl HostExporter for PyExporter {
    fn export(&self, otlp_protobuf: &[u8]) -> Result<(), String> {
        Python::attach(|py| match self.export_py(py, otlp_protobuf) {
            Ok(true) => Ok(()),
            Ok(false) => Err("the exporter returned False".into()),
            Err(e) => Err(format!("the exporter raised: {e}")),
        })
    }

    fn identity(&self) -> u64 {
        self.obj.as_ptr() as usize as u64
    }

    fn shutdown(&self) {
        Python::attach(|py| {
            let obj = self.obj.bind(py);
            if let Ok(m) = obj.getattr("shutdown") {
                if m.is_callable() {
                    let _ = m.call0();
                }
            }
        })
    }
}

/// Decodes a batch an exporter received (OTLP protobuf bytes) into the canonical OTLP-JSON
/// shape, as a dict (``{"resourceSpans": [...]}``), the same in every language.
#[crate::args::name_arguments]
#[pyfunction]
pub(crate) fn decode_spans<'py>(py: Python<'py>, batch: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let json = patter_core::tracing::decode_spans_json(batch).py_err(py)?;
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    json_to_py(py, &value)
}

//! Host exporters written in Python: any object with an ``export(spans)`` method, or a
//! callable taking the list of spans. The core calls them on its export thread; the GIL is
//! taken only there, never on a caller's thread.

use opentelemetry::trace::Status;
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;
use patter_core::tracing::{SpanBatch, SpanCallback};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::time::UNIX_EPOCH;

/// A finished span as handed to a Python exporter (read-only).
#[pyclass(module = "patter._native", frozen, get_all)]
pub struct ExportedSpan {
    /// Span name (``getpatter.llm`` …).
    name: String,
    /// Hex trace id (32 chars).
    trace_id: String,
    /// Hex span id (16 chars).
    span_id: String,
    /// Hex parent span id, or None for a root span.
    parent_span_id: Option<String>,
    /// Attributes: str/int/float/bool (or lists of them) by key.
    attributes: Py<PyDict>,
    /// Start, nanoseconds since the Unix epoch.
    start_time: u64,
    /// End, nanoseconds since the Unix epoch.
    end_time: u64,
    /// ``UNSET``, ``OK`` or ``ERROR``.
    status_code: &'static str,
    /// The error description when ``status_code`` is ``ERROR``.
    status_description: String,
    /// Resource attributes of the batch (``service.name`` …).
    resource: Py<PyDict>,
}

#[crate::args::name_arguments]
#[pymethods]
impl ExportedSpan {
    /// All fields as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", &self.name)?;
        d.set_item("trace_id", &self.trace_id)?;
        d.set_item("span_id", &self.span_id)?;
        d.set_item("parent_span_id", &self.parent_span_id)?;
        d.set_item("attributes", self.attributes.bind(py).copy()?)?;
        d.set_item("start_time", self.start_time)?;
        d.set_item("end_time", self.end_time)?;
        d.set_item("status_code", self.status_code)?;
        d.set_item("status_description", &self.status_description)?;
        d.set_item("resource", self.resource.bind(py).copy()?)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("<patter.ExportedSpan {} span_id={}>", self.name, self.span_id)
    }
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::I64(i) => i.into_pyobject(py)?.into_any(),
        Value::F64(f) => f.into_pyobject(py)?.into_any(),
        Value::String(s) => s.as_str().into_pyobject(py)?.into_any(),
        Value::Array(a) => match a {
            Array::Bool(v) => PyList::new(py, v)?.into_any(),
            Array::I64(v) => PyList::new(py, v)?.into_any(),
            Array::F64(v) => PyList::new(py, v)?.into_any(),
            Array::String(v) => PyList::new(py, v.iter().map(|s| s.as_str()))?.into_any(),
            _ => py.None().into_bound(py),
        },
        _ => v.to_string().into_pyobject(py)?.into_any(),
    })
}

fn nanos(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

fn convert(py: Python<'_>, s: &SpanData, resource: &Bound<'_, PyDict>) -> PyResult<ExportedSpan> {
    let attrs = PyDict::new(py);
    for kv in &s.attributes {
        attrs.set_item(kv.key.as_str(), value_to_py(py, &kv.value)?)?;
    }
    let (status_code, status_description) = match &s.status {
        Status::Unset => ("UNSET", String::new()),
        Status::Ok => ("OK", String::new()),
        Status::Error { description } => ("ERROR", description.to_string()),
    };
    let parent = s.parent_span_id;
    Ok(ExportedSpan {
        name: s.name.to_string(),
        trace_id: s.span_context.trace_id().to_string(),
        span_id: s.span_context.span_id().to_string(),
        parent_span_id: (parent != opentelemetry::trace::SpanId::INVALID).then(|| parent.to_string()),
        attributes: attrs.unbind(),
        start_time: nanos(s.start_time),
        end_time: nanos(s.end_time),
        status_code,
        status_description,
        resource: resource.clone().unbind(),
    })
}

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
                "exporter must have an export(spans) method or be callable, got {ty}"
            )));
        }
        Ok(PyExporter { obj: obj.clone().unbind() })
    }

    fn export_py(&self, py: Python<'_>, batch: &SpanBatch<'_>) -> PyResult<()> {
        let resource = PyDict::new(py);
        // The resource is the same for every span of a batch: read it off the OTLP rendering
        // only when the batch is non-empty (cheap compared with the export itself).
        if !batch.spans().is_empty() {
            let json: serde_json::Value = serde_json::from_str(&batch.to_json()).unwrap_or_default();
            if let Some(attrs) = json.pointer("/resourceSpans/0/resource/attributes").and_then(|a| a.as_array()) {
                for kv in attrs {
                    if let (Some(k), Some(v)) =
                        (kv.get("key").and_then(|k| k.as_str()), kv.pointer("/value/stringValue"))
                    {
                        resource.set_item(k, v.as_str().unwrap_or_default())?;
                    }
                }
            }
        }
        let spans = PyList::empty(py);
        for s in batch.spans() {
            spans.append(convert(py, s, &resource)?)?;
        }
        let obj = self.obj.bind(py);
        let result = match obj.getattr("export") {
            Ok(m) if m.is_callable() => m.call1((spans,))?,
            _ => obj.call1((spans,))?,
        };
        // OpenTelemetry exporters return SpanExportResult; FAILURE counts as a failed batch.
        let failed =
            result.getattr("name").ok().and_then(|n| n.extract::<String>().ok()).is_some_and(|n| n == "FAILURE");
        if failed {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("exporter returned FAILURE"));
        }
        Ok(())
    }
}

impl SpanCallback for PyExporter {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        Python::attach(|py| self.export_py(py, batch).map_err(|e| format!("python exporter raised: {e}")))
    }

    fn identity(&self) -> Option<u64> {
        Some(self.obj.as_ptr() as usize as u64)
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

//! Tracing functions: init/shutdown/flush, host exporters, stats and the span catalogue.
//! Everything that can wait on the export thread runs with the GIL released.

use crate::convert::{record_to_py, str_pairs};
use crate::errors::IntoPyResult;
use crate::exporter::PyExporter;
use patter_core::config::TracingOptions;
use patter_core::tracing::{self as core, names};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;

/// Starts tracing (OTLP/HTTP protobuf to ``otlp_endpoint``, else ``OTEL_EXPORTER_OTLP_ENDPOINT``,
/// else ``http://localhost:4318``). Returns False, and records nothing, unless
/// ``PATTER_OTEL_ENABLED`` is 1/true/yes. Idempotent while enabled. ``metrics`` (else
/// ``OTEL_METRICS_EXPORTER``), ``otel_logs`` (else ``PATTER_OTEL_LOGS``) and ``otel_log_texts``
/// (else ``PATTER_OTEL_LOG_TEXTS``) switch OTLP metrics and call-record logs.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (
    service_name = None, otlp_endpoint = None, resource_attributes = None,
    headers = None, console = None, file = None, disable_otlp = None,
    metrics = None, otel_logs = None, otel_log_texts = None
))]
#[allow(clippy::too_many_arguments)]
fn init_tracing(
    py: Python<'_>,
    service_name: Option<PyBackedStr>,
    otlp_endpoint: Option<PyBackedStr>,
    resource_attributes: Option<&Bound<'_, PyAny>>,
    headers: Option<&Bound<'_, PyAny>>,
    console: Option<bool>,
    file: Option<PathBuf>,
    disable_otlp: Option<bool>,
    metrics: Option<bool>,
    otel_logs: Option<bool>,
    otel_log_texts: Option<bool>,
) -> PyResult<bool> {
    let opts = TracingOptions {
        service_name: service_name.map(|s| s.to_string()),
        otlp_endpoint: otlp_endpoint.map(|s| s.to_string()),
        resource_attributes: str_pairs("resource_attributes", resource_attributes)?,
        headers: str_pairs("headers", headers)?,
        console,
        file,
        disable_otlp,
        metrics,
        otel_logs,
        otel_log_texts,
    };
    py.detach(|| core::init_tracing(&opts)).py_err(py)
}

/// Whether ``init_tracing`` succeeded and ``shutdown_tracing`` has not run since.
#[crate::args::name_arguments]
#[pyfunction]
fn is_enabled() -> bool {
    core::is_enabled()
}

/// Whether new calls record spans (tracing enabled or an exporter attached).
#[crate::args::name_arguments]
#[pyfunction]
fn is_recording() -> bool {
    core::is_recording()
}

/// Flushes pending spans, then removes every sink (attached exporters too). Safe to call
/// twice or without ``init_tracing``. Releases the GIL while it waits.
#[crate::args::name_arguments]
#[pyfunction]
fn shutdown_tracing(py: Python<'_>) {
    py.detach(core::shutdown_tracing)
}

/// Waits (GIL released) until every span ended so far has been handed to the sinks, at most
/// ``timeout_ms`` milliseconds (default: the core's, 10000). Returns False on timeout.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (timeout_ms = None))]
fn force_flush(py: Python<'_>, timeout_ms: Option<f64>) -> PyResult<bool> {
    let t = patter_core::rules::timeout_ms("timeout_ms", timeout_ms).py_err(py)?;
    Ok(py.detach(|| core::force_flush(t)))
}

/// Attaches a Python exporter (an object with ``export(batch)`` or a callable): from now on
/// every span is recorded and each batch handed to it as OTLP protobuf bytes on its own core
/// thread, whether or not ``PATTER_OTEL_ENABLED`` is set. Attaching the same object again
/// returns False. ``side`` becomes the default side of calls started without one.
#[crate::args::name_arguments]
#[pyfunction]
#[pyo3(signature = (exporter, side = None))]
fn attach_span_exporter(py: Python<'_>, exporter: &Bound<'_, PyAny>, side: Option<PyBackedStr>) -> PyResult<bool> {
    let cb = core::host_exporter(Arc::new(PyExporter::new(exporter)?));
    let side = side.map(|s| s.to_string());
    py.detach(|| core::attach_span_exporter(cb, side.as_deref())).py_err(py)
}

/// Detaches an exporter attached earlier, after flushing what it is owed (GIL released).
/// Returns whether it was attached.
#[crate::args::name_arguments]
#[pyfunction]
fn detach_span_exporter(py: Python<'_>, exporter: &Bound<'_, PyAny>) -> PyResult<bool> {
    let cb = core::host_exporter(Arc::new(PyExporter::new(exporter)?));
    Ok(py.detach(|| core::detach_span_exporter(&cb)))
}

/// Counters of the span pipeline: ``enabled``, ``recording``, ``spans_ended``, ``dropped``,
/// ``exported``, ``failed`` and per-sink ``sinks``.
#[crate::args::name_arguments]
#[pyfunction]
fn tracing_stats(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    record_to_py(py, &core::stats())
}

/// The span names, attribute keys and values of the core's catalogue, by constant name, plus
/// the tracing defaults.
fn catalogue(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for e in names::CATALOGUE {
        d.set_item(e.name, e.value)?;
    }
    d.set_item("DEFAULT_SIDE", core::DEFAULT_SIDE)?;
    d.set_item("DEFAULT_SERVICE_NAME", patter_core::config::DEFAULT_SERVICE_NAME)?;
    d.set_item("DEFAULT_OTLP_ENDPOINT", patter_core::config::DEFAULT_OTLP_ENDPOINT)?;
    Ok(d)
}

/// Adds the tracing functions and the `NAMES` catalogue to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(init_tracing, m)?)?;
    m.add_function(wrap_pyfunction!(is_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(is_recording, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown_tracing, m)?)?;
    m.add_function(wrap_pyfunction!(force_flush, m)?)?;
    m.add_function(wrap_pyfunction!(attach_span_exporter, m)?)?;
    m.add_function(wrap_pyfunction!(detach_span_exporter, m)?)?;
    m.add_function(wrap_pyfunction!(tracing_stats, m)?)?;
    m.add("NAMES", catalogue(m.py())?)?;
    Ok(())
}

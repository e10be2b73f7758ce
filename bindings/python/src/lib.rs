//! `patter._native`: the PyO3 extension behind the `patter` Python package.
//!
//! Everything is done by `patter-core`; this crate only translates types (Python objects to
//! core options and back), errors (core `PatterError` to the `patter.errors` hierarchy) and
//! releases the GIL around anything that can wait. The current-call `ContextVar`, the
//! module-level helpers and the documented module layout live in the pure-Python package.

use pyo3::prelude::*;

mod args;
mod call;
mod calllog;
mod clock;
mod convert;
mod dashboard;
mod diagnostics;
mod errors;
mod exporter;
mod pricing;
mod span;
mod store;
mod tracing;

/// The extension module. Its public names are re-exported (and documented) by `patter`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<call::Call>()?;
    m.add_class::<span::Span>()?;
    m.add_class::<clock::ManualClock>()?;
    m.add_class::<clock::SequentialIds>()?;
    m.add_function(wrap_pyfunction!(exporter::decode_spans, m)?)?;
    m.add_class::<calllog::CallLogger>()?;
    m.add_class::<store::MetricsStore>()?;
    m.add_class::<pricing::Pricing>()?;
    m.add_function(wrap_pyfunction!(calllog::flush_default_logger, m)?)?;
    m.add_function(wrap_pyfunction!(cli_run, m)?)?;
    m.add_class::<dashboard::Dashboard>()?;
    m.add_function(wrap_pyfunction!(dashboard::serve_dashboard, m)?)?;
    m.add_function(wrap_pyfunction!(dashboard::cli_main, m)?)?;
    tracing::register(m)?;
    diagnostics::register(m)?;
    errors::register(m)?;
    Ok(())
}

/// Runs the `patter` command line (`calls`, `show`, `cost`) with `args`; returns
/// `(exit_status, stdout_text, stderr_text)`. `python -m patter` prints them.
#[crate::args::name_arguments]
#[pyfunction]
fn cli_run(py: Python<'_>, args: Vec<String>) -> (i32, String, String) {
    py.detach(|| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = patter_core::cli::run(&args, &mut out, &mut err);
        (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
    })
}

//! `Pricing`: the rates a call is priced with (built-in defaults, an override file, code
//! overrides), all resolved by the core.

use crate::convert::{json_to_py, py_to_json};
use crate::errors::IntoPyResult;
use patter_core::config::{load_pricing, PricingOptions, ProcessEnv};
use patter_core::pricing::{Overrides, PricingTable};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;

/// A pricing table: the built-in rates, then ``file`` (else ``PATTER_PRICING_FILE``), then
/// ``overrides`` (a dict in the JSON override format of docs/pricing.md). Pass it as
/// ``Call(..., pricing=pricing)``; calls started without one use the process table (built-in
/// rates plus ``PATTER_PRICING_FILE``).
#[pyclass(module = "patter._native", frozen)]
pub struct Pricing {
    pub(crate) inner: Arc<PricingTable>,
}

#[crate::args::name_arguments]
#[pymethods]
impl Pricing {
    #[new]
    #[pyo3(signature = (overrides = None, file = None))]
    fn new(py: Python<'_>, overrides: Option<&Bound<'_, PyAny>>, file: Option<PathBuf>) -> PyResult<Self> {
        let overrides = match overrides.filter(|o| !o.is_none()) {
            None => None,
            Some(o) => Some(Overrides::from_json_str(&overrides_json(py, o)?).py_err(py)?),
        };
        let opts = PricingOptions { file, overrides };
        let inner = py.detach(|| load_pricing(&opts, &ProcessEnv)).py_err(py)?;
        Ok(Pricing { inner })
    }

    /// The built-in rates alone (no file, no environment).
    #[staticmethod]
    fn defaults() -> Self {
        Pricing { inner: PricingTable::defaults() }
    }

    /// A table holding exactly what ``json`` (the override JSON format) describes, no defaults.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: PyBackedStr) -> PyResult<Self> {
        Ok(Pricing { inner: Arc::new(PricingTable::from_json_str(&json).py_err(py)?) })
    }

    /// A copy with ``overrides`` (a dict in the override format) merged on top.
    fn with_overrides(&self, py: Python<'_>, overrides: &Bound<'_, PyAny>) -> PyResult<Self> {
        let table = self.inner.with_overrides_json(&overrides_json(py, overrides)?).py_err(py)?;
        Ok(Pricing { inner: Arc::new(table) })
    }

    /// The whole table in the override JSON format (every category, provider and model).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json_value())
    }
}

/// The override dict as JSON text (a dict is required: the format is an object).
fn overrides_json(py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<String> {
    if !o.is_instance_of::<PyDict>() {
        return Err(pyo3::exceptions::PyTypeError::new_err("overrides must be a dict"));
    }
    Ok(serde_json::to_string(&py_to_json(py, "overrides", o, 0)?).unwrap_or_default())
}

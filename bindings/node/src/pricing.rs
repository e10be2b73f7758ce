//! `Pricing`: the rates calls are priced with (built-in defaults, an override file, code
//! overrides). The formats and rules are the core's (docs/pricing.md).

use crate::error::{invalid, IntoJs, Result};
use napi_derive::napi;
use patter_core::config::{load_pricing, PricingOptions as CorePricingOptions, ProcessEnv};
use patter_core::pricing::{Overrides, PricingTable as CoreTable};
use std::sync::Arc;

/// Options of `new Pricing(…)`.
#[napi(object, object_to_js = false)]
pub struct PricingOptions {
    /// JSON override file (default `PATTER_PRICING_FILE`, else none).
    pub file: Option<String>,
    /// Overrides from code, applied after the file (same shape as the file).
    #[napi(ts_type = "Record<string, unknown>")]
    pub overrides: Option<serde_json::Value>,
}
crate::option_keys!(PricingOptions: file, overrides);

fn overrides_json(v: &serde_json::Value) -> Result<String> {
    if !v.is_object() {
        return Err(invalid("overrides", "must be an object (the JSON override format of docs/pricing.md)"));
    }
    Ok(v.to_string())
}

/// Rates calls are priced with: the built-in defaults, then an override file, then overrides
/// from code. Pass it as `pricing` in {@link CallOptions}; calls started without one use the
/// defaults plus `PATTER_PRICING_FILE`.
#[napi]
pub struct Pricing {
    pub(crate) inner: Arc<CoreTable>,
}

#[napi]
impl Pricing {
    /// The built-in list prices.
    #[napi(factory, catch_unwind, writable = true, configurable = true)]
    pub fn defaults() -> Self {
        Pricing { inner: CoreTable::defaults() }
    }

    /// The effective rates: defaults, then `file` (else `PATTER_PRICING_FILE`), then
    /// `overrides`. Throws `PATTER_CONFIG`, `PATTER_IO` or `PATTER_CORRUPT` naming what is wrong.
    #[napi(constructor, strict, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "PricingOptions | undefined | null")] options: Option<crate::util::Known<PricingOptions>>,
    ) -> Result<Self> {
        let mut o = CorePricingOptions::default();
        if let Some(crate::util::Known(opts)) = options {
            o.file = opts.file.map(Into::into);
            if let Some(v) = &opts.overrides {
                o.overrides = Some(Overrides::from_json_str(&overrides_json(v)?).js()?);
            }
        }
        Ok(Pricing { inner: load_pricing(&o, &ProcessEnv).js()? })
    }

    /// A table holding exactly what `json` describes (no defaults), e.g. a dumped table.
    #[napi(factory, strict, catch_unwind, writable = true, configurable = true)]
    pub fn from_json(json: String) -> Result<Self> {
        Ok(Pricing { inner: Arc::new(CoreTable::from_json_str(&json).js()?) })
    }

    /// A copy with `overrides` (an object in the override format) merged on top.
    #[napi(catch_unwind, ts_args_type = "overrides: Record<string, unknown>")]
    pub fn with_overrides(&self, overrides: serde_json::Value) -> Result<Pricing> {
        let table = self.inner.with_overrides_json(&overrides_json(&overrides)?).js()?;
        Ok(Pricing { inner: Arc::new(table) })
    }

    /// The table in the override format (loads back unchanged with {@link Pricing.fromJson}).
    #[napi(catch_unwind, js_name = "toJSON", ts_return_type = "Record<string, unknown>")]
    pub fn to_json(&self) -> serde_json::Value {
        self.inner.to_json_value()
    }
}

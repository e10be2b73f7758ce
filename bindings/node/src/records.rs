//! Records (end of call, store entries, reports) go to JS as plain objects with the very field
//! names of metadata.json and the other files on disk (snake_case), serialised by the core.

use crate::error::{js_err, Result, INTERNAL};
use serde::Serialize;

/// Serialises a core record to a JSON value napi-rs turns into a JS object.
pub fn to_js_value<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| js_err(INTERNAL, format!("could not convert a record: {e}")))
}

/// A JSON value as the result of a promise (napi-rs wants a named type there).
pub struct Json(pub serde_json::Value);

impl napi::bindgen_prelude::ToNapiValue for Json {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> napi::Result<napi::sys::napi_value> {
        unsafe { serde_json::Value::to_napi_value(env, val.0) }
    }
}

impl napi::bindgen_prelude::TypeName for Json {
    fn type_name() -> &'static str {
        "Object"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

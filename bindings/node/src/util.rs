//! Argument translation helpers: JS numbers are doubles, the core wants integers.

use crate::error::{invalid, Result};

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A JS number that must be a non-negative integer (counts, token numbers, seeds).
#[inline]
pub fn to_u64(name: &str, v: f64) -> Result<u64> {
    // `(v as u64) as f64 == v` is the integer test without a libm `trunc` call (hot path);
    // NaN fails the range test, negative zero maps to 0.
    let n = v as u64;
    if v >= 0.0 && v <= MAX_SAFE && n as f64 == v {
        Ok(n)
    } else {
        Err(not_u64(name, v))
    }
}

#[cold]
fn not_u64(name: &str, v: f64) -> crate::error::JsErr {
    invalid(name, format!("must be a non-negative integer, got {v}"))
}

/// A JS number that must be finite (milliseconds, seconds, confidences).
pub fn finite(name: &str, v: f64) -> Result<f64> {
    if !v.is_finite() {
        return Err(invalid(name, format!("must be a finite number, got {v}")));
    }
    Ok(v)
}

/// A nested options object: napi-rs converts any value to an object field by field (a string
/// would read as an object with no fields), so this checks `typeof value === 'object'` first.
pub struct Checked<T>(pub T);

impl<T: napi::bindgen_prelude::FromNapiValue> napi::bindgen_prelude::FromNapiValue for Checked<T> {
    unsafe fn from_napi_value(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<Self> {
        let mut ty = 0;
        let status = unsafe { napi::sys::napi_typeof(env, value, &mut ty) };
        if status != napi::sys::Status::napi_ok || ty != napi::sys::ValueType::napi_object {
            return Err(napi::Error::new(napi::Status::ObjectExpected, "expected an object"));
        }
        let mut is_array = false;
        unsafe { napi::sys::napi_is_array(env, value, &mut is_array) };
        if is_array {
            return Err(napi::Error::new(napi::Status::ObjectExpected, "expected a plain object, not an array"));
        }
        Ok(Checked(unsafe { T::from_napi_value(env, value)? }))
    }
}

impl<T> napi::bindgen_prelude::TypeName for Checked<T> {
    fn type_name() -> &'static str {
        "Object"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

/// Runs work of a promise on the libuv thread pool with panics caught: a panic there would
/// otherwise abort the process; here it rejects the promise (`PATTER_INTERNAL` in index.js).
pub fn off_thread<T>(f: impl FnOnce() -> T) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| napi::Error::new(napi::Status::GenericFailure, "patter panicked (a bug: please report it)"))
}

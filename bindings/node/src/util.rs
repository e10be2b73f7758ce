//! Argument translation helpers: JS numbers are doubles; the core's rules (see
//! `patter_core::rules`) decide which are valid and word the error.

use crate::error::{IntoJs, Result};

/// A JS number that must be a count (the core's rule: an integer in `0..=2^53-1`).
#[inline]
pub fn to_u64(name: &'static str, v: f64) -> Result<u64> {
    patter_core::rules::count_f64(name, v).js()
}

/// A nested options object: napi-rs converts any value to an object field by field (a string
/// would read as an object with no fields), so this checks `typeof value === 'object'` first.
pub struct Checked<T>(pub T);

impl<T: napi::bindgen_prelude::FromNapiValue> napi::bindgen_prelude::FromNapiValue for Checked<T> {
    unsafe fn from_napi_value(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<Self> {
        unsafe { expect_plain_object(env, value)? };
        Ok(Checked(unsafe { T::from_napi_value(env, value)? }))
    }
}

/// `typeof value === 'object'`, not null and not an array: what a nested options object must be.
///
/// # Safety
/// `env` and `value` come from N-API for the current call.
pub unsafe fn expect_plain_object(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<()> {
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
    Ok(())
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

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

/// The own enumerable string keys of a JS object (symbols skipped), as JS values.
///
/// # Safety
/// `env` and `value` come from N-API for the current call; `value` is an object.
pub unsafe fn own_keys(
    env: napi::sys::napi_env,
    value: napi::sys::napi_value,
    what: &str,
) -> napi::Result<Vec<napi::sys::napi_value>> {
    use napi::sys;
    let mut names = std::ptr::null_mut();
    let mut len = 0u32;
    let listed = unsafe {
        sys::napi_get_all_property_names(
            env,
            value,
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
            sys::KeyConversion::numbers_to_strings,
            &mut names,
        ) == sys::Status::napi_ok
            && sys::napi_get_array_length(env, names, &mut len) == sys::Status::napi_ok
    };
    if !listed {
        return Err(napi::Error::new(napi::Status::ObjectExpected, format!("{what}: its keys could not be read")));
    }
    let mut keys = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut k = std::ptr::null_mut();
        if unsafe { sys::napi_get_element(env, names, i, &mut k) } != sys::Status::napi_ok {
            return Err(napi::Error::new(napi::Status::ObjectExpected, format!("{what}: a key could not be read")));
        }
        keys.push(k);
    }
    Ok(keys)
}

/// An options struct read from a JS object: the Rust names of its fields, whose camelCase
/// forms (napi-rs's JS names) are the object's only valid keys. Implemented by
/// [`option_keys!`], checked against the struct's fields at compile time.
pub trait OptionKeys {
    /// The fields, as declared (snake_case).
    const FIELDS: &'static [&'static str];
}

/// The characters of the camelCase JS name of a snake_case field (`otlp_endpoint` ->
/// `otlpEndpoint`), as napi-rs names object fields.
fn js_name(field: &str) -> impl Iterator<Item = char> + '_ {
    let mut upper = false;
    field.chars().filter_map(move |c| {
        if c == '_' {
            upper = true;
            return None;
        }
        let c = if upper { c.to_ascii_uppercase() } else { c };
        upper = false;
        Some(c)
    })
}

/// An options argument whose own keys must all be options of `T`: a misspelt or unsupported
/// key is `PATTER_INVALID_ARGUMENT` (the core's [`unknown_option`] rule), as an unknown keyword
/// argument is a `TypeError` in Python, instead of being ignored. An array is refused as every
/// nested options object is ([`expect_plain_object`]); a value that is not an object is left
/// to `T`'s own conversion (and its type error).
///
/// [`unknown_option`]: patter_core::rules::unknown_option
pub struct Known<T>(pub T);

impl<T: napi::bindgen_prelude::FromNapiValue + OptionKeys> napi::bindgen_prelude::FromNapiValue for Known<T> {
    unsafe fn from_napi_value(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<Self> {
        let mut ty = 0;
        let is_object = unsafe { napi::sys::napi_typeof(env, value, &mut ty) } == napi::sys::Status::napi_ok
            && ty == napi::sys::ValueType::napi_object;
        if is_object {
            // An array is no options object (its indices would read as unknown keys).
            unsafe { expect_plain_object(env, value)? };
            for k in unsafe { own_keys(env, value, "options")? } {
                let key = unsafe { String::from_napi_value(env, k)? };
                if !T::FIELDS.iter().any(|f| js_name(f).eq(key.chars())) {
                    let known: Vec<String> = T::FIELDS.iter().map(|f| js_name(f).collect()).collect();
                    let known: Vec<&str> = known.iter().map(String::as_str).collect();
                    let e = patter_core::rules::unknown_option("options", &key, &known);
                    return Err(napi::Error::new(napi::Status::InvalidArg, e.to_string()));
                }
            }
        }
        Ok(Known(unsafe { T::from_napi_value(env, value)? }))
    }
}

impl<T: napi::bindgen_prelude::TypeName> napi::bindgen_prelude::TypeName for Known<T> {
    fn type_name() -> &'static str {
        T::type_name()
    }
    fn value_type() -> napi::ValueType {
        T::value_type()
    }
}

impl<T: napi::bindgen_prelude::ValidateNapiValue> napi::bindgen_prelude::ValidateNapiValue for Known<T> {
    unsafe fn validate(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<napi::sys::napi_value> {
        unsafe { T::validate(env, value) }
    }
}

/// Implements [`OptionKeys`] for an options struct from the list of its fields:
/// `option_keys!(EndOptions: error);`. The list is checked against the struct at compile time
/// (an exhaustive destructuring): a field added to the struct and not here, or a name that is no
/// field, does not build. Take the struct as `Known<T>` to reject unknown keys.
#[macro_export]
macro_rules! option_keys {
    ($name:ident: $($field:ident),+ $(,)?) => {
        impl $crate::util::OptionKeys for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
        }
        const _: fn($name) = |o: $name| {
            let $name { $($field: _),+ } = o;
        };
    };
}

/// Runs work of a promise on the libuv thread pool with panics caught: a panic there would
/// otherwise abort the process; here it rejects the promise (`PATTER_INTERNAL` in index.js).
pub fn off_thread<T>(f: impl FnOnce() -> T) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| napi::Error::new(napi::Status::GenericFailure, "patter panicked (a bug: please report it)"))
}

//! The one place where core errors become JS errors: a `PatterError` maps to its stable `code`
//! string from the core's error table (napi-rs puts a custom status string into `error.code`).
//! `errorCodes()` hands that table to JavaScript, where `lib/errors.js` builds `ErrorCode`.

use napi_derive::napi;
use patter_core::{ErrorCode, PatterError, ERROR_CODES};

/// A napi error whose status string is one of the `PATTER_*` codes.
pub type JsErr = napi::Error<String>;
/// Result of every fallible export.
pub type Result<T, E = JsErr> = std::result::Result<T, E>;

/// The object is no longer in a state that allows the operation (e.g. the call has ended).
pub const STATE: &str = ErrorCode::STATE.code;
/// A bug in patter (a record that did not convert, a Rust panic caught at the boundary).
pub const INTERNAL: &str = ErrorCode::INTERNAL.code;

/// Builds a JS error with a `PATTER_*` code.
pub fn js_err(code: &str, msg: impl std::fmt::Display) -> JsErr {
    napi::Error::new(code.to_string(), msg.to_string())
}

/// An `PATTER_INVALID_ARGUMENT` error about `name` (worded by the core's error type).
pub fn invalid(name: &'static str, reason: impl std::fmt::Display) -> JsErr {
    to_js(PatterError::invalid(name, reason.to_string()))
}

/// Maps a core error to its JS code (the core table's).
pub fn to_js(e: PatterError) -> JsErr {
    js_err(e.code(), e)
}

/// `?`-friendly conversion of core results.
pub trait IntoJs<T> {
    /// Maps the error with [`to_js`].
    fn js(self) -> Result<T>;
}

impl<T> IntoJs<T> for patter_core::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(to_js)
    }
}

/// One row of the error table.
#[napi(object, object_from_js = false)]
pub struct ErrorCodeInfo {
    /// The key in `ErrorCode`, e.g. `INVALID_ARGUMENT`.
    pub name: String,
    /// The stable `code` of the thrown error, e.g. `PATTER_INVALID_ARGUMENT`.
    pub code: String,
    /// The C ABI's `patter_status` value for the same failure.
    pub status: i32,
    /// When it is thrown.
    pub meaning: String,
}

/// The error table of the core: every `code` patter's errors can carry, the same codes Python's
/// `PatterError.code` and the C `patter_status_code()` give. `ErrorCode` is built from it.
#[napi]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ERROR_CODES
        .iter()
        .map(|e| ErrorCodeInfo {
            name: e.name().to_string(),
            code: e.code.to_string(),
            status: e.status,
            meaning: e.meaning.to_string(),
        })
        .collect()
}

/// Throws the core's unknown-option error for `key` of an options argument that takes `known`
/// (lib/span.js: the options of a span method; the Rust option structs check their own keys).
#[napi(js_name = "__unknownOption", skip_typescript, catch_unwind)]
pub fn unknown_option(key: String, known: Vec<String>) -> Result<()> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    Err(to_js(patter_core::rules::unknown_option("options", &key, &known)))
}

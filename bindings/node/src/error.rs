//! The one place where core errors become JS errors: a `PatterError` variant maps to a stable
//! `code` string on the thrown `Error` (napi-rs puts a custom status string into `error.code`).

use patter_core::PatterError;

/// A napi error whose status string is one of the `PATTER_*` codes.
pub type JsErr = napi::Error<String>;
/// Result of every fallible export.
pub type Result<T, E = JsErr> = std::result::Result<T, E>;

/// Bad argument: wrong type, empty or oversized id, out-of-range number, unknown enum value.
pub const INVALID_ARGUMENT: &str = "PATTER_INVALID_ARGUMENT";
/// Unusable configuration (explicit or from the environment).
pub const CONFIG: &str = "PATTER_CONFIG";
/// The object is no longer in a state that allows the operation (e.g. the call has ended).
pub const STATE: &str = "PATTER_STATE";
/// Filesystem failure of an explicit (non call-path) operation.
pub const IO: &str = "PATTER_IO";
/// Stored data could not be parsed.
pub const CORRUPT: &str = "PATTER_CORRUPT";
/// An exporter could not be built or attached.
pub const EXPORTER: &str = "PATTER_EXPORTER";
/// A bug in patter (a record that did not convert, a Rust panic caught at the boundary).
pub const INTERNAL: &str = "PATTER_INTERNAL";

/// Builds a JS error with a `PATTER_*` code.
pub fn js_err(code: &str, msg: impl std::fmt::Display) -> JsErr {
    napi::Error::new(code.to_string(), msg.to_string())
}

/// An `PATTER_INVALID_ARGUMENT` error about `name` (worded by the core's error type).
pub fn invalid(name: &'static str, reason: impl std::fmt::Display) -> JsErr {
    to_js(PatterError::invalid(name, reason.to_string()))
}

/// Maps a core error to its JS code.
pub fn to_js(e: PatterError) -> JsErr {
    let code = match &e {
        PatterError::InvalidArgument { .. } => INVALID_ARGUMENT,
        PatterError::Config { .. } => CONFIG,
        PatterError::State(_) => STATE,
        PatterError::Io { .. } => IO,
        PatterError::Corrupt { .. } => CORRUPT,
        PatterError::Exporter(_) => EXPORTER,
    };
    js_err(code, e)
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

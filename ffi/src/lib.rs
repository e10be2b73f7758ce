//! # patter-ffi: libpatter's stable C ABI
//!
//! Builds `libpatter.so` / `libpatter.a`; `include/patter.h` is generated from this crate by
//! cbindgen (see `cbindgen.toml`, `make header`, and the drift test in `tests/header.rs`).
//!
//! Conventions, the same for every function:
//! - Objects are opaque handles with a create/free pair. A handle is a token, not an address:
//!   freeing it twice, using it after free, or passing a handle of another type returns
//!   `PATTER_STATUS_INVALID_HANDLE` instead of corrupting memory.
//! - Every function that can fail returns a [`status::patter_status`]; the message of the most
//!   recent failure on the calling thread is [`error::patter_last_error`].
//! - Strings in are UTF-8 pointer + byte length (no NUL terminator needed); invalid UTF-8 is
//!   `PATTER_STATUS_INVALID_UTF8`. Strings out are NUL-terminated, allocated by the library and
//!   released with [`strings::patter_string_free`].
//! - No panic crosses the boundary: every entry point runs under `catch_unwind`.
//! - Every function may be called from any thread.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // the safety contract of every function is in its doc

pub mod call;
pub mod calllog;
pub mod clock;
pub mod diagnostics;
pub mod error;
pub mod exporter;
mod guard;
mod handle;
pub mod options;
pub mod pricing;
pub mod span;
pub mod status;
pub mod store;
pub mod strings;
pub mod tracing;
pub mod version;

pub use status::patter_status;
pub use version::PATTER_ABI_VERSION;

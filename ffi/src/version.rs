//! ABI and library versions (the one place the ABI version is defined).

use std::ffi::c_char;

/// The ABI version this header describes. It changes only when an existing function's
/// signature or meaning changes or one is removed (adding functions does not change it).
/// Compare it with `patter_abi_version()` at run time to detect a mismatched library.
pub const PATTER_ABI_VERSION: u32 = 1;

/// The ABI version of the loaded library (see `PATTER_ABI_VERSION`). Never fails.
#[no_mangle]
pub extern "C" fn patter_abi_version() -> u32 {
    PATTER_ABI_VERSION
}

/// The library's version as a static NUL-terminated string, e.g. `"0.1.0"`. The pointer is
/// valid for the life of the process; do not free it. Never fails, never returns NULL.
#[no_mangle]
pub extern "C" fn patter_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

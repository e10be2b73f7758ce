//! Strings across the boundary: in as UTF-8 pointer + length (validated), out as library-owned
//! NUL-terminated buffers released with `patter_string_free`.

use crate::error::{FfiError, FfiResult};
use crate::guard::guard_value;
use crate::status::patter_status;
use patter_core::error::MAX_TEXT_BYTES;
use std::ffi::{c_char, CString};

/// Reads a required string argument. NULL is `PATTER_STATUS_NULL_POINTER` whatever `len` says;
/// a length above the library's limit is rejected before anything is read.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` readable bytes.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, len: usize, name: &str) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    if len > MAX_TEXT_BYTES {
        return Err(FfiError::invalid(name, format!("length {len} exceeds the limit of {MAX_TEXT_BYTES} bytes")));
    }
    // SAFETY: non-NULL, `len` bytes readable per the caller's contract, len <= isize::MAX.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        FfiError::new(patter_status::PATTER_STATUS_INVALID_UTF8, format!("`{name}` is not valid UTF-8: {e}"))
    })
}

/// Reads an optional string argument: NULL means "not given".
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const c_char, len: usize, name: &str) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        unsafe { str_arg(ptr, len, name) }.map(Some)
    }
}

/// Allocates a NUL-terminated copy of `s` for the caller (freed with `patter_string_free`).
pub(crate) fn string_out(s: String, name: &str) -> FfiResult<*mut c_char> {
    CString::new(s).map(CString::into_raw).map_err(|_| {
        FfiError::new(patter_status::PATTER_STATUS_INVALID_ARGUMENT, format!("`{name}` contains a NUL byte"))
    })
}

/// Writes `value` through a required out-pointer.
///
/// # Safety
/// When `out` is not NULL it must be valid for writes.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T, name: &str) -> FfiResult<()> {
    if out.is_null() {
        return Err(FfiError::null(name));
    }
    unsafe { out.write(value) };
    Ok(())
}

/// Writes `value` through an optional out-pointer (NULL: nothing is written).
///
/// # Safety
/// When `out` is not NULL it must be valid for writes.
pub(crate) unsafe fn write_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        unsafe { out.write(value) };
    }
}

/// Fails with NULL_POINTER when a required out-pointer is NULL, before any work is done.
pub(crate) fn require_out<T>(out: *mut T, name: &str) -> FfiResult<()> {
    if out.is_null() {
        Err(FfiError::null(name))
    } else {
        Ok(())
    }
}

/// Hands `s` to the caller through a required `char**` out-pointer.
///
/// # Safety
/// When `out` is not NULL it must be valid for writes.
pub(crate) unsafe fn give_string(out: *mut *mut c_char, s: String, name: &str) -> FfiResult<()> {
    require_out(out, name)?;
    let p = string_out(s, name)?;
    unsafe { out.write(p) };
    Ok(())
}

/// Releases a string returned by libpatter. NULL is a no-op. Passing anything else (a string
/// not returned by libpatter, or one already freed) is undefined behaviour, as with `free()`.
#[no_mangle]
pub unsafe extern "C" fn patter_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: per the contract, `s` came from `CString::into_raw` in `string_out`.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_invalid_utf8_and_absurd_lengths() {
        let e = unsafe { str_arg(std::ptr::null(), usize::MAX, "text") }.unwrap_err();
        assert_eq!(e.status, patter_status::PATTER_STATUS_NULL_POINTER);
        let bad = [b'a', 0xff, b'b'];
        let e = unsafe { str_arg(bad.as_ptr().cast(), 3, "text") }.unwrap_err();
        assert_eq!(e.status, patter_status::PATTER_STATUS_INVALID_UTF8);
        let ok = "héllo";
        assert_eq!(unsafe { str_arg(ok.as_ptr().cast(), ok.len(), "t") }.unwrap(), ok);
        assert_eq!(unsafe { str_arg(ok.as_ptr().cast(), 0, "t") }.unwrap(), "");
        assert_eq!(unsafe { opt_str_arg(std::ptr::null(), 99, "t") }.unwrap(), None);
        let e = unsafe { str_arg(ok.as_ptr().cast(), MAX_TEXT_BYTES + 1, "t") }.unwrap_err();
        assert_eq!(e.status, patter_status::PATTER_STATUS_INVALID_ARGUMENT);
    }

    #[test]
    fn strings_out_roundtrip() {
        let p = string_out("{\"a\":1}".into(), "x").unwrap();
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap(), "{\"a\":1}");
        unsafe { patter_string_free(p) };
        unsafe { patter_string_free(std::ptr::null_mut()) };
        assert!(string_out("a\0b".into(), "x").is_err());
    }
}

//! The status code every fallible function returns, and the one mapping from core errors.
//!
//! The values of the statuses that stand for a core error kind (and `PATTER_STATUS_INTERNAL`)
//! are the core's error table ([`patter_core::ERROR_CODES`]): cbindgen needs them written out
//! here, and the build fails if one differs from the table.

use patter_core::{ErrorCode, PatterError};
use std::ffi::c_char;

/// Result of a libpatter call. `PATTER_STATUS_OK` is 0; every other value is a failure whose
/// message `patter_last_error()` returns on the same thread. Values are stable; new ones may be
/// added at the end, so treat unknown values as generic failures.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_status {
    /// Success.
    PATTER_STATUS_OK = 0,
    /// A required pointer argument (handle, string or out-pointer) was NULL.
    PATTER_STATUS_NULL_POINTER = 1,
    /// A string argument was not valid UTF-8.
    PATTER_STATUS_INVALID_UTF8 = 2,
    /// An argument was malformed: empty, too long, out of range, unknown enum value, bad JSON.
    PATTER_STATUS_INVALID_ARGUMENT = 3,
    /// The handle is not a live handle of the expected type (already freed, never created,
    /// or a handle of another type).
    PATTER_STATUS_INVALID_HANDLE = 4,
    /// The object is not in a state that allows the operation (e.g. the call or span has ended).
    PATTER_STATUS_STATE = 5,
    /// A configuration value (explicit or from the environment) could not be used.
    PATTER_STATUS_CONFIG = 6,
    /// A filesystem operation failed.
    PATTER_STATUS_IO = 7,
    /// Stored data could not be parsed.
    PATTER_STATUS_CORRUPT = 8,
    /// A span exporter could not be built or attached.
    PATTER_STATUS_EXPORTER = 9,
    /// The requested item does not exist (e.g. an unknown call id in a store query).
    PATTER_STATUS_NOT_FOUND = 10,
    /// An internal error (a caught panic). The library stays usable; please report it.
    PATTER_STATUS_INTERNAL = 11,
}

// The values cbindgen writes into patter.h are the core table's (checked at compile time; the
// names are checked by the `table_statuses_are_named_after_their_code` test).
const _: () = {
    use patter_status::*;
    assert!(PATTER_STATUS_INVALID_ARGUMENT as i32 == ErrorCode::INVALID_ARGUMENT.status);
    assert!(PATTER_STATUS_STATE as i32 == ErrorCode::STATE.status);
    assert!(PATTER_STATUS_CONFIG as i32 == ErrorCode::CONFIG.status);
    assert!(PATTER_STATUS_IO as i32 == ErrorCode::IO.status);
    assert!(PATTER_STATUS_CORRUPT as i32 == ErrorCode::CORRUPT.status);
    assert!(PATTER_STATUS_EXPORTER as i32 == ErrorCode::EXPORTER.status);
    assert!(PATTER_STATUS_INTERNAL as i32 == ErrorCode::INTERNAL.status);
};

/// Every status, in value order.
const ALL_STATUSES: [patter_status; 12] = [
    patter_status::PATTER_STATUS_OK,
    patter_status::PATTER_STATUS_NULL_POINTER,
    patter_status::PATTER_STATUS_INVALID_UTF8,
    patter_status::PATTER_STATUS_INVALID_ARGUMENT,
    patter_status::PATTER_STATUS_INVALID_HANDLE,
    patter_status::PATTER_STATUS_STATE,
    patter_status::PATTER_STATUS_CONFIG,
    patter_status::PATTER_STATUS_IO,
    patter_status::PATTER_STATUS_CORRUPT,
    patter_status::PATTER_STATUS_EXPORTER,
    patter_status::PATTER_STATUS_NOT_FOUND,
    patter_status::PATTER_STATUS_INTERNAL,
];

impl patter_status {
    /// The status's name, NUL-terminated.
    fn name(self) -> &'static str {
        use patter_status::*;
        match self {
            PATTER_STATUS_OK => "PATTER_STATUS_OK\0",
            PATTER_STATUS_NULL_POINTER => "PATTER_STATUS_NULL_POINTER\0",
            PATTER_STATUS_INVALID_UTF8 => "PATTER_STATUS_INVALID_UTF8\0",
            PATTER_STATUS_INVALID_ARGUMENT => "PATTER_STATUS_INVALID_ARGUMENT\0",
            PATTER_STATUS_INVALID_HANDLE => "PATTER_STATUS_INVALID_HANDLE\0",
            PATTER_STATUS_STATE => "PATTER_STATUS_STATE\0",
            PATTER_STATUS_CONFIG => "PATTER_STATUS_CONFIG\0",
            PATTER_STATUS_IO => "PATTER_STATUS_IO\0",
            PATTER_STATUS_CORRUPT => "PATTER_STATUS_CORRUPT\0",
            PATTER_STATUS_EXPORTER => "PATTER_STATUS_EXPORTER\0",
            PATTER_STATUS_NOT_FOUND => "PATTER_STATUS_NOT_FOUND\0",
            PATTER_STATUS_INTERNAL => "PATTER_STATUS_INTERNAL\0",
        }
    }
}

/// The one mapping from core errors to status codes: the status value of the error's row in
/// the core table.
pub(crate) fn status_of(e: &PatterError) -> patter_status {
    let value = e.error_code().status;
    ALL_STATUSES.iter().copied().find(|s| *s as i32 == value).unwrap_or(patter_status::PATTER_STATUS_INTERNAL)
}

/// The name of a status value as a static NUL-terminated string (e.g.
/// `"PATTER_STATUS_STATE"`), or `"PATTER_STATUS_UNKNOWN"` for a value this library does not
/// know. The pointer is valid for the life of the process; do not free it. Never fails.
#[no_mangle]
pub extern "C" fn patter_status_string(status: i32) -> *const c_char {
    let name =
        ALL_STATUSES.iter().find(|s| **s as i32 == status).map(|s| s.name()).unwrap_or("PATTER_STATUS_UNKNOWN\0");
    name.as_ptr().cast()
}

/// The stable, cross-language code of a status as a static NUL-terminated string (e.g.
/// `"PATTER_INVALID_ARGUMENT"` for `PATTER_STATUS_INVALID_ARGUMENT`): the `code` Python's
/// `PatterError` and Node's errors carry for the same failure. NULL for `PATTER_STATUS_OK`, for
/// the statuses only the C ABI has (`NULL_POINTER`, `INVALID_UTF8`, `INVALID_HANDLE`,
/// `NOT_FOUND`) and for unknown values. The pointer is valid for the life of the process; do
/// not free it. Never fails.
#[no_mangle]
pub extern "C" fn patter_status_code(status: i32) -> *const c_char {
    static CODES: std::sync::OnceLock<Vec<(i32, std::ffi::CString)>> = std::sync::OnceLock::new();
    let codes = CODES.get_or_init(|| {
        patter_core::ERROR_CODES
            .iter()
            .map(|e| (e.status, std::ffi::CString::new(e.code).expect("codes have no NUL")))
            .collect()
    });
    codes.iter().find(|(s, _)| *s == status).map_or(std::ptr::null(), |(_, c)| c.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn names_match_values() {
        for (i, s) in ALL_STATUSES.iter().enumerate() {
            assert_eq!(*s as i32, i as i32);
            let name = unsafe { CStr::from_ptr(patter_status_string(i as i32)) }.to_str().unwrap();
            assert_eq!(name, format!("{s:?}"));
        }
        let unknown = unsafe { CStr::from_ptr(patter_status_string(-7)) };
        assert_eq!(unknown.to_str().unwrap(), "PATTER_STATUS_UNKNOWN");
    }

    #[test]
    fn table_statuses_are_named_after_their_code() {
        for e in patter_core::ERROR_CODES {
            let name = unsafe { CStr::from_ptr(patter_status_string(e.status)) }.to_str().unwrap();
            assert_eq!(name, format!("PATTER_STATUS_{}", e.name()), "{e:?}");
            let code = unsafe { CStr::from_ptr(patter_status_code(e.status)) }.to_str().unwrap();
            assert_eq!(code, e.code);
        }
        for s in ALL_STATUSES {
            let in_table = ErrorCode::from_status(s as i32).is_some();
            assert_eq!(patter_status_code(s as i32).is_null(), !in_table, "{s:?}");
        }
        assert!(patter_status_code(-7).is_null() && patter_status_code(99).is_null());
    }

    #[test]
    fn core_errors_map_through_the_table() {
        let e = PatterError::State("ended".into());
        assert_eq!(status_of(&e), patter_status::PATTER_STATUS_STATE);
        let e = PatterError::invalid("x", "bad");
        assert_eq!(status_of(&e) as i32, ErrorCode::INVALID_ARGUMENT.status);
    }
}

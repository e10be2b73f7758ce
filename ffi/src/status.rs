//! The status code every fallible function returns, and the one mapping from core errors.

use patter_core::PatterError;
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

/// The one mapping from core errors to status codes.
pub(crate) fn status_of(e: &PatterError) -> patter_status {
    match e {
        PatterError::InvalidArgument { .. } => patter_status::PATTER_STATUS_INVALID_ARGUMENT,
        PatterError::Config { .. } => patter_status::PATTER_STATUS_CONFIG,
        PatterError::State(_) => patter_status::PATTER_STATUS_STATE,
        PatterError::Io { .. } => patter_status::PATTER_STATUS_IO,
        PatterError::Corrupt { .. } => patter_status::PATTER_STATUS_CORRUPT,
        PatterError::Exporter(_) => patter_status::PATTER_STATUS_EXPORTER,
    }
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
}

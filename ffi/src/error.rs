//! The thread-local "last error" message and the error type entry points return internally.

use crate::status::{patter_status, status_of};
use patter_core::PatterError;
use std::cell::RefCell;
use std::ffi::{c_char, CString};

/// A failure on its way to the C caller: a status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub(crate) status: patter_status,
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: patter_status, message: impl Into<String>) -> Self {
        FfiError { status, message: message.into() }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(name: &str) -> Self {
        FfiError::new(patter_status::PATTER_STATUS_NULL_POINTER, format!("`{name}` must not be NULL"))
    }

    /// A malformed argument.
    pub(crate) fn invalid(name: &str, reason: impl std::fmt::Display) -> Self {
        FfiError::new(patter_status::PATTER_STATUS_INVALID_ARGUMENT, format!("invalid argument `{name}`: {reason}"))
    }
}

impl From<PatterError> for FfiError {
    fn from(e: PatterError) -> Self {
        FfiError { status: status_of(&e), message: e.to_string() }
    }
}

/// What entry points return internally.
pub(crate) type FfiResult<T> = Result<T, FfiError>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error.
pub(crate) fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with`: during thread teardown the slot may be gone; then there is nowhere to put it.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = c);
}

/// The message of the most recent failed libpatter call on the calling thread (UTF-8,
/// NUL-terminated), or `""` if none has failed on this thread. Successful calls do not clear
/// it. The pointer stays valid until the next libpatter call on the same thread; do not free
/// it. Never fails, never returns NULL.
#[no_mangle]
pub extern "C" fn patter_last_error() -> *const c_char {
    static EMPTY: &[u8] = b"\0";
    LAST_ERROR.try_with(|slot| slot.borrow().as_ptr()).unwrap_or(EMPTY.as_ptr().cast())
}

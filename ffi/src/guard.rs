//! The wrapper every entry point runs in: catches panics, turns errors into a status and the
//! thread's last-error message.

use crate::error::{set_last_error, FfiResult};
use crate::status::patter_status;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`; maps its error (or a panic) to a status and records the message.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<()>) -> patter_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => patter_status::PATTER_STATUS_OK,
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (caught panic): {what}"));
            patter_status::PATTER_STATUS_INTERNAL
        }
    }
}

/// Runs `f` for functions that return a plain value instead of a status: a panic yields
/// `fallback` (and sets the last error).
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            set_last_error("internal error (caught panic)");
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{patter_last_error, FfiError};
    use std::ffi::CStr;

    fn last() -> String {
        unsafe { CStr::from_ptr(patter_last_error()) }.to_string_lossy().into_owned()
    }

    #[test]
    fn panics_become_internal_status() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let s = guard(|| panic!("boom {}", 42));
        std::panic::set_hook(prev);
        assert_eq!(s, patter_status::PATTER_STATUS_INTERNAL);
        assert!(last().contains("boom 42"), "{}", last());
    }

    #[test]
    fn errors_set_last_error_and_ok_keeps_it() {
        let s = guard(|| Err(FfiError::null("out")));
        assert_eq!(s, patter_status::PATTER_STATUS_NULL_POINTER);
        assert_eq!(last(), "`out` must not be NULL");
        assert_eq!(guard(|| Ok(())), patter_status::PATTER_STATUS_OK);
        assert_eq!(last(), "`out` must not be NULL");
        let s = guard(|| Err(FfiError::new(patter_status::PATTER_STATUS_STATE, "a\0b")));
        assert_eq!(s, patter_status::PATTER_STATUS_STATE);
        assert_eq!(last(), "a\\0b");
    }

    #[test]
    fn guard_value_falls_back() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let v = guard_value(7u32, || panic!("x"));
        std::panic::set_hook(prev);
        assert_eq!(v, 7);
    }
}

//! Manual clocks for deterministic runs (conformance runners, tests): time moves only when
//! the host says so.

use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{require_out, write_out};
use patter_core::clock::{Clock, ManualClock, Timestamp};

/// A manual clock (opaque; see `patter_manual_clock_new`).
pub struct patter_clock_t {
    _opaque: [u8; 0],
}

pub(crate) static CLOCKS: Registry<ManualClock> = Registry::new(Kind::Clock);

/// Creates a clock stopped at `start_ms` (milliseconds since 1970-01-01T00:00:00Z). Give it
/// to calls with `patter_call_options_set_clock`; move it with `patter_clock_advance_ms` /
/// `patter_clock_set_ms`. On success `*out` receives a handle to free with `patter_clock_free`.
/// NULL `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_manual_clock_new(start_ms: u64, out: *mut *mut patter_clock_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let t = CLOCKS.insert(ManualClock::new(Timestamp::from_millis(start_ms)));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Moves the clock forward by `ms` milliseconds. NULL `clock`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn patter_clock_advance_ms(clock: *mut patter_clock_t, ms: u64) -> patter_status {
    guard(|| {
        CLOCKS.get(token(clock), "clock")?.advance_ms(ms);
        Ok(())
    })
}

/// Sets the clock to `ms` (since the Unix epoch); a time earlier than the clock's current time is ignored (a
/// clock never goes backwards). NULL `clock`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_clock_set_ms(clock: *mut patter_clock_t, ms: u64) -> patter_status {
    guard(|| {
        CLOCKS.get(token(clock), "clock")?.set(Timestamp::from_millis(ms));
        Ok(())
    })
}

/// Writes the clock's current time, in milliseconds since the epoch, to `*out_ms`. NULL
/// `clock` or `out_ms`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_clock_now_ms(clock: *const patter_clock_t, out_ms: *mut u64) -> patter_status {
    guard(|| {
        require_out(out_ms, "out_ms")?;
        let now = CLOCKS.get(token(clock), "clock")?.now().as_millis();
        unsafe { write_out(out_ms, now, "out_ms") }
    })
}

/// Frees a clock handle. Calls and options that use the clock keep it alive. NULL is a no-op
/// (`PATTER_STATUS_OK`); a second free returns `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_clock_free(clock: *mut patter_clock_t) -> patter_status {
    guard(|| {
        if clock.is_null() {
            return Ok(());
        }
        CLOCKS.remove(token(clock), "clock").map(drop)
    })
}

//! The MetricsStore: an in-memory ring of the newest calls plus the active ones, queried as
//! JSON.

use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{require_out, write_out};
use patter_core::store::MetricsStore;

/// A metrics store (opaque; see `patter_metrics_store_new`).
pub struct patter_metrics_store_t {
    _opaque: [u8; 0],
}

pub(crate) static STORES: Registry<MetricsStore> = Registry::new(Kind::Store);

/// Creates a store keeping the newest `capacity` finished calls (0: the default, 500). Calls
/// report to it when started from options given it with `patter_call_options_set_store`. On
/// success `*out` receives a handle to free with `patter_metrics_store_free`. NULL `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_new(
    capacity: usize,
    out: *mut *mut patter_metrics_store_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let cap = if capacity == 0 { 500 } else { capacity };
        let t = STORES.insert(MetricsStore::new(cap));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Frees a store handle. Options and calls that use the store keep it alive. NULL is a no-op
/// (`PATTER_STATUS_OK`); a second free returns `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_metrics_store_free(store: *mut patter_metrics_store_t) -> patter_status {
    guard(|| {
        if store.is_null() {
            return Ok(());
        }
        STORES.remove(token(store), "store").map(drop)
    })
}

//! Pricing tables: the rates a call's usage is priced with.

use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{require_out, write_out};
use patter_core::pricing::PricingTable;
use std::sync::Arc;

/// A pricing table (opaque; see `patter_pricing_defaults`).
pub struct patter_pricing_t {
    _opaque: [u8; 0],
}

pub(crate) static PRICINGS: Registry<PricingTable> = Registry::new(Kind::Pricing);

/// Registers a shared table and returns its handle token.
pub(crate) fn insert_shared(table: Arc<PricingTable>) -> usize {
    PRICINGS.insert_arc(table)
}

/// Creates a handle to the built-in rates. On success `*out` receives a handle to free with
/// `patter_pricing_free`. NULL `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_defaults(out: *mut *mut patter_pricing_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let t = insert_shared(PricingTable::defaults());
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Frees a pricing handle. Options and calls that use the table keep it alive. NULL is a no-op
/// (`PATTER_STATUS_OK`); a second free returns `PATTER_STATUS_INVALID_HANDLE`. Thread-safe.
#[no_mangle]
pub extern "C" fn patter_pricing_free(pricing: *mut patter_pricing_t) -> patter_status {
    guard(|| {
        if pricing.is_null() {
            return Ok(());
        }
        PRICINGS.remove(token(pricing), "pricing").map(drop)
    })
}

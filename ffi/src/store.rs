//! The MetricsStore: an in-memory ring of the newest calls plus the active ones, hydrated from
//! the call log and queried as JSON.

use crate::call::to_json;
use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::status::patter_status;
use crate::strings::{give_string, require_out, str_arg, write_opt, write_out};
use patter_core::rules;
use patter_core::store::MetricsStore;
use std::ffi::c_char;
use std::sync::Arc;

/// A metrics store (opaque; see `patter_metrics_store_new`).
pub struct patter_metrics_store_t {
    _opaque: [u8; 0],
}

/// How a store shows caller/callee numbers (see `patter_metrics_store_new_with_redaction`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_phone_redaction {
    /// `***` + the last 4 characters (the default).
    PATTER_REDACT_MASK = 0,
    /// The number verbatim.
    PATTER_REDACT_FULL = 1,
    /// `sha256:` + 16 hex characters, or `hmac-sha256:` + 16 hex characters with a key.
    PATTER_REDACT_HASH_ONLY = 2,
}

/// C has no optional integers: a capacity of 0 is the C spelling of "omitted" (the core's
/// default, 500), like NULL for an omitted string.
fn omitted_if_zero(capacity: usize) -> Option<u64> {
    (capacity != 0).then_some(capacity as u64)
}

pub(crate) static STORES: Registry<MetricsStore> = Registry::new(Kind::Store);

fn store_of(store: *const patter_metrics_store_t) -> FfiResult<Arc<MetricsStore>> {
    STORES.get(token(store), "store")
}

/// Creates a store keeping the newest `capacity` finished calls (0: the default, 500), with
/// numbers masked. Calls report to it when started from options given it with
/// `patter_call_options_set_store`. On success `*out` receives a handle to free with
/// `patter_metrics_store_free`. NULL `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_new(
    capacity: usize,
    out: *mut *mut patter_metrics_store_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let config = rules::store_options(omitted_if_zero(capacity), None, None)?;
        let t = STORES.insert(MetricsStore::with_config(config));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Like `patter_metrics_store_new`, with the redaction of caller/callee numbers of live calls
/// (and of unredacted numbers read from disk): `redact_phone` is a `patter_phone_redaction`;
/// `hash_key` (bytes, may be NULL) keys `PATTER_REDACT_HASH_ONLY` as HMAC. An unknown
/// `redact_phone`: `PATTER_STATUS_INVALID_ARGUMENT`. NULL `out`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_new_with_redaction(
    capacity: usize,
    redact_phone: i32,
    hash_key: *const u8,
    hash_key_len: usize,
    out: *mut *mut patter_metrics_store_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let key = if hash_key.is_null() {
            None
        } else {
            // SAFETY: non-NULL and `hash_key_len` readable bytes per the contract.
            Some(unsafe { std::slice::from_raw_parts(hash_key, hash_key_len) })
        };
        let redact = match redact_phone {
            0 => "mask",
            1 => "full",
            2 => "hash_only",
            other => return Err(FfiError::invalid("redact_phone", format!("{other} is not a patter_phone_redaction"))),
        };
        let config = rules::store_options(omitted_if_zero(capacity), Some(redact), key)?;
        let t = STORES.insert(MetricsStore::with_config(config));
        unsafe { write_out(out, handle(t), "out") }
    })
}

/// Loads finished calls from a call-log root (the directory holding `calls/`; this library's
/// layout or the reference SDK's) into the store: idempotent (calls already held are
/// skipped), tolerant (unreadable entries are skipped and counted), bounded by the store's
/// capacity (newest first). `*out_loaded` (optional, may be NULL) receives the number of
/// calls added; `*out_report_json` (optional, may be NULL; free with `patter_string_free`) the
/// full report. A missing root loads nothing. NULL `store` or `root`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_hydrate(
    store: *const patter_metrics_store_t,
    root: *const c_char,
    root_len: usize,
    out_loaded: *mut usize,
    out_report_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        let s = store_of(store)?;
        let r = unsafe { str_arg(root, root_len, "root") }?;
        let report = s.hydrate_report(r);
        unsafe { write_opt(out_loaded, report.loaded) };
        if !out_report_json.is_null() {
            unsafe { give_string(out_report_json, to_json(&report)?, "out_report_json") }?;
        }
        Ok(())
    })
}

/// Writes the finished calls held, newest first, without transcripts, as a JSON array (at most
/// `limit` after skipping `offset`) to `*out_json` (free with `patter_string_free`). NULL
/// `store` or `out_json`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_get_calls_json(
    store: *const patter_metrics_store_t,
    limit: usize,
    offset: usize,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let calls = store_of(store)?.get_calls(limit, offset);
        unsafe { give_string(out_json, to_json(&calls)?, "out_json") }
    })
}

/// Writes one call (finished, else active) with its transcript and events as a JSON object to
/// `*out_json` (free with `patter_string_free`). An unknown `call_id`:
/// `PATTER_STATUS_NOT_FOUND`. NULL `store`, `call_id` or `out_json`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_get_call_json(
    store: *const patter_metrics_store_t,
    call_id: *const c_char,
    call_id_len: usize,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let s = store_of(store)?;
        let id = unsafe { str_arg(call_id, call_id_len, "call_id") }?;
        let rec = s.get_call(id).ok_or_else(|| {
            FfiError::new(patter_status::PATTER_STATUS_NOT_FOUND, format!("no call {id:?} in the store"))
        })?;
        unsafe { give_string(out_json, to_json(&rec)?, "out_json") }
    })
}

/// Writes the calls in progress, oldest start first, as a JSON array to `*out_json` (free with
/// `patter_string_free`). NULL `store` or `out_json`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_get_active_calls_json(
    store: *const patter_metrics_store_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let calls = store_of(store)?.get_active_calls();
        unsafe { give_string(out_json, to_json(&calls)?, "out_json") }
    })
}

/// Writes aggregates over the finished calls held (counts, cost totals, latency percentiles)
/// as a JSON object to `*out_json` (free with `patter_string_free`). NULL `store` or
/// `out_json`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_get_aggregates_json(
    store: *const patter_metrics_store_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let agg = store_of(store)?.get_aggregates();
        unsafe { give_string(out_json, to_json(&agg)?, "out_json") }
    })
}

/// Writes the number of finished calls held to `*out_len` and, optionally (may be NULL), the
/// store's capacity to `*out_capacity`. NULL `store` or `out_len`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_metrics_store_len(
    store: *const patter_metrics_store_t,
    out_len: *mut usize,
    out_capacity: *mut usize,
) -> patter_status {
    guard(|| {
        require_out(out_len, "out_len")?;
        let s = store_of(store)?;
        unsafe { write_opt(out_capacity, s.capacity()) };
        unsafe { write_out(out_len, s.len(), "out_len") }
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

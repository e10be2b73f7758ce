//! Pricing tables: the rates a call's usage is priced with (built-in defaults, override files,
//! JSON overrides), and cost look-ups.

use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::handle::{handle, token, Kind, Registry};
use crate::options::direction_arg;
use crate::status::patter_status;
use crate::strings::{give_string, opt_str_arg, require_out, str_arg, write_out};
use patter_core::config::{load_pricing, PricingOptions, ProcessEnv};
use patter_core::pricing::PricingTable;
use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

/// A pricing table (opaque; see `patter_pricing_defaults`, `patter_pricing_load`).
pub struct patter_pricing_t {
    _opaque: [u8; 0],
}

pub(crate) static PRICINGS: Registry<PricingTable> = Registry::new(Kind::Pricing);

fn table_or_defaults(base: *const patter_pricing_t) -> FfiResult<Arc<PricingTable>> {
    if base.is_null() {
        Ok(PricingTable::defaults())
    } else {
        PRICINGS.get(token(base), "base")
    }
}

unsafe fn give_table(out: *mut *mut patter_pricing_t, table: Arc<PricingTable>) -> FfiResult<()> {
    let t = PRICINGS.insert_arc(table);
    unsafe { write_out(out, handle(t), "out") }
}

/// Creates a handle to the built-in rates (ignoring `PATTER_PRICING_FILE`). On success `*out`
/// receives a handle to free with `patter_pricing_free`. NULL `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_defaults(out: *mut *mut patter_pricing_t) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        unsafe { give_table(out, PricingTable::defaults()) }
    })
}

/// Creates the effective table calls use by default: the built-in rates, then the override
/// file at `path` (UTF-8; NULL: `PATTER_PRICING_FILE`, unset = none; format in
/// docs/pricing.md). An unreadable explicit file: `PATTER_STATUS_IO`; an unreadable
/// `PATTER_PRICING_FILE`: `PATTER_STATUS_CONFIG`; bad content: `PATTER_STATUS_CORRUPT`. On
/// success `*out` receives a handle to free with `patter_pricing_free`. NULL `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_load(
    path: *const c_char,
    path_len: usize,
    out: *mut *mut patter_pricing_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let p = unsafe { opt_str_arg(path, path_len, "path") }?;
        let opts = PricingOptions { file: p.map(Into::into), overrides: None };
        let table = load_pricing(&opts, &ProcessEnv)?;
        unsafe { give_table(out, table) }
    })
}

/// Creates a copy of `base` (NULL: the built-in rates) with `overrides` (JSON text) merged on
/// top (the override format of docs/pricing.md, e.g.
/// `{"tts": {"elevenlabs": {"price": 0.2}}}`). Invalid JSON or values:
/// `PATTER_STATUS_CORRUPT` / `PATTER_STATUS_CONFIG` naming the field. On success `*out`
/// receives a new handle to free with `patter_pricing_free`. NULL `overrides` or `out`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_with_overrides_json(
    base: *const patter_pricing_t,
    overrides: *const c_char,
    overrides_len: usize,
    out: *mut *mut patter_pricing_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let b = table_or_defaults(base)?;
        let text = unsafe { str_arg(overrides, overrides_len, "overrides") }?;
        let table = b.with_overrides_json(text)?;
        unsafe { give_table(out, Arc::new(table)) }
    })
}

/// Like `patter_pricing_with_overrides_json`, with the overrides read from the JSON file at
/// `path` (UTF-8). An unreadable file: `PATTER_STATUS_IO`; bad content:
/// `PATTER_STATUS_CORRUPT`. NULL `path` or `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_with_overrides_file(
    base: *const patter_pricing_t,
    path: *const c_char,
    path_len: usize,
    out: *mut *mut patter_pricing_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let b = table_or_defaults(base)?;
        let p = unsafe { str_arg(path, path_len, "path") }?;
        let table = b.with_overrides_file(Path::new(p))?;
        unsafe { give_table(out, Arc::new(table)) }
    })
}

/// Creates a table holding exactly what `json` describes (no built-in rates), in the format
/// `patter_pricing_to_json` writes. On success `*out` receives a handle to free with
/// `patter_pricing_free`. NULL `json` or `out`: `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut patter_pricing_t,
) -> patter_status {
    guard(|| {
        require_out(out, "out")?;
        let text = unsafe { str_arg(json, json_len, "json") }?;
        let table = PricingTable::from_json_str(text)?;
        unsafe { give_table(out, Arc::new(table)) }
    })
}

/// Writes the whole table as JSON (loadable with `patter_pricing_from_json`) to `*out_json`
/// (free with `patter_string_free`). NULL `pricing` or `out_json`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_to_json(
    pricing: *const patter_pricing_t,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let json = PRICINGS.get(token(pricing), "pricing")?.to_json();
        unsafe { give_string(out_json, json, "out_json") }
    })
}

/// Which usage `patter_pricing_cost` prices.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum patter_cost_category {
    /// Carrier time: `amount` is seconds of one call leg (`direction` applies).
    PATTER_COST_TELEPHONY = 0,
    /// Speech-to-text: `amount` is seconds of audio.
    PATTER_COST_STT = 1,
    /// Text-to-speech: `amount` is characters.
    PATTER_COST_TTS = 2,
    /// Realtime sessions: `amount` is minutes.
    PATTER_COST_REALTIME = 3,
}

/// Prices `amount` units of one category (see `patter_cost_category`) for `provider` and
/// optional `model` (NULL: none) and writes the USD cost (unrounded) to `*out_usd`.
/// `direction` (a `patter_direction`) is used for telephony only. No rate for the
/// provider/model: `PATTER_STATUS_NOT_FOUND`. An unknown category or direction:
/// `PATTER_STATUS_INVALID_ARGUMENT`. NULL `pricing`, `provider` or `out_usd`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_cost(
    pricing: *const patter_pricing_t,
    category: i32,
    provider: *const c_char,
    provider_len: usize,
    model: *const c_char,
    model_len: usize,
    direction: i32,
    amount: f64,
    out_usd: *mut f64,
) -> patter_status {
    guard(|| {
        require_out(out_usd, "out_usd")?;
        let t = PRICINGS.get(token(pricing), "pricing")?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let cost = match category {
            0 => t.telephony_cost(p, direction_arg(direction)?, amount),
            1 => t.stt_cost(p, m, amount),
            2 => t.tts_cost(p, m, if amount.is_finite() && amount > 0.0 { amount as u64 } else { 0 }),
            3 => t.realtime_cost(p, m, amount),
            other => return Err(FfiError::invalid("category", format!("{other} is not a patter_cost_category"))),
        };
        let usd = cost.ok_or_else(|| unpriced(p, m))?;
        unsafe { write_out(out_usd, usd, "out_usd") }
    })
}

/// Prices LLM tokens (`input_tokens` excludes `cached_input_tokens`) for `provider` and
/// optional `model` (NULL: none) and writes the USD cost (unrounded) to `*out_usd`. No rate:
/// `PATTER_STATUS_NOT_FOUND`. NULL `pricing`, `provider` or `out_usd`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_pricing_llm_cost(
    pricing: *const patter_pricing_t,
    provider: *const c_char,
    provider_len: usize,
    model: *const c_char,
    model_len: usize,
    input_tokens: u64,
    output_tokens: u64,
    cached_input_tokens: u64,
    out_usd: *mut f64,
) -> patter_status {
    guard(|| {
        require_out(out_usd, "out_usd")?;
        let t = PRICINGS.get(token(pricing), "pricing")?;
        let p = unsafe { str_arg(provider, provider_len, "provider") }?;
        let m = unsafe { opt_str_arg(model, model_len, "model") }?;
        let usd = t.llm_cost(p, m, input_tokens, output_tokens, cached_input_tokens).ok_or_else(|| unpriced(p, m))?;
        unsafe { write_out(out_usd, usd, "out_usd") }
    })
}

fn unpriced(provider: &str, model: Option<&str>) -> FfiError {
    let what = match model {
        Some(m) => format!("{provider}/{m}"),
        None => provider.to_string(),
    };
    FfiError::new(patter_status::PATTER_STATUS_NOT_FOUND, format!("no price for {what:?}"))
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

/// The version of the built-in rates as a static NUL-terminated string (e.g. `"2026.11"`).
/// Do not free it. Never fails, never returns NULL.
#[no_mangle]
pub extern "C" fn patter_pricing_version() -> *const c_char {
    static VERSION: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| std::ffi::CString::new(patter_core::pricing::PRICING_VERSION).unwrap_or_default()).as_ptr()
}

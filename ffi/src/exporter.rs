//! Custom span exporters: a C function pointer plus `void* user_data`, called with each batch
//! as OTLP protobuf bytes on the exporter's own thread (the contract of every binding), and
//! `patter_decode_spans_json` to read a batch.

use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::status::patter_status;
use crate::strings::{give_string, opt_str_arg, require_out, write_opt};
use patter_core::tracing::{host_exporter, HostExporter, SpanCallback};
use std::ffi::{c_char, c_void};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Receives one batch of finished spans as OTLP protobuf (`batch`, `batch_len` bytes: an
/// `ExportTraceServiceRequest`, what Python and Node exporters receive too; read it with
/// `patter_decode_spans_json` or forward it to any OTLP/HTTP endpoint). The buffer is valid only
/// during the call. Return 0 on success; any other value counts the batch as failed in the
/// tracing stats. It runs on a thread libpatter starts for this exporter (never on a caller's
/// thread nor on the export thread, so a slow exporter never holds up the OTLP export; when it
/// falls 64 batches behind, newer batches are dropped and counted). It must not call
/// `patter_force_flush`, `patter_shutdown_tracing` or `patter_detach_span_exporter` (they wait
/// for that thread and would only return after their timeout).
pub type patter_span_export_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, batch: *const u8, batch_len: usize) -> i32>;

/// Called once with `user_data` when an attached exporter is detached or tracing shuts down
/// (after its last batch): the place to free `user_data`. May be NULL.
pub type patter_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

struct CExporter {
    export: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> i32,
    release: patter_release_fn,
    user_data: usize,
}

impl CExporter {
    fn key(export: usize, user_data: usize) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ("patter-ffi-exporter", export, user_data).hash(&mut h);
        h.finish()
    }
}

impl HostExporter for CExporter {
    fn export(&self, otlp_protobuf: &[u8]) -> Result<(), String> {
        // SAFETY: the host promised a valid function that accepts these arguments.
        let rc = unsafe { (self.export)(self.user_data as *mut c_void, otlp_protobuf.as_ptr(), otlp_protobuf.len()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(format!("C span exporter returned {rc}"))
        }
    }

    fn identity(&self) -> u64 {
        Self::key(self.export as usize, self.user_data)
    }

    fn shutdown(&self) {
        if let Some(release) = self.release {
            // SAFETY: as for `export`.
            unsafe { release(self.user_data as *mut c_void) };
        }
    }
}

fn exporter(
    export: patter_span_export_fn,
    release: patter_release_fn,
    user_data: *mut c_void,
) -> FfiResult<Arc<dyn SpanCallback>> {
    let export = export.ok_or_else(|| FfiError::null("export"))?;
    Ok(host_exporter(Arc::new(CExporter { export, release, user_data: user_data as usize })))
}

/// Attaches a custom span exporter: from now on every span is recorded and each batch is
/// handed to `export(user_data, batch, batch_len)` (see `patter_span_export_fn`), whether or not
/// `PATTER_OTEL_ENABLED` is set. `release` (may be NULL) is called once with
/// `user_data` when the exporter is detached or tracing shuts down. `side` (UTF-8, may be
/// NULL) becomes the default `patter.side` of calls started without one. Attaching the same
/// (`export`, `user_data`) pair again is a no-op: `*out_attached` (optional, may be NULL)
/// receives false then, and `release` is not called for the duplicate. `user_data` must be
/// safe to use from the exporter's thread. NULL `export`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_attach_span_exporter(
    export: patter_span_export_fn,
    release: patter_release_fn,
    user_data: *mut c_void,
    side: *const c_char,
    side_len: usize,
    out_attached: *mut bool,
) -> patter_status {
    guard(|| {
        let side = unsafe { opt_str_arg(side, side_len, "side") }?;
        let cb = exporter(export, release, user_data)?;
        let attached = patter_core::tracing::attach_span_exporter(cb, side)?;
        unsafe { write_opt(out_attached, attached) };
        Ok(())
    })
}

/// Detaches the exporter attached with this (`export`, `user_data`) pair, after flushing the
/// spans queued so far to it; its `release` function is then called. `*out_detached`
/// (optional, may be NULL) receives false if no such exporter was attached. NULL `export`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_detach_span_exporter(
    export: patter_span_export_fn,
    user_data: *mut c_void,
    out_detached: *mut bool,
) -> patter_status {
    guard(|| {
        let cb = exporter(export, None, user_data)?;
        let detached = patter_core::tracing::detach_span_exporter(&cb);
        unsafe { write_opt(out_detached, detached) };
        Ok(())
    })
}

/// Decodes a batch an exporter received (`batch`, `batch_len` bytes of OTLP protobuf) into the
/// canonical OTLP-JSON shape (an `ExportTraceServiceRequest`, one line), the same as Python's
/// `decode_spans` and Node's `decodeSpans`; `*out_json` receives it (free with
/// `patter_string_free`). Bytes that are not an OTLP trace request:
/// `PATTER_STATUS_INVALID_ARGUMENT`. NULL `batch` (with a length > 0) or `out_json`:
/// `PATTER_STATUS_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_decode_spans_json(
    batch: *const u8,
    batch_len: usize,
    out_json: *mut *mut c_char,
) -> patter_status {
    guard(|| {
        require_out(out_json, "out_json")?;
        let bytes: &[u8] = if batch_len == 0 {
            &[]
        } else if batch.is_null() {
            return Err(FfiError::null("batch"));
        } else {
            // SAFETY: non-NULL and `batch_len` readable bytes per the contract.
            unsafe { std::slice::from_raw_parts(batch, batch_len) }
        };
        let json = patter_core::tracing::decode_spans_json(bytes)?;
        unsafe { give_string(out_json, json, "out_json") }
    })
}

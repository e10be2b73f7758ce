//! Custom span exporters: a C function pointer plus `void* user_data`, called on the export
//! thread with each batch as OTLP-JSON and/or OTLP protobuf bytes.

use crate::error::{FfiError, FfiResult};
use crate::guard::guard;
use crate::status::patter_status;
use crate::strings::{opt_str_arg, write_opt};
use patter_core::tracing::{SpanBatch, SpanCallback};
use std::ffi::{c_char, c_void};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Receives one batch of finished spans, on libpatter's export thread (never on a caller's
/// thread). `otlp_json` is the batch as one line of OTLP-JSON (an `ExportTraceServiceRequest`),
/// NUL-terminated, `otlp_json_len` bytes without the NUL; `protobuf` is the same batch as OTLP
/// protobuf bytes. Each is NULL (length 0) unless requested with the `formats` flags of
/// `patter_attach_span_exporter`. The buffers are valid only during the call. Return 0 on
/// success; any other value counts the batch as failed in the pipeline's stats. The function
/// runs on the export thread: it must not call `patter_force_flush`,
/// `patter_shutdown_tracing` or `patter_detach_span_exporter` (they wait for that thread and
/// would only return after their timeout), and it should return quickly.
pub type patter_span_export_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        otlp_json: *const c_char,
        otlp_json_len: usize,
        protobuf: *const u8,
        protobuf_len: usize,
    ) -> i32,
>;

/// Called once with `user_data` when an attached exporter is detached or tracing shuts down:
/// the place to free `user_data`. May be NULL.
pub type patter_release_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// `formats` flag: hand each batch to the exporter as OTLP-JSON.
pub const PATTER_EXPORT_JSON: u32 = 1;
/// `formats` flag: hand each batch to the exporter as OTLP protobuf bytes.
pub const PATTER_EXPORT_PROTOBUF: u32 = 2;

struct CExporter {
    export: unsafe extern "C" fn(*mut c_void, *const c_char, usize, *const u8, usize) -> i32,
    release: patter_release_fn,
    user_data: usize,
    formats: u32,
}

impl CExporter {
    fn key(export: usize, user_data: usize) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ("patter-ffi-exporter", export, user_data).hash(&mut h);
        h.finish()
    }
}

impl SpanCallback for CExporter {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let json = (self.formats & PATTER_EXPORT_JSON != 0).then(|| {
            let mut j = batch.to_json().into_bytes();
            j.push(0);
            j
        });
        let pb = (self.formats & PATTER_EXPORT_PROTOBUF != 0).then(|| batch.to_protobuf());
        let (jp, jl) = match &json {
            Some(j) => (j.as_ptr().cast::<c_char>(), j.len() - 1),
            None => (std::ptr::null(), 0),
        };
        let (pp, pl) = match &pb {
            Some(p) => (p.as_ptr(), p.len()),
            None => (std::ptr::null(), 0),
        };
        // SAFETY: the host promised a valid function that accepts these arguments.
        let rc = unsafe { (self.export)(self.user_data as *mut c_void, jp, jl, pp, pl) };
        if rc == 0 {
            Ok(())
        } else {
            Err(format!("C span exporter returned {rc}"))
        }
    }

    fn identity(&self) -> Option<u64> {
        Some(Self::key(self.export as usize, self.user_data))
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
    formats: u32,
) -> FfiResult<Arc<dyn SpanCallback>> {
    let export = export.ok_or_else(|| FfiError::null("export"))?;
    Ok(Arc::new(CExporter { export, release, user_data: user_data as usize, formats }))
}

/// Attaches a custom span exporter: from now on every span is recorded and each batch is
/// handed to `export(user_data, …)` on the export thread, whether or not
/// `PATTER_OTEL_ENABLED` is set. `formats` is a mask of `PATTER_EXPORT_JSON` and
/// `PATTER_EXPORT_PROTOBUF` (0 means JSON). `release` (may be NULL) is called once with
/// `user_data` when the exporter is detached or tracing shuts down. `side` (UTF-8, may be
/// NULL) becomes the default `patter.side` of calls started without one. Attaching the same
/// (`export`, `user_data`) pair again is a no-op: `*out_attached` (optional, may be NULL)
/// receives false then, and `release` is not called for the duplicate. `user_data` must be
/// safe to use from the export thread. NULL `export`: `PATTER_STATUS_NULL_POINTER`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn patter_attach_span_exporter(
    export: patter_span_export_fn,
    release: patter_release_fn,
    user_data: *mut c_void,
    formats: u32,
    side: *const c_char,
    side_len: usize,
    out_attached: *mut bool,
) -> patter_status {
    guard(|| {
        let side = unsafe { opt_str_arg(side, side_len, "side") }?;
        if formats & !(PATTER_EXPORT_JSON | PATTER_EXPORT_PROTOBUF) != 0 {
            return Err(FfiError::invalid("formats", format!("unknown flags in {formats:#x}")));
        }
        let formats = if formats == 0 { PATTER_EXPORT_JSON } else { formats };
        let cb = exporter(export, release, user_data, formats)?;
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
        let cb = exporter(export, None, user_data, PATTER_EXPORT_JSON)?;
        let detached = patter_core::tracing::detach_span_exporter(&cb);
        unsafe { write_opt(out_detached, detached) };
        Ok(())
    })
}

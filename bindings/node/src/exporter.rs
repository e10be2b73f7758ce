//! `attachSpanExporter` / `detachSpanExporter` / `decodeSpans`: a JS function as a span sink.
//!
//! The contract of every binding (`patter_core::tracing::host_exporter`): each batch reaches
//! the JS function as a `Buffer` of OTLP protobuf (an `ExportTraceServiceRequest`), through a
//! (weak) threadsafe function called from the exporter's own core thread, which waits for the
//! function's verdict (at most the core's default timeout) so a throwing exporter is counted
//! as failed. A slow exporter never holds up the OTLP export.

use crate::error::{invalid, IntoJs, Result};
use crate::util::off_thread;
use napi::bindgen_prelude::{AsyncTask, Buffer, FromNapiValue, Function, FunctionRef, JsValue, Uint8Array, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task, ValueType};
use napi_derive::napi;
use patter_core::tracing::{self as t, HostExporter, SpanCallback};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

type Tsfn = ThreadsafeFunction<Buffer, Unknown<'static>, Buffer, Status, false, true>;
/// The JS function's argument, a batch.
type JsArgs = Buffer;

struct JsExporter {
    id: u64,
    tsfn: Tsfn,
    alive: AtomicBool,
}

impl HostExporter for JsExporter {
    fn export(&self, otlp_protobuf: &[u8]) -> Result<(), String> {
        let batch = Buffer::from(otlp_protobuf.to_vec());
        let (tx, rx) = sync_channel::<Result<(), String>>(1);
        let status =
            self.tsfn.call_with_return_value(batch, ThreadsafeFunctionCallMode::NonBlocking, move |ret, _env| {
                let verdict = match ret {
                    Err(e) => Err(format!("span exporter threw: {}", e.reason)),
                    Ok(v) => match v.get_type() {
                        Ok(ValueType::Boolean) if !unsafe { v.cast::<bool>() }.unwrap_or(true) => {
                            Err("span exporter returned false".to_string())
                        }
                        _ => Ok(()),
                    },
                };
                let _ = tx.send(verdict);
                Ok(())
            });
        if status != Status::Ok {
            return Err(format!("span exporter unreachable ({status})"));
        }
        // The JS thread may be busy; past the core's timeout the batch counts as failed (the
        // function still runs later).
        match rx.recv_timeout(patter_core::rules::DEFAULT_TIMEOUT) {
            Ok(v) => v,
            Err(_) => Err("span exporter did not return in time".into()),
        }
    }

    fn identity(&self) -> u64 {
        self.id
    }

    fn shutdown(&self) {
        self.alive.store(false, Ordering::Release);
    }
}

struct Entry {
    func: FunctionRef<JsArgs, Unknown<'static>>,
    exporter: Arc<JsExporter>,
    sink: Arc<dyn SpanCallback>,
}

thread_local! {
    /// Exporters attached from this JS thread (identity = the JS function).
    static ATTACHED: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Finds the attached entry for `func`, pruning entries the core has already let go of.
fn position(env: &Env, func: &Function<JsArgs, Unknown<'static>>) -> Result<Option<usize>> {
    ATTACHED.with(|a| {
        let mut a = a.borrow_mut();
        a.retain(|e| e.exporter.alive.load(Ordering::Acquire));
        for (i, e) in a.iter().enumerate() {
            let f = e.func.borrow_back(env).map_err(|e| invalid("exporter", e))?;
            // SAFETY: `func` is a live JS function of this env, read back as a plain value.
            let other =
                unsafe { Unknown::from_napi_value(env.raw(), func.raw()) }.map_err(|e| invalid("exporter", e))?;
            if env.strict_equals(f, other).map_err(|e| invalid("exporter", e))? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    })
}

/// Options of {@link attachSpanExporter}.
#[napi(object, object_to_js = false)]
pub struct AttachOptions {
    /// Default `patter.side` of calls started without one (e.g. `driver` vs `uut`).
    pub side: Option<String>,
}
crate::option_keys!(AttachOptions: side);

/// Attaches a JS span exporter: from now on every span is recorded and handed to `exporter`
/// in batches, whether or not `PATTER_OTEL_ENABLED` is set. The exporter receives each batch as
/// a `Buffer` (a `Uint8Array`) of OTLP protobuf (an `ExportTraceServiceRequest`, what Python and C exporters
/// receive too; {@link decodeSpans} reads it) on the JS thread; throwing or returning `false`
/// counts the batch as failed (a returned promise is not awaited, and its rejection is ignored).
/// It never holds up the OTLP export: batches wait in its own bounded queue. Attaching the same
/// function again is a no-op and returns `false`.
#[napi(strict, catch_unwind, ts_args_type = "exporter: (batch: Uint8Array) => boolean | void, options?: AttachOptions")]
pub fn attach_span_exporter(
    env: Env,
    exporter: Function<JsArgs, Unknown<'static>>,
    options: Option<crate::util::Known<AttachOptions>>,
) -> Result<bool> {
    if position(&env, &exporter)?.is_some() {
        return Ok(false);
    }
    let side = options.and_then(|o| o.0.side);
    if let Some(s) = &side {
        patter_core::error::check_id("side", s).js()?;
    }
    let tsfn: Tsfn = exporter
        .build_threadsafe_function::<Buffer>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()
        .map_err(|e| invalid("exporter", e))?;
    let cb = Arc::new(JsExporter { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), tsfn, alive: AtomicBool::new(true) });
    let func = exporter.create_ref().map_err(|e| invalid("exporter", e))?;
    let sink = t::host_exporter(cb.clone());
    let added = t::attach_span_exporter(sink.clone(), side.as_deref()).js()?;
    if added {
        ATTACHED.with(|a| a.borrow_mut().push(Entry { func, exporter: cb, sink }));
    }
    Ok(added)
}

pub struct DetachTask(Option<Arc<dyn SpanCallback>>);

#[napi]
impl Task for DetachTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> napi::Result<bool> {
        let cb = self.0.take();
        off_thread(|| match cb {
            Some(cb) => t::detach_span_exporter(&cb),
            None => false,
        })
    }
    fn resolve(&mut self, _env: Env, out: bool) -> napi::Result<bool> {
        Ok(out)
    }
}

/// Detaches an exporter attached with {@link attachSpanExporter}, after flushing the spans it
/// is owed. Resolves whether it was attached.
#[napi(strict, catch_unwind, ts_args_type = "exporter: (batch: Uint8Array) => boolean | void")]
pub fn detach_span_exporter(env: Env, exporter: Function<JsArgs, Unknown<'static>>) -> Result<AsyncTask<DetachTask>> {
    let found = position(&env, &exporter)?;
    let cb = found.map(|i| ATTACHED.with(|a| a.borrow_mut().remove(i).sink));
    Ok(AsyncTask::new(DetachTask(cb)))
}

/// A batch an exporter received (OTLP protobuf), decoded into the canonical OTLP-JSON shape
/// (`{ resourceSpans: [...] }`), identical to Python's `decode_spans` and C's
/// `patter_decode_spans_json`. Throws `PATTER_INVALID_ARGUMENT` for bytes that are not an OTLP
/// trace request.
#[napi(strict, catch_unwind, ts_return_type = "Record<string, unknown>")]
pub fn decode_spans(batch: Uint8Array) -> Result<serde_json::Value> {
    let json = patter_core::tracing::decode_spans_json(&batch).js()?;
    serde_json::from_str(&json).map_err(|e| invalid("batch", e))
}

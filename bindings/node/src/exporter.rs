//! `attachSpanExporter` / `detachSpanExporter`: a JS function as a span sink.
//!
//! The core calls a [`SpanCallback`] on its export thread. The batch is encoded to OTLP-JSON
//! there, then handed to the JS function on the JS thread through a (weak) threadsafe
//! function; the export thread waits for the function's verdict (bounded) so a throwing
//! exporter is counted as failed in `tracingStats()`.

use crate::error::{invalid, IntoJs, Result};
use crate::util::off_thread;
use napi::bindgen_prelude::{AsyncTask, Function, FunctionRef, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, Task, ValueType};
use napi_derive::napi;
use patter_core::tracing::{self as t, SpanBatch, SpanCallback};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Duration;

/// How long the export thread waits for a JS exporter to return before counting the batch as
/// failed (the JS thread may be busy; the call still runs later).
const VERDICT_TIMEOUT: Duration = Duration::from_secs(10);

type Tsfn = ThreadsafeFunction<String, Unknown<'static>, String, Status, false, true>;

struct JsExporter {
    id: u64,
    tsfn: Tsfn,
    alive: AtomicBool,
}

impl SpanCallback for JsExporter {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let json = batch.to_json();
        let (tx, rx) = sync_channel::<Result<(), String>>(1);
        let status =
            self.tsfn.call_with_return_value(json, ThreadsafeFunctionCallMode::NonBlocking, move |ret, _env| {
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
        match rx.recv_timeout(VERDICT_TIMEOUT) {
            Ok(v) => v,
            Err(_) => Err("span exporter did not return in time".into()),
        }
    }

    fn identity(&self) -> Option<u64> {
        Some(self.id)
    }

    fn shutdown(&self) {
        self.alive.store(false, Ordering::Release);
    }
}

struct Entry {
    func: FunctionRef<String, Unknown<'static>>,
    exporter: Arc<JsExporter>,
}

thread_local! {
    /// Exporters attached from this JS thread (identity = the JS function).
    static ATTACHED: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Finds the attached entry for `func`, pruning entries the core has already let go of.
fn position(env: &Env, func: &Function<String, Unknown<'static>>) -> Result<Option<usize>> {
    ATTACHED.with(|a| {
        let mut a = a.borrow_mut();
        a.retain(|e| e.exporter.alive.load(Ordering::Acquire));
        for (i, e) in a.iter().enumerate() {
            let f = e.func.borrow_back(env).map_err(|e| invalid("exporter", e))?;
            if env.strict_equals(f, func.clone()).map_err(|e| invalid("exporter", e))? {
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

/// Attaches a JS span exporter: from now on every span is recorded and handed to `exporter`
/// in batches, whether or not `PATTER_OTEL_ENABLED` is set. The exporter receives one batch as
/// canonical OTLP-JSON (an `ExportTraceServiceRequest`, one line) on the JS thread; throwing
/// or returning `false` counts the batch as failed in {@link tracingStats} (a returned promise is
/// not awaited, and its rejection is ignored). Attaching the same function again is a no-op and
/// returns `false`.
#[napi(strict, catch_unwind, ts_args_type = "exporter: (batchJson: string) => boolean | void, options?: AttachOptions")]
pub fn attach_span_exporter(
    env: Env,
    exporter: Function<String, Unknown<'static>>,
    options: Option<AttachOptions>,
) -> Result<bool> {
    if position(&env, &exporter)?.is_some() {
        return Ok(false);
    }
    let side = options.and_then(|o| o.side);
    if let Some(s) = &side {
        patter_core::error::check_id("side", s).js()?;
    }
    let tsfn: Tsfn = exporter
        .build_threadsafe_function::<String>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()
        .map_err(|e| invalid("exporter", e))?;
    let cb = Arc::new(JsExporter { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), tsfn, alive: AtomicBool::new(true) });
    let func = exporter.create_ref().map_err(|e| invalid("exporter", e))?;
    let added = t::attach_span_exporter(cb.clone(), side.as_deref()).js()?;
    if added {
        ATTACHED.with(|a| a.borrow_mut().push(Entry { func, exporter: cb }));
    }
    Ok(added)
}

pub struct DetachTask(Option<Arc<JsExporter>>);

#[napi]
impl Task for DetachTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> napi::Result<bool> {
        let cb = self.0.take();
        off_thread(|| match cb {
            Some(cb) => {
                let cb: Arc<dyn SpanCallback> = cb;
                t::detach_span_exporter(&cb)
            }
            None => false,
        })
    }
    fn resolve(&mut self, _env: Env, out: bool) -> napi::Result<bool> {
        Ok(out)
    }
}

/// Detaches an exporter attached with {@link attachSpanExporter}, after flushing the spans it
/// is owed. Resolves whether it was attached.
#[napi(strict, catch_unwind, ts_args_type = "exporter: (batchJson: string) => boolean | void")]
pub fn detach_span_exporter(env: Env, exporter: Function<String, Unknown<'static>>) -> Result<AsyncTask<DetachTask>> {
    let found = position(&env, &exporter)?;
    let cb = found.map(|i| ATTACHED.with(|a| a.borrow_mut().remove(i).exporter));
    Ok(AsyncTask::new(DetachTask(cb)))
}

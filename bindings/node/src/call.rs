//! The Call handle: one per phone call. A thin shell over `patter_core::call::Call`.

use crate::calllog::CallLogger;
use crate::clock::{ManualClock, SequentialIds};
use crate::error::{invalid, IntoJs, Result};
use crate::pricing::Pricing;
use crate::records::to_js_value;
use crate::span;
use crate::store::MetricsStore;
use crate::util::to_u64;
use napi::bindgen_prelude::Reference;
use napi::sys;
use napi_derive::napi;
use patter_core::call::{Call as CoreCall, CallOptions as CoreCallOptions, CallOutcome};
use patter_core::records::{AgentInfo as CoreAgentInfo, Direction};
use patter_core::tracing::traceparent::HostContext;
use std::cell::RefCell;
use std::collections::HashMap;

/// The agent snapshot stored in metadata.json's `agent` object.
#[napi(object)]
#[allow(dead_code)] // the type of `CallOptions.agent` in index.d.ts; read as `AgentEntries`
pub struct AgentInfo {
    /// Agent/engine provider, e.g. `openai_realtime` or `pipeline`.
    pub provider: Option<String>,
    /// LLM or realtime model.
    pub model: Option<String>,
    /// TTS voice.
    pub voice: Option<String>,
    /// Conversation language.
    pub language: Option<String>,
    /// STT provider (pipeline mode).
    pub stt_provider: Option<String>,
    /// TTS provider (pipeline mode).
    pub tts_provider: Option<String>,
    /// LLM provider (pipeline mode).
    pub llm_provider: Option<String>,
}

/// `agent` of {@link CallOptions} as given: the object's own keys, each with its string value
/// (None for `undefined`/`null`). The core decides which keys exist (`AgentInfo::set`), so an
/// unknown key fails here as it does in Python. [`AgentInfo`] above only types it in index.d.ts.
pub struct AgentEntries(Vec<(String, Option<String>)>);

impl napi::bindgen_prelude::FromNapiValue for AgentEntries {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // A plain object (not a string, array or function), as for every nested options object.
        unsafe { crate::util::expect_plain_object(env, value)? };
        let keys = unsafe { crate::util::own_keys(env, value, "agent")? };
        let mut entries = Vec::with_capacity(keys.len());
        for k in keys {
            let mut v = std::ptr::null_mut();
            let mut ty = 0;
            let ok = unsafe {
                sys::napi_get_property(env, value, k, &mut v) == sys::Status::napi_ok
                    && sys::napi_typeof(env, v, &mut ty) == sys::Status::napi_ok
            };
            if !ok {
                return Err(napi::Error::new(napi::Status::ObjectExpected, "agent: a key could not be read"));
            }
            let key = unsafe { String::from_napi_value(env, k)? };
            let value = match ty {
                sys::ValueType::napi_undefined | sys::ValueType::napi_null => None,
                sys::ValueType::napi_string => Some(unsafe { String::from_napi_value(env, v)? }),
                _ => {
                    return Err(napi::Error::new(
                        napi::Status::StringExpected,
                        format!("agent.{key} must be a string, null or undefined"),
                    ))
                }
            };
            entries.push((key, value));
        }
        Ok(AgentEntries(entries))
    }
}

impl napi::bindgen_prelude::TypeName for AgentEntries {
    fn type_name() -> &'static str {
        "AgentInfo"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Object
    }
}

/// Options of {@link Call.start}. Only `callId`, `direction` and `providerMode` are required.
#[napi(object, object_to_js = false)]
pub struct CallOptions {
    /// The host's call id (any non-empty string up to 16 KiB; kept verbatim).
    pub call_id: String,
    /// `inbound` or `outbound`.
    #[napi(ts_type = "'inbound' | 'outbound'")]
    pub direction: String,
    /// `pipeline`, `openai_realtime`, `elevenlabs_convai`, …
    pub provider_mode: String,
    /// Routing tag of cost/latency spans (default: the process default side, `uut`).
    pub side: Option<String>,
    /// Caller number (redacted on disk, never on a span).
    pub caller: Option<String>,
    /// Callee number (redacted on disk, never on a span).
    pub callee: Option<String>,
    /// Carrier (`twilio`, `telnyx`, …): priced per minute at call end.
    pub telephony_provider: Option<String>,
    /// Realtime provider (`openai_realtime`, …): the call is billed as realtime minutes.
    pub realtime_provider: Option<String>,
    /// Realtime model (with `realtimeProvider`).
    pub realtime_model: Option<String>,
    /// Agent snapshot for metadata.json.
    #[napi(ts_type = "AgentInfo")]
    pub agent: Option<AgentEntries>,
    /// Where the call's record goes (default: the process logger, `PATTER_LOG_DIR`).
    pub logger: Option<Reference<CallLogger>>,
    /// A MetricsStore to keep the call in.
    pub store: Option<Reference<MetricsStore>>,
    /// Rates (default: built-in defaults plus `PATTER_PRICING_FILE`).
    pub pricing: Option<Reference<Pricing>>,
    /// Deterministic mode: the clock every timestamp of this call is read from.
    pub clock: Option<Reference<ManualClock>>,
    /// Deterministic mode: the id source (see {@link SequentialIds}).
    pub ids: Option<Reference<SequentialIds>>,
    /// W3C `traceparent` of the host's span (e.g. the incoming request's header): the call span
    /// becomes its child. Without it, a call started inside an active span of the host's
    /// `@opentelemetry/api` joins that span's trace. A parent that is not sampled: no span of
    /// the call is exported (costs and records are unaffected).
    pub traceparent: Option<String>,
    /// W3C `tracestate` carried on the call's spans (needs `traceparent`).
    pub tracestate: Option<String>,
}
crate::option_keys!(CallOptions: call_id, direction, provider_mode, side, caller, callee, telephony_provider, realtime_provider, realtime_model, agent, logger, store, pricing, clock, ids, traceparent, tracestate);

/// The host's current span context as lib/otel.js read it from `@opentelemetry/api`
/// (`{ traceId, spanId, traceFlags, traceState }`); the core decides whether it is a parent.
fn host_context(v: &serde_json::Value) -> Option<HostContext> {
    let trace_id = v.get("traceId")?.as_str()?;
    let span_id = v.get("spanId")?.as_str()?;
    let flags = v.get("traceFlags").and_then(serde_json::Value::as_u64).unwrap_or(0);
    let state = v.get("traceState").and_then(serde_json::Value::as_str).map(str::to_string);
    Some(HostContext::from_hex(trace_id, span_id, flags.min(u32::MAX as u64) as u32, state))
}

/// Options of {@link Call.end}.
#[napi(object, object_to_js = false)]
pub struct EndOptions {
    /// Ends the call as failed with this error code (e.g. `timeout`); omit for a normal hang-up.
    pub error: Option<String>,
}
crate::option_keys!(EndOptions: error);

/// Options of {@link Call.error}.
#[napi(object, object_to_js = false)]
pub struct ErrorOptions {
    /// The code becomes the call's error even if it later ends normally.
    pub fatal: Option<bool>,
}
crate::option_keys!(ErrorOptions: fatal);

/// A live phone call: everything the host reports goes through it, and the core fans it out
/// to spans (`getpatter.call` > `getpatter.turn` > service spans), the call record on disk,
/// the MetricsStore and the cost meter. Start one with {@link Call.start}; make it the current
/// call of async work with `call.run(fn)`.
#[napi]
pub struct Call {
    pub(crate) inner: CoreCall,
    /// Identifies this Call's spans in the span table.
    key: u64,
}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Drop for Call {
    fn drop(&mut self) {
        span::release_owner(self.key);
        let _ = LIVE.try_with(|l| l.borrow_mut().remove(&self.key));
    }
}

/// Hashes the calls' keys (a counter) with one multiplication: std's SipHash cost more than the
/// rest of the lookup every span start makes.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type LiveCalls = HashMap<u64, CoreCall, std::hash::BuildHasherDefault<KeyHasher>>;

thread_local! {
    /// The calls of this thread by key, for the span starters below: a free function is several
    /// times cheaper to call than a class method (no unwrap, type-tag check or borrow tracking).
    static LIVE: RefCell<LiveCalls> = RefCell::new(LiveCalls::default());
}

/// Runs `f` with the live call `key` (for the fast path).
pub(crate) fn with_live<T>(key: f64, f: impl FnOnce(&CoreCall, u64) -> Result<T>) -> Result<T> {
    let k = to_u64("call", key)?;
    // `f` only reaches the core and the span table, never this one, so the borrow can be held
    // (and the call need not be cloned).
    LIVE.with(|l| {
        let live = l.borrow();
        let c = live.get(&k).ok_or_else(|| invalid("call", "not a live Call"))?;
        f(c, k)
    })
}

fn live(key: f64) -> Result<CoreCall> {
    let k = to_u64("call", key)?;
    LIVE.with(|l| l.borrow().get(&k).cloned()).ok_or_else(|| invalid("call", "not a live Call"))
}

#[napi]
impl Call {
    /// Same as {@link Call.start}.
    #[napi(constructor, catch_unwind, ts_args_type = "options: CallOptions")]
    pub fn new(options: crate::util::Known<CallOptions>, host: Option<serde_json::Value>) -> Result<Self> {
        Self::start(options, host)
    }

    /// Starts a call: opens the root `getpatter.call` span (when tracing records) and the
    /// call's record. Throws `PATTER_INVALID_ARGUMENT` for a bad id or direction.
    #[napi(factory, catch_unwind, writable = true, configurable = true, ts_args_type = "options: CallOptions")]
    pub fn start(options: crate::util::Known<CallOptions>, host: Option<serde_json::Value>) -> Result<Call> {
        let options = options.0;
        let direction = Direction::parse(&options.direction).js()?;
        let mut o = CoreCallOptions::new(options.call_id, direction, options.provider_mode);
        o.side = options.side;
        o.caller = options.caller;
        o.callee = options.callee;
        o.telephony_provider = options.telephony_provider;
        o.realtime_provider = options.realtime_provider;
        o.realtime_model = options.realtime_model;
        if let Some(AgentEntries(entries)) = options.agent {
            let mut agent = CoreAgentInfo::default();
            for (key, value) in entries {
                agent.set(&key, value).js()?;
            }
            o.agent = agent;
        }
        if let Some(l) = &options.logger {
            o.logger = Some(l.inner.clone());
        }
        if let Some(st) = &options.store {
            o.store = Some(st.inner.clone());
        }
        if let Some(p) = &options.pricing {
            o.pricing = Some(p.inner.clone());
        }
        if let Some(c) = &options.clock {
            o.clock = Some(c.inner.clone());
        }
        if let Some(ids) = &options.ids {
            o.ids = Some(ids.inner.clone());
        }
        o.traceparent = options.traceparent;
        o.tracestate = options.tracestate;
        o.host_context = host.as_ref().and_then(host_context);
        let inner = CoreCall::start(o).js()?;
        let key = NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        LIVE.with(|l| l.borrow_mut().insert(key, inner.clone()));
        Ok(Call { inner, key })
    }

    /// The call id as given.
    #[napi(getter, catch_unwind)]
    pub fn call_id(&self) -> String {
        self.inner.call_id().to_string()
    }

    /// The side stamped on this call's cost/latency spans.
    #[napi(getter, catch_unwind)]
    pub fn side(&self) -> String {
        self.inner.side().to_string()
    }

    /// Hex trace id of the call's trace, or null when spans are not recorded.
    #[napi(getter, catch_unwind)]
    pub fn trace_id(&self) -> Option<String> {
        self.inner.trace_id().map(str::to_string)
    }

    /// The W3C `traceparent` header of the call span, for outgoing requests (STT, LLM, TTS HTTP
    /// calls) so providers' spans join the call's trace. When the call records no spans
    /// (tracing off, or a parent that is not sampled): the parent's header, or null.
    #[napi(catch_unwind)]
    pub fn traceparent(&self) -> Option<String> {
        self.inner.traceparent().map(str::to_string)
    }

    /// Whether this call records spans (decided when it started).
    #[napi(getter, catch_unwind)]
    pub fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// Whether the call has ended.
    #[napi(getter, catch_unwind)]
    pub fn is_ended(&self) -> bool {
        self.inner.is_ended()
    }

    /// The number of the open turn, or null.
    #[napi(getter, catch_unwind)]
    pub fn current_turn(&self) -> Option<u32> {
        self.inner.current_turn()
    }

    /// Starts a new turn (ending the open one) and returns its 1-based number. Optional:
    /// service spans open a turn themselves when none is open.
    #[napi(strict, catch_unwind)]
    pub fn start_turn(&self) -> Result<u32> {
        self.inner.start_turn().js()
    }

    /// Ends the open turn (no-op when none is open).
    #[napi(strict, catch_unwind)]
    pub fn end_turn(&self) -> Result<()> {
        self.inner.end_turn().js()
    }

    /// The key the span starters below take (index.js caches it on the object).
    #[napi(getter, js_name = "__key", skip_typescript, catch_unwind)]
    pub fn key(&self) -> f64 {
        self.key as f64
    }

    /// Records an error event in events.jsonl; with `fatal`, the code becomes the call's error.
    #[napi(strict, catch_unwind)]
    pub fn error(
        &self,
        code: String,
        message: Option<String>,
        #[napi(ts_arg_type = "ErrorOptions | undefined | null")] options: Option<crate::util::Known<ErrorOptions>>,
    ) -> Result<()> {
        self.inner.error(&code, message.as_deref(), options.and_then(|o| o.0.fatal)).js()
    }

    /// Records a custom operational event in events.jsonl (`data` never becomes a span
    /// attribute).
    #[napi(catch_unwind, ts_args_type = "kind: string, data?: Record<string, unknown>")]
    pub fn event(&self, kind: String, data: Option<serde_json::Value>) -> Result<()> {
        let map = match data {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(m)) => m,
            Some(_) => return Err(invalid("data", "must be a plain object")),
        };
        self.inner.event(&kind, map).js()
    }

    /// The cost accumulated so far, in USD.
    #[napi(catch_unwind, ts_return_type = "CostBreakdown")]
    pub fn cost(&self) -> Result<serde_json::Value> {
        to_js_value(&self.inner.cost())
    }

    /// The usage accumulated so far.
    #[napi(catch_unwind, ts_return_type = "Usage")]
    pub fn usage(&self) -> Result<serde_json::Value> {
        to_js_value(&self.inner.usage())
    }

    /// Ends the call: ends open spans and the open turn, prices the call and writes its final
    /// record. Ending twice throws `PATTER_STATE`.
    #[napi(strict, catch_unwind, ts_return_type = "CallEnd")]
    pub fn end(
        &self,
        #[napi(ts_arg_type = "EndOptions | undefined | null")] options: Option<crate::util::Known<EndOptions>>,
    ) -> Result<serde_json::Value> {
        let outcome = match options.and_then(|o| o.0.error) {
            Some(code) => CallOutcome::Failed(code),
            None => CallOutcome::Completed,
        };
        let end = self.inner.end(outcome).js()?;
        span::release_owner(self.key);
        to_js_value(&end)
    }

    /// The final record once the call has ended, else null.
    #[napi(strict, catch_unwind, ts_return_type = "CallEnd | null")]
    pub fn ended(&self) -> Result<serde_json::Value> {
        match self.inner.ended() {
            Some(e) => to_js_value(&e),
            None => Ok(serde_json::Value::Null),
        }
    }
}

// Span starters: free functions taking the call's key; each returns the span's handle (index.js
// wraps it in a `Span`).

/// Starts a `getpatter.bargein` span.
#[napi(js_name = "__callBargein", skip_typescript, catch_unwind)]
pub fn call_bargein(call: f64, cancelled_text: Option<String>, audio_played_ms: Option<f64>) -> Result<f64> {
    let c = live(call)?;
    let s = c.bargein_with(cancelled_text.as_deref(), audio_played_ms).js()?;
    Ok(span::register(call as u64, s))
}

/// Starts a `getpatter.tool` span.
#[napi(js_name = "__callTool", skip_typescript, catch_unwind)]
pub fn call_tool(
    call: f64,
    name: String,
    transport: Option<String>,
    args: Option<String>,
    tool_call_id: Option<String>,
) -> Result<f64> {
    let c = live(call)?;
    let s = c.tool_with(&name, transport.as_deref(), args.as_deref(), tool_call_id.as_deref()).js()?;
    Ok(span::register(call as u64, s))
}

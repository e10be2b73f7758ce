//! The Call handle: one per phone call. Everything a host reports goes through it, and the
//! core fans it out to spans (`getpatter.call` > `getpatter.turn` > service spans), the call
//! record on disk, the MetricsStore and the cost meter.
//!
//! Nothing here blocks or fails because of a sink: span export and disk writes are queued
//! to background threads. Methods return errors only for bad arguments or a call that has
//! already ended.

mod ledger;
mod live;
mod llm_record;
mod options;
mod otel;
mod span;
mod static_names;
mod telemetry;
mod turn;

pub use llm_record::LlmRecord;
pub use options::CallOptions;
pub use span::{Span, SpanKind};

use crate::calllog::{CallLogHandle, CallLogger};
use crate::clock::{hex, Clock, IdSource, RandomIds, Timestamp};
use crate::error::{check_id, check_text};
use crate::pricing::PricingTable;
use crate::records::{CallEnd, CallStart, CallStatus, CostBreakdown, EventLine, Role, TranscriptLine, Usage};
use crate::rules;
use crate::store::MetricsStore;
use crate::tracing::names as n;
use crate::tracing::traceparent::{self, ParentContext};
use crate::{PatterError, Result};
use ledger::Ledger;
use live::LiveClaim;
use opentelemetry::trace::Status;
use opentelemetry::KeyValue;
use otel::{OtelSpan, Parent};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use turn::{round1, TurnState};

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// Normal hang-up.
    Completed,
    /// Ended by an error; the code (e.g. `timeout`, `stt_connection`) goes to metadata.json.
    Failed(String),
}

pub(crate) struct CallInner {
    pub(crate) start: CallStart,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdSource>,
    pub(crate) recorder: Option<&'static crate::tracing::SpanQueue>,
    pub(crate) realtime: Option<(String, Option<String>)>,
    pub(crate) log: CallLogHandle,
    pub(crate) store: Option<Arc<MetricsStore>>,
    pub(crate) pricing: Arc<PricingTable>,
    /// Whether anything consumes timings and texts (spans, the call log or a store). When
    /// nothing does, span operations skip the clock and only account usage and cost.
    pub(crate) timed: bool,
    /// Whether transcript lines and events are kept (the call log or a store). When not, the
    /// turns' texts and per-turn usage are not collected (call-level usage always is).
    pub(crate) records_turns: bool,
    /// `call_id` and `side` as shared attribute values (cloning is a refcount increment, or a
    /// copy for a side kept by [`static_names`]).
    pub(crate) call_id_value: opentelemetry::StringValue,
    pub(crate) side_value: opentelemetry::StringValue,
    /// The call span's `traceparent` (or the propagated parent's when not recording).
    pub(crate) traceparent: Option<String>,
    /// The call's link to the metrics/logs pipeline.
    pub(crate) telemetry: telemetry::CallTelemetry,
    pub(crate) state: Mutex<CallState>,
}

/// How many provider and model names a call keeps for reuse (see `CallState::shared_value`).
const SHARED_VALUES: usize = 32;

pub(crate) struct CallState {
    pub(crate) ended: Option<CallEnd>,
    pub(crate) call_span: Option<OtelSpan>,
    pub(crate) turn: Option<TurnState>,
    pub(crate) turns_started: u32,
    /// Recording service spans not yet ended, by slot (ended by the call's end if the host
    /// forgets); a Span handle keeps its slot index.
    pub(crate) open: Vec<Option<OtelSpan>>,
    /// Free indexes of `open`.
    pub(crate) free_slots: Vec<usize>,
    /// Provider names as shared attribute values, so a span does not allocate them.
    pub(crate) shared_values: Vec<opentelemetry::StringValue>,
    /// LLM rates by (provider, model) as the call's pricing resolved them (None: unpriced),
    /// so a span's `patter.cost.usd` does not repeat the lookup (see `CallInner::llm_usd`).
    pub(crate) llm_rates: Vec<LlmRates>,
    /// The metric series of the call's LLM iterations (see `telemetry::llm_iteration`).
    pub(crate) llm_series: telemetry::LlmSeries,
    pub(crate) ledger: Ledger,
    pub(crate) usage: Usage,
    pub(crate) ttfbs: Vec<f64>,
    pub(crate) error: Option<String>,
    /// The call's claim on its (id, side) while it is live; released when it ends.
    pub(crate) live: Option<LiveClaim>,
}

/// The LLM rates of one (provider, model) pair, kept by a call (`CallState::llm_rates`).
pub(crate) struct LlmRates {
    provider: opentelemetry::StringValue,
    model: Option<opentelemetry::StringValue>,
    rates: Option<crate::pricing::TokenRates>,
}

/// A live phone call. Cheap to clone (all clones are the same call); thread-safe.
#[derive(Clone)]
pub struct Call {
    pub(crate) inner: Arc<CallInner>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("call_id", &self.inner.start.call_id).finish_non_exhaustive()
    }
}

/// The process pricing: built-in rates plus `PATTER_PRICING_FILE` overrides, resolved once.
/// A bad file is logged and the built-in rates are used (a call never fails on it).
fn default_pricing() -> Arc<PricingTable> {
    static PRICING: OnceLock<Arc<PricingTable>> = OnceLock::new();
    PRICING
        .get_or_init(|| {
            crate::config::load_pricing(&Default::default(), &crate::config::ProcessEnv).unwrap_or_else(|e| {
                crate::diagnostics::report(
                    crate::diagnostics::Level::Warn,
                    crate::diagnostics::Code::PricingOverridesIgnored,
                    || format!("pricing overrides ignored ({e}); using the built-in rates"),
                );
                PricingTable::defaults()
            })
        })
        .clone()
}

/// Builds the process defaults a first call would otherwise build on its own path (the
/// pricing table with `PATTER_PRICING_FILE` overrides, the `PATTER_LOG_DIR` logger).
/// `init_tracing` calls it; hosts may call it at start-up too.
pub fn warm_up() {
    let _ = default_pricing();
    let _ = default_logger();
}

fn default_logger() -> CallLogger {
    static LOGGER: OnceLock<CallLogger> = OnceLock::new();
    LOGGER.get_or_init(CallLogger::from_env).clone()
}

/// The `traceparent` header of a recording span.
pub(crate) fn span_header(c: &opentelemetry::trace::SpanContext) -> String {
    traceparent::format(&c.trace_id().to_bytes(), &c.span_id().to_bytes(), c.trace_flags().to_u8())
}

fn check_opt(name: &'static str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s) => check_id(name, s),
        None => Ok(()),
    }
}

impl CallState {
    /// A call's state at its start (with its root span, when recording).
    pub(crate) fn new(call_span: Option<OtelSpan>) -> Self {
        CallState {
            ended: None,
            call_span,
            turn: None,
            turns_started: 0,
            open: Vec::new(),
            free_slots: Vec::new(),
            shared_values: Vec::new(),
            llm_rates: Vec::new(),
            llm_series: Default::default(),
            ledger: Ledger::default(),
            usage: Usage::default(),
            ttfbs: Vec::new(),
            error: None,
            live: None,
        }
    }

    /// Keeps a recording span in a slot; returns the slot index.
    pub(crate) fn park(&mut self, span: OtelSpan) -> usize {
        match self.free_slots.pop() {
            Some(i) => {
                self.open[i] = Some(span);
                i
            }
            None => {
                self.open.push(Some(span));
                self.open.len() - 1
            }
        }
    }

    /// Takes a parked span out of its slot (None if the call's end already ended it).
    pub(crate) fn unpark(&mut self, slot: usize) -> Option<OtelSpan> {
        let span = self.open.get_mut(slot).and_then(Option::take);
        if span.is_some() {
            self.free_slots.push(slot);
        }
        span
    }

    /// The LLM rates of (`provider`, `model`) in `table` (the call's pricing), looked up on
    /// first use and kept for at most [`SHARED_VALUES`] pairs.
    fn llm_rates(
        &mut self,
        table: &PricingTable,
        provider: &opentelemetry::StringValue,
        model_value: Option<&opentelemetry::StringValue>,
    ) -> Option<crate::pricing::TokenRates> {
        let model = model_value.map(|m| m.as_str());
        if let Some(e) = self
            .llm_rates
            .iter()
            .find(|e| e.provider.as_str() == provider.as_str() && e.model.as_ref().map(|m| m.as_str()) == model)
        {
            return e.rates;
        }
        let rates = table.llm_rates(provider.as_str(), model);
        if self.llm_rates.len() < SHARED_VALUES {
            self.llm_rates.push(LlmRates { provider: provider.clone(), model: model_value.cloned(), rates });
        }
        rates
    }

    /// `name` (a provider or model) as a value shared by the call's spans: looked up once per
    /// call and name ([`static_names::value`]: a static value, not refcounted, for the first
    /// names the process sees), then copied. At most [`SHARED_VALUES`] names are kept per
    /// call; a call that uses more looks the others up on each use.
    pub(crate) fn shared_value(&mut self, name: &str) -> opentelemetry::StringValue {
        if let Some(v) = self.shared_values.iter().find(|v| v.as_str() == name) {
            return v.clone();
        }
        let v = static_names::value(name);
        if self.shared_values.len() < SHARED_VALUES {
            self.shared_values.push(v.clone());
        }
        v
    }
}

impl CallInner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, CallState> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than losing the call's records, so recover instead of propagating.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The realtime provider of a realtime call: its usage is inside the realtime minutes.
    pub(crate) fn realtime_provider(&self) -> Option<&str> {
        self.realtime.as_ref().map(|(p, _)| p.as_str())
    }

    /// Whether turns keep their usage and ledger: for the transcript lines (call log, store)
    /// or for the turn span's `patter.cost.usd`.
    pub(crate) fn turn_costs(&self) -> bool {
        self.records_turns || self.recorder.is_some()
    }

    /// USD of one report on a recording span (6 decimals): 0 for usage inside the realtime
    /// minutes, None when the provider or model has no price (listed in `unpriced` at the end).
    pub(crate) fn span_usd(
        &self,
        provider: &str,
        price: impl FnOnce(&PricingTable) -> std::result::Result<f64, String>,
    ) -> Option<f64> {
        if self.realtime_provider() == Some(provider) {
            return Some(0.0);
        }
        price(&self.pricing).ok().map(crate::pricing::round_usd)
    }

    /// USD of an LLM usage report on a recording span, as [`span_usd`](Self::span_usd) prices
    /// it (`PricingTable::price_llm`), with the rates of (`provider`, `model`) resolved once per
    /// call.
    fn llm_usd(
        &self,
        st: &mut CallState,
        provider: &opentelemetry::StringValue,
        model: Option<&opentelemetry::StringValue>,
        u: &span::LlmUsage,
    ) -> Option<f64> {
        if self.realtime_provider() == Some(provider.as_str()) {
            return Some(0.0);
        }
        let rates = st.llm_rates(&self.pricing, provider, model)?;
        Some(crate::pricing::round_usd(PricingTable::llm_cost_at(&rates, u.input, u.output, u.cached)))
    }

    /// The clock when timings are consumed; a zero timestamp otherwise.
    pub(crate) fn now_if_timed(&self) -> Timestamp {
        if self.timed {
            self.clock.now()
        } else {
            Timestamp(0)
        }
    }

    /// Adds `getpatter.call.id` and `gen_ai.conversation.id` plus, for cost/latency spans, the
    /// routing tags.
    pub(crate) fn push_base_attrs(&self, v: &mut Vec<KeyValue>, routing: bool) {
        v.push(KeyValue::new(n::CALL_ID, self.call_id_value.clone()));
        v.push(KeyValue::new(n::GEN_AI_CONVERSATION_ID, self.call_id_value.clone()));
        if routing {
            v.push(KeyValue::new(n::PATTER_CALL_ID, self.call_id_value.clone()));
            v.push(KeyValue::new(n::PATTER_SIDE, self.side_value.clone()));
        }
    }

    pub(crate) fn event(&self, kind: &str, ts: Timestamp, data: serde_json::Map<String, serde_json::Value>) {
        let ev = EventLine { kind: kind.to_string(), ts, data };
        self.event_log(&ev);
        self.log.event(&ev);
        if let Some(store) = &self.store {
            store.record_event(&self.start.call_id, &ev);
        }
    }

    /// Opens a new turn (ending the open one first).
    pub(crate) fn open_turn(&self, st: &mut CallState, at: Timestamp) -> u32 {
        if st.turn.is_some() {
            self.close_turn(st, at);
        }
        st.turns_started += 1;
        let number = st.turns_started;
        let otel = match (self.recorder, st.call_span.as_ref()) {
            (Some(queue), Some(parent)) => {
                let mut record = queue.record();
                self.push_base_attrs(&mut record.attributes, true);
                record.attributes.push(KeyValue::new(n::OPENINFERENCE_SPAN_KIND, n::KIND_CHAIN));
                record.attributes.push(KeyValue::new(n::TURN_NUMBER, number as i64));
                Some(OtelSpan::start(queue, record, self.ids.as_ref(), n::SPAN_TURN, Parent::Local(parent), at))
            }
            _ => None,
        };
        st.turn = Some(TurnState::new(number, at, otel));
        number
    }

    /// Returns the open turn, opening one if none is.
    pub(crate) fn ensure_turn<'a>(&self, st: &'a mut CallState, at: Timestamp) -> &'a mut TurnState {
        if st.turn.is_none() {
            self.open_turn(st, at);
        }
        st.turn.as_mut().expect("turn just opened")
    }

    /// Closes the open turn: ends its span and writes its transcript lines.
    pub(crate) fn close_turn(&self, st: &mut CallState, at: Timestamp) {
        let Some(mut t) = st.turn.take() else { return };
        t.latency.turn_ms = Some(round1(at.millis_since(t.started_at)));
        self.turn_metrics(&t.latency);
        let turn_span = t.otel.as_ref().map(|o| o.context().span_id().to_bytes());
        if let Some(ttfb) = t.latency.ttfb_ms {
            st.ttfbs.push(ttfb);
        }
        // The turn's services priced once, for its span and its transcript line.
        let cost = (self.records_turns || t.otel.is_some())
            .then(|| t.ledger.price(&self.pricing, self.realtime_provider()).breakdown());
        if let Some(mut o) = t.otel.take() {
            o.set_attribute(KeyValue::new(n::TURN_INTERRUPTED, t.interrupted));
            if let Some(v) = t.latency.ttfb_ms {
                o.set_attribute(KeyValue::new(n::LATENCY_TTFB_MS, v));
            }
            if let Some(v) = t.latency.turn_ms {
                o.set_attribute(KeyValue::new(n::LATENCY_TURN_MS, v));
            }
            if let Some(c) = &cost {
                o.set_attribute(KeyValue::new(n::COST_USD, c.total));
            }
            o.end(at);
        }
        if !self.records_turns {
            return;
        }
        let mut lines = Vec::with_capacity(2);
        if !t.user_text.is_empty() {
            lines.push(TranscriptLine {
                turn_index: t.number,
                role: Role::User,
                text: std::mem::take(&mut t.user_text),
                ts: t.last_stt_end.unwrap_or(t.started_at),
                interrupted: false,
                latency: None,
                usage: None,
                cost: None,
            });
        }
        if t.agent_activity || !t.agent_text.is_empty() || t.interrupted {
            lines.push(TranscriptLine {
                turn_index: t.number,
                role: Role::Assistant,
                text: std::mem::take(&mut t.agent_text),
                ts: at,
                interrupted: t.interrupted,
                latency: Some(t.latency),
                usage: Some(t.usage),
                cost,
            });
        }
        for line in &lines {
            self.transcript_log(turn_span, line);
            self.log.transcript(line);
            if let Some(store) = &self.store {
                store.record_transcript(&self.start.call_id, line);
            }
        }
    }

    fn finish(&self, st: &mut CallState, outcome: CallStatus, error: Option<String>) -> CallEnd {
        let at = self.now();
        // End forgotten service spans first, then the turn, then the call.
        for mut o in std::mem::take(&mut st.open).into_iter().flatten() {
            o.set_status(Status::error("ended by call end"));
            o.end(at);
        }
        st.free_slots.clear();
        self.close_turn(st, at);
        let duration_ms = (at.0.saturating_sub(self.start.started_at.0)) / 1_000_000;
        let seconds = duration_ms as f64 / 1000.0;
        let mut call_attrs = Vec::new();
        let mut meter = st.ledger.price(&self.pricing, self.realtime_provider());
        if let Some(tp) = &self.start.telephony_provider {
            meter.add_telephony(tp, self.start.direction, seconds);
            call_attrs.push(KeyValue::new(n::COST_TELEPHONY_MINUTES, seconds / 60.0));
            call_attrs.push(KeyValue::new(n::TELEPHONY, tp.clone()));
            call_attrs.push(KeyValue::new(n::DIRECTION, self.start.direction.as_str()));
        }
        if let Some((provider, model)) = &self.realtime {
            meter.add_realtime(provider, model.as_deref(), seconds / 60.0);
            call_attrs.push(KeyValue::new(n::COST_REALTIME_MINUTES, seconds / 60.0));
            call_attrs.push(KeyValue::new(n::REALTIME_PROVIDER, provider.clone()));
        }
        let error = error.or_else(|| st.error.clone());
        let end = CallEnd {
            ended_at: at,
            duration_ms,
            status: outcome,
            turns: st.turns_started,
            cost: meter.breakdown(),
            usage: st.usage,
            latency: crate::percentile::latency_summary(&st.ttfbs),
            error: error.clone(),
            unpriced: meter.unpriced(),
        };
        if let Some(mut o) = st.call_span.take() {
            if !call_attrs.is_empty() {
                call_attrs.push(KeyValue::new(n::PATTER_CALL_ID, self.start.call_id.clone()));
                call_attrs.push(KeyValue::new(n::PATTER_SIDE, self.start.side.clone()));
            }
            call_attrs.push(KeyValue::new(n::CALL_STATUS, outcome.as_str()));
            call_attrs.push(KeyValue::new(n::COST_USD, end.cost.total));
            o.set_attributes(call_attrs);
            if outcome != CallStatus::Completed {
                o.set_status(Status::error(error.clone().unwrap_or_else(|| outcome.as_str().to_string())));
            }
            o.end(at);
        }
        self.end_telemetry(&st.ledger, &end);
        self.log.end(&end);
        if let Some(store) = &self.store {
            store.record_call_end(&self.start, &end);
        }
        st.ended = Some(end.clone());
        st.live = None;
        end
    }
}

impl Drop for CallInner {
    fn drop(&mut self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.ended.is_none() {
            crate::diagnostics::report(
                crate::diagnostics::Level::Warn,
                crate::diagnostics::Code::CallAbandoned,
                || format!("call {} dropped without end(); recorded as abandoned", self.start.call_id),
            );
            let mut taken = std::mem::replace(&mut *st, CallState::new(None));
            drop(st);
            self.finish(&mut taken, CallStatus::Abandoned, Some("abandoned".into()));
        }
    }
}

impl Call {
    /// Starts a call: opens the root `getpatter.call` span (when tracing records), writes the
    /// initial metadata.json (when persistence is on) and registers the call in the store. A
    /// second live call with the same id and side is `InvalidArgument` on `call_id` (the id is
    /// free again once the first has ended).
    pub fn start(mut opts: CallOptions) -> Result<Call> {
        check_id("call_id", &opts.call_id)?;
        check_id("provider_mode", &opts.provider_mode)?;
        check_opt("side", &opts.side)?;
        // An empty number means "unknown", the same as none.
        opts.caller = opts.caller.filter(|c| !c.is_empty());
        opts.callee = opts.callee.filter(|c| !c.is_empty());
        check_opt("caller", &opts.caller)?;
        check_opt("callee", &opts.callee)?;
        check_opt("telephony_provider", &opts.telephony_provider)?;
        check_opt("realtime_provider", &opts.realtime_provider)?;
        check_opt("realtime_model", &opts.realtime_model)?;
        let realtime = match (opts.realtime_provider.take(), opts.realtime_model.take()) {
            (Some(p), m) => Some((p, m)),
            (None, Some(_)) => return Err(PatterError::invalid("realtime_model", "needs realtime_provider")),
            (None, None) => None,
        };
        let parent = traceparent::resolve_parent(
            opts.traceparent.as_deref(),
            opts.tracestate.as_deref(),
            opts.host_context.as_ref(),
        )?;
        let clock = opts.clock.clone().unwrap_or_else(crate::clock::system_clock);
        let ids: Arc<dyn IdSource> = opts.ids.clone().unwrap_or_else(|| Arc::new(RandomIds));
        // A parent that is not sampled: nothing of this call is exported.
        let recorder = crate::tracing::recorder().filter(|_| parent.as_ref().is_none_or(|p| p.is_sampled()));
        let side = opts.side.clone().unwrap_or_else(crate::tracing::default_side);
        let claim = LiveClaim::claim(&opts.call_id, &side)?;
        let started_at = clock.now();
        let call_id_value = opentelemetry::StringValue::from(Arc::<str>::from(opts.call_id.as_str()));
        let call_span = recorder.map(|q| {
            let mut record = q.record();
            record.attributes.extend([
                KeyValue::new(n::CALL_ID, call_id_value.clone()),
                KeyValue::new(n::GEN_AI_CONVERSATION_ID, call_id_value.clone()),
                KeyValue::new(n::OPENINFERENCE_SPAN_KIND, n::KIND_CHAIN),
                KeyValue::new(n::CALL_DIRECTION, opts.direction.as_str()),
                KeyValue::new(n::CALL_PROVIDER_MODE, opts.provider_mode.clone()),
            ]);
            let under = parent.as_ref().map_or(Parent::Root, Parent::Remote);
            OtelSpan::start(q, record, ids.as_ref(), n::SPAN_CALL, under, started_at)
        });
        // What `traceparent()` returns: the call span's header, else (not recording) the parent's
        // unchanged, as a no-op tracer propagates it.
        let traceparent = match &call_span {
            Some(s) => Some(span_header(s.context())),
            None => parent.as_ref().map(ParentContext::header),
        };
        let start = CallStart {
            call_id: opts.call_id.clone(),
            direction: opts.direction,
            provider_mode: opts.provider_mode.clone(),
            side,
            caller: opts.caller.clone(),
            callee: opts.callee.clone(),
            telephony_provider: opts.telephony_provider.clone(),
            agent: opts.agent.clone(),
            started_at,
            trace_id: call_span.as_ref().map(|s| hex(&s.context().trace_id().to_bytes())),
        };
        let logger = opts.logger.clone().unwrap_or_else(default_logger);
        let log = logger.start_call(&start);
        if let Some(store) = &opts.store {
            store.record_call_start(&start);
        }
        let pricing = opts.pricing.clone().unwrap_or_else(default_pricing);
        let records_turns = log.enabled() || opts.store.is_some() || crate::telemetry::logs_on();
        let telemetry = telemetry::CallTelemetry::start(&start, call_span.as_ref().map(|s| s.context()));
        let timed = recorder.is_some() || records_turns;
        let side_value = static_names::value(&start.side);
        let inner = CallInner {
            traceparent,
            timed,
            records_turns,
            call_id_value,
            side_value,
            telemetry,
            start,
            clock,
            ids,
            recorder,
            realtime,
            log,
            store: opts.store.clone(),
            state: Mutex::new(CallState { live: Some(claim), ..CallState::new(call_span) }),
            pricing,
        };
        Ok(Call { inner: Arc::new(inner) })
    }

    /// The call id as given.
    pub fn call_id(&self) -> &str {
        &self.inner.start.call_id
    }

    /// The side stamped on this call's cost/latency spans.
    pub fn side(&self) -> &str {
        &self.inner.start.side
    }

    /// Hex trace id of the call's trace, when spans are recorded.
    pub fn trace_id(&self) -> Option<&str> {
        self.inner.start.trace_id.as_deref()
    }

    /// The W3C `traceparent` header of the call span, for outgoing requests (STT, LLM, TTS HTTP
    /// calls) so their spans join the call's trace. When the call records no spans (tracing
    /// off, or a parent that is not sampled) it is the parent's header as given (version 00),
    /// the way a no-op tracer propagates it, or None when the call has no parent.
    pub fn traceparent(&self) -> Option<&str> {
        self.inner.traceparent.as_deref()
    }

    /// Whether this call records spans (decided when it started).
    pub fn is_recording(&self) -> bool {
        self.inner.recorder.is_some()
    }

    /// Whether [`end`](Self::end) has run (or the call was abandoned).
    pub fn is_ended(&self) -> bool {
        self.inner.lock().ended.is_some()
    }

    fn live(&self) -> Result<MutexGuard<'_, CallState>> {
        let st = self.inner.lock();
        if st.ended.is_some() {
            return Err(PatterError::State(format!("call {:?} has ended", self.inner.start.call_id)));
        }
        Ok(st)
    }

    /// Starts a new turn (ending the open one) and returns its 1-based number. Service spans
    /// started with no open turn open one themselves, so calling this is optional.
    pub fn start_turn(&self) -> Result<u32> {
        let mut st = self.live()?;
        let at = self.inner.now();
        Ok(self.inner.open_turn(&mut st, at))
    }

    /// Ends the open turn (no-op when none is open): stamps its latency attributes and writes
    /// its transcript lines.
    pub fn end_turn(&self) -> Result<()> {
        let mut st = self.live()?;
        let at = self.inner.now();
        self.inner.close_turn(&mut st, at);
        Ok(())
    }

    /// The number of the open turn, if any.
    pub fn current_turn(&self) -> Option<u32> {
        self.inner.lock().turn.as_ref().map(|t| t.number)
    }

    /// Starts a `getpatter.stt` span (one per final transcript); report the transcript with
    /// [`Span::transcript`].
    pub fn stt(&self, provider: &str, model: Option<&str>) -> Result<Span> {
        check_id("provider", provider)?;
        Span::start(self, SpanKind::Stt, provider, model, 0)
    }

    /// Starts a `getpatter.endpoint` span (end-of-utterance detection); its start is taken as
    /// the moment the user stopped speaking.
    pub fn endpoint(&self) -> Result<Span> {
        Span::start(self, SpanKind::Endpoint, "", None, 0)
    }

    /// Starts a `getpatter.llm` span: one per LLM iteration, tool rounds included.
    /// `history_size` (messages sent; omitted: 0) is a count (see [`crate::rules`]).
    pub fn llm(&self, provider: &str, model: Option<&str>, history_size: impl Into<Option<u64>>) -> Result<Span> {
        check_id("provider", provider)?;
        let history_size = rules::count_or("history_size", history_size.into(), 0)?;
        Span::start(self, SpanKind::Llm, provider, model, history_size)
    }

    /// Starts a `getpatter.tts` span for one sentence `text` by `provider` with an optional
    /// `model`. The text goes to the transcript; the span only gets its length.
    pub fn tts(&self, provider: &str, text: &str, model: Option<&str>) -> Result<Span> {
        check_id("provider", provider)?;
        check_text("text", text)?;
        Span::start_with_text(self, SpanKind::Tts, provider, model, text)
    }

    /// Starts a `getpatter.bargein` span: the caller talked over the agent. `cancelled_text`
    /// is what the agent did not get to say (its length goes on the span). Ending the span
    /// (when the agent's audio has stopped) ends the turn as interrupted.
    pub fn bargein(&self, cancelled_text: &str) -> Result<Span> {
        self.bargein_with(cancelled_text, None)
    }

    /// [`bargein`](Self::bargein) with what the caller heard: `audio_played_ms` (omitted, or
    /// finite and `>= 0`) of the agent's audio before the barge-in, as
    /// `getpatter.bargein.audio_played_ms` (see [`Span::audio_played_ms`]). A bad value is
    /// `InvalidArgument` and starts nothing. Omitted `cancelled_text`: empty.
    pub fn bargein_with<'a>(
        &self,
        cancelled_text: impl Into<Option<&'a str>>,
        audio_played_ms: Option<f64>,
    ) -> Result<Span> {
        let cancelled_text = cancelled_text.into().unwrap_or("");
        check_text("cancelled_text", cancelled_text)?;
        let played = audio_played_ms.map(|ms| rules::non_negative("audio_played_ms", ms)).transpose()?;
        let mut span = Span::start_with_text(self, SpanKind::Bargein, "", None, cancelled_text)?;
        if let Some(ms) = played {
            span.audio_played_ms(ms)?;
        }
        Ok(span)
    }

    /// Starts a `getpatter.tool` span over `transport` (omitted:
    /// [`rules::DEFAULT_TOOL_TRANSPORT`], `handler`). `arguments` goes to events.jsonl only.
    pub fn tool<'a>(&self, name: &str, transport: impl Into<Option<&'a str>>, arguments: &str) -> Result<Span> {
        self.tool_with(name, transport, arguments, None)
    }

    /// [`tool`](Self::tool) with the id the model gave the tool call (`tool_call_id`, e.g.
    /// `call_abc123`; omitted, or a non-empty id), as `gen_ai.tool.call.id` (see
    /// [`Span::tool_call_id`]). A bad value is `InvalidArgument` and starts nothing. Omitted
    /// `arguments`: empty.
    pub fn tool_with<'a, 'b>(
        &self,
        name: &str,
        transport: impl Into<Option<&'a str>>,
        arguments: impl Into<Option<&'b str>>,
        tool_call_id: Option<&str>,
    ) -> Result<Span> {
        let transport = rules::tool_transport(transport.into());
        let arguments = arguments.into().unwrap_or("");
        check_id("name", name)?;
        check_id("transport", transport)?;
        check_text("arguments", arguments)?;
        if let Some(id) = tool_call_id {
            check_id("tool_call_id", id)?;
        }
        let mut span = Span::start_tool(self, name, transport)?;
        if let Some(id) = tool_call_id {
            span.tool_call_id(id)?;
        }
        let mut data = serde_json::Map::new();
        data.insert("name".into(), name.into());
        data.insert("transport".into(), transport.into());
        data.insert("arguments".into(), arguments.into());
        data.insert("turn_index".into(), span.turn().into());
        self.inner.event("tool_call", span.started_at(), data);
        Ok(span)
    }

    /// Records an error event (`error` in events.jsonl). With `fatal`, the code becomes the
    /// call's error even if it later ends normally. Omitted `message`: empty; omitted `fatal`:
    /// false.
    pub fn error<'a>(
        &self,
        code: &str,
        message: impl Into<Option<&'a str>>,
        fatal: impl Into<Option<bool>>,
    ) -> Result<()> {
        let message = message.into().unwrap_or("");
        let fatal = fatal.into().unwrap_or(false);
        check_id("code", code)?;
        check_text("message", message)?;
        let mut st = self.live()?;
        if fatal {
            st.error = Some(code.to_string());
        }
        drop(st);
        let mut data = serde_json::Map::new();
        data.insert("code".into(), code.into());
        data.insert("message".into(), message.into());
        self.inner.event("error", self.inner.now(), data);
        Ok(())
    }

    /// Records a custom operational event in events.jsonl (`data` is a JSON object; it never
    /// becomes a span attribute).
    pub fn event(&self, kind: &str, data: serde_json::Map<String, serde_json::Value>) -> Result<()> {
        check_id("type", kind)?;
        let _st = self.live()?;
        drop(_st);
        self.inner.event(kind, self.inner.now(), data);
        Ok(())
    }

    /// The cost accumulated so far (services only; telephony and realtime time are priced
    /// at the end), or the final cost once the call has ended.
    pub fn cost(&self) -> CostBreakdown {
        let st = self.inner.lock();
        match &st.ended {
            Some(end) => end.cost,
            None => st.ledger.price(&self.inner.pricing, self.inner.realtime_provider()).breakdown(),
        }
    }

    /// Usage accumulated so far.
    pub fn usage(&self) -> Usage {
        self.inner.lock().usage
    }

    /// Ends the call: ends open spans and the open turn, prices telephony/realtime time,
    /// stamps the call span, rewrites metadata.json and updates the store. Ending twice is an
    /// error (`State`) that changes nothing.
    pub fn end(&self, outcome: CallOutcome) -> Result<CallEnd> {
        let mut st = self.live()?;
        let (status, error) = match outcome {
            CallOutcome::Completed => {
                if st.error.is_some() {
                    (CallStatus::Failed, None)
                } else {
                    (CallStatus::Completed, None)
                }
            }
            CallOutcome::Failed(code) => {
                check_id("error", &code)?;
                (CallStatus::Failed, Some(code))
            }
        };
        Ok(self.inner.finish(&mut st, status, error))
    }

    /// The end record, once the call has ended.
    pub fn ended(&self) -> Option<CallEnd> {
        self.inner.lock().ended.clone()
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tests_rules;

#[cfg(test)]
mod tests_llm_record;

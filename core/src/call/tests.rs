//! Unit tests of the Call: span tree, attributes, timing, PII hygiene, misuse.

use super::*;
use crate::clock::{ManualClock, SequentialIds};
use crate::records::Direction;
use crate::tracing::traceparent::HostContext;
use crate::tracing::{attach_span_exporter, force_flush, SpanBatch, SpanCallback};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::time::Duration;

/// Collects every exported span; tests filter by their own call id.
pub(super) struct Collector(Mutex<Vec<SpanData>>);

impl SpanCallback for Collector {
    fn export(&self, batch: &SpanBatch<'_>) -> std::result::Result<(), String> {
        self.0.lock().unwrap().extend(batch.spans().iter().cloned());
        Ok(())
    }
}

pub(super) fn collector() -> Arc<Collector> {
    static C: OnceLock<Arc<Collector>> = OnceLock::new();
    C.get_or_init(|| {
        let c = Arc::new(Collector(Mutex::new(Vec::new())));
        attach_span_exporter(c.clone(), None).unwrap();
        c
    })
    .clone()
}

pub(super) fn spans_of(call_id: &str) -> Vec<SpanData> {
    assert!(force_flush(Duration::from_secs(5)));
    collector()
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.attributes.iter().any(|kv| kv.key.as_str() == n::CALL_ID && kv.value.as_str() == call_id))
        .cloned()
        .collect()
}

pub(super) fn attr<'a>(s: &'a SpanData, key: &str) -> Option<&'a Value> {
    s.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

pub(super) fn manual(id: &str, seed: u64) -> (CallOptions, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_776_967_332_000)));
    let mut o = CallOptions::new(id, Direction::Outbound, "pipeline");
    o.clock = Some(clock.clone());
    o.ids = Some(Arc::new(SequentialIds::new(seed)));
    o.telephony_provider = Some("twilio".into());
    o.logger = Some(CallLogger::disabled());
    (o, clock)
}

const SECRET_USER: &str = "my card number is 4111 1111 1111 1111";
const SECRET_AGENT: &str = "Your balance is $1,234.56, Mr Smith.";
const SECRET_TOOL_ARGS: &str = "{\"account\":\"ACCT-998877\"}";
const SECRET_TOOL_RESULT: &str = "{\"balance\":\"1234.56-SECRET\"}";
const SECRET_CANCELLED: &str = "and your PIN is 9876";

/// A scripted turn with every service; returns after the call ended.
fn scripted_call(opts: CallOptions, clock: &ManualClock) -> CallEnd {
    let call = Call::start(opts).unwrap();
    clock.advance_ms(100);
    assert_eq!(call.start_turn().unwrap(), 1);
    let mut stt = call.stt("deepgram", Some("nova-3")).unwrap();
    clock.advance_ms(300);
    stt.transcript(SECRET_USER, Some(0.93), 2.5).unwrap();
    stt.end();
    let mut ep = call.endpoint().unwrap();
    clock.advance_ms(200);
    ep.silence_ms(200.0).unwrap();
    ep.end();
    let mut llm = call.llm("openai", Some("gpt-4o-mini"), 3).unwrap();
    clock.advance_ms(150);
    llm.first_token().unwrap();
    clock.advance_ms(50);
    llm.usage(120, 20, 0).unwrap();
    llm.end();
    let mut tool = call.tool("get_balance", "handler", SECRET_TOOL_ARGS).unwrap();
    clock.advance_ms(40);
    tool.tool_result(SECRET_TOOL_RESULT).unwrap();
    tool.end();
    let mut llm2 = call.llm("openai", Some("gpt-4o-mini"), 5).unwrap();
    clock.advance_ms(100);
    llm2.first_token().unwrap();
    llm2.usage(150, 30, 64).unwrap();
    llm2.end();
    let mut tts = call.tts("elevenlabs", SECRET_AGENT, Some("eleven_flash_v2_5")).unwrap();
    clock.advance_ms(80);
    tts.first_byte().unwrap();
    clock.advance_ms(500);
    tts.end();
    call.end_turn().unwrap();
    // Turn 2: the caller barges in.
    clock.advance_ms(1000);
    let mut tts = call.tts("elevenlabs", "Let me also tell you", None).unwrap();
    tts.first_byte().unwrap();
    clock.advance_ms(100);
    let mut b = call.bargein(SECRET_CANCELLED).unwrap();
    clock.advance_ms(30);
    tts.end();
    b.end();
    assert_eq!(call.current_turn(), None);
    clock.advance_ms(60_000);
    call.end(CallOutcome::Completed).unwrap()
}

#[test]
fn span_tree_names_and_attributes() {
    collector();
    let (opts, clock) = manual("tree-1", 11);
    let end = scripted_call(opts, &clock);
    assert_eq!(end.turns, 2);
    assert_eq!(end.status, CallStatus::Completed);
    // Twilio outbound rounds 62.65 s up to 2 min at $0.013/min.
    assert_eq!(end.cost.telephony, 0.026);
    let c = end.cost;
    assert_eq!(c.total, crate::pricing::round_usd(c.telephony + c.stt + c.tts + c.llm + c.realtime));
    let spans = spans_of("tree-1");
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    for want in [
        n::SPAN_CALL,
        n::SPAN_TURN,
        n::SPAN_STT,
        n::SPAN_ENDPOINT,
        n::SPAN_LLM,
        n::SPAN_TOOL,
        n::SPAN_TTS,
        n::SPAN_BARGEIN,
    ] {
        assert!(names.contains(&want), "missing {want} in {names:?}");
    }
    assert_eq!(spans.len(), 1 + 2 + 1 + 1 + 2 + 1 + 2 + 1);
    let call = spans.iter().find(|s| s.name == n::SPAN_CALL).unwrap();
    assert_eq!(call.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    let turns: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_TURN).collect();
    for t in &turns {
        assert_eq!(t.parent_span_id, call.span_context.span_id());
        assert_eq!(t.span_context.trace_id(), call.span_context.trace_id());
    }
    for s in spans.iter().filter(|s| s.name != n::SPAN_CALL && s.name != n::SPAN_TURN) {
        assert!(turns.iter().any(|t| t.span_context.span_id() == s.parent_span_id), "{} not under a turn", s.name);
    }
    // Every span carries the call id.
    for s in &spans {
        assert_eq!(attr(s, n::CALL_ID), Some(&Value::from("tree-1")), "{}", s.name);
    }
    assert_eq!(attr(call, n::CALL_DIRECTION), Some(&Value::from("outbound")));
    assert_eq!(attr(call, n::CALL_PROVIDER_MODE), Some(&Value::from("pipeline")));
    assert_eq!(attr(call, n::TELEPHONY), Some(&Value::from("twilio")));
    assert_eq!(attr(call, n::DIRECTION), Some(&Value::from("outbound")));
    assert!(matches!(attr(call, n::COST_TELEPHONY_MINUTES), Some(Value::F64(m)) if (*m - 62.65 / 60.0).abs() < 1e-9));
    let stt = spans.iter().find(|s| s.name == n::SPAN_STT).unwrap();
    assert_eq!(attr(stt, n::STT_TEXT_LEN), Some(&Value::I64(SECRET_USER.chars().count() as i64)));
    assert_eq!(attr(stt, n::STT_CONFIDENCE), Some(&Value::F64(0.93)));
    assert_eq!(attr(stt, n::COST_STT_SECONDS), Some(&Value::F64(2.5)));
    assert_eq!(attr(stt, n::STT_PROVIDER), Some(&Value::from("deepgram")));
    assert_eq!(attr(stt, n::PATTER_CALL_ID), Some(&Value::from("tree-1")));
    assert_eq!(attr(stt, n::PATTER_SIDE), Some(&Value::from("uut")));
    let ep = spans.iter().find(|s| s.name == n::SPAN_ENDPOINT).unwrap();
    assert_eq!(attr(ep, n::ENDPOINT_SILENCE_MS), Some(&Value::F64(200.0)));
    let llms: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_LLM).collect();
    assert_eq!(attr(llms[0], n::LLM_ITERATION), Some(&Value::I64(1)));
    assert_eq!(attr(llms[1], n::LLM_ITERATION), Some(&Value::I64(2)));
    assert_eq!(attr(llms[0], n::LLM_HISTORY_SIZE), Some(&Value::I64(3)));
    assert_eq!(attr(llms[0], n::LLM_TTFT_MS), Some(&Value::F64(150.0)));
    assert_eq!(attr(llms[1], n::LLM_TTFT_MS), Some(&Value::F64(100.0)));
    assert_eq!(attr(llms[0], n::COST_LLM_INPUT_TOKENS), Some(&Value::I64(120)));
    assert_eq!(attr(llms[0], n::COST_LLM_OUTPUT_TOKENS), Some(&Value::I64(20)));
    assert_eq!(attr(llms[1], n::GEN_AI_USAGE_INPUT_TOKENS), Some(&Value::I64(214)));
    assert_eq!(attr(llms[0], n::GEN_AI_OPERATION_NAME), Some(&Value::from("chat")));
    assert_eq!(attr(llms[0], n::GEN_AI_PROVIDER_NAME), Some(&Value::from("openai")));
    assert_eq!(attr(llms[0], n::GEN_AI_REQUEST_MODEL), Some(&Value::from("gpt-4o-mini")));
    assert_eq!(attr(llms[0], n::LLM_PROVIDER), Some(&Value::from("openai")));
    let tool = spans.iter().find(|s| s.name == n::SPAN_TOOL).unwrap();
    assert_eq!(attr(tool, n::TOOL_NAME), Some(&Value::from("get_balance")));
    assert_eq!(attr(tool, n::TOOL_TRANSPORT), Some(&Value::from("handler")));
    let tts = spans.iter().find(|s| s.name == n::SPAN_TTS).unwrap();
    assert_eq!(attr(tts, n::TTS_TEXT_LEN), Some(&Value::I64(SECRET_AGENT.chars().count() as i64)));
    assert_eq!(attr(tts, n::COST_TTS_CHARS), Some(&Value::I64(SECRET_AGENT.chars().count() as i64)));
    assert_eq!(attr(tts, n::TTS_PROVIDER), Some(&Value::from("elevenlabs")));
    let b = spans.iter().find(|s| s.name == n::SPAN_BARGEIN).unwrap();
    assert_eq!(attr(b, n::BARGEIN_CANCELLED_TEXT_LEN), Some(&Value::I64(SECRET_CANCELLED.chars().count() as i64)));
    // Turn 1: user stopped speaking at the endpoint start (t=400ms), first audio at
    // t=400+200+200+40+100+80 = 1020ms → TTFB 620ms.
    let t1 = turns.iter().find(|t| attr(t, n::TURN_NUMBER) == Some(&Value::I64(1))).unwrap();
    assert_eq!(attr(t1, n::LATENCY_TTFB_MS), Some(&Value::F64(620.0)));
    assert_eq!(attr(t1, n::LATENCY_TURN_MS), Some(&Value::F64(1420.0)));
    assert_eq!(attr(t1, n::TURN_INTERRUPTED), Some(&Value::Bool(false)));
    let t2 = turns.iter().find(|t| attr(t, n::TURN_NUMBER) == Some(&Value::I64(2))).unwrap();
    assert_eq!(attr(t2, n::TURN_INTERRUPTED), Some(&Value::Bool(true)));
    assert_eq!(attr(t2, n::PATTER_SIDE), Some(&Value::from("uut")));
}

#[test]
fn no_text_ever_becomes_an_attribute() {
    collector();
    let (opts, clock) = manual("pii-1", 12);
    scripted_call(opts, &clock);
    let spans = spans_of("pii-1");
    assert!(!spans.is_empty());
    for s in &spans {
        for kv in &s.attributes {
            let v = kv.value.to_string();
            for secret in [
                SECRET_USER,
                SECRET_AGENT,
                SECRET_TOOL_ARGS,
                SECRET_TOOL_RESULT,
                SECRET_CANCELLED,
                "4111",
                "ACCT-998877",
                "9876",
                "Smith",
            ] {
                assert!(!v.contains(secret), "{} attribute {} leaks {secret:?}", s.name, kv.key);
            }
        }
    }
}

#[test]
fn deterministic_clock_and_ids_give_identical_bytes() {
    collector();
    let render = |id: &str| {
        let spans = spans_of(id);
        crate::tracing::encode::to_protobuf(spans, &crate::tracing::encode::SpanResource::default())
    };
    let (o1, c1) = manual("det-1", 99);
    scripted_call(o1, &c1);
    let (o2, c2) = manual("det-1", 99);
    // Second run under the same id: collect separately by clearing between runs.
    let first = render("det-1");
    collector().0.lock().unwrap().retain(|s| attr(s, n::CALL_ID) != Some(&Value::from("det-1")));
    scripted_call(o2, &c2);
    let second = render("det-1");
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn misuse_never_panics() {
    collector();
    let (opts, _clock) = manual("misuse-1", 13);
    let call = Call::start(opts).unwrap();
    let mut llm = call.llm("openai", None, 0).unwrap();
    assert!(matches!(llm.first_byte(), Err(PatterError::InvalidArgument { .. })));
    llm.end();
    llm.end();
    assert!(matches!(llm.first_token(), Err(PatterError::State(_))));
    let open_tts = call.tts("cartesia", "hi", None).unwrap();
    call.end(CallOutcome::Failed("stt_connection".into())).unwrap();
    assert!(matches!(call.end(CallOutcome::Completed), Err(PatterError::State(_))));
    assert!(matches!(call.stt("deepgram", None), Err(PatterError::State(_))));
    assert!(matches!(call.start_turn(), Err(PatterError::State(_))));
    drop(open_tts);
    let spans = spans_of("misuse-1");
    let call_span = spans.iter().find(|s| s.name == n::SPAN_CALL).unwrap();
    assert!(matches!(call_span.status, Status::Error { .. }));
    let tts = spans.iter().find(|s| s.name == n::SPAN_TTS).unwrap();
    assert!(matches!(tts.status, Status::Error { .. }), "open child is ended by the call's end");
}

#[test]
fn dropped_call_is_abandoned_and_closed() {
    collector();
    let (opts, _clock) = manual("drop-1", 14);
    let call = Call::start(opts).unwrap();
    let stt = call.stt("deepgram", None).unwrap();
    drop(stt);
    drop(call);
    let spans = spans_of("drop-1");
    assert_eq!(spans.iter().filter(|s| s.name == n::SPAN_CALL).count(), 1);
    let c = spans.iter().find(|s| s.name == n::SPAN_CALL).unwrap();
    assert_eq!(attr(c, n::CALL_STATUS), Some(&Value::from("abandoned")));
}

#[test]
fn bad_arguments_are_clear_errors() {
    let (mut opts, _) = manual("", 1);
    assert!(matches!(Call::start(opts.clone()), Err(PatterError::InvalidArgument { name: "call_id", .. })));
    opts.call_id = "x".repeat(crate::error::MAX_ID_BYTES + 1);
    assert!(Call::start(opts.clone()).is_err());
    opts.call_id = "ok".into();
    opts.provider_mode = String::new();
    assert!(matches!(Call::start(opts.clone()), Err(PatterError::InvalidArgument { name: "provider_mode", .. })));
    opts.provider_mode = "pipeline".into();
    let call = Call::start(opts).unwrap();
    assert!(call.stt("", None).is_err());
    assert!(call.tool("t", "", "{}").is_err());
    let mut ep = call.endpoint().unwrap();
    assert!(ep.silence_ms(f64::NAN).is_err());
    assert!(ep.silence_ms(-1.0).is_err());
    assert!(Direction::parse("sideways").is_err());
}

#[test]
fn concurrent_calls_keep_their_spans_apart() {
    collector();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let mut o = CallOptions::new(format!("conc-{i}"), Direction::Inbound, "pipeline");
                o.logger = Some(CallLogger::disabled());
                let call = Call::start(o).unwrap();
                for _ in 0..5 {
                    let mut s = call.stt("deepgram", None).unwrap();
                    s.transcript("hello", None, 1.0).unwrap();
                    s.end();
                    call.tts("openai", "hi there", None).unwrap().end();
                    call.end_turn().unwrap();
                }
                call.end(CallOutcome::Completed).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for i in 0..16 {
        let spans = spans_of(&format!("conc-{i}"));
        assert_eq!(spans.len(), 1 + 5 * 3, "conc-{i}");
        let trace = spans[0].span_context.trace_id();
        assert!(spans.iter().all(|s| s.span_context.trace_id() == trace));
    }
}

#[test]
fn shared_names_are_reused_and_bounded() {
    let mut st = CallState::new(None);
    let a = st.shared_value("openai");
    let b = st.shared_value("openai");
    assert_eq!(a.as_str(), "openai");
    assert_eq!(st.shared_values.len(), 1, "the same name was stored twice");
    assert_eq!(a, b);
    for i in 0..2 * SHARED_VALUES {
        let name = format!("model-{i}");
        assert_eq!(st.shared_value(&name).as_str(), name);
    }
    assert_eq!(st.shared_values.len(), SHARED_VALUES);
}

#[test]
fn llm_spans_name_their_own_model_when_models_vary() {
    let _c = collector();
    let (o, _clock) = manual("CA-models", 77);
    let call = Call::start(o).unwrap();
    for i in 0..(SHARED_VALUES + 3) {
        let mut s = call.llm("openai", Some(&format!("gpt-x-{i}")), 0).unwrap();
        s.usage(1, 1, 0).unwrap();
        s.end();
    }
    call.end(CallOutcome::Completed).unwrap();
    let models: Vec<String> = spans_of("CA-models")
        .iter()
        .filter(|s| s.name == n::SPAN_LLM)
        .map(|s| attr(s, n::GEN_AI_REQUEST_MODEL).expect("model attribute").as_str().into_owned())
        .collect();
    let expected: Vec<String> = (0..(SHARED_VALUES + 3)).map(|i| format!("gpt-x-{i}")).collect();
    assert_eq!(models, expected);
}

#[test]
fn genai_keys_and_dollars_on_spans() {
    collector();
    let (opts, clock) = manual("genai-1", 31);
    let end = scripted_call(opts, &clock);
    let spans = spans_of("genai-1");
    for s in &spans {
        assert_eq!(attr(s, n::GEN_AI_CONVERSATION_ID), Some(&Value::from("genai-1")), "{}", s.name);
        let want = match s.name.as_ref() {
            n::SPAN_LLM => n::KIND_LLM,
            n::SPAN_TOOL => n::KIND_TOOL,
            _ => n::KIND_CHAIN,
        };
        assert_eq!(attr(s, n::OPENINFERENCE_SPAN_KIND), Some(&Value::from(want)), "{}", s.name);
    }
    let stt = spans.iter().find(|s| s.name == n::SPAN_STT).unwrap();
    assert_eq!(attr(stt, n::GEN_AI_OPERATION_NAME), Some(&Value::from("stt")));
    assert_eq!(attr(stt, n::GEN_AI_PROVIDER_NAME), Some(&Value::from("deepgram")));
    assert_eq!(attr(stt, n::GEN_AI_REQUEST_MODEL), Some(&Value::from("nova-3")));
    let price = |f: &dyn Fn(&mut crate::pricing::CostMeter) -> f64| {
        crate::pricing::round_usd(f(&mut crate::pricing::CostMeter::new(PricingTable::defaults())))
    };
    assert_eq!(attr(stt, n::COST_USD), Some(&Value::F64(price(&|m| m.add_stt("deepgram", Some("nova-3"), 2.5)))));
    let tts: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_TTS).collect();
    assert_eq!(attr(tts[0], n::GEN_AI_OPERATION_NAME), Some(&Value::from("tts")));
    assert_eq!(attr(tts[0], n::GEN_AI_REQUEST_MODEL), Some(&Value::from("eleven_flash_v2_5")));
    assert_eq!(attr(tts[1], n::GEN_AI_REQUEST_MODEL), None);
    let chars = SECRET_AGENT.chars().count() as u64;
    let tts_usd = price(&|m| m.add_tts("elevenlabs", Some("eleven_flash_v2_5"), chars));
    assert!(tts_usd > 0.0);
    assert_eq!(attr(tts[0], n::COST_USD), Some(&Value::F64(tts_usd)));
    let llms: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_LLM).collect();
    assert_eq!(attr(llms[0], n::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS), None, "no cached input, no key");
    assert_eq!(attr(llms[1], n::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS), Some(&Value::I64(64)));
    assert_eq!(attr(llms[1], n::GEN_AI_USAGE_INPUT_TOKENS), Some(&Value::I64(214)));
    let llm_usd = price(&|m| m.add_llm("openai", Some("gpt-4o-mini"), 150, 30, 64));
    assert_eq!(attr(llms[1], n::COST_USD), Some(&Value::F64(llm_usd)));
    let tool = spans.iter().find(|s| s.name == n::SPAN_TOOL).unwrap();
    assert_eq!(attr(tool, n::GEN_AI_OPERATION_NAME), Some(&Value::from("execute_tool")));
    assert_eq!(attr(tool, n::GEN_AI_TOOL_NAME), Some(&Value::from("get_balance")));
    assert_eq!(attr(tool, n::GEN_AI_TOOL_CALL_ID), None);
    assert_eq!(attr(tool, n::COST_USD), None, "a tool is not billed");
    let call = spans.iter().find(|s| s.name == n::SPAN_CALL).unwrap();
    assert_eq!(attr(call, n::COST_USD), Some(&Value::F64(end.cost.total)));
    let turns: Vec<_> = spans.iter().filter(|s| s.name == n::SPAN_TURN).collect();
    let turn_sum: f64 = turns
        .iter()
        .map(|t| attr(t, n::COST_USD).and_then(|v| if let Value::F64(f) = v { Some(*f) } else { None }).unwrap())
        .sum();
    // The turns' services plus telephony make the call's total.
    assert!(
        (turn_sum + end.cost.telephony - end.cost.total).abs() < 2e-6,
        "{turn_sum} + {} vs {}",
        end.cost.telephony,
        end.cost.total
    );
}

#[test]
fn optional_bargein_and_tool_arguments() {
    collector();
    let (opts, _clock) = manual("genai-2", 32);
    let call = Call::start(opts).unwrap();
    let bad = call.bargein_with("x", Some(f64::NAN)).unwrap_err();
    assert_eq!(bad, PatterError::invalid("audio_played_ms", "must be a finite number >= 0, got NaN"));
    assert_eq!(call.current_turn(), None, "a bad argument starts nothing");
    assert!(matches!(
        call.tool_with("t", None, "", Some("")),
        Err(PatterError::InvalidArgument { name: "tool_call_id", .. })
    ));
    let mut tool = call.tool_with("lookup", None, "{}", Some("call_abc123")).unwrap();
    assert!(matches!(tool.audio_played_ms(1.0), Err(PatterError::InvalidArgument { name: "span", .. })));
    tool.end();
    assert!(matches!(tool.tool_call_id("x"), Err(PatterError::State(_))));
    let mut b = call.bargein_with("and then", Some(1250.0)).unwrap();
    assert!(matches!(b.tool_call_id("x"), Err(PatterError::InvalidArgument { name: "span", .. })));
    b.end();
    call.end(CallOutcome::Completed).unwrap();
    let spans = spans_of("genai-2");
    let tool = spans.iter().find(|s| s.name == n::SPAN_TOOL).unwrap();
    assert_eq!(attr(tool, n::GEN_AI_TOOL_CALL_ID), Some(&Value::from("call_abc123")));
    let b = spans.iter().find(|s| s.name == n::SPAN_BARGEIN).unwrap();
    assert_eq!(attr(b, n::BARGEIN_AUDIO_PLAYED_MS), Some(&Value::F64(1250.0)));
}

pub(super) const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn a_traceparent_makes_the_call_a_remote_child() {
    collector();
    let (mut opts, _clock) = manual("tp-1", 33);
    opts.traceparent = Some(PARENT.into());
    opts.tracestate = Some("congo=t61rcWkgMzE".into());
    let call = Call::start(opts).unwrap();
    let header = call.traceparent().unwrap().to_string();
    assert!(header.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && header.ends_with("-01"), "{header}");
    assert_eq!(call.trace_id(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    let stt = call.stt("deepgram", None).unwrap();
    let stt_header = stt.traceparent().unwrap();
    drop(stt);
    call.end(CallOutcome::Completed).unwrap();
    let spans = spans_of("tp-1");
    let root = spans.iter().find(|s| s.name == n::SPAN_CALL).unwrap();
    assert_eq!(root.parent_span_id, opentelemetry::trace::SpanId::from_hex("00f067aa0ba902b7").unwrap());
    assert!(root.parent_span_is_remote);
    assert_eq!(header, span_header(&root.span_context));
    let stt = spans.iter().find(|s| s.name == n::SPAN_STT).unwrap();
    assert_eq!(stt_header, span_header(&stt.span_context));
    for s in &spans {
        assert_eq!(s.span_context.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(s.span_context.trace_state().header(), "congo=t61rcWkgMzE");
        assert!(s.name == n::SPAN_CALL || !s.parent_span_is_remote);
    }
}

#[test]
fn a_parent_not_sampled_records_nothing_but_costs() {
    collector();
    let unsampled = PARENT.replace("-01", "-00");
    let (mut opts, _clock) = manual("tp-2", 34);
    opts.traceparent = Some(unsampled.clone());
    let call = Call::start(opts).unwrap();
    assert!(!call.is_recording());
    assert_eq!(call.trace_id(), None);
    assert_eq!(call.traceparent(), Some(unsampled.as_str()));
    let tts = call.tts("elevenlabs", "Hello there.", None).unwrap();
    assert_eq!(tts.traceparent().as_deref(), Some(unsampled.as_str()));
    drop(tts);
    let end = call.end(CallOutcome::Completed).unwrap();
    assert_eq!(end.cost.tts, 0.0006);
    assert!(spans_of("tp-2").is_empty());
    // The host's context is used only without an explicit header, and only when valid.
    let (mut opts, _clock) = manual("tp-3", 35);
    opts.host_context = Some(HostContext::from_hex("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0, None));
    let call = Call::start(opts).unwrap();
    assert!(!call.is_recording());
    call.end(CallOutcome::Completed).unwrap();
    let (mut opts, _clock) = manual("tp-4", 36);
    opts.host_context = Some(HostContext::from_ints(0, 0, 1, None));
    let call = Call::start(opts).unwrap();
    assert!(call.is_recording() && call.traceparent().is_some());
    call.end(CallOutcome::Completed).unwrap();
    let (mut opts, _clock) = manual("tp-5", 37);
    opts.traceparent = Some("00-bad".into());
    assert!(matches!(Call::start(opts), Err(PatterError::InvalidArgument { name: "traceparent", .. })));
}

//! Unit tests of the Call: span tree, attributes, timing, PII hygiene, misuse.

use super::*;
use crate::clock::{ManualClock, SequentialIds};
use crate::records::Direction;
use crate::tracing::{attach_span_exporter, force_flush, SpanBatch, SpanCallback};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::time::Duration;

/// Collects every exported span; tests filter by their own call id.
struct Collector(Mutex<Vec<SpanData>>);

impl SpanCallback for Collector {
    fn export(&self, batch: &SpanBatch<'_>) -> std::result::Result<(), String> {
        self.0.lock().unwrap().extend(batch.spans().iter().cloned());
        Ok(())
    }
}

fn collector() -> Arc<Collector> {
    static C: OnceLock<Arc<Collector>> = OnceLock::new();
    C.get_or_init(|| {
        let c = Arc::new(Collector(Mutex::new(Vec::new())));
        attach_span_exporter(c.clone(), None).unwrap();
        c
    })
    .clone()
}

fn spans_of(call_id: &str) -> Vec<SpanData> {
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

fn attr<'a>(s: &'a SpanData, key: &str) -> Option<&'a Value> {
    s.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn manual(id: &str, seed: u64) -> (CallOptions, Arc<ManualClock>) {
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

//! Conformance runner for Rust: reads a scenario (tests/conformance/scenarios/*.json) and
//! drives patter-core's public API step by step with a manual clock and seeded ids.
//! Tracing, the call log and their destinations come from the environment the harness sets.
//!
//! Usage: `conformance_runner SCENARIO.json`

use patter_core::call::{Call, CallOptions, CallOutcome, Span};
use patter_core::calllog::CallLogger;
use patter_core::clock::{ManualClock, SequentialIds, Timestamp};
use patter_core::records::{AgentInfo, Direction};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn req<'a>(v: &'a Value, k: &str) -> &'a str {
    s(v, k).unwrap_or_else(|| panic!("scenario: missing string {k:?} in {v}"))
}

fn num(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or_else(|| panic!("scenario: missing number {k:?} in {v}"))
}

fn uint(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: conformance_runner SCENARIO.json");
    let text = std::fs::read_to_string(&path).expect("read scenario");
    let sc: Value = serde_json::from_str(&text).expect("scenario is JSON");
    let start_ms = sc["start_ms"].as_u64().expect("start_ms");
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(start_ms)));
    patter_core::tracing::init_tracing(&Default::default()).expect("init_tracing");
    let logger = CallLogger::from_env();

    let c = &sc["call"];
    let mut o = CallOptions::new(req(c, "call_id"), Direction::parse(req(c, "direction")).expect("direction"), req(c, "provider_mode"));
    o.side = s(c, "side").map(str::to_string);
    o.caller = s(c, "caller").map(str::to_string);
    o.callee = s(c, "callee").map(str::to_string);
    o.telephony_provider = s(c, "telephony_provider").map(str::to_string);
    if let Some(rt) = c.get("realtime") {
        o.realtime_provider = s(rt, "provider").map(str::to_string);
        o.realtime_model = s(rt, "model").map(str::to_string);
    }
    if let Some(a) = c.get("agent") {
        let g = |k: &str| s(a, k).map(str::to_string);
        o.agent = AgentInfo {
            provider: g("provider"),
            model: g("model"),
            voice: g("voice"),
            language: g("language"),
            stt_provider: g("stt_provider"),
            tts_provider: g("tts_provider"),
            llm_provider: g("llm_provider"),
        };
    }
    o.clock = Some(clock.clone());
    o.ids = Some(Arc::new(SequentialIds::new(sc["seed"].as_u64().unwrap_or(1))));
    o.logger = Some(logger.clone());
    let call = Call::start(o).expect("start call");

    let mut spans: HashMap<String, Span> = HashMap::new();
    for ev in sc["events"].as_array().expect("events") {
        clock.set(Timestamp::from_millis(start_ms + ev["at"].as_u64().expect("at")));
        let op = req(ev, "op");
        let name = || req(ev, "span").to_string();
        let span = |spans: &mut HashMap<String, Span>| -> Span { spans.remove(req(ev, "span")).expect("known span") };
        match op {
            "start_turn" => {
                call.start_turn().expect("start_turn");
            }
            "end_turn" => call.end_turn().expect("end_turn"),
            "stt" => {
                spans.insert(name(), call.stt(req(ev, "provider"), s(ev, "model")).expect("stt"));
            }
            "endpoint" => {
                spans.insert(name(), call.endpoint().expect("endpoint"));
            }
            "llm" => {
                spans.insert(name(), call.llm(req(ev, "provider"), s(ev, "model"), uint(ev, "history_size")).expect("llm"));
            }
            "tts" => {
                spans.insert(name(), call.tts(req(ev, "provider"), req(ev, "text"), s(ev, "model")).expect("tts"));
            }
            "bargein" => {
                spans.insert(name(), call.bargein(req(ev, "cancelled_text")).expect("bargein"));
            }
            "tool" => {
                spans.insert(name(), call.tool(req(ev, "name"), req(ev, "transport"), req(ev, "arguments")).expect("tool"));
            }
            "transcript" => {
                let mut sp = span(&mut spans);
                sp.transcript(req(ev, "text"), ev.get("confidence").and_then(Value::as_f64), num(ev, "audio_seconds")).expect("transcript");
                spans.insert(name(), sp);
            }
            "silence" => spans.get_mut(req(ev, "span")).expect("span").silence_ms(num(ev, "ms")).expect("silence"),
            "first_token" => spans.get_mut(req(ev, "span")).expect("span").first_token().expect("first_token"),
            "first_byte" => spans.get_mut(req(ev, "span")).expect("span").first_byte().expect("first_byte"),
            "usage" => spans
                .get_mut(req(ev, "span"))
                .expect("span")
                .usage(uint(ev, "input_tokens"), uint(ev, "output_tokens"), uint(ev, "cached_input_tokens"))
                .expect("usage"),
            "tool_result" => spans.get_mut(req(ev, "span")).expect("span").tool_result(req(ev, "result")).expect("tool_result"),
            "fail" => spans.get_mut(req(ev, "span")).expect("span").fail(req(ev, "code")).expect("fail"),
            "end" => span(&mut spans).end(),
            "error" => call
                .error(req(ev, "code"), req(ev, "message"), ev.get("fatal").and_then(Value::as_bool).unwrap_or(false))
                .expect("error"),
            "end_call" => {
                let outcome = match req(ev, "outcome") {
                    "completed" => CallOutcome::Completed,
                    _ => CallOutcome::Failed(req(ev, "error").to_string()),
                };
                call.end(outcome).expect("end_call");
            }
            other => panic!("scenario: unknown op {other:?}"),
        }
    }
    patter_core::tracing::shutdown_tracing();
    logger.flush();
}

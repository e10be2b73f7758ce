//! Conformance runner for Rust: reads a scenario (tests/conformance/scenarios/*.json) and
//! drives patter-core's public API step by step with a manual clock and seeded ids.
//! Tracing, the call log and their destinations come from the environment the harness sets.
//!
//! Usage: `conformance_runner SCENARIO.json`

use patter_core::call::{Call, CallOptions, CallOutcome, LlmRecord, Span};
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

/// A number field: absent is None; a JSON number, or "NaN" / "inf" / "-inf" (what JSON cannot
/// carry), the same encoding in every runner.
fn opt_num(v: &Value, k: &str) -> Option<f64> {
    match v.get(k)? {
        Value::String(t) => Some(match t.as_str() {
            "NaN" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("scenario: bad number {other:?}"),
        }),
        n => Some(n.as_f64().unwrap_or_else(|| panic!("scenario: bad number {k:?} in {v}"))),
    }
}

fn num(v: &Value, k: &str) -> f64 {
    opt_num(v, k).unwrap_or_else(|| panic!("scenario: missing number {k:?} in {v}"))
}

/// An integer field (absent: None).
fn opt_uint(v: &Value, k: &str) -> Option<u64> {
    v.get(k).map(|n| n.as_u64().unwrap_or_else(|| panic!("scenario: bad integer {k:?} in {v}")))
}

/// The canonical name of an error's kind, as every runner writes it.
fn code(e: &patter_core::PatterError) -> &'static str {
    match e {
        patter_core::PatterError::InvalidArgument { .. } => "invalid_argument",
        patter_core::PatterError::State(_) => "state",
        _ => "other",
    }
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
    let mut o = CallOptions::new(
        req(c, "call_id"),
        Direction::parse(req(c, "direction")).expect("direction"),
        req(c, "provider_mode"),
    );
    o.side = s(c, "side").map(str::to_string);
    o.caller = s(c, "caller").map(str::to_string);
    o.callee = s(c, "callee").map(str::to_string);
    o.telephony_provider = s(c, "telephony_provider").map(str::to_string);
    o.traceparent = s(c, "traceparent").map(str::to_string);
    o.tracestate = s(c, "tracestate").map(str::to_string);
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
    let call = Call::start(o.clone()).expect("start call");

    let mut spans: HashMap<String, Span> = HashMap::new();
    for ev in sc["events"].as_array().expect("events") {
        clock.set(Timestamp::from_millis(start_ms + ev["at"].as_u64().expect("at")));
        let op = req(ev, "op");
        let name = || req(ev, "span").to_string();
        let span = |spans: &mut HashMap<String, Span>| -> Span { spans.remove(req(ev, "span")).expect("known span") };
        let outcome: patter_core::Result<()> = (|| {
            match op {
                "start_duplicate" => {
                    Call::start(o.clone())?;
                }
                "start_other" => {
                    let mut other = CallOptions::new(req(ev, "call_id"), o.direction, o.provider_mode.clone());
                    other.traceparent = s(ev, "traceparent").map(str::to_string);
                    other.tracestate = s(ev, "tracestate").map(str::to_string);
                    other.clock = o.clock.clone();
                    other.ids = Some(Arc::new(SequentialIds::new(99)));
                    other.logger = Some(logger.clone());
                    Call::start(other)?;
                }
                "traceparent" => {
                    let header = match s(ev, "span") {
                        Some(name) => spans.get(name).expect("span").traceparent(),
                        None => call.traceparent().map(str::to_string),
                    };
                    let mut data = serde_json::Map::new();
                    data.insert("of".into(), s(ev, "span").unwrap_or("call").into());
                    data.insert("traceparent".into(), header.map(Value::from).unwrap_or(Value::Null));
                    call.event("traceparent", data)?;
                }
                "audio_played" => spans.get_mut(req(ev, "span")).expect("span").audio_played_ms(num(ev, "ms"))?,
                "start_turn" => {
                    call.start_turn()?;
                }
                "end_turn" => call.end_turn()?,
                "stt" => {
                    spans.insert(name(), call.stt(req(ev, "provider"), s(ev, "model"))?);
                }
                "endpoint" => {
                    spans.insert(name(), call.endpoint()?);
                }
                "llm" => {
                    spans.insert(name(), call.llm(req(ev, "provider"), s(ev, "model"), opt_uint(ev, "history_size"))?);
                }
                "record_llm" => call.record_llm(
                    req(ev, "provider"),
                    num(ev, "duration_ms"),
                    LlmRecord {
                        model: s(ev, "model"),
                        history_size: opt_uint(ev, "history_size"),
                        ttft_ms: opt_num(ev, "ttft_ms"),
                        input_tokens: opt_uint(ev, "input_tokens"),
                        output_tokens: opt_uint(ev, "output_tokens"),
                        cached_input_tokens: opt_uint(ev, "cached_input_tokens"),
                    },
                )?,
                "tts" => {
                    spans.insert(name(), call.tts(req(ev, "provider"), req(ev, "text"), s(ev, "model"))?);
                }
                "bargein" => {
                    spans.insert(name(), call.bargein_with(req(ev, "cancelled_text"), opt_num(ev, "audio_played_ms"))?);
                }
                "tool" => {
                    spans.insert(
                        name(),
                        call.tool_with(
                            req(ev, "name"),
                            s(ev, "transport"),
                            s(ev, "arguments").unwrap_or(""),
                            s(ev, "tool_call_id"),
                        )?,
                    );
                }
                "transcript" => spans.get_mut(req(ev, "span")).expect("span").transcript(
                    req(ev, "text"),
                    opt_num(ev, "confidence"),
                    opt_num(ev, "audio_seconds"),
                )?,
                "silence" => spans.get_mut(req(ev, "span")).expect("span").silence_ms(num(ev, "ms"))?,
                "first_token" => spans.get_mut(req(ev, "span")).expect("span").first_token()?,
                "first_byte" => spans.get_mut(req(ev, "span")).expect("span").first_byte()?,
                "usage" => spans.get_mut(req(ev, "span")).expect("span").usage(
                    opt_uint(ev, "input_tokens").unwrap_or(0),
                    opt_uint(ev, "output_tokens").unwrap_or(0),
                    opt_uint(ev, "cached_input_tokens"),
                )?,
                "tool_result" => spans.get_mut(req(ev, "span")).expect("span").tool_result(req(ev, "result"))?,
                "fail" => spans.get_mut(req(ev, "span")).expect("span").fail(req(ev, "code"))?,
                "end" => span(&mut spans).end(),
                "error" => call.error(
                    req(ev, "code"),
                    req(ev, "message"),
                    ev.get("fatal").and_then(Value::as_bool).unwrap_or(false),
                )?,
                "end_call" => {
                    let outcome = match req(ev, "outcome") {
                        "completed" => CallOutcome::Completed,
                        _ => CallOutcome::Failed(req(ev, "error").to_string()),
                    };
                    call.end(outcome)?;
                }
                other => panic!("scenario: unknown op {other:?}"),
            }
            Ok(())
        })();
        match (outcome, s(ev, "expect_error")) {
            (Ok(()), None) => {}
            (Err(e), Some(want)) if code(&e) == want => {
                let mut data = serde_json::Map::new();
                data.insert("op".into(), op.into());
                data.insert("code".into(), want.into());
                data.insert("message".into(), e.to_string().into());
                call.event("expected_error", data).expect("expected_error event");
            }
            (Ok(()), Some(want)) => panic!("scenario: {op} at {} succeeded; expected {want}", ev["at"]),
            (Err(e), _) => panic!("scenario: {op} at {} failed: {e}", ev["at"]),
        }
    }
    patter_core::tracing::shutdown_tracing();
    logger.flush();
}

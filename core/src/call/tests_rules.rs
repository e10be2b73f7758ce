//! Unit tests of the argument rules as the Call applies them (see `crate::rules`): bad numbers
//! are `InvalidArgument` naming the argument and change nothing; totals never wrap; omitted
//! options get the core's defaults; a second live call with the same id and side is rejected.

use super::*;
use crate::calllog::CallLogger;

fn quiet(id: &str) -> Call {
    let mut o = CallOptions::new(id, crate::records::Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    o.store = Some(Arc::new(MetricsStore::new(10)));
    Call::start(o).unwrap()
}

fn invalid_on<T: std::fmt::Debug>(r: Result<T>, arg: &str) {
    match r {
        Err(PatterError::InvalidArgument { name, .. }) => assert_eq!(name, arg),
        other => panic!("expected InvalidArgument on {arg}, got {other:?}"),
    }
}

#[test]
fn transcript_rejects_bad_seconds_and_confidence_and_changes_nothing() {
    let call = quiet("rules-transcript");
    let mut s = call.stt("deepgram", None).unwrap();
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        invalid_on(s.transcript("hi", None, v), "audio_seconds");
    }
    for c in [f64::NAN, 2.0, -0.5, f64::INFINITY] {
        invalid_on(s.transcript("hi", Some(c), 1.0), "confidence");
    }
    assert_eq!(call.usage().stt_seconds, 0.0);
    // Omitted seconds and confidence are fine: billed 0.
    s.transcript("hi", None, None).unwrap();
    s.transcript("hi", Some(1.0), 2.5).unwrap();
    assert_eq!(call.usage().stt_seconds, 2.5);
}

#[test]
fn silence_and_history_follow_the_rules() {
    let call = quiet("rules-silence");
    let mut e = call.endpoint().unwrap();
    invalid_on(e.silence_ms(f64::NAN), "silence_ms");
    invalid_on(e.silence_ms(-5.0), "silence_ms");
    e.silence_ms(0.0).unwrap();
    invalid_on(call.llm("openai", None, crate::rules::MAX_COUNT + 1), "history_size");
    call.llm("openai", None, None).unwrap();
}

#[test]
fn token_totals_never_wrap() {
    let call = quiet("rules-tokens");
    let mut l = call.llm("openai", Some("gpt-4o-mini"), 0).unwrap();
    let half = 1u64 << 52;
    l.usage(half, 0, None).unwrap();
    invalid_on(l.usage(half, 0, 0), "input_tokens");
    invalid_on(l.usage(1u64 << 62, 0, 0), "input_tokens");
    invalid_on(l.usage(0, 0, u64::MAX), "cached_input_tokens");
    let u = call.usage();
    assert_eq!((u.llm_input_tokens, u.llm_output_tokens, u.llm_cached_input_tokens), (half, 0, 0));
    l.usage(half - 1, 7, None).unwrap();
    assert_eq!(call.usage().llm_input_tokens, crate::rules::MAX_COUNT);
}

#[test]
fn tool_transport_defaults_in_core() {
    let mut o = CallOptions::new("rules-tool", crate::records::Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let store = Arc::new(MetricsStore::new(10));
    o.store = Some(store.clone());
    let call = Call::start(o).unwrap();
    call.tool("lookup", None, "{}").unwrap().end();
    let rec = store.get_call("rules-tool").unwrap();
    let ev = serde_json::to_value(&rec.events).unwrap();
    assert!(ev.to_string().contains("\"transport\":\"handler\""), "{ev}");
}

#[test]
fn realtime_model_needs_a_provider() {
    let mut o = CallOptions::new("rules-rt", crate::records::Direction::Inbound, "openai_realtime");
    o.logger = Some(CallLogger::disabled());
    o.realtime_model = Some("gpt-realtime".into());
    invalid_on(Call::start(o), "realtime_model");
}

#[test]
fn a_second_live_call_with_the_same_id_and_side_is_rejected() {
    let first = quiet("rules-dup");
    let mut o = CallOptions::new("rules-dup", crate::records::Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    invalid_on(Call::start(o.clone()), "call_id");
    // Another side is another call.
    let mut other = o.clone();
    other.side = Some("agent".into());
    let second_side = Call::start(other).unwrap();
    // Once the first has ended the id is free again; an abandoned call frees it too.
    first.end(CallOutcome::Completed).unwrap();
    let again = Call::start(o.clone()).unwrap();
    drop(again);
    Call::start(o).unwrap().end(CallOutcome::Completed).unwrap();
    second_side.end(CallOutcome::Completed).unwrap();
}

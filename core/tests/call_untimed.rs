//! A call nobody records (no tracing, no call log, no store) still accounts usage and cost,
//! while skipping clocks and texts (its own process: no exporter attached here).

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::records::Direction;

#[test]
fn untimed_call_still_counts_usage_and_turns() {
    let mut o = CallOptions::new("CA-untimed", Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let call = Call::start(o).unwrap();
    assert!(!call.is_recording());
    let mut stt = call.stt("deepgram", Some("nova-3")).unwrap();
    stt.transcript("hello there", Some(0.9), 60.0).unwrap();
    stt.end();
    let mut llm = call.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
    llm.first_token().unwrap();
    llm.usage(1_000_000, 0, 0).unwrap();
    llm.end();
    let mut tts = call.tts("elevenlabs", &"x".repeat(1000), None).unwrap();
    tts.first_byte().unwrap();
    tts.end();
    call.end_turn().unwrap();
    call.tts("elevenlabs", "bye", None).unwrap().end();
    let end = call.end(CallOutcome::Completed).unwrap();
    assert_eq!(end.turns, 2);
    assert_eq!(end.usage.tts_chars, 1003);
    assert_eq!(end.usage.stt_seconds, 60.0);
    assert_eq!(end.usage.llm_input_tokens, 1_000_000);
    assert_eq!(end.latency, None, "no timings are taken when nothing consumes them");
    // deepgram nova-3 $0.0048/min × 1 min; gpt-4o-mini $0.15/M input; elevenlabs $0.05/1k × 1.003k.
    assert_eq!(end.cost.stt, 0.0048);
    assert_eq!(end.cost.llm, 0.15);
    assert_eq!(end.cost.tts, 0.05015);
    assert_eq!(end.cost.total, 0.20495);
    assert!(call.tts("elevenlabs", "late", None).is_err());
}

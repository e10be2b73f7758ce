//! A call with a store and a call log: the live store sees it, and a fresh store hydrated from
//! the directory it wrote gets the same call back (writer and reader agree on the format).

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::{MapEnv, Persist};
use patter_core::records::Direction;
use patter_core::store::MetricsStore;
use std::sync::Arc;

#[test]
fn live_store_and_hydrated_store_agree() {
    let root = std::env::temp_dir().join(format!("patter-roundtrip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let logger = CallLogger::new(&Persist::Path(root.display().to_string()), &MapEnv::default()).unwrap();
    let store = Arc::new(MetricsStore::new(500));
    let mut o = CallOptions::new("CA-roundtrip", Direction::Outbound, "pipeline");
    o.logger = Some(logger.clone());
    o.store = Some(store.clone());
    o.telephony_provider = Some("twilio".into());
    o.caller = Some("+15555550123".into());
    let call = Call::start(o).unwrap();
    assert_eq!(store.get_active_calls().len(), 1);
    let mut stt = call.stt("deepgram", Some("nova-3")).unwrap();
    stt.transcript("What time is it?", Some(0.9), 1.5).unwrap();
    stt.end();
    let mut llm = call.llm("anthropic", Some("claude-haiku-4-5-20251001"), 2).unwrap();
    llm.first_token().unwrap();
    llm.usage(1200, 40, 0).unwrap();
    llm.end();
    let mut tts = call.tts("elevenlabs", "It is noon.", None).unwrap();
    tts.first_byte().unwrap();
    tts.end();
    let end = call.end(CallOutcome::Completed).unwrap();
    logger.flush();

    assert!(store.get_active_calls().is_empty());
    let live = store.get_call("CA-roundtrip").expect("live store has the call");
    assert_eq!(live.summary.cost, Some(end.cost));
    assert_eq!(live.summary.turns, 1);
    assert_eq!(live.transcript.len(), 2);
    assert_eq!(live.transcript[0].text, "What time is it?");
    assert_eq!(live.transcript[1].role, "assistant");

    let fresh = MetricsStore::new(500);
    assert_eq!(fresh.hydrate(&root), 1);
    assert_eq!(fresh.hydrate(&root), 0, "hydrate is idempotent");
    let back = fresh.get_call("CA-roundtrip").expect("hydrated");
    assert_eq!(back.summary.cost, Some(end.cost));
    assert_eq!(back.summary.turns, 1);
    assert_eq!(back.summary.status, "completed");
    assert_eq!(back.summary.caller.as_deref(), Some("***0123"), "disk keeps the redacted number");
    assert_eq!(
        back.transcript.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
        vec!["What time is it?", "It is noon."]
    );
    assert_eq!(fresh.get_aggregates().total_calls, 1);
    std::fs::remove_dir_all(&root).ok();
}

//! Tracing lifecycle in its own process: the env flag, the file sink (OTLP-JSON, one batch
//! per line), console, attach idempotency, shutdown flushing and being safe to repeat.

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::{MapEnv, TracingOptions};
use patter_core::records::Direction;
use patter_core::tracing::{self as tr, SpanBatch, SpanCallback};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Counting(AtomicUsize);
impl SpanCallback for Counting {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        self.0.fetch_add(batch.spans().len(), Ordering::SeqCst);
        Ok(())
    }
}

fn one_call(id: &str) {
    let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let call = Call::start(o).unwrap();
    let mut s = call.stt("deepgram", None).unwrap();
    s.transcript("hello", Some(0.5), 1.0).unwrap();
    s.end();
    call.end(CallOutcome::Completed).unwrap(); // call + turn + stt = 3 spans
}

#[test]
fn lifecycle() {
    // Without PATTER_OTEL_ENABLED nothing starts and calls record nothing.
    assert!(!tr::init_tracing_with_env(&TracingOptions::default(), &MapEnv::default()).unwrap());
    assert!(!tr::is_enabled());
    assert!(!tr::is_recording());
    tr::shutdown_tracing(); // without init: fine
    one_call("CA-off");
    assert_eq!(tr::stats().spans_ended, 0);

    // A bad endpoint is a clear configuration error.
    let env = MapEnv::from_pairs(&[("PATTER_OTEL_ENABLED", "true")]);
    let bad = TracingOptions { otlp_endpoint: Some("localhost:4318".into()), ..Default::default() };
    assert!(matches!(tr::init_tracing_with_env(&bad, &env), Err(patter_core::PatterError::Config { .. })));

    // File sink (the embedded default) with OTLP off.
    let dir = std::env::temp_dir().join(format!("patter-lifecycle-{}", std::process::id()));
    let file = dir.join("spans.jsonl");
    let opts = TracingOptions {
        service_name: Some("lifecycle".into()),
        disable_otlp: Some(true),
        file: Some(file.clone()),
        resource_attributes: vec![("team".into(), "voice".into())],
        ..Default::default()
    };
    assert!(tr::init_tracing_with_env(&opts, &env).unwrap());
    assert!(tr::init_tracing_with_env(&opts, &env).unwrap(), "init twice keeps the running config");
    assert!(tr::is_enabled());

    // Attaching the same exporter twice is a no-op.
    let counting = Arc::new(Counting(AtomicUsize::new(0)));
    let cb: Arc<dyn SpanCallback> = counting.clone();
    assert!(tr::attach_span_exporter(cb.clone(), Some("driver")).unwrap());
    assert!(!tr::attach_span_exporter(cb.clone(), None).unwrap());
    one_call("CA-on-1");
    assert!(tr::force_flush(Duration::from_secs(5)));
    assert_eq!(counting.0.load(Ordering::SeqCst), 3, "each span exported once to the attached exporter");
    let st = tr::stats();
    let per_sink: Vec<(String, u64)> = st.sinks.iter().map(|s| (s.name.clone(), s.exported)).collect();
    assert!(per_sink.iter().any(|(n, e)| n.starts_with("file:") && *e == 3), "file sink took 3: {per_sink:?}");
    assert!(per_sink.iter().any(|(n, e)| n.starts_with("callback:") && *e == 3), "callback took 3: {per_sink:?}");
    assert!(tr::detach_span_exporter(&cb));
    assert!(!tr::detach_span_exporter(&cb));
    one_call("CA-on-2");

    tr::shutdown_tracing();
    tr::shutdown_tracing();
    assert!(!tr::is_enabled());
    assert_eq!(counting.0.load(Ordering::SeqCst), 3);
    let st = tr::stats();
    assert_eq!(st.spans_ended, 6);
    assert_eq!(st.dropped, 0);
    assert_eq!(st.failed, 0);
    assert_eq!(st.exported, 6, "every ended span was accepted by every sink attached when it was exported");
    assert_eq!(st.discarded, 0);
    assert_eq!(st.pending, 0);
    assert_eq!(st.spans_ended, st.exported + st.dropped + st.failed + st.discarded);

    let text = std::fs::read_to_string(&file).unwrap();
    let mut spans = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is one OTLP-JSON request");
        let rs = &v["resourceSpans"][0];
        let attrs = rs["resource"]["attributes"].as_array().unwrap();
        assert_eq!(attrs[0]["key"], "service.name");
        assert_eq!(attrs[0]["value"]["stringValue"], "lifecycle");
        assert_eq!(attrs[1]["key"], "team");
        spans += rs["scopeSpans"][0]["spans"].as_array().unwrap().len();
    }
    assert_eq!(spans, 6);
    assert!(
        text.contains(r#"{"key":"patter.side","value":{"stringValue":"driver"}}"#),
        "the side given to attach_span_exporter became the default side of later calls"
    );
    std::fs::remove_dir_all(&dir).ok();

    // After shutdown, calls record nothing again.
    one_call("CA-after");
    assert_eq!(tr::stats().spans_ended, 6);
}

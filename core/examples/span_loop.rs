//! Profiling aid: makes N service spans on one call (`span_loop N [disabled][,noturn][,llm][,record][,metrics]`; a
//! turn ends every 10 spans unless `noturn`; `llm`: the LLM span of the binding benchmarks,
//! `llm(..)` + `first_token` + `usage` + `end`, instead of a TTS span; `record`: the same
//! iteration through `record_llm`; `metrics`: tracing initialised with its OTLP metrics on, as
//! the bindings' benchmarks run), e.g. under
//! `valgrind --tool=callgrind` to count instructions per span independently of machine load.
use patter_core::call::{Call, CallOptions, CallOutcome, LlmRecord};
use patter_core::calllog::CallLogger;
use patter_core::records::Direction;
use patter_core::tracing::{attach_span_exporter, SpanBatch, SpanCallback};
use std::sync::Arc;

struct Noop;
impl SpanCallback for Noop {
    fn export(&self, _b: &SpanBatch<'_>) -> Result<(), String> {
        Ok(())
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let mode = std::env::args().nth(2).unwrap_or_default();
    if mode.contains("metrics") {
        // Tracing and its OTLP metrics on, as the bindings' benchmarks run it (spans to a closed
        // local port: the caller's work is the same whatever the collector does).
        // `file`: spans to an OTLP-JSON file instead (the queue then never fills up with spans
        // a dead collector refused, which would charge the caller with dropping them).
        let opts = if mode.contains("file") {
            let path = std::env::temp_dir().join(format!("patter-span-loop-{}.jsonl", std::process::id()));
            patter_core::config::TracingOptions {
                disable_otlp: Some(true),
                file: Some(path),
                metrics: Some(true),
                ..Default::default()
            }
        } else {
            patter_core::config::TracingOptions {
                otlp_endpoint: Some("http://127.0.0.1:9".into()),
                metrics: Some(true),
                ..Default::default()
            }
        };
        std::env::set_var("PATTER_OTEL_ENABLED", "1");
        patter_core::tracing::init_tracing(&opts).expect("init_tracing");
    }
    attach_span_exporter(Arc::new(Noop), None).expect("attach");
    let mut o = CallOptions::new("CA-loop", Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    if mode.contains("disabled") {
        patter_core::tracing::shutdown_tracing();
    }
    let call = Call::start(o).expect("call");
    let turns = !mode.contains("noturn");
    let llm = mode.contains("llm");
    let record = mode.contains("record");
    let iteration = LlmRecord {
        model: Some("gpt-4o-mini"),
        history_size: Some(3),
        ttft_ms: Some(0.5),
        input_tokens: Some(412),
        output_tokens: Some(36),
        cached_input_tokens: None,
    };
    let (t, cpu) = (std::time::Instant::now(), thread_cpu_ns());
    for i in 0..n {
        if record {
            call.record_llm("openai", 1.0, iteration).expect("record_llm");
        } else if llm {
            let mut s = call.llm("openai", Some("gpt-4o-mini"), 3).expect("llm");
            s.first_token().expect("ft");
            s.usage(412, 36, None).expect("usage");
            s.end();
        } else {
            let mut s =
                call.tts("elevenlabs", "Your balance is twelve dollars.", Some("eleven_flash_v2_5")).expect("tts");
            s.first_byte().expect("fb");
            s.end();
        }
        if turns && i % 10 == 9 {
            call.end_turn().expect("turn");
        }
    }
    let cpu = thread_cpu_ns().zip(cpu).map(|(b, a)| (b - a) as f64 / n as f64);
    let cpu = cpu.map_or(String::new(), |c| format!(", {c:.1} ns/span on this thread's CPU"));
    let dropped = patter_core::tracing::stats().dropped;
    eprintln!("{:.1} ns/span{cpu}, {dropped} dropped", t.elapsed().as_nanos() as f64 / n as f64);
    call.end(CallOutcome::Completed).expect("end");
    patter_core::tracing::force_flush(std::time::Duration::from_secs(10));
}

/// This thread's time on a CPU so far (Linux `/proc/thread-self/schedstat`), when readable:
/// unlike the wall time, not inflated by other load on the machine.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

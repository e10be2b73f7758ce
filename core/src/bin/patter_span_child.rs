//! Test helper (not part of the library API): a process that ends spans into the file sink as
//! fast as it can, used by the span-file SIGKILL test (several of these append to one file and
//! are killed at random moments).
//!
//! `patter_span_child <spans.jsonl> <tag>`: tracing on, OTLP off, file sink at the path, two
//! threads making calls forever (the parent kills the process).

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::{MapEnv, TracingOptions};
use patter_core::records::Direction;
use std::time::Duration;

fn calls_forever(tag: String, thread: u32) {
    for n in 0u64.. {
        let mut o = CallOptions::new(format!("{tag}-t{thread}-c{n}"), Direction::Inbound, "pipeline");
        o.logger = Some(CallLogger::disabled());
        let Ok(call) = Call::start(o) else { return };
        for _ in 0..20 {
            if let Ok(mut s) = call.llm("openai", Some("gpt-4o-mini"), 1) {
                let _ = s.usage(100, 20, 0);
                s.end();
            }
        }
        let _ = call.end(CallOutcome::Completed);
        if n % 50 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(tag)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: patter_span_child <spans.jsonl> <tag>");
        std::process::exit(2);
    };
    // Big batches, so a killed writer is often in the middle of a ~1 MB line.
    let env = MapEnv::from_pairs(&[("PATTER_OTEL_ENABLED", "1"), ("PATTER_OTEL_MAX_BATCH", "512")]);
    let opts = TracingOptions { disable_otlp: Some(true), file: Some(path.into()), ..Default::default() };
    if !matches!(patter_core::tracing::init_tracing_with_env(&opts, &env), Ok(true)) {
        std::process::exit(3);
    }
    let threads: Vec<_> = (0..2)
        .map(|th| {
            let tag = tag.clone();
            std::thread::spawn(move || calls_forever(tag, th))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

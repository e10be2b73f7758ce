//! `make demo`: one simulated multi-turn call through libpatter.
//!
//! Spans go to the OTLP endpoint when `PATTER_OTEL_ENABLED=1` and `OTEL_EXPORTER_OTLP_ENDPOINT`
//! are set; otherwise to the embedded default sinks: the console (stderr) and an OTLP-JSON file
//! (`target/demo/spans.jsonl`). The call directory is written when `PATTER_LOG_DIR` is set.

#[path = "common/sim.rs"]
mod sim;

use patter_core::config::{is_truthy, Env, MapEnv, ProcessEnv, TracingOptions};
use std::time::Duration;

fn main() {
    let env = ProcessEnv;
    let to_collector =
        is_truthy(env.get("PATTER_OTEL_ENABLED").as_deref()) && env.get("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
    let spans_file = std::path::PathBuf::from(
        std::env::var("PATTER_DEMO_SPANS").unwrap_or_else(|_| "target/demo/spans.jsonl".into()),
    );
    // The service is named by `OTEL_SERVICE_NAME` like any app's, `patter-demo` when it is unset
    // (the local sinks below resolve against a fixed environment, so the name is passed on).
    let service_name = env.get("OTEL_SERVICE_NAME").filter(|s| !s.trim().is_empty()).unwrap_or("patter-demo".into());
    let opts = TracingOptions { service_name: Some(service_name.clone()), ..Default::default() };
    let started = if to_collector {
        patter_core::tracing::init_tracing(&opts)
    } else {
        let _ = std::fs::remove_file(&spans_file);
        let local =
            TracingOptions { disable_otlp: Some(true), console: Some(true), file: Some(spans_file.clone()), ..opts };
        patter_core::tracing::init_tracing_with_env(&local, &MapEnv::from_pairs(&[("PATTER_OTEL_ENABLED", "1")]))
    };
    match started {
        Ok(true) => {}
        Ok(false) => eprintln!("tracing is off"),
        Err(e) => {
            eprintln!("init_tracing failed: {e}");
            std::process::exit(2);
        }
    }
    let mut s = sim::Sim { time_scale: 0.2, max_op: Duration::ZERO };
    let call = s.run_call("CA-demo-0001");
    let end = call.ended().expect("the call ended");
    // Per-sink counts are read after a flush and before shutdown (which removes the sinks).
    patter_core::tracing::force_flush(Duration::from_secs(15));
    let sinks = patter_core::tracing::stats().sinks;
    patter_core::tracing::shutdown_tracing();
    let stats = patter_core::tracing::stats();
    println!("\nlibpatter demo: one simulated call");
    println!("  call id        {}", call.call_id());
    println!("  trace id       {}", call.trace_id().unwrap_or("-"));
    println!("  service name   {service_name} (OTEL_SERVICE_NAME, else patter-demo)");
    println!("  status         {}", end.status.as_str());
    println!("  duration       {} ms, {} turns", end.duration_ms, end.turns);
    match end.latency {
        Some(l) => println!("  latency (TTFB) p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms", l.p50_ms, l.p95_ms, l.p99_ms),
        None => println!("  latency        (no turn measured)"),
    }
    let c = end.cost;
    println!(
        "  cost (USD)     total {:.6} = telephony {:.6} + stt {:.6} + tts {:.6} + llm {:.6} + realtime {:.6}",
        c.total, c.telephony, c.stt, c.tts, c.llm, c.realtime
    );
    if !end.unpriced.is_empty() {
        println!("  unpriced       {}", end.unpriced.join(", "));
    }
    println!("  slowest call-path operation {:.1} µs", s.max_op.as_secs_f64() * 1e6);
    // Drops and discards happen before any sink (queue full, shutdown deadline); each sink
    // counts what it delivered and what it failed to deliver.
    println!(
        "  spans          {} ended, {} dropped (queue full), {} discarded at shutdown",
        stats.spans_ended, stats.dropped, stats.discarded
    );
    for sink in &sinks {
        println!("  sink           {}: {} exported, {} failed", sink.name, sink.exported, sink.failed);
        if let Some(e) = &sink.last_error {
            println!("                 last error: {e}");
        }
    }
    if to_collector {
        println!("  spans went to  {}", std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_default());
    } else {
        println!("  spans went to  stderr (above) and {} (OTLP-JSON, one batch per line)", spans_file.display());
        println!(
            "                 set PATTER_OTEL_ENABLED=1 and OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector"
        );
    }
    match std::env::var("PATTER_LOG_DIR") {
        Ok(dir) => println!("  call record    under {dir}/calls/"),
        Err(_) => {
            println!("  call record    off (set PATTER_LOG_DIR=/some/dir or auto to write calls/YYYY/MM/DD/<call_id>/)")
        }
    }
}

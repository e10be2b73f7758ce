//! Runs simulated calls through patter-core with tracing configured from the environment and
//! prints a JSON summary (used by the end-to-end tests against a real OTLP receiver).
//!
//! Usage: `scripted_call [CALLS] [TIME_SCALE]`.

#[path = "common/sim.rs"]
mod sim;

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let scale: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0.0);
    let opts = patter_core::config::TracingOptions {
        service_name: Some("scripted-call".into()),
        resource_attributes: vec![("deployment.environment".into(), "test".into())],
        ..Default::default()
    };
    let enabled = match patter_core::tracing::init_tracing(&opts) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("init_tracing: {e}");
            std::process::exit(2);
        }
    };
    let mut s = sim::Sim { time_scale: scale, max_op: Duration::ZERO };
    let t0 = Instant::now();
    let mut trace_ids = Vec::new();
    for i in 0..calls {
        let call = s.run_call(&format!("CA-scripted-{i:04}"));
        trace_ids.push(call.trace_id().map(str::to_string));
    }
    let calls_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let t1 = Instant::now();
    patter_core::tracing::shutdown_tracing();
    let shutdown_ms = t1.elapsed().as_secs_f64() * 1000.0;
    let summary = serde_json::json!({
        "enabled": enabled,
        "calls": calls,
        "calls_ms": calls_ms,
        "max_op_us": s.max_op.as_secs_f64() * 1e6,
        "shutdown_ms": shutdown_ms,
        "trace_ids": trace_ids,
        "stats": patter_core::tracing::stats(),
    });
    println!("{summary}");
}

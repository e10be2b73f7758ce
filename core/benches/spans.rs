//! Span cost: a service span (start + attributes + end) through the Call API, with tracing
//! disabled and enabled (queue + export thread + no-op exporter), next to the bare
//! OpenTelemetry Rust SDK (batch processor, no-op exporter) making a span with the same
//! attributes. Prints ns/span for each and the ratios, measured in the same run.

use criterion::{criterion_group, Criterion};
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::records::Direction;
use patter_core::tracing::{attach_span_exporter, detach_span_exporter, SpanBatch, SpanCallback};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

struct Noop;
impl SpanCallback for Noop {
    fn export(&self, _batch: &SpanBatch<'_>) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Debug)]
struct NoopExporter;
impl SpanExporter for NoopExporter {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

fn new_call(id: &str) -> Call {
    let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    Call::start(o).expect("call")
}

fn patter_span(call: &Call) {
    let mut s =
        call.tts("elevenlabs", black_box("Your balance is twelve dollars."), Some("eleven_flash_v2_5")).expect("tts");
    s.first_byte().expect("first byte");
    s.end();
}

fn sdk_provider() -> SdkTracerProvider {
    let bsp = BatchSpanProcessor::builder(NoopExporter)
        .with_batch_config(BatchConfigBuilder::default().with_max_queue_size(65_536).build())
        .build();
    SdkTracerProvider::builder().with_span_processor(bsp).build()
}

fn sdk_span(tracer: &opentelemetry_sdk::trace::SdkTracer) {
    let mut span = tracer.start_with_context("getpatter.tts", &opentelemetry::Context::new());
    span.set_attributes([
        KeyValue::new("getpatter.call.id", "CA-bench"),
        KeyValue::new("patter.call_id", "CA-bench"),
        KeyValue::new("patter.side", "uut"),
        KeyValue::new("getpatter.tts.text_len", 31i64),
        KeyValue::new("patter.cost.tts_chars", 31i64),
        KeyValue::new("patter.tts.provider", "elevenlabs"),
    ]);
    span.end();
}

/// Median ns/op over `rounds` rounds of `n` ops.
fn median_ns(rounds: usize, n: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("service_span");
    let disabled = new_call("CA-bench-disabled");
    assert!(!disabled.is_recording());
    g.bench_function("patter_disabled", |b| b.iter(|| patter_span(&disabled)));
    let noop: Arc<dyn SpanCallback> = Arc::new(Noop);
    attach_span_exporter(noop.clone(), None).expect("attach");
    let enabled = new_call("CA-bench-enabled");
    assert!(enabled.is_recording());
    g.bench_function("patter_enabled", |b| b.iter(|| patter_span(&enabled)));
    let provider = sdk_provider();
    let tracer = provider.tracer("bench");
    g.bench_function("otel_sdk_bare", |b| b.iter(|| sdk_span(&tracer)));
    g.finish();
    enabled.end(CallOutcome::Completed).ok();
    detach_span_exporter(&noop);
    let _ = provider.shutdown();
}

fn summary() {
    // Same three paths, measured back to back in this run, for the ratio line.
    let disabled = new_call("CA-sum-disabled");
    let d = median_ns(31, 20_000, || patter_span(&disabled));
    let noop: Arc<dyn SpanCallback> = Arc::new(Noop);
    attach_span_exporter(noop.clone(), None).expect("attach");
    let enabled = new_call("CA-sum-enabled");
    let e = median_ns(31, 2_000, || patter_span(&enabled));
    let provider = sdk_provider();
    let tracer = provider.tracer("bench");
    let s = median_ns(31, 2_000, || sdk_span(&tracer));
    let stats = patter_core::tracing::stats();
    println!("\nspan cost summary (median of 31 rounds, ns per service span: start + attributes + end)");
    println!("  patter, tracing disabled : {d:8.1} ns   (goal < 50 ns)");
    println!("  patter, tracing enabled  : {e:8.1} ns   (goal < 1000 ns)");
    println!("  bare OpenTelemetry SDK   : {s:8.1} ns   (batch processor, no-op exporter, same attributes)");
    println!("  enabled / bare SDK       : {:8.2}x", e / s);
    println!("  patter spans dropped during the run: {} of {}", stats.dropped, stats.spans_ended);
    enabled.end(CallOutcome::Completed).ok();
    detach_span_exporter(&noop);
    let _ = provider.shutdown();
}

criterion_group!(span_benches, benches);

fn main() {
    span_benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    summary();
}

//! Export-thread cost per span of encoding a batch: the direct encoders (`tracing::wire`)
//! against the `opentelemetry-proto` structures (clone the spans, build the request, then
//! `prost`/`serde_json`), on a 512-span batch of real call spans, protobuf and OTLP-JSON.
//! Interleaved rounds in one run; prints min / median / max ns per span and per-round ratios.

#[path = "../examples/common/sim.rs"]
#[allow(dead_code)]
mod sim;

use opentelemetry_sdk::trace::SpanData;
use patter_core::tracing::{self as tr, encode, wire, SpanBatch, SpanCallback};
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Keep(Mutex<Vec<SpanData>>);
impl SpanCallback for Keep {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        self.0.lock().unwrap().extend_from_slice(batch.spans());
        Ok(())
    }
}

fn real_spans(n: usize) -> Vec<SpanData> {
    let keep = Arc::new(Keep::default());
    tr::attach_span_exporter(keep.clone(), None).expect("attach");
    let mut s = sim::Sim { time_scale: 0.0, max_op: Duration::ZERO };
    let mut i = 0;
    while keep.0.lock().unwrap().len() < n {
        s.run_call(&format!("CA-bench-{i:06}"));
        i += 1;
        tr::force_flush(Duration::from_secs(10));
    }
    let mut v = keep.0.lock().unwrap().clone();
    v.truncate(n);
    v
}

fn ns_per_span(spans: usize, reps: usize, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    t.elapsed().as_nanos() as f64 / (reps * spans) as f64
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benches: nothing to list here
    }
    let spans = real_spans(512);
    let resource = encode::SpanResource {
        service_name: "bench".into(),
        attributes: vec![("deployment.environment".into(), "bench".into())],
    };
    let n = spans.len();
    let (rounds, reps) = (21, 20);
    let (mut pb_old, mut pb_new, mut js_old, mut js_new, mut pb_ratio, mut js_ratio) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut buf = Vec::new();
    let mut line = String::new();
    for _ in 0..rounds {
        let a = ns_per_span(n, reps, || {
            black_box(encode::to_protobuf(spans.clone(), &resource));
        });
        let b = ns_per_span(n, reps, || {
            buf.clear();
            wire::encode_protobuf(&spans, &resource, &mut buf);
            black_box(&buf);
        });
        let c = ns_per_span(n, reps, || {
            black_box(encode::to_json(spans.clone(), &resource));
        });
        let d = ns_per_span(n, reps, || {
            line.clear();
            wire::encode_json(&spans, &resource, &mut line);
            black_box(&line);
        });
        pb_old.push(a);
        pb_new.push(b);
        js_old.push(c);
        js_new.push(d);
        pb_ratio.push(a / b);
        js_ratio.push(c / d);
    }
    println!("\nbatch encoding, ns per span (512 real call spans per batch; {rounds} interleaved rounds: min / median / max)");
    for (name, v) in [
        ("protobuf, proto structures + prost ", pb_old),
        ("protobuf, direct (tracing::wire)   ", pb_new),
        ("OTLP-JSON, proto structures + serde", js_old),
        ("OTLP-JSON, direct (tracing::wire)  ", js_new),
    ] {
        let (lo, med, hi) = stats(v);
        println!("  {name}: {lo:7.0} / {med:7.0} / {hi:7.0}");
    }
    for (name, v) in [("protobuf speed-up ", pb_ratio), ("OTLP-JSON speed-up", js_ratio)] {
        let (lo, med, hi) = stats(v);
        println!("  {name}: {lo:5.2}x / {med:5.2}x / {hi:5.2}x");
    }
}

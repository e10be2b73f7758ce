//! The direct OTLP encoders on the spans a real call produces (every span kind, barge-in, tool
//! round): byte for byte what the `opentelemetry-proto` structures encode to, in protobuf and in
//! JSON, for every batch the pipeline hands out.

#[path = "../examples/common/sim.rs"]
#[allow(dead_code)]
mod sim;

use patter_core::tracing::{self as tr, encode, wire, SpanBatch, SpanCallback};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Compare {
    spans: AtomicUsize,
    mismatches: Mutex<Vec<String>>,
}

impl SpanCallback for Compare {
    fn export(&self, batch: &SpanBatch<'_>) -> Result<(), String> {
        let spans = batch.spans().to_vec();
        let (mut pb, mut js) = (Vec::new(), String::new());
        wire::encode_protobuf(batch.spans(), batch.resource(), &mut pb);
        wire::encode_json(batch.spans(), batch.resource(), &mut js);
        let mut bad = self.mismatches.lock().unwrap();
        if pb != encode::to_protobuf(spans.clone(), batch.resource()) {
            bad.push(format!("protobuf of a batch of {}", spans.len()));
        }
        if js != encode::to_json(spans.clone(), batch.resource()) {
            bad.push(format!("json of a batch of {}", spans.len()));
        }
        if batch.json() != js || batch.protobuf() != pb.as_slice() {
            bad.push("the shared batch encodings differ".into());
        }
        self.spans.fetch_add(spans.len(), Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn direct_encoders_match_the_structures_on_real_calls() {
    let cmp = Arc::new(Compare::default());
    tr::attach_span_exporter(cmp.clone(), Some("driver")).unwrap();
    let mut s = sim::Sim { time_scale: 0.0, max_op: Duration::ZERO };
    for i in 0..5 {
        s.run_call(&format!("CA-wire-{i} \"é\""));
    }
    assert!(tr::force_flush(Duration::from_secs(10)));
    assert!(cmp.spans.load(Ordering::SeqCst) >= 5 * 20);
    assert_eq!(*cmp.mismatches.lock().unwrap(), Vec::<String>::new());
}

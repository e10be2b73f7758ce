//! A burst that fills the span queue leaves no more resident than the queue held while it
//! lasted: once the burst is exported and spans stop flowing (a batch delay passes with less than
//! a batch), the export thread hands the freed records back to the system (glibc keeps freed
//! small blocks otherwise). Linux + glibc only (reads VmRSS).
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::records::Direction;
use patter_core::tracing::{SpanBatch, SpanCallback};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// An exporter that holds the export thread while the gate is closed, so the queue fills.
struct Gated(Arc<(Mutex<bool>, Condvar)>);

impl SpanCallback for Gated {
    fn export(&self, _batch: &SpanBatch<'_>) -> Result<(), String> {
        let (open, cv) = &*self.0;
        let mut g = open.lock().unwrap();
        while !*g {
            g = cv.wait(g).unwrap();
        }
        Ok(())
    }
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn burst(call: &Call, n: usize) {
    for _ in 0..n {
        let mut s = call.llm("openai", Some("gpt-4o-mini"), Some(3)).unwrap();
        s.first_token().unwrap();
        s.usage(412, 36, None).unwrap();
        s.end();
    }
}

#[test]
fn a_burst_returns_its_memory_once_exported() {
    let gate = Arc::new((Mutex::new(true), Condvar::new()));
    assert!(patter_core::tracing::attach_span_exporter(Arc::new(Gated(gate.clone())), None).unwrap());
    let mut o = CallOptions::new("CA-memory", Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let call = Call::start(o).unwrap();
    call.start_turn().unwrap();
    burst(&call, 5_000);
    assert!(patter_core::tracing::force_flush(Duration::from_secs(30)));
    let before = rss_kib();

    *gate.0.lock().unwrap() = false;
    burst(&call, 150_000); // more than the 65,536-span queue: the rest is dropped and counted
    let peak = rss_kib();
    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    assert!(patter_core::tracing::force_flush(Duration::from_secs(60)));
    // Released at the export thread's next wake-up by the batch delay (500 ms by default).
    let mut after = rss_kib();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while after.saturating_sub(before) >= peak.saturating_sub(before) / 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        after = rss_kib();
    }
    let stats = patter_core::tracing::stats();
    assert!(stats.dropped > 0, "the burst overflowed the queue: {stats:?}");

    let grew = peak.saturating_sub(before);
    let kept = after.saturating_sub(before);
    assert!(grew > 20 * 1024, "a full queue holds tens of MiB ({grew} KiB): the test measures something");
    assert!(kept < grew / 4, "after export {kept} KiB of the burst's {grew} KiB stayed resident");
    call.end(CallOutcome::Completed).unwrap();
}

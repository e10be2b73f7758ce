//! A process forked after tracing started: its calls never block, and flushing or shutting
//! down returns at once instead of waiting for an export thread that does not exist there.
#![cfg(unix)]

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::records::Direction;
use patter_core::tracing::{self as tr, SpanBatch, SpanCallback};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Noop;
impl SpanCallback for Noop {
    fn export(&self, _batch: &SpanBatch<'_>) -> Result<(), String> {
        Ok(())
    }
}

fn one_call(id: &str) {
    let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let call = Call::start(o).unwrap();
    let mut s = call.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
    s.usage(10, 5, 0).unwrap();
    s.end();
    call.end(CallOutcome::Completed).unwrap();
}

#[test]
fn a_forked_child_neither_blocks_nor_waits_on_flush() {
    tr::attach_span_exporter(Arc::new(Noop), None).unwrap();
    one_call("CA-parent");
    assert!(tr::force_flush(Duration::from_secs(5)), "the parent flushes normally");

    // SAFETY: the child only runs this library's code and then leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let t = Instant::now();
        for i in 0..100 {
            one_call(&format!("CA-child-{i}"));
        }
        let flushed = tr::force_flush(Duration::from_secs(10));
        tr::shutdown_tracing();
        let code = if !flushed && t.elapsed() < Duration::from_secs(2) { 0 } else { 1 };
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "the child did not exit normally (status {status})");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child blocked on flush or claimed to have flushed");

    // The parent's pipeline is unaffected.
    one_call("CA-parent-after");
    assert!(tr::force_flush(Duration::from_secs(5)));
    tr::shutdown_tracing();
}

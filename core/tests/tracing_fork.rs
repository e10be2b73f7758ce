//! A process forked after tracing started (and a logger was made): its calls never block, and
//! flushing or shutting down returns at once instead of waiting for an export or writer thread
//! that does not exist there.
#![cfg(unix)]

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::Persist;
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

fn one_call(id: &str, logger: &CallLogger) {
    let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
    o.logger = Some(logger.clone());
    let call = Call::start(o).unwrap();
    let mut s = call.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
    s.usage(10, 5, 0).unwrap();
    s.end();
    call.end(CallOutcome::Completed).unwrap();
}

#[test]
fn a_forked_child_neither_blocks_nor_waits_on_flush() {
    tr::attach_span_exporter(Arc::new(Noop), None).unwrap();
    let root = std::env::temp_dir().join(format!("patter-fork-test-{}", std::process::id()));
    let logger = CallLogger::new(&Persist::Path(root.to_string_lossy().into_owned()), &patter_core::config::MapEnv::default()).unwrap();
    one_call("CA-parent", &logger);
    assert!(tr::force_flush(Duration::from_secs(5)), "the parent flushes normally");
    assert!(logger.flush_timeout(Duration::from_secs(5)));

    // SAFETY: the child only runs this library's code and then leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let t = Instant::now();
        for i in 0..100 {
            one_call(&format!("CA-child-{i}"), &logger);
        }
        let flushed = tr::force_flush(Duration::from_secs(10));
        tr::shutdown_tracing();
        logger.flush(); // no timeout: would never return if it waited for the parent's writer
        let code = if !flushed && t.elapsed() < Duration::from_secs(2) { 0 } else { 1 };
        unsafe { libc::_exit(code) };
    }
    // Wait for the child, at most 30 s: a child stuck in a flush is killed and fails the test.
    let mut status = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        assert_eq!(r, 0, "waitpid failed");
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::waitpid(pid, &mut status, 0) };
            panic!("the forked child blocked (killed after 30 s)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(libc::WIFEXITED(status), "the child did not exit normally (status {status})");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child blocked on flush or claimed to have flushed");

    // The parent's pipeline is unaffected.
    one_call("CA-parent-after", &logger);
    assert!(tr::force_flush(Duration::from_secs(5)));
    assert!(logger.flush_timeout(Duration::from_secs(5)));
    assert!(root.join("calls").is_dir(), "the parent's logger still writes");
    tr::shutdown_tracing();
    let _ = std::fs::remove_dir_all(&root);
}

//! A process forked while tracing and a call logger are running, with a parent thread busy
//! making spans: the child never blocks (whatever locks the parent's threads held at fork time),
//! and it gets a working pipeline and writer of its own, so its spans reach the sinks and its
//! calls reach the disk — what a preloaded gunicorn worker or a `multiprocessing` fork child needs.
#![cfg(unix)]

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::{MapEnv, Persist, TracingOptions};
use patter_core::records::Direction;
use patter_core::tracing as tr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FORKS: usize = 200;

fn one_call(id: &str, logger: &CallLogger) {
    let mut o = CallOptions::new(id, Direction::Inbound, "pipeline");
    o.logger = Some(logger.clone());
    let call = Call::start(o).unwrap();
    let mut s = call.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
    s.usage(10, 5, 0).unwrap();
    s.end();
    call.end(CallOutcome::Completed).unwrap(); // call + turn + llm = 3 spans
}

/// What the child does; its exit code says what went wrong (0 = all well).
fn child(i: usize, logger: &CallLogger) -> i32 {
    let t = Instant::now();
    one_call(&format!("CA-child-{i}"), logger);
    if !tr::force_flush(Duration::from_secs(10)) {
        return 2; // its spans did not leave
    }
    tr::shutdown_tracing();
    if !logger.flush_timeout(Duration::from_secs(10)) {
        return 3; // its call did not reach the disk
    }
    logger.flush(); // no timeout: must return too
    let st = tr::stats();
    if st.spans_ended != 3 || st.exported != 3 || st.pending != 0 {
        return 4; // the child's counters start from zero and account for its own spans only
    }
    if t.elapsed() > Duration::from_secs(5) {
        return 5;
    }
    0
}

/// Waits for `pid` at most `limit`; a child still running then is killed and reported.
fn wait_bounded(pid: libc::pid_t, limit: Duration) -> Result<i32, String> {
    let mut status = 0;
    let deadline = Instant::now() + limit;
    loop {
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        if r != 0 {
            return Err("waitpid failed".into());
        }
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::waitpid(pid, &mut status, 0) };
            return Err(format!("child blocked (killed after {limit:?})"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if !libc::WIFEXITED(status) {
        return Err(format!("child did not exit normally (status {status})"));
    }
    Ok(libc::WEXITSTATUS(status))
}

#[test]
fn forked_children_never_block_and_export_and_write_their_own_calls() {
    let root = std::env::temp_dir().join(format!("patter-fork-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let spans_file = root.join("spans").join("spans.jsonl");
    let env = MapEnv::from_pairs(&[("PATTER_OTEL_ENABLED", "1")]);
    let opts = TracingOptions { disable_otlp: Some(true), file: Some(spans_file.clone()), ..Default::default() };
    assert!(tr::init_tracing_with_env(&opts, &env).unwrap());
    let logger =
        CallLogger::new(&Persist::Path(root.join("log").to_string_lossy().into_owned()), &MapEnv::default()).unwrap();

    // A parent thread makes spans and writes calls the whole time, so locks are held at fork.
    let stop = Arc::new(AtomicBool::new(false));
    let busy = {
        let (stop, logger) = (stop.clone(), logger.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                one_call(&format!("CA-parent-{n}"), &logger);
                n += 1;
                // Busy, but never far ahead of the writer (each call fsyncs its metadata).
                std::thread::sleep(Duration::from_micros(500));
                if n % 20 == 0 {
                    logger.flush_timeout(Duration::from_secs(5));
                }
            }
            n
        })
    };

    let started = Instant::now();
    let mut failures = Vec::new();
    for i in 0..FORKS {
        // SAFETY: the child runs this library's code and leaves with `_exit`.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = child(i, &logger);
            unsafe { libc::_exit(code) };
        }
        match wait_bounded(pid, Duration::from_secs(20)) {
            Ok(0) => {}
            Ok(code) => failures.push(format!("child {i}: exit code {code}")),
            Err(e) => failures.push(format!("child {i}: {e}")),
        }
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let parent_calls = busy.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {FORKS} children failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(parent_calls > 0);

    // The parent's pipeline is unaffected.
    one_call("CA-parent-after", &logger);
    assert!(tr::force_flush(Duration::from_secs(30)));
    assert!(logger.flush_timeout(Duration::from_secs(60)));
    tr::shutdown_tracing();
    let st = tr::stats();
    assert_eq!(st.spans_ended, st.exported + st.dropped + st.failed + st.discarded);
    assert_eq!(st.pending, 0);

    // Every child's spans reached the shared span file, in whole lines.
    let text = std::fs::read_to_string(&spans_file).unwrap();
    let mut child_calls = std::collections::HashSet::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("every line of the span file is whole");
        for span in v["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().unwrap() {
            for a in span["attributes"].as_array().unwrap() {
                if a["key"] == tr::names::CALL_ID {
                    if let Some(id) = a["value"]["stringValue"].as_str() {
                        if id.starts_with("CA-child-") {
                            child_calls.insert(id.to_string());
                        }
                    }
                }
            }
        }
    }
    assert_eq!(child_calls.len(), FORKS, "every child's spans reached the file sink");

    // Every child's call reached the disk.
    let written = call_dirs(&root.join("log").join("calls"))
        .iter()
        .filter(|d| {
            d.file_name().unwrap().to_string_lossy().starts_with("CA-child-") && d.join("metadata.json").is_file()
        })
        .count();
    assert_eq!(written, FORKS, "every child's call reached the disk");
    eprintln!("{FORKS} forks with a busy parent in {elapsed:?}; parent made {parent_calls} calls meanwhile");
    let _ = std::fs::remove_dir_all(&root);
}

/// The call directories under `calls/` (`YYYY/MM/DD/<id>`).
fn call_dirs(calls: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut level = vec![calls.to_path_buf()];
    for _ in 0..4 {
        level = level
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()))
            .collect();
    }
    level
}

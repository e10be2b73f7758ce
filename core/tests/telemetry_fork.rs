//! fork() while metrics and logs are being recorded and exported (a parent thread busy making
//! calls, a 20 ms export interval): a child never blocks, starts from zeroed instruments and its
//! own export thread, and exports its own metrics and log records.
#![cfg(unix)]

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::config::{MapEnv, TracingOptions};
use patter_core::records::Direction;
use patter_core::tracing as tr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FORKS: usize = 40;

/// A collector on loopback answering 200 to everything; counts requests per signal.
fn collector() -> (String, Arc<[AtomicU64; 3]>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<[AtomicU64; 3]> = Arc::new(Default::default());
    let counts = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                let mut body = vec![0; len];
                let _ = r.read_exact(&mut body);
                let i = if head.contains("/v1/metrics") {
                    0
                } else if head.contains("/v1/logs") {
                    1
                } else {
                    2
                };
                counts[i].fetch_add(1, Ordering::Relaxed);
                let mut s = stream;
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        }
    });
    (url, seen)
}

fn one_call(id: &str) {
    let call = Call::start(CallOptions::new(id, Direction::Inbound, "pipeline")).unwrap();
    let mut s = call.llm("openai", Some("gpt-4o-mini"), 2).unwrap();
    s.first_token().unwrap();
    s.usage(10, 5, 0).unwrap();
    s.end();
    call.end(CallOutcome::Completed).unwrap();
}

fn child(i: usize) -> i32 {
    let t = Instant::now();
    one_call(&format!("CA-child-{i}"));
    tr::shutdown_tracing();
    let tel = tr::stats().telemetry;
    if tel.log_records_emitted == 0 || tel.log_records_exported != tel.log_records_emitted {
        return 2; // the child's own records, exported by its own thread
    }
    if tel.log_records_emitted > 3 {
        return 3; // counters start from zero in the child (start, transcript, end)
    }
    if tel.metric_exports == 0 {
        return 4;
    }
    if t.elapsed() > Duration::from_secs(5) {
        return 5;
    }
    0
}

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
fn forked_children_never_block_and_export_their_own_metrics_and_logs() {
    let (url, seen) = collector();
    let env = MapEnv::from_pairs(&[
        ("PATTER_OTEL_ENABLED", "1"),
        ("PATTER_OTEL_LOGS", "1"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "20"),
    ]);
    let opts = TracingOptions { otlp_endpoint: Some(url), ..Default::default() };
    assert!(tr::init_tracing_with_env(&opts, &env).unwrap());
    assert!(tr::stats().telemetry.metrics_enabled && tr::stats().telemetry.logs_enabled);

    let stop = Arc::new(AtomicBool::new(false));
    let busy = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                one_call(&format!("CA-parent-{n}"));
                n += 1;
                std::thread::sleep(Duration::from_micros(300));
            }
            n
        })
    };
    let mut failures = Vec::new();
    for i in 0..FORKS {
        // SAFETY: the child runs this library's code and leaves with `_exit`.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = child(i);
            unsafe { libc::_exit(code) };
        }
        match wait_bounded(pid, Duration::from_secs(20)) {
            Ok(0) => {}
            Ok(code) => failures.push(format!("child {i}: exit code {code}")),
            Err(e) => failures.push(format!("child {i}: {e}")),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let parent_calls = busy.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {FORKS} children failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    tr::shutdown_tracing();
    let tel = tr::stats().telemetry;
    assert!(parent_calls > 0 && tel.metric_exports > 0);
    assert_eq!(tel.log_records_emitted, tel.log_records_exported + tel.log_records_dropped);
    assert!(seen[0].load(Ordering::Relaxed) >= FORKS as u64, "every child exported metrics");
    assert!(seen[1].load(Ordering::Relaxed) >= FORKS as u64, "every child exported logs");
}

//! Sustained export with real sinks: one caller thread ends service spans as fast as it can
//! while the export thread ships them, to the OTLP-JSON file sink and to an OTLP/HTTP collector
//! on loopback (a minimal keep-alive server that answers 200). Reports spans per second until
//! everything was flushed, spans dropped, and the export thread's CPU per span (from
//! /proc/self/task/*/stat, Linux). Each sink runs in its own child process (tracing is set up
//! once per process), unpaced and paced at 500k spans/s (the sustained-rate goal).

use patter_core::call::{Call, CallOptions, CallOutcome};
use patter_core::calllog::CallLogger;
use patter_core::config::{MapEnv, TracingOptions};
use patter_core::records::Direction;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// Spans per run (`PATTER_BENCH_SPANS` overrides, e.g. for a profiler).
fn spans() -> usize {
    std::env::var("PATTER_BENCH_SPANS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// CPU time (user + system) of this process's thread whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> Option<Duration> {
    let tick = 100.0; // USER_HZ on Linux
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            return Some(Duration::from_secs_f64(ticks / tick));
        }
    }
    None
}

/// A loopback OTLP/HTTP collector: reads each request (keep-alive) and answers 200.
fn collector() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut w = stream.try_clone().expect("clone");
                let mut r = BufReader::new(stream);
                loop {
                    let mut len = 0usize;
                    loop {
                        let mut line = String::new();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    if w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

fn child(sink: &str, rate: f64) {
    let file = std::env::temp_dir().join(format!("patter-bench-spans-{}.jsonl", std::process::id()));
    let opts = match sink {
        "file" => TracingOptions { disable_otlp: Some(true), file: Some(file.clone()), ..Default::default() },
        _ => TracingOptions { otlp_endpoint: Some(collector()), ..Default::default() },
    };
    let env = MapEnv::from_pairs(&[("PATTER_OTEL_ENABLED", "1"), ("PATTER_OTEL_QUEUE_SIZE", "65536")]);
    assert!(patter_core::tracing::init_tracing_with_env(&opts, &env).expect("init"));
    let mut o = CallOptions::new("CA-throughput", Direction::Inbound, "pipeline");
    o.logger = Some(CallLogger::disabled());
    let call = Call::start(o).expect("call");
    let cpu0 = thread_cpu("patter-span-exp").unwrap_or_default();
    let t = Instant::now();
    for i in 0..spans() {
        if rate > 0.0 && i % 1000 == 0 {
            // Paced: never ahead of `rate` spans per second.
            let due = Duration::from_secs_f64(i as f64 / rate);
            if let Some(wait) = due.checked_sub(t.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        let mut s = call.tts("elevenlabs", "Your balance is twelve dollars.", Some("eleven_flash_v2_5")).expect("tts");
        s.first_byte().expect("first byte");
        s.end();
        if i % 10 == 9 {
            call.end_turn().expect("turn");
        }
    }
    let produced = t.elapsed();
    assert!(patter_core::tracing::force_flush(Duration::from_secs(120)));
    let total = t.elapsed();
    let cpu = thread_cpu("patter-span-exp").unwrap_or_default().saturating_sub(cpu0);
    call.end(CallOutcome::Completed).ok();
    let st = patter_core::tracing::stats();
    let n = st.spans_ended as f64;
    println!(
        "  {sink:<5} {:<14} {:>9.0} spans/s until flushed ({:.0} spans/s produced), {} of {} dropped, export thread {:.2} us CPU per span exported",
        if rate > 0.0 { format!("paced {}k/s", rate / 1000.0) } else { "unpaced".to_string() },
        n / total.as_secs_f64(),
        n / produced.as_secs_f64(),
        st.dropped,
        st.spans_ended,
        cpu.as_secs_f64() * 1e6 / (st.exported.max(1)) as f64
    );
    let _ = std::fs::remove_file(file);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(&args[pos + 1], args.get(pos + 2).and_then(|r| r.parse().ok()).unwrap_or(0.0));
        return;
    }
    println!(
        "\nsustained export, {} service spans (+1 turn span per 10) from one caller thread, queue 65,536:",
        spans()
    );
    for (sink, rate) in [("file", "0"), ("file", "500000"), ("otlp", "0"), ("otlp", "500000")] {
        let status = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args(["--child", sink, rate])
            .status()
            .expect("run child");
        assert!(status.success());
    }
}

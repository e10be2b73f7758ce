//! Call-log benchmarks: the caller-thread cost of enqueueing a transcript line (criterion,
//! plus a per-call sample loop printing median and p99), and lines per second written by the
//! writer thread (with and without fsync). Run: `cargo bench -p patter-core --bench calllog`.

use criterion::{criterion_group, criterion_main, Criterion};
use patter_core::calllog::CallLogger;
use patter_core::clock::Timestamp;
use patter_core::config::LogConfig;
use patter_core::records::{
    AgentInfo, CallEnd, CallStart, CallStatus, CostBreakdown, Direction, Role, TranscriptLine, TurnLatency, Usage,
};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn bench_root(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("patter-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn start(id: &str) -> CallStart {
    CallStart {
        call_id: id.into(),
        direction: Direction::Inbound,
        provider_mode: "pipeline".into(),
        side: "uut".into(),
        caller: Some("+15555550100".into()),
        callee: Some("+15555550199".into()),
        telephony_provider: Some("twilio".into()),
        agent: AgentInfo::default(),
        started_at: Timestamp::parse_iso8601("2026-04-23T12:00:00Z").unwrap(),
        trace_id: None,
    }
}

fn line(i: u32) -> TranscriptLine {
    TranscriptLine {
        turn_index: i,
        role: Role::Assistant,
        text: "Sure, I can help you with your booking. Which date works best for you?".into(),
        ts: Timestamp::parse_iso8601("2026-04-23T12:00:05Z").unwrap(),
        interrupted: false,
        latency: Some(TurnLatency { ttfb_ms: Some(412.0), turn_ms: Some(1800.0), ..TurnLatency::default() }),
        usage: Some(Usage { tts_chars: 71, llm_input_tokens: 300, llm_output_tokens: 20, ..Usage::default() }),
        cost: Some(CostBreakdown { total: 0.0012, tts: 0.0007, llm: 0.0005, ..CostBreakdown::default() }),
    }
}

fn end() -> CallEnd {
    CallEnd {
        ended_at: Timestamp::parse_iso8601("2026-04-23T12:05:00Z").unwrap(),
        duration_ms: 300_000,
        status: CallStatus::Completed,
        turns: 10,
        cost: CostBreakdown::default(),
        usage: Usage::default(),
        latency: None,
        error: None,
        unpriced: vec![],
    }
}

fn config(root: &PathBuf, fsync: bool) -> LogConfig {
    LogConfig { sweep_probability: 0.0, fsync, queue_capacity: 1 << 18, ..LogConfig::at(root) }
}

/// Criterion: enqueue cost per line (flushes between batches are not timed).
fn enqueue(c: &mut Criterion) {
    let root = bench_root("enqueue");
    let logger = CallLogger::with_config(config(&root, false)).unwrap();
    let h = logger.start_call(&start("bench-enqueue"));
    let l = line(1);
    c.bench_function("calllog/enqueue_transcript_line", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(50_000);
                let t = Instant::now();
                for _ in 0..n {
                    h.transcript(black_box(&l));
                }
                total += t.elapsed();
                logger.flush();
                left -= n;
            }
            total
        })
    });
    assert_eq!(logger.stats().dropped, 0, "the bench must measure enqueues, not drops");
    drop(h);
    drop(logger);
    let _ = std::fs::remove_dir_all(&root);
}

/// Per-enqueue samples on the caller's thread, with the writer draining concurrently.
fn enqueue_percentiles() {
    let root = bench_root("enqueue-p99");
    let logger = CallLogger::with_config(config(&root, true)).unwrap();
    let handles: Vec<_> = (0..20).map(|i| logger.start_call(&start(&format!("p99-{i}")))).collect();
    let l = line(1);
    let mut samples = Vec::with_capacity(200_000);
    for round in 0..10 {
        for i in 0..20_000usize {
            let h = &handles[(i + round) % handles.len()];
            let t = Instant::now();
            h.transcript(black_box(&l));
            samples.push(t.elapsed().as_nanos() as u64);
        }
        logger.flush();
    }
    samples.sort_unstable();
    let q = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    println!(
        "calllog/enqueue per line (caller thread, {} samples, writer running): median {} ns, p99 {} ns, p99.9 {} ns, max {} ns; dropped {}",
        samples.len(),
        q(0.5),
        q(0.99),
        q(0.999),
        samples[samples.len() - 1],
        logger.stats().dropped
    );
    drop(handles);
    drop(logger);
    let _ = std::fs::remove_dir_all(&root);
}

/// Writer throughput: lines per second from first enqueue to flush completion.
fn writer_throughput(fsync: bool) {
    let root = bench_root("throughput");
    let logger = CallLogger::with_config(config(&root, fsync)).unwrap();
    let calls = 100;
    let per_call = 2_000u32;
    let handles: Vec<_> = (0..calls).map(|i| logger.start_call(&start(&format!("tp-{i}")))).collect();
    logger.flush();
    let lines: Vec<TranscriptLine> = (0..per_call).map(line).collect();
    let t = Instant::now();
    for l in &lines {
        for h in &handles {
            h.transcript(l);
        }
    }
    for h in &handles {
        h.end(&end());
    }
    logger.flush();
    let el = t.elapsed();
    let s = logger.stats();
    let n = calls as u64 * per_call as u64;
    println!(
        "calllog/writer throughput (fsync={fsync}): {n} lines over {calls} calls in {:.3} s = {:.0} lines/s (written {}, dropped {}, errors {})",
        el.as_secs_f64(),
        n as f64 / el.as_secs_f64(),
        s.written,
        s.dropped,
        s.errors
    );
    drop(handles);
    drop(logger);
    let _ = std::fs::remove_dir_all(&root);
}

fn custom(_c: &mut Criterion) {
    enqueue_percentiles();
    writer_throughput(false);
    writer_throughput(true);
}

criterion_group!(benches, enqueue, custom);
criterion_main!(benches);

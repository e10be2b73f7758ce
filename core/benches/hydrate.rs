//! Hydrate benchmark: time to rebuild a 500-call MetricsStore from trees of 1k, 10k, 20k and
//! 100k calls (200 calls a day, each with metadata.json, a 10-line transcript.jsonl and an
//! events.jsonl, written with the library's own serialisers), plus a worst case of 20k calls
//! in a single day. Trees are generated once per run under the temp dir and removed afterwards
//! (set PATTER_BENCH_KEEP=1 to keep and reuse them). Warm page cache.
//! Run: `cargo bench -p patter-core --bench hydrate`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use patter_core::calllog::{call_rel_dir, event_line, metadata_json, transcript_line};
use patter_core::clock::Timestamp;
use patter_core::config::PhoneRedaction;
use patter_core::records::{
    AgentInfo, CallEnd, CallStart, CallStatus, CostBreakdown, Direction, EventLine, LatencySummary, Role,
    TranscriptLine, TurnLatency, Usage,
};
use patter_core::store::MetricsStore;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DAY_NS: u64 = 86_400_000_000_000;

fn tree_root(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("patter-hydrate-bench-{name}"))
}

fn write_call(root: &Path, id: &str, started: Timestamp) {
    let start = CallStart {
        call_id: id.into(),
        direction: Direction::Inbound,
        provider_mode: "pipeline".into(),
        side: "uut".into(),
        caller: Some("+15555550100".into()),
        callee: Some("+15555550199".into()),
        telephony_provider: Some("twilio".into()),
        agent: AgentInfo {
            provider: Some("pipeline".into()),
            model: Some("gpt-4o-mini".into()),
            ..AgentInfo::default()
        },
        started_at: started,
        trace_id: None,
    };
    let end = CallEnd {
        ended_at: Timestamp(started.0 + 120_000_000_000),
        duration_ms: 120_000,
        status: CallStatus::Completed,
        turns: 5,
        cost: CostBreakdown { total: 0.05, telephony: 0.02, stt: 0.01, tts: 0.01, llm: 0.01, realtime: 0.0 },
        usage: Usage::default(),
        latency: Some(LatencySummary { p50_ms: 410.0, p95_ms: 800.0, p99_ms: 950.0 }),
        error: None,
        unpriced: vec![],
    };
    let dir = root.join(call_rel_dir(id, started));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("metadata.json"), metadata_json(&start, Some(&end), &PhoneRedaction::Mask)).unwrap();
    let mut t = Vec::new();
    for i in 0..10u32 {
        t.extend(transcript_line(&TranscriptLine {
            turn_index: i / 2 + 1,
            role: if i % 2 == 0 { Role::User } else { Role::Assistant },
            text: "I would like to move my appointment to Thursday afternoon, please.".into(),
            ts: Timestamp(started.0 + i as u64 * 10_000_000_000),
            interrupted: false,
            latency: (i % 2 == 1).then(|| TurnLatency { ttfb_ms: Some(400.0), ..TurnLatency::default() }),
            usage: None,
            cost: None,
        }));
    }
    fs::write(dir.join("transcript.jsonl"), t).unwrap();
    let mut data = serde_json::Map::new();
    data.insert("name".into(), "reschedule".into());
    fs::write(dir.join("events.jsonl"), event_line(&EventLine { kind: "tool_call".into(), ts: started, data }))
        .unwrap();
}

/// Generates `calls` calls, `per_day` a day, ending on 2026-04-23 (once; reused when present).
fn ensure_tree(name: &str, calls: usize, per_day: usize) -> PathBuf {
    let root = tree_root(name);
    if root.join(".complete").exists() {
        return root;
    }
    let _ = fs::remove_dir_all(&root);
    let t = Instant::now();
    let last_day = Timestamp::parse_iso8601("2026-04-23T08:00:00Z").unwrap();
    for i in 0..calls {
        let day_back = (i / per_day) as u64;
        let within = (i % per_day) as u64;
        let started = Timestamp(last_day.0 - day_back * DAY_NS + within * 30_000_000_000 % (DAY_NS / 2));
        write_call(&root, &format!("CA{i:08}"), started);
    }
    fs::write(root.join(".complete"), b"").unwrap();
    println!("generated {name}: {calls} calls in {:.1} s", t.elapsed().as_secs_f64());
    root
}

fn hydrate(c: &mut Criterion) {
    let trees = [
        ("1k", 1_000usize, 200usize),
        ("10k", 10_000, 200),
        ("20k", 20_000, 200),
        ("100k", 100_000, 200),
        ("20k-one-day", 20_000, 20_000),
    ];
    let mut group = c.benchmark_group("hydrate");
    group.sample_size(20).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    let mut figures = Vec::new();
    for (name, calls, per_day) in trees {
        let root = ensure_tree(name, calls, per_day);
        let probe = MetricsStore::new(500);
        let rep = probe.hydrate_report(&root);
        assert_eq!(rep.loaded, 500, "{rep:?}");
        group.bench_with_input(BenchmarkId::from_parameter(name), &root, |b, root| {
            b.iter(|| {
                let store = MetricsStore::new(500);
                store.hydrate(root)
            })
        });
        // A plain median for the closing note.
        let mut v: Vec<f64> = (0..15)
            .map(|_| {
                let store = MetricsStore::new(500);
                let t = Instant::now();
                store.hydrate(&root);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        v.sort_by(f64::total_cmp);
        figures.push((name, v[v.len() / 2], rep.days_scanned));
    }
    group.finish();
    for (name, ms, days) in &figures {
        println!("hydrate {name:>12}: median {ms:.2} ms ({days} day dirs read, 500 calls loaded)");
    }
    if std::env::var_os("PATTER_BENCH_KEEP").is_none() {
        for (name, _, _) in trees {
            let _ = fs::remove_dir_all(tree_root(name));
        }
    }
}

criterion_group!(benches, hydrate);
criterion_main!(benches);

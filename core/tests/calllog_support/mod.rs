//! Shared helpers of the calllog/store integration tests: real temp directories and
//! deterministic records.
#![allow(dead_code)]

use patter_core::clock::Timestamp;
use patter_core::records::{
    AgentInfo, CallEnd, CallStart, CallStatus, CostBreakdown, Direction, EventLine, LatencySummary, Role,
    TranscriptLine, TurnLatency, Usage,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temp directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "patter-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse_iso8601(s).unwrap()
}

pub fn start(id: &str, at: Timestamp) -> CallStart {
    CallStart {
        call_id: id.to_string(),
        direction: Direction::Inbound,
        provider_mode: "pipeline".into(),
        side: "uut".into(),
        caller: Some("+15555554567".into()),
        callee: Some("+15555557890".into()),
        telephony_provider: Some("twilio".into()),
        agent: AgentInfo {
            provider: Some("pipeline".into()),
            model: Some("gpt-4o-mini".into()),
            voice: Some("nova".into()),
            ..AgentInfo::default()
        },
        started_at: at,
        trace_id: Some("0123456789abcdef0123456789abcdef".into()),
    }
}

pub fn user_line(turn: u32, text: &str, at: Timestamp) -> TranscriptLine {
    TranscriptLine {
        turn_index: turn,
        role: Role::User,
        text: text.into(),
        ts: at,
        interrupted: false,
        latency: None,
        usage: None,
        cost: None,
    }
}

pub fn agent_line(turn: u32, text: &str, at: Timestamp) -> TranscriptLine {
    TranscriptLine {
        turn_index: turn,
        role: Role::Assistant,
        text: text.into(),
        ts: at,
        interrupted: false,
        latency: Some(TurnLatency {
            ttfb_ms: Some(412.5),
            turn_ms: Some(1800.0),
            stt_ms: Some(120.0),
            ..TurnLatency::default()
        }),
        usage: Some(Usage {
            stt_seconds: 2.5,
            tts_chars: 12,
            llm_input_tokens: 100,
            llm_output_tokens: 20,
            llm_cached_input_tokens: 0,
        }),
        cost: Some(CostBreakdown {
            total: 0.0015,
            telephony: 0.0,
            stt: 0.0005,
            tts: 0.0006,
            llm: 0.0004,
            realtime: 0.0,
        }),
    }
}

pub fn event(kind: &str, at: Timestamp) -> EventLine {
    let mut data = serde_json::Map::new();
    data.insert("name".into(), "lookup".into());
    data.insert("arguments".into(), serde_json::json!({"q": "ñ\n\u{0}"}));
    EventLine { kind: kind.into(), ts: at, data }
}

pub fn end(at: Timestamp, duration_ms: u64, total: f64, p50: Option<f64>) -> CallEnd {
    CallEnd {
        ended_at: at,
        duration_ms,
        status: CallStatus::Completed,
        turns: 2,
        cost: CostBreakdown {
            total,
            telephony: total / 2.0,
            stt: total / 4.0,
            tts: total / 4.0,
            llm: 0.0,
            realtime: 0.0,
        },
        usage: Usage::default(),
        latency: p50.map(|p| LatencySummary { p50_ms: p, p95_ms: p * 2.0, p99_ms: p * 3.0 }),
        error: None,
        unpriced: vec![],
    }
}

/// Every file under `dir`, recursively, without following links.
pub fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Every directory under `dir` (inclusive), recursively, without following links.
pub fn walk_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if let Ok(rd) = std::fs::read_dir(&out[i]) {
            for e in rd.flatten() {
                if e.file_type().unwrap().is_dir() {
                    out.push(e.path());
                }
            }
        }
        i += 1;
    }
    out
}

/// Asserts a JSONL file is a sequence of complete newline-terminated JSON objects; returns them.
pub fn jsonl_objects(path: &Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    if bytes.is_empty() {
        return vec![];
    }
    assert!(bytes.ends_with(b"\n"), "{} ends with a partial line", path.display());
    bytes[..bytes.len() - 1]
        .split(|b| *b == b'\n')
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap_or_else(|e| {
                panic!("torn line in {}: {e}: {:?}", path.display(), String::from_utf8_lossy(&l[..l.len().min(200)]))
            });
            assert!(v.is_object());
            v
        })
        .collect()
}

/// An enabled config for `root` with the random retention sweep off (test dates are in the
/// past, so a sampled sweep would legitimately delete them).
pub fn test_config(root: &Path) -> patter_core::config::LogConfig {
    patter_core::config::LogConfig { sweep_probability: 0.0, ..patter_core::config::LogConfig::at(root) }
}

/// Like [`jsonl_objects`] but tolerates one trailing fragment without a newline (what SIGKILL
/// can leave: Linux may cut a multi-page write short for a fatal signal). Every
/// newline-terminated line must still be a complete JSON object. Returns the objects and the
/// fragment's length (0 when none).
pub fn jsonl_objects_torn_tail_ok(path: &Path) -> (Vec<serde_json::Value>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let tail = bytes.len() - complete;
    let objs = bytes[..complete]
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_slice(l).unwrap_or_else(|e| panic!("torn line in {}: {e}", path.display()));
            assert!(v.is_object());
            v
        })
        .collect();
    (objs, tail)
}

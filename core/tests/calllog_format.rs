//! Layout, exact bytes, determinism, disabled loggers, midnight crossing, hostile ids,
//! permissions and redaction of the call log, on real temp directories.

mod calllog_support;
use calllog_support::*;

use patter_core::calllog::CallLogger;
use patter_core::config::{LogConfig, MapEnv, Persist, PhoneRedaction};
use std::fs;
use std::path::Path;

const GOLDEN_START: &str = r#"{
  "schema_version": "1.0",
  "call_id": "CA0001",
  "direction": "inbound",
  "trace_id": "0123456789abcdef0123456789abcdef",
  "started_at": "2026-04-23T18:02:12.413Z",
  "ended_at": null,
  "duration_ms": null,
  "status": "in_progress",
  "caller": "***4567",
  "callee": "***7890",
  "telephony_provider": "twilio",
  "provider_mode": "pipeline",
  "agent": {
    "provider": "pipeline",
    "model": "gpt-4o-mini",
    "voice": "nova"
  },
  "turns": 0,
  "cost": null,
  "latency": null,
  "error": null,
  "unpriced": []
}
"#;

const GOLDEN_END: &str = r#"{
  "schema_version": "1.0",
  "call_id": "CA0001",
  "direction": "inbound",
  "trace_id": "0123456789abcdef0123456789abcdef",
  "started_at": "2026-04-23T18:02:12.413Z",
  "ended_at": "2026-04-23T18:03:47.892Z",
  "duration_ms": 95479,
  "status": "completed",
  "caller": "***4567",
  "callee": "***7890",
  "telephony_provider": "twilio",
  "provider_mode": "pipeline",
  "agent": {
    "provider": "pipeline",
    "model": "gpt-4o-mini",
    "voice": "nova"
  },
  "turns": 2,
  "cost": {
    "total": 0.1234,
    "telephony": 0.0617,
    "stt": 0.03085,
    "tts": 0.03085,
    "llm": 0.0,
    "realtime": 0.0
  },
  "latency": {
    "p50_ms": 412.0,
    "p95_ms": 824.0,
    "p99_ms": 1236.0
  },
  "error": null,
  "unpriced": [
    "tts:acme"
  ]
}
"#;

const GOLDEN_TRANSCRIPT: &str = concat!(
    r#"{"schema_version":"1.0","turn_index":1,"role":"user","text":"Hola, ¿qué tal?\nlínea","ts":"2026-04-23T18:02:20.000Z","interrupted":false,"latency":null,"usage":null,"cost":null}"#,
    "\n",
    r#"{"schema_version":"1.0","turn_index":1,"role":"assistant","text":"Bien \"gracias\" \u0000","ts":"2026-04-23T18:02:21.500Z","interrupted":false,"latency":{"ttfb_ms":412.5,"turn_ms":1800.0,"stt_ms":120.0,"endpoint_ms":null,"llm_ttft_ms":null,"llm_ms":null,"tts_ttfb_ms":null},"usage":{"stt_seconds":2.5,"tts_chars":12,"llm_input_tokens":100,"llm_output_tokens":20,"llm_cached_input_tokens":0},"cost":{"total":0.0015,"telephony":0.0,"stt":0.0005,"tts":0.0006,"llm":0.0004,"realtime":0.0}}"#,
    "\n",
);

const GOLDEN_EVENTS: &str = concat!(
    r#"{"schema_version":"1.0","type":"tool_call","ts":"2026-04-23T18:02:21.000Z","data":{"name":"lookup","arguments":{"q":"ñ\n\u0000"}}}"#,
    "\n",
);

/// Writes the deterministic call under `root` and returns its directory.
fn write_golden_call(root: &Path) -> std::path::PathBuf {
    let logger = CallLogger::with_config(test_config(root)).unwrap();
    let t0 = ts("2026-04-23T18:02:12.413Z");
    let h = logger.start_call(&start("CA0001", t0));
    logger.flush();
    let dir = h.dir().unwrap();
    assert_eq!(fs::read_to_string(dir.join("metadata.json")).unwrap(), GOLDEN_START);
    h.transcript(&user_line(1, "Hola, ¿qué tal?\nlínea", ts("2026-04-23T18:02:20Z")));
    h.event(&event("tool_call", ts("2026-04-23T18:02:21Z")));
    h.transcript(&agent_line(1, "Bien \"gracias\" \u{0}", ts("2026-04-23T18:02:21.5Z")));
    let mut e = end(ts("2026-04-23T18:03:47.892Z"), 95_479, 0.1234, Some(412.0));
    e.unpriced = vec!["tts:acme".into()];
    h.end(&e);
    logger.flush();
    assert_eq!(logger.stats().errors, 0);
    assert_eq!(logger.stats().dropped, 0);
    assert_eq!(logger.stats().written, 5);
    dir
}

#[test]
fn layout_and_exact_bytes_are_deterministic() {
    let a = TempDir::new("golden-a");
    let b = TempDir::new("golden-b");
    let dir_a = write_golden_call(a.path());
    let dir_b = write_golden_call(b.path());
    assert_eq!(dir_a, a.path().join("calls/2026/04/23/CA0001"));
    assert_eq!(fs::read_to_string(dir_a.join("metadata.json")).unwrap(), GOLDEN_END);
    assert_eq!(fs::read_to_string(dir_a.join("transcript.jsonl")).unwrap(), GOLDEN_TRANSCRIPT);
    assert_eq!(fs::read_to_string(dir_a.join("events.jsonl")).unwrap(), GOLDEN_EVENTS);
    // Exactly these three files (no temp file left), and byte-identical across runs.
    let names: Vec<String> =
        walk_files(a.path()).iter().map(|p| p.strip_prefix(a.path()).unwrap().display().to_string()).collect();
    assert_eq!(
        names,
        [
            "calls/2026/04/23/CA0001/events.jsonl",
            "calls/2026/04/23/CA0001/metadata.json",
            "calls/2026/04/23/CA0001/transcript.jsonl"
        ]
    );
    for f in ["metadata.json", "transcript.jsonl", "events.jsonl"] {
        assert_eq!(fs::read(dir_a.join(f)).unwrap(), fs::read(dir_b.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn disabled_logger_creates_nothing() {
    let t = TempDir::new("disabled");
    let root = t.path().join("root");
    let env = MapEnv::from_pairs(&[("PATTER_LOG_DIR", root.to_str().unwrap())]);
    for logger in [
        CallLogger::new(&Persist::Off, &env).unwrap(),
        CallLogger::disabled(),
        CallLogger::new(&Persist::Unset, &MapEnv::default()).unwrap(),
    ] {
        assert!(!logger.enabled());
        let h = logger.start_call(&start("x", ts("2026-04-23T18:02:12Z")));
        assert!(!h.enabled());
        h.transcript(&user_line(1, "hi", ts("2026-04-23T18:02:13Z")));
        h.end(&end(ts("2026-04-23T18:02:14Z"), 2000, 0.0, None));
        logger.flush();
        assert_eq!(logger.stats(), Default::default());
    }
    assert!(!root.exists());
    // Enabling creates nothing either until a call starts.
    let logger = CallLogger::new(&Persist::Unset, &env).unwrap();
    assert_eq!(logger.root(), Some(root.as_path()));
    logger.flush();
    assert!(!root.exists());
}

#[test]
fn call_crossing_midnight_stays_in_its_start_directory() {
    let t = TempDir::new("midnight");
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    let h = logger.start_call(&start("late", ts("2026-04-23T23:59:59.900Z")));
    h.transcript(&user_line(1, "after midnight", ts("2026-04-24T00:00:05Z")));
    h.end(&end(ts("2026-04-24T00:01:00Z"), 60_100, 0.01, None));
    logger.flush();
    let dir = t.path().join("calls/2026/04/23/late");
    assert_eq!(jsonl_objects(&dir.join("transcript.jsonl")).len(), 1);
    assert!(fs::read_to_string(dir.join("metadata.json"))
        .unwrap()
        .contains("\"ended_at\": \"2026-04-24T00:01:00.000Z\""));
    assert!(!t.path().join("calls/2026/04/24").exists());
}

#[test]
fn hostile_ids_stay_inside_one_segment_and_never_collide() {
    let t = TempDir::new("hostile");
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    let long = "L".repeat(10 * 1024);
    let ids = [
        "../../etc/passwd",
        "a/b",
        "a_b",
        "..",
        ".",
        "",
        "nul\0byte",
        long.as_str(),
        "通话-ñ",
        "CON",
        "aux.txt",
        "ok-id",
    ];
    let at = ts("2026-04-23T10:00:00Z");
    for id in ids {
        let h = logger.start_call(&start(id, at));
        h.transcript(&user_line(1, id, at));
        h.end(&end(at, 1, 0.0, None));
    }
    logger.flush();
    assert_eq!(logger.stats().errors, 0);
    let day = t.path().join("calls/2026/04/23");
    let dirs: Vec<_> = fs::read_dir(&day).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(dirs.len(), ids.len(), "one directory per distinct id");
    // Nothing escaped the day directory.
    assert_eq!(walk_files(t.path()).len(), ids.len() * 2);
    let mut seen_ids: Vec<String> = dirs
        .iter()
        .map(|d| {
            assert_eq!(d.parent().unwrap(), day);
            let meta: serde_json::Value = serde_json::from_slice(&fs::read(d.join("metadata.json")).unwrap()).unwrap();
            meta["call_id"].as_str().unwrap().to_string()
        })
        .collect();
    seen_ids.sort();
    let mut expected: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(seen_ids, expected, "metadata keeps every original id verbatim");
    assert!(day.join("ok-id").is_dir(), "safe ids stay verbatim");
}

#[cfg(unix)]
#[test]
fn directories_are_0700_and_files_0600() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new("modes");
    let root = t.path().join("fresh-root");
    write_golden_call(&root);
    for d in walk_dirs(&root) {
        assert_eq!(fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
    }
    let files = walk_files(&root);
    assert_eq!(files.len(), 3);
    for f in files {
        assert_eq!(fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
    }
}

fn caller_written(redaction: PhoneRedaction) -> serde_json::Value {
    let t = TempDir::new("redact");
    let logger = CallLogger::with_config(LogConfig { redaction, ..test_config(t.path()) }).unwrap();
    let mut s = start("r", ts("2026-04-23T10:00:00Z"));
    s.callee = Some("123".into());
    logger.start_call(&s);
    logger.flush();
    let meta: serde_json::Value =
        serde_json::from_slice(&fs::read(t.path().join("calls/2026/04/23/r/metadata.json")).unwrap()).unwrap();
    serde_json::json!([meta["caller"], meta["callee"]])
}

#[test]
fn redaction_modes_in_metadata() {
    use serde_json::json;
    let env = |pairs: &[(&str, &str)]| PhoneRedaction::from_env(&MapEnv::from_pairs(pairs));
    assert_eq!(caller_written(env(&[])), json!(["***4567", "***"]));
    assert_eq!(caller_written(env(&[("PATTER_LOG_REDACT_PHONE", "full")])), json!(["+15555554567", "123"]));
    let h = caller_written(env(&[("PATTER_LOG_REDACT_PHONE", "hash_only")]));
    // sha256("+15555554567")[:16], as the reference SDK writes it.
    assert_eq!(h[0], json!(format!("sha256:{}", &sha256_hex("+15555554567")[..16])));
    let k = caller_written(env(&[("PATTER_LOG_REDACT_PHONE", "hash_only"), ("PATTER_LOG_HASH_KEY", "install-secret")]));
    let k2 = caller_written(env(&[("PATTER_LOG_REDACT_PHONE", "hash_only"), ("PATTER_LOG_HASH_KEY", "other-secret")]));
    let kv = k[0].as_str().unwrap();
    assert!(kv.starts_with("hmac-sha256:") && kv.len() == "hmac-sha256:".len() + 16, "{kv}");
    assert_ne!(k[0], k2[0], "the key changes the hash");
    assert_ne!(kv.trim_start_matches("hmac-"), h[0].as_str().unwrap());
    // Transcript is not redacted (documented): the number spoken stays as spoken.
}

/// SHA-256 via the system's sha256sum (an independent implementation).
fn sha256_hex(s: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

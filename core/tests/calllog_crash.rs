//! Crash safety: a child process writing many calls from several threads is killed with
//! SIGKILL at random moments, repeatedly, on the same tree. Afterwards every metadata.json
//! parses, every JSONL file is a sequence of complete JSON lines, and hydrate reads it all.

mod calllog_support;
use calllog_support::*;

use patter_core::store::MetricsStore;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
#[test]
fn sigkill_at_random_moments_leaves_only_complete_records() {
    let t = TempDir::new("sigkill");
    let mut rng: u64 = 0x2545_F491_4F6C_DD1D ^ std::process::id() as u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let began = Instant::now();
    let mut rounds = 0;
    while rounds < 20 && began.elapsed() < Duration::from_secs(12) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_patter_calllog_child"))
            .arg("crash")
            .arg(t.path())
            .arg(rounds.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + next() % 400));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        rounds += 1;
    }
    let files = walk_files(t.path());
    let (mut metas, mut lines, mut tmps, mut torn) = (0, 0, 0, 0);
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        match name {
            "metadata.json" => {
                let v: serde_json::Value = serde_json::from_slice(&fs::read(f).unwrap())
                    .unwrap_or_else(|e| panic!("{} does not parse: {e}", f.display()));
                assert_eq!(v["schema_version"], "1.0");
                metas += 1;
            }
            "transcript.jsonl" | "events.jsonl" => {
                let (objs, tail) = jsonl_objects_torn_tail_ok(f);
                lines += objs.len();
                torn += usize::from(tail > 0);
            }
            n if n.starts_with(".metadata.json.") => tmps += 1, // a crash between create and rename
            n => panic!("unexpected file {n}"),
        }
    }
    assert!(metas > 20 && lines > 100, "the child wrote too little to prove anything: {metas} metadata, {lines} lines");
    let store = MetricsStore::new(100_000);
    let rep = store.hydrate_report(t.path());
    assert_eq!((rep.corrupt, rep.wrong_type, rep.too_large), (0, 0, 0), "{rep:?}");
    assert_eq!(rep.loaded, metas);
    let (mut read_lines, mut torn_read) = (0, 0);
    for c in store.get_calls(usize::MAX, 0) {
        let full = store.get_call(&c.call_id).unwrap();
        read_lines += full.transcript.len() + full.events.len();
    }
    for f in files.iter().filter(|f| f.ends_with("metadata.json")) {
        let (_, _, jr) = patter_core::store::read_call_files(f.parent().unwrap());
        assert_eq!(jr.bad_lines, 0);
        torn_read += jr.torn_tails;
    }
    assert_eq!(torn_read, torn);
    assert_eq!(read_lines, lines, "hydrate + get_call read back every complete line");
    eprintln!(
        "{rounds} kills: {metas} calls, {lines} lines, {torn} torn tails, {tmps} leftover temp files, {:?}",
        began.elapsed()
    );
}

//! The span file (`PATTER_OTEL_FILE`) shared by several processes that are killed with SIGKILL
//! at random moments: every line left is one whole OTLP-JSON request (a killed writer's
//! fragment is cut off by the next writer, never fused with its batch), only the very last line
//! may be a fragment if the last writer was killed, and the file and its new directories are
//! private (0600 / 0700) whatever the umask.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(path: &std::path::Path, tag: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_patter_span_child"))
        .arg(path)
        .arg(tag)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn sigkill_loop_across_processes_leaves_only_whole_lines() {
    let root = std::env::temp_dir().join(format!("patter-spanfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let file = root.join("a").join("b").join("spans.jsonl");
    // A permissive umask must not make the span file or its directories readable by others.
    let old_umask = unsafe { libc::umask(0) };
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut children: Vec<Child> = (0..4).map(|i| spawn(&file, &format!("p{i}"))).collect();
    let began = Instant::now();
    let mut kills = 0;
    while began.elapsed() < Duration::from_secs(8) {
        std::thread::sleep(Duration::from_millis(20 + next() % 150));
        let k = (next() % children.len() as u64) as usize;
        children[k].kill().unwrap();
        children[k].wait().unwrap();
        kills += 1;
        children[k] = spawn(&file, &format!("p{k}-r{kills}"));
    }
    for c in &mut children {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    unsafe { libc::umask(old_umask) };

    let data = std::fs::read(&file).unwrap();
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let last = lines.pop().unwrap(); // after the final '\n' (empty) or the last writer's fragment
    let (mut whole, mut spans) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap_or_else(|e| {
            panic!("line {i} of {} ({} bytes) is not one whole request: {e}", lines.len(), line.len())
        });
        spans += v["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().map_or(0, |a| a.len());
        whole += 1;
    }
    assert!(serde_json::from_slice::<serde_json::Value>(last).is_err() || last.is_empty());
    assert!(
        kills >= 20 && whole > 50 && spans > 10_000,
        "too little happened to prove anything: {kills} kills, {whole} lines, {spans} spans"
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600, "span file mode");
    assert_eq!(mode(file.parent().unwrap()), 0o700, "created directory mode");
    assert_eq!(mode(&root.join("a")), 0o700, "created directory mode");
    eprintln!("{kills} kills, {whole} whole lines, {spans} spans, {} bytes", data.len());
    let _ = std::fs::remove_dir_all(&root);
}

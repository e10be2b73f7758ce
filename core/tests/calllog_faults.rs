//! Fault cases: a file where a directory should be, an unwritable root, a full disk
//! (RLIMIT_FSIZE in a child process; a size-limited tmpfs when mounting is permitted), a
//! read-only file system. Each failure is counted, never raised; later calls recover.

mod calllog_support;
use calllog_support::*;

use patter_core::calllog::CallLogger;
use std::fs;
use std::path::Path;
use std::process::Command;

fn one_call(logger: &CallLogger, id: &str, lines: u32, text: &str) {
    let at = ts("2026-04-23T12:00:00Z");
    let h = logger.start_call(&start(id, at));
    for i in 0..lines {
        h.transcript(&user_line(i, text, at));
    }
    h.event(&event("barge_in", at));
    h.end(&end(at, 1000, 0.01, None));
}

fn assert_complete_call(dir: &Path, lines: usize) {
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "completed");
    assert_eq!(jsonl_objects(&dir.join("transcript.jsonl")).len(), lines);
}

#[test]
fn file_where_a_directory_should_be_then_recovery() {
    let t = TempDir::new("filedir");
    fs::write(t.path().join("calls"), b"I am a file").unwrap();
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    one_call(&logger, "blocked", 3, "hello");
    logger.flush();
    let s = logger.stats();
    assert_eq!(s.written, 0);
    assert_eq!(s.errors, 6, "start + 3 lines + event + end, each counted once");
    // The disk "recovers": later calls are written.
    fs::remove_file(t.path().join("calls")).unwrap();
    one_call(&logger, "after", 3, "hello");
    logger.flush();
    assert_complete_call(&t.path().join("calls/2026/04/23/after"), 3);
    assert_eq!(logger.stats().errors, 6);
    // The same file-vs-directory clash one level down (a day that is a file).
    fs::write(t.path().join("calls/2026/04/24"), b"x").unwrap();
    let h = logger.start_call(&start("day-blocked", ts("2026-04-24T01:00:00Z")));
    h.end(&end(ts("2026-04-24T01:00:01Z"), 1000, 0.0, None));
    logger.flush();
    assert_eq!(logger.stats().errors, 8);
}

#[test]
fn unwritable_root_counts_errors_and_never_raises() {
    let t = TempDir::new("unwritable");
    fs::write(t.path().join("plainfile"), b"x").unwrap();
    // A root below a regular file cannot be created, whoever we are (root included).
    let logger = CallLogger::with_config(test_config(&t.path().join("plainfile/root"))).unwrap();
    one_call(&logger, "x", 2, "hi");
    logger.flush();
    assert_eq!(logger.stats().errors, 5);
    assert_eq!(logger.stats().written, 0);
}

#[cfg(unix)]
#[test]
fn permission_denied_root_when_not_superuser() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: running as root, permissions are not enforced");
        return;
    }
    let t = TempDir::new("perm");
    let ro = t.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();
    let logger = CallLogger::with_config(test_config(&ro.join("root"))).unwrap();
    one_call(&logger, "x", 2, "hi");
    logger.flush();
    assert_eq!(logger.stats().errors, 5);
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o700)).unwrap();
    one_call(&logger, "y", 2, "hi");
    logger.flush();
    assert_complete_call(&ro.join("root/calls/2026/04/23/y"), 2);
}

/// Disk full, simulated by RLIMIT_FSIZE = 64 KiB in a child process (SIGXFSZ ignored, so writes
/// fail with EFBIG, possibly after a partial write): errors are counted, no line is torn, and
/// once the limit is lifted the next call is written in full.
#[cfg(unix)]
#[test]
fn file_size_limit_in_child_process() {
    let t = TempDir::new("fsize");
    let out = Command::new(env!("CARGO_BIN_EXE_patter_calllog_child")).arg("fsize").arg(t.path()).output().unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stats: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(stats.len(), 2, "{stdout}");
    let errors_full = stats[0]["errors"].as_u64().unwrap();
    assert!(errors_full > 0, "the size limit must have produced errors: {stdout}");
    assert_eq!(stats[1]["errors"].as_u64().unwrap(), errors_full, "no new error after recovery");
    let day = t.path().join("calls/2026/04/23");
    // The full call: metadata intact (atomic), transcript a prefix of complete lines under the limit.
    let full = day.join("full-disk");
    let lines = jsonl_objects(&full.join("transcript.jsonl"));
    assert!(!lines.is_empty() && lines.len() < 40, "{} lines", lines.len());
    assert!(fs::metadata(full.join("transcript.jsonl")).unwrap().len() <= 64 * 1024);
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(full.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "completed");
    // Recovery.
    assert_complete_call(&day.join("after-recovery"), 5);
}

/// Mounts a tmpfs for the duration of a test (skipped where mounting is not permitted).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Self> {
        fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
    fn remount(&self, opt: &str) -> bool {
        Command::new("mount").args(["-o", &format!("remount,{opt}")]).arg(&self.0).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn small_tmpfs_full_then_recovers() {
    let t = TempDir::new("tmpfs-full");
    let mnt = t.path().join("mnt");
    let Some(_fs) = Tmpfs::mount(&mnt, "256k") else {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    // Fill most of the file system, leaving room for a few calls.
    fs::write(mnt.join("filler"), vec![0u8; 200 * 1024]).unwrap();
    let logger = CallLogger::with_config(test_config(&mnt)).unwrap();
    let text = "w".repeat(2000);
    for i in 0..30 {
        one_call(&logger, &format!("c{i}"), 5, &text);
    }
    logger.flush();
    let errors = logger.stats().errors;
    assert!(errors > 0, "the 256 KiB file system must have filled up");
    // Every transcript that exists holds only complete lines; every metadata.json parses.
    for f in walk_files(&mnt.join("calls")) {
        match f.file_name().unwrap().to_str().unwrap() {
            "metadata.json" => {
                serde_json::from_slice::<serde_json::Value>(&fs::read(&f).unwrap()).unwrap();
            }
            n if n.ends_with(".jsonl") => {
                jsonl_objects(&f);
            }
            n => assert!(n.starts_with(".metadata.json.") || n == "filler", "unexpected {n}"),
        }
    }
    // Space comes back: later calls are complete again.
    fs::remove_file(mnt.join("filler")).unwrap();
    one_call(&logger, "after", 5, &text);
    logger.flush();
    assert_complete_call(&mnt.join("calls/2026/04/23/after"), 5);
    assert_eq!(logger.stats().errors, errors);
}

#[cfg(target_os = "linux")]
#[test]
fn read_only_file_system_then_recovers() {
    let t = TempDir::new("tmpfs-ro");
    let mnt = t.path().join("mnt");
    let Some(tmp) = Tmpfs::mount(&mnt, "4m") else {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    let logger = CallLogger::with_config(test_config(&mnt)).unwrap();
    one_call(&logger, "before", 2, "hi");
    logger.flush();
    assert_eq!(logger.stats().errors, 0);
    assert!(tmp.remount("ro"));
    one_call(&logger, "during", 2, "hi");
    logger.flush();
    assert_eq!(logger.stats().errors, 5);
    assert!(tmp.remount("rw"));
    one_call(&logger, "after", 2, "hi");
    logger.flush();
    assert_eq!(logger.stats().errors, 5);
    assert_complete_call(&mnt.join("calls/2026/04/23/before"), 2);
    assert_complete_call(&mnt.join("calls/2026/04/23/after"), 2);
}

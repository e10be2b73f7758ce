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

/// The directory a test call of 2026-04-23 is written to.
fn call_path(root: &Path, id: &str) -> std::path::PathBuf {
    root.join("calls/2026/04/23").join(id)
}

/// Fifty ordinary calls after a fault: all reach the disk and `flush()` returns.
fn later_calls_unaffected(logger: &CallLogger, root: &Path) {
    for i in 0..50 {
        one_call(logger, &format!("later-{i}"), 2, "fine");
    }
    assert!(logger.flush_timeout(std::time::Duration::from_secs(20)), "the writer is wedged");
    logger.flush();
    for i in 0..50 {
        assert_complete_call(&call_path(root, &format!("later-{i}")), 2);
    }
}

/// A FIFO planted as a call's transcript.jsonl (nobody reading it) is refused, not opened for
/// a blocking write: the refusal is counted and the writer goes on with every later call.
#[cfg(unix)]
#[test]
fn planted_fifo_transcript_is_refused_and_never_wedges_the_writer() {
    let t = TempDir::new("fifo");
    let dir = call_path(t.path(), "fifo-call");
    fs::create_dir_all(&dir).unwrap();
    let fifo = std::ffi::CString::new(dir.join("transcript.jsonl").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    one_call(&logger, "fifo-call", 3, &"x".repeat(200_000));
    later_calls_unaffected(&logger, t.path());
    let s = logger.stats();
    assert_eq!(s.errors, 3, "each of the 3 refused transcript lines counted: {s:?}");
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "completed", "the call's other files are still written");
    assert!(fs::symlink_metadata(dir.join("transcript.jsonl")).unwrap().file_type().is_fifo_like());
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}
#[cfg(unix)]
impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

/// A call directory planted as a symlink to a directory outside the root is never written
/// through; the call is refused and counted, the target stays empty, later calls are written.
#[cfg(unix)]
#[test]
fn symlinked_call_directory_is_not_written_through() {
    let t = TempDir::new("linkcall");
    let outside = TempDir::new("linkcall-outside");
    let root = t.path().join("root");
    fs::create_dir_all(root.join("calls/2026/04/23")).unwrap();
    std::os::unix::fs::symlink(outside.path(), call_path(&root, "planted")).unwrap();
    let logger = CallLogger::with_config(test_config(&root)).unwrap();
    one_call(&logger, "planted", 3, "secret transcript");
    later_calls_unaffected(&logger, &root);
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside the root");
    assert_eq!(logger.stats().errors, 6, "start + 3 lines + event + end refused and counted");
}

/// The same with the day directory planted as a symlink: no call of that day lands outside.
#[cfg(unix)]
#[test]
fn symlinked_day_directory_is_not_written_through() {
    let t = TempDir::new("linkday");
    let outside = TempDir::new("linkday-outside");
    let root = t.path().join("root");
    fs::create_dir_all(root.join("calls/2026/04")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("calls/2026/04/23")).unwrap();
    let logger = CallLogger::with_config(test_config(&root)).unwrap();
    for i in 0..5 {
        one_call(&logger, &format!("day-{i}"), 1, "hello");
    }
    assert!(logger.flush_timeout(std::time::Duration::from_secs(20)));
    assert_eq!(walk_files(outside.path()).len(), 0, "nothing written outside the root");
    assert_eq!(logger.stats().errors, 5 * 4);
    assert_eq!(logger.stats().written, 0);
    // Another day is unaffected.
    let h = logger.start_call(&start("next-day", ts("2026-04-24T08:00:00Z")));
    h.end(&end(ts("2026-04-24T08:00:01Z"), 1000, 0.0, None));
    logger.flush();
    assert!(root.join("calls/2026/04/24/next-day/metadata.json").is_file());
}

/// A unix socket, a device file and a symlinked file planted as JSONL files are refused
/// (never connected to, never written to, never followed).
#[cfg(unix)]
#[test]
fn sockets_devices_and_symlinked_files_are_refused() {
    let t = TempDir::new("odd");
    let victim = TempDir::new("odd-victim");
    let target = victim.path().join("target.txt");
    fs::write(&target, b"untouched").unwrap();
    let sock_dir = call_path(t.path(), "sock");
    let dev_dir = call_path(t.path(), "dev");
    let link_dir = call_path(t.path(), "link");
    for d in [&sock_dir, &dev_dir, &link_dir] {
        fs::create_dir_all(d).unwrap();
    }
    let _listener = std::os::unix::net::UnixListener::bind(sock_dir.join("transcript.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/null", dev_dir.join("transcript.jsonl")).unwrap();
    std::os::unix::fs::symlink(&target, link_dir.join("events.jsonl")).unwrap();
    std::os::unix::fs::symlink(&target, link_dir.join("metadata.json")).unwrap();
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    for id in ["sock", "dev", "link"] {
        one_call(&logger, id, 2, "hello");
    }
    later_calls_unaffected(&logger, t.path());
    assert_eq!(fs::read(&target).unwrap(), b"untouched", "the link's target was not written");
    // metadata.json is replaced (atomic rename over the link), never written through it.
    assert!(!fs::symlink_metadata(link_dir.join("metadata.json")).unwrap().file_type().is_symlink());
    assert_eq!(logger.stats().errors, 2 + 2 + 1, "2 socket lines, 2 device lines, 1 linked event");
}

/// A transcript line accepted on write is read back whole by the store (same limits on both
/// sides): a 10 MB utterance survives hydrate + get_call.
#[test]
fn a_ten_megabyte_utterance_reads_back_whole() {
    let t = TempDir::new("bigline");
    let logger = CallLogger::with_config(test_config(t.path())).unwrap();
    let big = "y".repeat(10 * 1024 * 1024);
    one_call(&logger, "big", 1, &big);
    logger.flush();
    assert_eq!(logger.stats().errors, 0);
    let store = patter_core::store::MetricsStore::new(10);
    assert_eq!(store.hydrate(t.path()), 1);
    let rec = store.get_call("big").unwrap();
    assert_eq!(rec.transcript.len(), 1);
    assert_eq!(rec.transcript[0].text.len(), big.len());
}

//! Retention: whole expired days are deleted, emptied months/years removed, nothing else is
//! touched, and no symbolic link is ever followed out of the tree.

mod calllog_support;
use calllog_support::*;

use patter_core::calllog::CallLogger;
use patter_core::config::LogConfig;
use std::fs;
use std::path::Path;

fn make_call(root: &Path, ymd: &str, id: &str) {
    let d = root.join("calls").join(ymd).join(id);
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("metadata.json"), b"{}\n").unwrap();
    fs::write(d.join("transcript.jsonl"), b"{}\n").unwrap();
}

fn logger(root: &Path, days: u32) -> CallLogger {
    CallLogger::with_config(LogConfig { retention_days: days, ..test_config(root) }).unwrap()
}

#[test]
fn deletes_whole_expired_days_and_empty_parents() {
    let t = TempDir::new("ret");
    let root = t.path();
    make_call(root, "2025/12/31", "a"); // whole year goes
    make_call(root, "2026/03/01", "b"); // whole month goes
    make_call(root, "2026/04/20", "c"); // expired day in a month that keeps another day
    make_call(root, "2026/04/21", "d"); // the boundary day: ends 04-22T00:00 == cutoff → expired
    make_call(root, "2026/04/22", "e"); // ends 04-23T00:00 > cutoff → kept
    make_call(root, "2026/04/23", "f"); // today
                                        // Things the sweep must not touch: non-numeric names, files at Y/M/D positions.
    fs::create_dir_all(root.join("calls/notes")).unwrap();
    fs::write(root.join("calls/2026/readme.txt"), b"keep").unwrap();
    fs::create_dir_all(root.join("calls/2026/04/xx")).unwrap();
    let now = ts("2026-04-23T00:00:00Z");
    let rep = logger(root, 1).sweep_at(now);
    assert_eq!((rep.days_removed, rep.months_removed, rep.years_removed, rep.errors), (4, 2, 1, 0), "{rep:?}");
    assert!(!root.join("calls/2025").exists());
    assert!(!root.join("calls/2026/03").exists());
    assert!(!root.join("calls/2026/04/20").exists());
    assert!(!root.join("calls/2026/04/21").exists());
    assert!(root.join("calls/2026/04/22/e/metadata.json").exists());
    assert!(root.join("calls/2026/04/23/f/metadata.json").exists());
    assert!(root.join("calls/notes").is_dir());
    assert!(root.join("calls/2026/readme.txt").is_file());
    assert!(root.join("calls/2026/04/xx").is_dir());
}

#[test]
fn zero_days_keeps_everything() {
    let t = TempDir::new("ret0");
    make_call(t.path(), "1999/01/01", "old");
    let rep = logger(t.path(), 0).sweep_at(ts("2026-04-23T00:00:00Z"));
    assert_eq!(rep, Default::default());
    assert!(t.path().join("calls/1999/01/01/old/metadata.json").exists());
}

#[cfg(unix)]
#[test]
fn never_follows_symlinks_out_of_the_tree() {
    use std::os::unix::fs::symlink;
    let t = TempDir::new("ret-link");
    let root = t.path().join("root");
    let victim = t.path().join("victim");
    fs::create_dir_all(victim.join("sub")).unwrap();
    fs::write(victim.join("precious.txt"), b"do not delete").unwrap();
    fs::write(victim.join("sub/nested.txt"), b"do not delete").unwrap();
    // 1. A link inside an expired call directory.
    make_call(&root, "2001/01/01", "X");
    symlink(&victim, root.join("calls/2001/01/01/X/link")).unwrap();
    // 2. A link standing where an expired day should be, and one where a year should be.
    fs::create_dir_all(root.join("calls/2001/02")).unwrap();
    symlink(&victim, root.join("calls/2001/02/01")).unwrap();
    symlink(&victim, root.join("calls/1999")).unwrap();
    // 3. A link to a file.
    symlink(victim.join("precious.txt"), root.join("calls/2001/01/01/X/file-link")).unwrap();

    let rep = logger(&root, 30).sweep_at(ts("2026-04-23T00:00:00Z"));
    assert_eq!(rep.errors, 0, "{rep:?}");
    assert_eq!(rep.days_removed, 1);
    assert_eq!(fs::read(victim.join("precious.txt")).unwrap(), b"do not delete");
    assert_eq!(fs::read(victim.join("sub/nested.txt")).unwrap(), b"do not delete");
    assert!(!root.join("calls/2001/01").exists(), "the expired real day (with its links) is gone");
    // Links in Y/M/D positions are not days: left alone, never traversed.
    assert!(fs::symlink_metadata(root.join("calls/2001/02/01")).unwrap().file_type().is_symlink());
    assert!(fs::symlink_metadata(root.join("calls/1999")).unwrap().file_type().is_symlink());

    // A `calls` directory that is itself a link is not swept at all.
    let root2 = t.path().join("root2");
    fs::create_dir_all(&root2).unwrap();
    make_call(&victim, "2001/01/01", "v");
    symlink(victim.join("calls"), root2.join("calls")).unwrap();
    let rep = logger(&root2, 30).sweep_at(ts("2026-04-23T00:00:00Z"));
    assert_eq!(rep, Default::default());
    assert!(victim.join("calls/2001/01/01/v/metadata.json").exists());
}

#[test]
fn sampled_sweep_runs_on_the_writer_at_call_start() {
    let t = TempDir::new("ret-sample");
    make_call(t.path(), "2001/01/01", "ancient");
    // The calls started here are dated now (wall clock), so that their own day is never expired.
    let today = patter_core::clock::Timestamp(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    );
    // Probability 0: a call start never sweeps.
    let off = logger(t.path(), 30);
    off.start_call(&start("now-0", today));
    off.flush();
    assert!(t.path().join("calls/2001").exists());
    assert_eq!(off.stats().sweeps, 0);
    // Probability 1: every start sweeps (wall clock: 2001 is long expired).
    let on = CallLogger::with_config(LogConfig { sweep_probability: 1.0, ..LogConfig::at(t.path()) }).unwrap();
    on.start_call(&start("now-1", today));
    on.flush();
    assert_eq!(on.stats().sweeps, 1);
    assert!(!t.path().join("calls/2001").exists());
    // sweep_now uses the wall clock too.
    make_call(t.path(), "2002/01/01", "ancient2");
    assert_eq!(on.sweep_now().days_removed, 1);
}

#[test]
fn a_day_holding_a_call_still_being_written_is_kept() {
    // A call's day comes from its own clock (here: deterministic, long past); retention goes by
    // the wall clock. The sweep must not delete the call it is writing.
    let t = TempDir::new("retlive");
    let root = t.path();
    make_call(root, "2026/01/05", "older-same-day"); // shares the live call's day
    make_call(root, "2026/01/04", "other-day");
    let log = logger(root, 30);
    let live = log.start_call(&start("CA-live", ts("2026-01-05T10:00:00Z")));
    log.flush();
    let now = ts("2026-04-23T00:00:00Z");
    let rep = log.sweep_at(now);
    assert_eq!(rep.days_removed, 1, "only the day without a live call: {rep:?}");
    assert!(root.join("calls/2026/01/05/CA-live/metadata.json").exists());
    assert!(root.join("calls/2026/01/05/older-same-day/metadata.json").exists());
    assert!(!root.join("calls/2026/01/04").exists());
    live.end(&end(ts("2026-01-05T10:01:00Z"), 60_000, 0.0, None));
    log.flush();
    assert!(root.join("calls/2026/01/05/CA-live/metadata.json").exists());
    // Ended: its day is an ordinary expired day again.
    let rep = log.sweep_at(now);
    assert_eq!(rep.days_removed, 1, "{rep:?}");
    assert!(!root.join("calls/2026/01/05").exists());
}

//! Retention sweep: deletes whole day directories of `<root>/calls/YYYY/MM/DD` whose entire day
//! lies before `now − N days`, then the month and year directories it emptied.
//!
//! It never follows a symbolic link: entries are classified with `DirEntry::file_type` (which
//! does not follow links), a link in a Y/M/D position is ignored, and day trees are removed with
//! `std::fs::remove_dir_all`, which unlinks symlinks as links and does not traverse them
//! (race-free `openat`/`O_NOFOLLOW` on Unix since Rust 1.58.1).

use crate::clock::{days_from_civil, Timestamp};
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

const DAY_SECS: u64 = 86_400;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Day directories removed.
    pub days_removed: u64,
    /// Month directories removed because they became empty.
    pub months_removed: u64,
    /// Year directories removed because they became empty.
    pub years_removed: u64,
    /// Failures (each also logged).
    pub errors: u64,
}

/// Parses a numeric directory name of exactly `width` ASCII digits within `range`.
pub fn numeric_name(name: &str, width: usize, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    if name.len() != width || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok().filter(|n| range.contains(n))
}

/// The real (non-symlink) subdirectories of `dir` whose names are `width` digits in `range`,
/// as `(number, path)`, sorted descending (newest first). Unreadable dirs give an empty list.
pub fn numeric_subdirs(dir: &Path, width: usize, range: std::ops::RangeInclusive<u32>) -> Vec<(u32, PathBuf)> {
    let Ok(rd) = fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<(u32, PathBuf)> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name();
            numeric_name(name.to_str()?, width, range.clone()).map(|n| (n, e.path()))
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    out
}

/// Whether the whole UTC day `y-m-d` ended at or before `now − days`.
pub fn day_expired(y: u32, m: u32, d: u32, days: u32, now: Timestamp) -> bool {
    let day_index = days_from_civil(y as i64, m, d);
    if day_index < -1 {
        return true;
    }
    let day_end_secs = ((day_index + 1) as u64).saturating_mul(DAY_SECS);
    let cutoff_secs = (now.0 / 1_000_000_000).saturating_sub(u64::from(days).saturating_mul(DAY_SECS));
    day_end_secs <= cutoff_secs
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).map(|mut rd| rd.next().is_none()).unwrap_or(false)
}

/// Sweeps `<root>/calls` (see the module documentation). `days == 0` keeps everything.
pub fn sweep(root: &Path, days: u32, now: Timestamp) -> SweepReport {
    sweep_keeping(root, days, now, &|_| false)
}

/// [`sweep`], leaving alone every day directory for which `keep(<root>/calls/Y/M/D)` is true
/// (the writer's: days holding a call it is still writing).
pub(crate) fn sweep_keeping(root: &Path, days: u32, now: Timestamp, keep: &dyn Fn(&Path) -> bool) -> SweepReport {
    let mut rep = SweepReport::default();
    if days == 0 {
        return rep;
    }
    let calls = root.join("calls");
    // `calls` itself must be a real directory, not a link.
    if !fs::symlink_metadata(&calls).is_ok_and(|m| m.is_dir()) {
        return rep;
    }
    let fail = |what: &str, p: &Path, e: std::io::Error, rep: &mut SweepReport| {
        rep.errors += 1;
        crate::diagnostics::report(
            crate::diagnostics::Level::Warn,
            crate::diagnostics::Code::CallLogRetentionFailed,
            || format!("retention could not remove {what} {}: {e}", p.display()),
        );
    };
    for (y, ydir) in numeric_subdirs(&calls, 4, 0..=9999) {
        for (m, mdir) in numeric_subdirs(&ydir, 2, 1..=12) {
            for (d, ddir) in numeric_subdirs(&mdir, 2, 1..=31) {
                if day_expired(y, m, d, days, now) && !keep(&ddir) {
                    match fs::remove_dir_all(&ddir) {
                        Ok(()) => rep.days_removed += 1,
                        Err(e) => fail("a day directory", &ddir, e, &mut rep),
                    }
                }
            }
            if is_empty_dir(&mdir) {
                match fs::remove_dir(&mdir) {
                    Ok(()) => rep.months_removed += 1,
                    Err(e) => fail("a month directory", &mdir, e, &mut rep),
                }
            }
        }
        if is_empty_dir(&ydir) {
            match fs::remove_dir(&ydir) {
                Ok(()) => rep.years_removed += 1,
                Err(e) => fail("a year directory", &ydir, e, &mut rep),
            }
        }
    }
    rep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_day_rule() {
        // now = 2026-04-23T12:00Z, keep 1 day: 04-21 ended 04-22T00:00 <= 04-22T12:00 → expired;
        // 04-22 ends 04-23T00:00 > cutoff → kept (it still holds calls < 1 day old... at most 36 h).
        let now = Timestamp::parse_iso8601("2026-04-23T12:00:00Z").unwrap();
        assert!(day_expired(2026, 4, 21, 1, now));
        assert!(!day_expired(2026, 4, 22, 1, now));
        assert!(!day_expired(2026, 4, 23, 1, now));
        // Exactly at the boundary: day end == cutoff → expired.
        let now = Timestamp::parse_iso8601("2026-04-24T00:00:00Z").unwrap();
        assert!(day_expired(2026, 4, 22, 1, now));
        assert!(!day_expired(2026, 4, 23, 1, now));
        assert_eq!(numeric_name("2026", 4, 0..=9999), Some(2026));
        assert_eq!(numeric_name("13", 2, 1..=12), None);
        assert_eq!(numeric_name("+1", 2, 1..=12), None);
        assert_eq!(numeric_name("1", 2, 1..=12), None);
    }
}

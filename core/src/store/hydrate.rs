//! Reading call directories back from disk (ours and the reference SDK's).
//!
//! Walks `<root>/calls/YYYY/MM/DD` newest day first (numeric names, descending) and stops after
//! the first day that brings the number of calls found to the ring's capacity, so the cost is
//! O(ring + one day), not O(history). Within a day every call's metadata.json is read so the
//! day can be ordered. Transcripts and events are not read here: `get_call` reads them from the
//! call's directory when asked (one call at a time). Never follows a symbolic link (entries are classified without following
//! links; files are opened with `O_NOFOLLOW | O_NONBLOCK` and must be regular files), never
//! reads more than a size cap per file, never panics, never aborts on a bad entry.

use super::parse::{event_entry, summary_from_bytes, transcript_entries};
use super::record::{CallRecord, CallSummary, EventEntry, TranscriptEntry};
use crate::calllog::numeric_subdirs;
use crate::config::PhoneRedaction;
use serde::Serialize;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Largest metadata.json read (bigger ones are skipped as `too_large`).
pub const MAX_METADATA_BYTES: u64 = 4 * 1024 * 1024;
/// Largest transcript.jsonl / events.jsonl: the call-log writer never makes a file longer (a
/// line that would is refused, counted and logged), and reads take at most this much (the rest
/// of a longer file, from another writer, is ignored and counted in `truncated_files`). So
/// whatever the writer accepted is read back whole.
pub const MAX_JSONL_BYTES: u64 = 64 * 1024 * 1024;

/// What reading a call's JSONL files found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JsonlReport {
    /// JSONL files of which only the first [`MAX_JSONL_BYTES`] were read.
    pub truncated_files: usize,
    /// Complete (newline-terminated) JSONL lines that did not parse and were skipped.
    pub bad_lines: usize,
    /// JSONL files ending in an unparseable fragment without a newline (a writer killed
    /// mid-line); the fragment is skipped.
    pub torn_tails: usize,
}

/// What a hydrate did. `loaded` is exactly the number of records added to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HydrateReport {
    /// Calls added to the store.
    pub loaded: usize,
    /// Calls skipped because their id was already in the store (or seen earlier in this walk).
    pub already_present: usize,
    /// Calls read but not kept because the ring was full of newer calls.
    pub not_retained: usize,
    /// metadata.json files that did not parse or had no usable `started_at`.
    pub corrupt: usize,
    /// metadata.json entries that are not regular files (directories, links, FIFOs…).
    pub wrong_type: usize,
    /// metadata.json files over [`MAX_METADATA_BYTES`].
    pub too_large: usize,
    /// Call directories without a metadata.json.
    pub missing_metadata: usize,
    /// Day directories visited.
    pub days_scanned: usize,
    /// Whether the walk stopped before the oldest day because the ring was full.
    pub stopped_early: bool,
}

enum ReadErr {
    Missing,
    WrongType,
    TooLarge,
    Io,
}

fn open_nofollow(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    o.open(path)
}

/// Reads a regular file (never through a link) up to `cap` bytes. `Ok((bytes, truncated))`.
fn read_capped(path: &Path, cap: u64, reject_over_cap: bool) -> Result<(Vec<u8>, bool), ReadErr> {
    let f = match open_nofollow(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadErr::Missing),
        // ELOOP (a symlink under O_NOFOLLOW) and the like.
        Err(_) => {
            return Err(if fs::symlink_metadata(path).is_ok() { ReadErr::WrongType } else { ReadErr::Io });
        }
    };
    let meta = f.metadata().map_err(|_| ReadErr::Io)?;
    if !meta.is_file() {
        return Err(ReadErr::WrongType);
    }
    let truncated = meta.len() > cap;
    if truncated && reject_over_cap {
        return Err(ReadErr::TooLarge);
    }
    let mut buf = Vec::with_capacity(meta.len().min(cap) as usize);
    f.take(cap).read_to_end(&mut buf).map_err(|_| ReadErr::Io)?;
    Ok((buf, truncated))
}

/// Parses the lines of a JSONL buffer, calling `each` on every JSON value. A final piece
/// without a newline is used if it parses (a complete record whose newline was lost) and
/// otherwise counted as a torn tail; after a size cap it is dropped silently.
fn for_each_line(buf: &[u8], truncated: bool, report: &mut JsonlReport, mut each: impl FnMut(&serde_json::Value)) {
    let mut lines: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
    let tail = lines.pop().filter(|t| !truncated && !t.iter().all(u8::is_ascii_whitespace));
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(v) => each(&v),
            Err(_) => report.bad_lines += 1,
        }
    }
    if let Some(tail) = tail {
        match serde_json::from_slice::<serde_json::Value>(tail) {
            Ok(v) => each(&v),
            Err(_) => report.torn_tails += 1,
        }
    }
}

fn load_transcript(dir: &Path, report: &mut JsonlReport) -> Vec<TranscriptEntry> {
    let mut out = Vec::new();
    if let Ok((buf, truncated)) = read_capped(&dir.join("transcript.jsonl"), MAX_JSONL_BYTES, false) {
        report.truncated_files += usize::from(truncated);
        for_each_line(&buf, truncated, report, |v| transcript_entries(v, &mut out));
    }
    out
}

fn load_events(dir: &Path, report: &mut JsonlReport) -> Vec<EventEntry> {
    let mut out = Vec::new();
    if let Ok((buf, truncated)) = read_capped(&dir.join("events.jsonl"), MAX_JSONL_BYTES, false) {
        report.truncated_files += usize::from(truncated);
        for_each_line(&buf, truncated, report, |v| out.extend(event_entry(v)));
    }
    out
}

/// Reads a call directory's transcript.jsonl and events.jsonl (ours or the reference's), with
/// the same caps and tolerance as hydrate: never through a link, at most [`MAX_JSONL_BYTES`]
/// each, bad lines skipped and counted.
pub fn read_call_files(dir: &Path) -> (Vec<TranscriptEntry>, Vec<EventEntry>, JsonlReport) {
    let mut report = JsonlReport::default();
    let transcript = load_transcript(dir, &mut report);
    let events = load_events(dir, &mut report);
    (transcript, events, report)
}

/// Reads and parses `dir/metadata.json`, counting the outcome in `report`.
fn load_summary(
    dir: &Path,
    dir_name: &str,
    redaction: &PhoneRedaction,
    report: &mut HydrateReport,
) -> Option<CallSummary> {
    let buf = match read_capped(&dir.join("metadata.json"), MAX_METADATA_BYTES, true) {
        Ok((b, _)) => b,
        Err(ReadErr::Missing) => {
            report.missing_metadata += 1;
            return None;
        }
        Err(ReadErr::WrongType) => {
            report.wrong_type += 1;
            return None;
        }
        Err(ReadErr::TooLarge) => {
            report.too_large += 1;
            return None;
        }
        Err(ReadErr::Io) => {
            report.corrupt += 1;
            return None;
        }
    };
    let parsed = summary_from_bytes(&buf, dir_name, redaction).ok();
    if parsed.is_none() {
        report.corrupt += 1;
        ::tracing::debug!(dir = %dir.display(), "patter hydrate: skipping unparseable metadata.json");
    }
    parsed
}

/// Walks `root` newest day first (at most `max_days` day directories when given) and returns
/// up to about `want` call records (newest first) whose ids `is_present` does not know. Present ids count towards `want` (they occupy the
/// ring), which keeps a repeated hydrate O(ring) too.
pub(crate) fn collect(
    root: &Path,
    want: usize,
    max_days: Option<usize>,
    redaction: &PhoneRedaction,
    is_present: &dyn Fn(&str) -> bool,
    report: &mut HydrateReport,
) -> Vec<CallRecord> {
    let calls = root.join("calls");
    let mut found: Vec<(CallSummary, std::path::PathBuf)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if !fs::symlink_metadata(&calls).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let mut counted = 0usize;
    'walk: for (_, ydir) in numeric_subdirs(&calls, 4, 0..=9999) {
        for (_, mdir) in numeric_subdirs(&ydir, 2, 1..=12) {
            for (_, ddir) in numeric_subdirs(&mdir, 2, 1..=31) {
                if counted >= want || max_days.is_some_and(|m| report.days_scanned >= m) {
                    report.stopped_early = true;
                    break 'walk;
                }
                report.days_scanned += 1;
                let Ok(rd) = fs::read_dir(&ddir) else { continue };
                let mut day: Vec<(CallSummary, std::path::PathBuf)> = Vec::new();
                for e in rd.flatten() {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    if name.starts_with('.') || !e.file_type().is_ok_and(|t| t.is_dir()) {
                        continue;
                    }
                    let dir = e.path();
                    if let Some(s) = load_summary(&dir, &name, redaction, report) {
                        day.push((s, dir));
                    }
                }
                day.sort_by(|a, b| b.0.order_ns.cmp(&a.0.order_ns).then_with(|| a.0.call_id.cmp(&b.0.call_id)));
                for (s, dir) in day {
                    if is_present(&s.call_id) || !seen.insert(s.call_id.clone()) {
                        report.already_present += 1;
                    } else {
                        found.push((s, dir));
                    }
                    counted += 1;
                }
            }
        }
    }
    found.sort_by_key(|e| std::cmp::Reverse(e.0.order_ns));
    // Read but older than the `want` newest: a busy last day (the reference SDK puts a whole
    // day in one directory) is read whole and mostly not kept.
    report.not_retained += found.len().saturating_sub(want);
    found.truncate(want);
    found
        .into_iter()
        .map(|(summary, dir)| CallRecord { summary, transcript: Vec::new(), events: Vec::new(), disk_dir: Some(dir) })
        .collect()
}

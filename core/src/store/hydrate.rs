//! Reading call directories back from disk (ours and the reference SDK's).
//!
//! Walks `<root>/calls/YYYY/MM/DD` newest day first (numeric names, descending) and stops after
//! the first day that brings the number of calls found to the ring's capacity, so the cost is
//! O(ring + one day), not O(history). Within a day, every call directory is `lstat`ed (the
//! directory itself, not a file under it: one inode per call, in inode order) and only the
//! newest are opened: candidates are taken newest directory mtime first, and once the ring's
//! worth is known, older ones are left unread (`not_read`). That is exact because every writer of
//! this layout (ours, the reference SDK's) replaces metadata.json by a rename into the call
//! directory, which stamps the directory's mtime after the time written in the file; a day whose
//! files turn out to be rewritten in place falls back to `lstat`ing every metadata.json (see
//! [`read_day`]). A day of 20,000 calls costs 20,000 directory `lstat`s and a few hundred reads. Transcripts and events are not read here: `get_call` reads them from the
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
    /// Calls not read at all: their directory (or metadata.json) was last modified before the
    /// newest calls already found ended, so they cannot be among them (see [`MTIME_SLACK_NS`]).
    /// Their metadata.json is not looked at, so a missing or bad one among them is not counted.
    pub not_read: usize,
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

/// A file time in ns since the epoch; `u64::MAX` when unknown.
fn time_ns(t: io::Result<std::time::SystemTime>) -> u64 {
    t.ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(u64::MAX, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// What [`read_capped`] read: the bytes, whether the file was longer than the cap, its mtime (ns).
struct Capped {
    bytes: Vec<u8>,
    truncated: bool,
    mtime_ns: u64,
}

/// Reads a regular file (never through a link) up to `cap` bytes.
fn read_capped(path: &Path, cap: u64, reject_over_cap: bool) -> Result<Capped, ReadErr> {
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
    Ok(Capped { bytes: buf, truncated, mtime_ns: time_ns(meta.modified()) })
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
    if let Ok(Capped { bytes: buf, truncated, .. }) = read_capped(&dir.join("transcript.jsonl"), MAX_JSONL_BYTES, false)
    {
        report.truncated_files += usize::from(truncated);
        for_each_line(&buf, truncated, report, |v| transcript_entries(v, &mut out));
    }
    out
}

fn load_events(dir: &Path, report: &mut JsonlReport) -> Vec<EventEntry> {
    let mut out = Vec::new();
    if let Ok(Capped { bytes: buf, truncated, .. }) = read_capped(&dir.join("events.jsonl"), MAX_JSONL_BYTES, false) {
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

/// Why a call directory's metadata.json gave no summary (counted in the report by its reader).
#[derive(Debug, Clone, Copy)]
enum Skip {
    Missing,
    WrongType,
    TooLarge,
    Corrupt,
}

impl Skip {
    fn count(self, report: &mut HydrateReport) {
        match self {
            Skip::Missing => report.missing_metadata += 1,
            Skip::WrongType => report.wrong_type += 1,
            Skip::TooLarge => report.too_large += 1,
            Skip::Corrupt => report.corrupt += 1,
        }
    }
}

impl From<ReadErr> for Skip {
    fn from(e: ReadErr) -> Skip {
        match e {
            ReadErr::Missing => Skip::Missing,
            ReadErr::WrongType => Skip::WrongType,
            ReadErr::TooLarge => Skip::TooLarge,
            ReadErr::Io => Skip::Corrupt,
        }
    }
}

/// What reading one call directory's metadata.json gave: the summary or why not, and the
/// file's mtime (ns; `None` when it could not be read at all).
struct Loaded {
    dir: std::path::PathBuf,
    summary: Result<CallSummary, Skip>,
    file_mtime_ns: Option<u64>,
}

/// Reads and parses `<ddir>/<name>/metadata.json` (no counting, so that several threads can
/// read: the caller counts the outcome).
fn load_summary(ddir: &Path, name: &std::ffi::OsStr, redaction: &PhoneRedaction) -> Loaded {
    let dir = ddir.join(name);
    let (summary, file_mtime_ns) = match read_capped(&dir.join("metadata.json"), MAX_METADATA_BYTES, true) {
        Ok(c) => {
            let parsed = summary_from_bytes(&c.bytes, &name.to_string_lossy(), redaction).map_err(|_| {
                ::tracing::debug!(dir = %dir.display(), "patter hydrate: skipping unparseable metadata.json");
                Skip::Corrupt
            });
            (parsed, Some(c.mtime_ns))
        }
        Err(e) => (Err(Skip::from(e)), None),
    };
    Loaded { dir, summary, file_mtime_ns }
}

/// How far a modification time may lag behind the end (or start) time written in metadata.json
/// before the mtime bound in [`read_day`] could wrongly skip it, on a filesystem that is not
/// known to be local (NFS, SMB, FUSE…: the writer's clock is another machine's). Every writer
/// computes the time first and writes the file after, so the lag is normally negative; the
/// slack covers other clocks and timestamp granularity.
pub const MTIME_SLACK_NS: u64 = 2_000_000_000;

/// The same slack on a local filesystem (ext4, XFS, Btrfs, tmpfs…), where file times come from
/// this machine's clock: a timestamp may lag the writer's clock reading by one kernel tick
/// (at most 10 ms), and the rest is margin for a small clock step between the two.
pub const LOCAL_MTIME_SLACK_NS: u64 = 100_000_000;

/// Which modification time bounds a candidate's end time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// The call directory's own mtime: every rename into it (metadata.json replaced whole)
    /// stamps it, and it is one `lstat` of one inode per call, in the day directory's inode
    /// order (on a cold cache about a ninth of the cost of reaching the file under it, which
    /// needs the directory's data block too).
    CallDir,
    /// metadata.json's mtime: right for any writer, also one that rewrites the file in place.
    Metadata,
}

/// A call directory of one day, with its mtime bound. Its name is in the day's [`DayNames`].
struct Candidate {
    /// The bound's mtime in ns since the epoch; `u64::MAX` when unknown (always read).
    mtime_ns: u64,
    /// Where the name is in [`DayNames`].
    name: NameAt,
}

/// Where one directory entry's name is in its [`DayNames`] buffer.
#[derive(Clone, Copy)]
struct NameAt {
    start: u32,
    len: u32,
}

/// The names of a day's call directories, in one buffer: listing a day of 100,000 calls makes
/// no allocation per entry (the allocator's work was a tenth of a warm hydrate).
#[derive(Default)]
struct DayNames(Vec<u8>);

impl DayNames {
    /// Appends `name` (the bytes of an entry name); None past 4 GiB of names.
    fn push(&mut self, name: &[u8]) -> Option<NameAt> {
        let start = u32::try_from(self.0.len()).ok()?;
        let len = u32::try_from(name.len()).ok()?;
        self.0.extend_from_slice(name);
        Some(NameAt { start, len })
    }
    /// The name at `at`.
    #[cfg(unix)]
    fn get(&self, at: NameAt) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(&self.0[at.start as usize..][..at.len as usize])
    }
    /// The name at `at`.
    #[cfg(not(unix))]
    fn get(&self, at: NameAt) -> &std::ffi::OsStr {
        let bytes = &self.0[at.start as usize..][..at.len as usize];
        // SAFETY: `bytes` is exactly what `push` was given, which (see `list_day`) is the
        // `as_encoded_bytes` of a whole `OsStr`.
        unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(bytes) }
    }
}

/// The open day directory the `lstat`s are relative to (one or two path components per call
/// instead of the whole path from `/`: the walk from the root was most of a warm hydrate's time).
#[cfg(unix)]
struct DayDir(Option<std::os::fd::OwnedFd>);
#[cfg(not(unix))]
struct DayDir;

impl DayDir {
    #[cfg(unix)]
    fn open(path: &Path) -> DayDir {
        use std::os::fd::FromRawFd;
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return DayDir(None) };
        // SAFETY: a valid NUL-terminated path; the descriptor, when valid, is owned from here.
        let fd =
            unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC) };
        DayDir((fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }))
    }
    #[cfg(not(unix))]
    fn open(_path: &Path) -> DayDir {
        DayDir
    }

    /// The mtime slack for this directory's filesystem: [`LOCAL_MTIME_SLACK_NS`] on a local
    /// one, [`MTIME_SLACK_NS`] on any other or when unknown.
    #[cfg(target_os = "linux")]
    fn mtime_slack_ns(&self) -> u64 {
        use std::os::fd::AsRawFd;
        // Magic numbers of `statfs.f_type` (linux/magic.h) of filesystems whose times come from
        // this kernel's clock.
        const LOCAL: [u64; 9] = [
            0xEF53,      // ext2/3/4
            0x5846_5342, // XFS
            0x9123_683E, // Btrfs
            0x0102_1994, // tmpfs
            0xF2F5_2010, // F2FS
            0x2FC1_2FC1, // ZFS
            0x794C_7630, // overlayfs
            0xCA45_1A4E, // bcachefs
            0x8584_58F6, // ramfs
        ];
        let Some(fd) = &self.0 else { return MTIME_SLACK_NS };
        // SAFETY: `st` is plain old data filled by the kernel; `fd` is an open descriptor.
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) } != 0 {
            return MTIME_SLACK_NS;
        }
        #[allow(clippy::unnecessary_cast)] // f_type's width differs between targets.
        let kind = st.f_type as u64 & 0xFFFF_FFFF;
        if LOCAL.contains(&kind) {
            LOCAL_MTIME_SLACK_NS
        } else {
            MTIME_SLACK_NS
        }
    }
    #[cfg(not(target_os = "linux"))]
    fn mtime_slack_ns(&self) -> u64 {
        MTIME_SLACK_NS
    }
}

/// `lstat` of the call directory `<day>/<name>` (`Bound::CallDir`) or of its metadata.json
/// (`Bound::Metadata`): `Ok(mtime_ns)`, or the reason the call will not be read (counted by the
/// caller without opening anything).
#[cfg(not(unix))]
fn stat_candidate(_day: &DayDir, ddir: &Path, name: &std::ffi::OsStr, bound: Bound) -> Result<u64, ReadErr> {
    let path = match bound {
        Bound::CallDir => ddir.join(name),
        Bound::Metadata => ddir.join(name).join("metadata.json"),
    };
    match fs::symlink_metadata(path) {
        Ok(m) if bound == Bound::CallDir && !m.is_dir() => Err(ReadErr::WrongType),
        Ok(m) if bound == Bound::Metadata && !m.is_file() => Err(ReadErr::WrongType),
        Ok(m) if bound == Bound::Metadata && m.len() > MAX_METADATA_BYTES => Err(ReadErr::TooLarge),
        Ok(m) => Ok(time_ns(m.modified())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(ReadErr::Missing),
        Err(_) => Ok(u64::MAX),
    }
}

/// `lstat` of the call directory `<day>/<name>` (`Bound::CallDir`) or of its metadata.json
/// (`Bound::Metadata`), relative to the open day directory (by path when it could not be
/// opened): `Ok(mtime_ns)`, or the reason the call will not be read (counted by the caller
/// without opening anything).
#[cfg(unix)]
fn stat_candidate(day: &DayDir, ddir: &Path, name: &std::ffi::OsStr, bound: Bound) -> Result<u64, ReadErr> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    const META: &[u8] = b"/metadata.json";
    // `<name>[/metadata.json]\0` in a stack buffer (a name is at most 255 bytes): no allocation
    // per call directory.
    let mut buf = [0u8; 512];
    let full;
    let (base, rel): (i32, &[u8]) = match &day.0 {
        // The entry's own bytes (a name that is not UTF-8 is still found).
        Some(fd) => (fd.as_raw_fd(), name.as_bytes()),
        None => {
            full = ddir.join(name);
            (libc::AT_FDCWD, full.as_os_str().as_bytes())
        }
    };
    let suffix = if bound == Bound::Metadata { META } else { b"" };
    let len = rel.len() + suffix.len();
    // (A directory entry's name never holds a NUL; a longer path than the buffer is not a call.)
    if len >= buf.len() {
        return Err(ReadErr::WrongType);
    }
    buf[..rel.len()].copy_from_slice(rel);
    buf[rel.len()..len].copy_from_slice(suffix);
    // SAFETY: `st` is plain old data filled by the kernel; `buf` is NUL-terminated at `len`;
    // `base` is an open directory descriptor or AT_FDCWD.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(base, buf.as_ptr().cast(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
        return match io::Error::last_os_error().raw_os_error() {
            Some(libc::ENOENT) => Err(ReadErr::Missing),
            // The call "directory" is a file or a link (NOTDIR/LOOP): nothing to read under it.
            Some(libc::ENOTDIR) | Some(libc::ELOOP) => Err(ReadErr::WrongType),
            _ => Ok(u64::MAX),
        };
    }
    let want = if bound == Bound::CallDir { libc::S_IFDIR } else { libc::S_IFREG };
    if st.st_mode & libc::S_IFMT != want {
        return Err(ReadErr::WrongType);
    }
    if bound == Bound::Metadata && st.st_size as u64 > MAX_METADATA_BYTES {
        return Err(ReadErr::TooLarge);
    }
    Ok(u64::try_from(st.st_mtime)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|ns| ns.checked_add(st.st_mtime_nsec as u64))
        .unwrap_or(u64::MAX))
}

/// Days with more call directories than this are `lstat`ed by several threads: on a cold cache
/// each `lstat` waits for the disk, and the disk serves many at once.
const PARALLEL_STAT_OVER: usize = 512;
/// Threads that `lstat` one big day.
const STAT_THREADS: usize = 8;

/// The entries of the day directory that are directories (not links, whose names do not start
/// with `.`), in inode order: the order in which `lstat`s reach the disk's inode tables one
/// block after another on a cold cache. Read with `readdir` on the open day directory: the
/// entry type comes from the directory itself (an `lstat` only where the filesystem gives none).
#[cfg(unix)]
fn list_day(_ddir: &Path, day: &DayDir) -> (DayNames, Vec<NameAt>) {
    use std::os::fd::AsRawFd;
    let mut names = DayNames::default();
    let mut entries: Vec<(u64, NameAt)> = Vec::new();
    let Some(fd) = &day.0 else { return (names, Vec::new()) };
    // SAFETY: duplicating a descriptor we own; the copy is owned by the stream from here and
    // closed by `closedir`.
    let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return (names, Vec::new());
    }
    // SAFETY: `dup` is an open directory descriptor.
    let stream = unsafe { libc::fdopendir(dup) };
    if stream.is_null() {
        // SAFETY: the stream did not take `dup`.
        unsafe { libc::close(dup) };
        return (names, Vec::new());
    }
    // SAFETY: `stream` is open; the duplicate shares the offset of `fd`, never read before.
    unsafe { libc::rewinddir(stream) };
    loop {
        // SAFETY: `stream` is open and used by this thread only; the entry is read before the
        // next `readdir`.
        let ent = unsafe { libc::readdir(stream) };
        if ent.is_null() {
            break;
        }
        // SAFETY: `ent` points to an entry whose `d_name` is NUL-terminated.
        let (name, d_type, ino) = unsafe {
            (std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()).to_bytes(), (*ent).d_type, (*ent).d_ino as u64)
        };
        if name.starts_with(b".") {
            continue;
        }
        let is_dir = match d_type {
            libc::DT_DIR => true,
            libc::DT_UNKNOWN => {
                // SAFETY: plain old data filled by the kernel; `name` comes from the entry and
                // is NUL-terminated in it.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                let rc = unsafe {
                    libc::fstatat(fd.as_raw_fd(), (*ent).d_name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW)
                };
                rc == 0 && st.st_mode & libc::S_IFMT == libc::S_IFDIR
            }
            _ => false,
        };
        if let Some(at) = is_dir.then(|| names.push(name)).flatten() {
            entries.push((ino, at));
        }
    }
    // SAFETY: closes the stream and `dup` with it, once.
    unsafe { libc::closedir(stream) };
    entries.sort_unstable_by_key(|e| e.0);
    (names, entries.into_iter().map(|(_, at)| at).collect())
}

/// The entries of the day directory that are directories (not links, whose names do not start
/// with `.`).
#[cfg(not(unix))]
fn list_day(ddir: &Path, _day: &DayDir) -> (DayNames, Vec<NameAt>) {
    let mut names = DayNames::default();
    let Ok(rd) = fs::read_dir(ddir) else { return (names, Vec::new()) };
    let entries = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let bytes = name.as_encoded_bytes();
            (!bytes.starts_with(b".") && e.file_type().is_ok_and(|t| t.is_dir())).then(|| names.push(bytes)).flatten()
        })
        .collect();
    (names, entries)
}

/// The call directories of one day (`lstat`ed in inode order), newest `bound` mtime first, and
/// their names; entries that cannot be read are counted in `report` here, without opening any
/// file.
fn day_candidates(ddir: &Path, day: &DayDir, bound: Bound, report: &mut HydrateReport) -> (DayNames, Vec<Candidate>) {
    let (names, dirs) = list_day(ddir, day);
    let stat = |at: &NameAt| stat_candidate(day, ddir, names.get(*at), bound);
    let stats: Vec<Result<u64, ReadErr>> = if dirs.len() > PARALLEL_STAT_OVER {
        let chunk = dirs.len().div_ceil(STAT_THREADS);
        std::thread::scope(|s| {
            let parts: Vec<_> =
                dirs.chunks(chunk).map(|part| s.spawn(move || part.iter().map(stat).collect::<Vec<_>>())).collect();
            // A stat thread that panicked (it cannot: stat_candidate does not panic) reads as I/O errors.
            let mut all = Vec::with_capacity(dirs.len());
            for (p, part) in parts.into_iter().zip(dirs.chunks(chunk)) {
                all.extend(p.join().unwrap_or_else(|_| part.iter().map(|_| Err(ReadErr::Io)).collect()));
            }
            all
        })
    } else {
        dirs.iter().map(stat).collect()
    };
    let mut out = Vec::with_capacity(dirs.len());
    for (name, st) in dirs.into_iter().zip(stats) {
        match st {
            Ok(mtime_ns) => out.push(Candidate { name, mtime_ns }),
            Err(ReadErr::Missing) => report.missing_metadata += 1,
            Err(ReadErr::WrongType) => report.wrong_type += 1,
            Err(ReadErr::TooLarge) => report.too_large += 1,
            Err(ReadErr::Io) => report.corrupt += 1,
        }
    }
    out.sort_unstable_by(|a, b| b.mtime_ns.cmp(&a.mtime_ns).then_with(|| names.get(a.name).cmp(names.get(b.name))));
    (names, out)
}

/// A day read with `Bound::CallDir` held a metadata.json modified after its directory: its
/// writer rewrites files in place, so directory mtimes bound nothing there.
struct RewrittenInPlace;

/// Threads that read metadata.json files at once: on a cold cache each read waits for the disk
/// (three blocks: the call directory, the inode, the data), which serves several at once.
const READ_THREADS: usize = 8;
/// Candidates read per wave once the day's `need` newest are known (the mtime cut is applied
/// between waves, so at most this many are read ahead of it).
const READ_WAVE: usize = 64;
/// Waves smaller than this are read on the calling thread.
const PARALLEL_READ_OVER: usize = 32;

/// Reads the summaries of `wave` (in its order), on several threads when it is big enough.
fn read_wave(ddir: &Path, names: &DayNames, wave: &[Candidate], redaction: &PhoneRedaction) -> Vec<Loaded> {
    let one = |c: &Candidate| load_summary(ddir, names.get(c.name), redaction);
    if wave.len() < PARALLEL_READ_OVER {
        return wave.iter().map(one).collect();
    }
    let chunk = wave.len().div_ceil(READ_THREADS);
    std::thread::scope(|s| {
        let parts: Vec<_> =
            wave.chunks(chunk).map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>())).collect();
        let mut all = Vec::with_capacity(wave.len());
        for (p, part) in parts.into_iter().zip(wave.chunks(chunk)) {
            // A reader that panicked (load_summary does not panic) reads as corrupt files.
            all.extend(p.join().unwrap_or_else(|_| {
                part.iter()
                    .map(|c| Loaded {
                        dir: ddir.join(names.get(c.name)),
                        summary: Err(Skip::Corrupt),
                        file_mtime_ns: None,
                    })
                    .collect()
            }));
        }
        all
    })
}

/// Reads the newest `need` calls of a day (by the end time, else start time, in their
/// metadata.json) without reading the others: candidates come newest bound mtime first, and once
/// `need` calls are known, a candidate whose mtime (plus `slack_ns`) is older than the
/// `need`-th newest time read cannot be among them, nor can any after it. A file's mtime is
/// never older than the time written in it (writers compute the time, then write), and with
/// `Bound::CallDir` neither is its directory's, as long as the file was put there by a rename
/// (which stamps the directory): a metadata.json read here that is newer than its directory by
/// more than the slack shows a writer that does not rename, and the day is given up
/// (`Err(RewrittenInPlace)`) to be read again by file mtimes. A tree whose mtimes were reset
/// to the past (an archive restored without its times) must not be trusted to the cut.
///
/// Files are read in waves on [`READ_THREADS`] threads (first the `need` newest, then
/// [`READ_WAVE`] at a time) and their outcomes applied in candidate order, so the result and
/// the report are those of reading one file after the other; candidates of the last wave that
/// fall after the cut are counted in `not_read` like the rest (read ahead, never used).
fn read_day(
    ddir: &Path,
    (names, candidates): (DayNames, Vec<Candidate>),
    need: usize,
    bound: Bound,
    slack_ns: u64,
    redaction: &PhoneRedaction,
    report: &mut HydrateReport,
) -> Result<Vec<(CallSummary, std::path::PathBuf)>, RewrittenInPlace> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut newest: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(need + 1);
    let mut day = Vec::new();
    let total = candidates.len();
    let mut start = 0;
    while start < total {
        let len = if start == 0 { need.max(1) } else { READ_WAVE };
        let wave = &candidates[start..(start + len).min(total)];
        for (j, (c, loaded)) in wave.iter().zip(read_wave(ddir, &names, wave, redaction)).enumerate() {
            if newest.len() >= need {
                if let Some(Reverse(threshold)) = newest.peek() {
                    if c.mtime_ns.saturating_add(slack_ns) < *threshold {
                        report.not_read += total - start - j;
                        return Ok(day);
                    }
                }
            }
            if bound == Bound::CallDir
                && loaded.file_mtime_ns.is_some_and(|m| m != u64::MAX && m > c.mtime_ns.saturating_add(slack_ns))
            {
                return Err(RewrittenInPlace);
            }
            match loaded.summary {
                Ok(s) => {
                    newest.push(Reverse(s.order_ns));
                    if newest.len() > need {
                        newest.pop();
                    }
                    day.push((s, loaded.dir));
                }
                Err(skip) => skip.count(report),
            }
        }
        start += wave.len();
    }
    Ok(day)
}

/// The newest `need` calls of the day directory `ddir` (see [`read_day`]): by directory mtimes,
/// or by every metadata.json's mtime when the day's files were rewritten in place.
fn read_day_dir(
    ddir: &Path,
    need: usize,
    redaction: &PhoneRedaction,
    report: &mut HydrateReport,
) -> Vec<(CallSummary, std::path::PathBuf)> {
    let day = DayDir::open(ddir);
    let slack_ns = day.mtime_slack_ns();
    let before = *report;
    let candidates = day_candidates(ddir, &day, Bound::CallDir, report);
    match read_day(ddir, candidates, need, Bound::CallDir, slack_ns, redaction, report) {
        Ok(found) => found,
        Err(RewrittenInPlace) => {
            ::tracing::debug!(day = %ddir.display(), "patter hydrate: metadata.json rewritten in place; ordering this day by file times");
            *report = before;
            let candidates = day_candidates(ddir, &day, Bound::Metadata, report);
            read_day(ddir, candidates, need, Bound::Metadata, slack_ns, redaction, report).unwrap_or_default()
        }
    }
}

/// Walks `root` newest day first (at most `max_days` day directories when given) and returns
/// up to about `want` call records (newest first) whose ids `is_present` does not know. Present
/// ids count towards `want` (they occupy the ring), which keeps a repeated hydrate O(ring) too.
/// Within a day only the calls that can be among the newest are read (see [`read_day`]).
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
                let mut day = read_day_dir(&ddir, want - counted, redaction, report);
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
    // Read but older than the `want` newest (calls of a day read before the mtime bound could
    // exclude them, or whose mtimes are newer than their contents).
    report.not_retained += found.len().saturating_sub(want);
    found.truncate(want);
    found
        .into_iter()
        .map(|(summary, dir)| CallRecord { summary, transcript: Vec::new(), events: Vec::new(), disk_dir: Some(dir) })
        .collect()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_day_lists_its_directories_only_and_keeps_their_exact_names() {
        use std::os::unix::ffi::OsStrExt;
        let day = std::env::temp_dir().join(format!("patter-list-day-{}", std::process::id()));
        let _ = fs::remove_dir_all(&day);
        fs::create_dir_all(&day).unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"CA-\xff-not-utf8");
        for d in [std::ffi::OsStr::new("CA-b"), std::ffi::OsStr::new("CA-a"), odd, std::ffi::OsStr::new(".tmp-dir")] {
            fs::create_dir(day.join(d)).unwrap();
        }
        fs::write(day.join("stray-file"), b"x").unwrap();
        std::os::unix::fs::symlink(day.join("CA-a"), day.join("CA-link")).unwrap();
        let (names, listed) = list_day(&day, &DayDir::open(&day));
        let mut got: Vec<&std::ffi::OsStr> = listed.iter().map(|at| names.get(*at)).collect();
        got.sort();
        assert_eq!(got, [std::ffi::OsStr::new("CA-a"), std::ffi::OsStr::new("CA-b"), odd]);
        // A day that could not be opened lists nothing.
        assert!(list_day(&day, &DayDir(None)).1.is_empty());
        fs::remove_dir_all(&day).unwrap();
    }

    #[test]
    fn only_local_filesystems_get_the_small_mtime_slack() {
        // procfs is not a filesystem calls are written to; an unopened day is unknown.
        assert_eq!(DayDir::open(Path::new("/proc")).mtime_slack_ns(), MTIME_SLACK_NS);
        assert_eq!(DayDir(None).mtime_slack_ns(), MTIME_SLACK_NS);
        // tmpfs is local.
        if fs::symlink_metadata("/dev/shm").is_ok_and(|m| m.is_dir()) {
            assert_eq!(DayDir::open(Path::new("/dev/shm")).mtime_slack_ns(), LOCAL_MTIME_SLACK_NS);
        }
    }
}

//! File-system primitives of the call log: private directories, atomic metadata replacement,
//! single-`write` JSONL appends. Every function returns `io::Result`; the writer counts errors.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of every directory the call log creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file the call log creates.
pub const FILE_MODE: u32 = 0o600;
/// Prefix of metadata temp files (hidden; hydrate ignores them, the writer removes leftovers).
pub const TMP_PREFIX: &str = ".metadata.json.";
/// Suffix of metadata temp files.
pub const TMP_SUFFIX: &str = ".tmp";

fn create_dir_private(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(path)
}

/// Creates `dir` and its missing ancestors with mode 0700. When `sync` is set, fsyncs the parent
/// of every directory it created so the new entries survive a power loss. An existing path
/// that is not a directory (a file where a directory should be) is an error.
pub fn ensure_dir(dir: &Path, sync: bool) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        ensure_dir(parent, sync)?;
    }
    match create_dir_private(dir) {
        Ok(()) => {
            if sync {
                if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                    sync_dir(parent)?;
                }
            }
            Ok(())
        }
        // Lost a race with another writer: fine if it is a directory now.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// fsyncs a directory (makes renames/creations inside it durable). A no-op off Unix.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn tmp_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{TMP_PREFIX}{}.{n}{TMP_SUFFIX}", std::process::id())
}

/// Replaces `dir/name` atomically with `bytes`: a new temp file in the same directory (O_EXCL,
/// 0600), write, fsync, rename over the target, fsync of the directory (the fsyncs only when
/// `sync`). On any failure the temp file is removed and the old file is left untouched.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> io::Result<()> {
    let tmp = dir.join(tmp_name());
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(FILE_MODE);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        drop(f);
        fs::rename(&tmp, dir.join(name))?;
        if sync {
            sync_dir(dir)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes metadata temp files left in `dir` by a crashed writer. Returns how many it removed.
pub fn remove_stale_tmp(dir: &Path) -> usize {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    let mut n = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TMP_PREFIX)
            && name.ends_with(TMP_SUFFIX)
            && e.file_type().is_ok_and(|t| t.is_file())
            && fs::remove_file(e.path()).is_ok()
        {
            n += 1;
        }
    }
    n
}

/// Opens `path` for appending (O_APPEND | O_CREAT, 0600, never following a final symlink).
///
/// If the file does not end with a newline, a writer was killed in the middle of a line (Linux
/// may cut a multi-page `write` short when SIGKILL arrives): the fragment is truncated away
/// first, so the next line does not fuse with it. Returns the file and the number of fragment
/// bytes removed.
///
/// Several writers (threads with their own loggers, or processes) may append to one file. Each
/// append holds a shared advisory lock and the repair holds an exclusive one, so the repair
/// waits for appends in flight and never mistakes another writer's half-copied line for a
/// killed writer's fragment. The kernel releases a killed writer's lock.
pub fn open_append(path: &Path) -> io::Result<(File, u64)> {
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    }
    let file = opts.open(path)?;
    let removed = {
        let _lock = FileLock::exclusive(&file)?;
        repair_torn_tail(&file)?
    };
    Ok((file, removed))
}

/// An advisory `flock` held until dropped (a no-op where `flock` does not exist).
struct FileLock<'a> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'a File,
}

impl<'a> FileLock<'a> {
    #[cfg(unix)]
    fn take(file: &'a File, how: libc::c_int) -> io::Result<Self> {
        use std::os::unix::io::AsRawFd;
        loop {
            // SAFETY: flock on a descriptor we own; no memory is passed.
            if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
                return Ok(FileLock { file });
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Shared: appenders do not exclude each other (O_APPEND keeps their lines whole).
    fn shared(file: &'a File) -> io::Result<Self> {
        #[cfg(unix)]
        return Self::take(file, libc::LOCK_SH);
        #[cfg(not(unix))]
        return Ok(FileLock { file });
    }

    /// Exclusive: waits until no append is in flight.
    fn exclusive(file: &'a File) -> io::Result<Self> {
        #[cfg(unix)]
        return Self::take(file, libc::LOCK_EX);
        #[cfg(not(unix))]
        return Ok(FileLock { file });
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: as in `take`.
            unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
        }
    }
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_at(buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        file.seek_read(buf, offset)
    }
}

/// Truncates a trailing partial line (bytes after the last `\n`). Returns the bytes removed.
fn repair_torn_tail(file: &File) -> io::Result<u64> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    if read_at(file, &mut last, len - 1)? == 1 && last[0] == b'\n' {
        return Ok(0);
    }
    // Scan backwards for the last newline.
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    let keep = loop {
        if end == 0 {
            break 0;
        }
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        let n = read_at(file, chunk, start)?;
        if let Some(i) = chunk[..n].iter().rposition(|b| *b == b'\n') {
            break start + i as u64 + 1;
        }
        end = start;
    };
    file.set_len(keep)?;
    Ok(len - keep)
}

/// Appends one complete line with a single `write` call, so concurrent appenders (O_APPEND)
/// never interleave or tear it. If the kernel accepts only part of it (disk full, file-size
/// limit) the partial tail is truncated away, unless another writer has appended after it
/// meanwhile (then the fragment stays, ended by a newline so the next line is intact), and an
/// error is returned.
pub fn append_line(file: &mut File, line: &[u8]) -> io::Result<()> {
    loop {
        let written = {
            let _lock = FileLock::shared(file)?;
            (&*file).write(line)
        };
        match written {
            Ok(n) if n == line.len() => return Ok(()),
            Ok(n) => {
                if n > 0 {
                    undo_partial(file, n as u64);
                }
                return Err(io::Error::new(io::ErrorKind::StorageFull, format!("short write ({n} of {} bytes)", line.len())));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the `n` bytes of a short write that ended at this descriptor's position, if they are
/// still the end of the file; otherwise terminates them with a newline.
fn undo_partial(file: &mut File, n: u64) {
    use std::io::Seek;
    let f: &File = file;
    let Ok(_lock) = FileLock::exclusive(f) else { return };
    let mut cursor = f;
    let (Ok(end_of_ours), Ok(len)) = (cursor.stream_position(), f.metadata().map(|m| m.len())) else { return };
    if len == end_of_ours {
        let _ = f.set_len(len.saturating_sub(n));
    } else {
        let _ = cursor.write(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("patter-fsio-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[cfg(unix)]
    #[test]
    fn private_modes_and_atomic_replace() {
        use std::os::unix::fs::PermissionsExt;
        let root = tmpdir("modes");
        let dir = root.join("a/b/c");
        ensure_dir(&dir, true).unwrap();
        for d in [&root, &root.join("a"), &root.join("a/b"), &dir] {
            assert_eq!(fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
        }
        write_atomic(&dir, "m.json", b"one\n", true).unwrap();
        write_atomic(&dir, "m.json", b"two\n", true).unwrap();
        assert_eq!(fs::read(dir.join("m.json")).unwrap(), b"two\n");
        assert_eq!(fs::metadata(dir.join("m.json")).unwrap().permissions().mode() & 0o777, 0o600);
        let (mut f, _) = open_append(&dir.join("t.jsonl")).unwrap();
        append_line(&mut f, b"{}\n").unwrap();
        assert_eq!(fs::metadata(dir.join("t.jsonl")).unwrap().permissions().mode() & 0o777, 0o600);
        // No temp file is left behind; stale ones are cleaned.
        fs::write(dir.join(format!("{TMP_PREFIX}9.9{TMP_SUFFIX}")), b"x").unwrap();
        assert_eq!(remove_stale_tmp(&dir), 1);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn torn_tail_is_repaired_on_open() {
        let root = tmpdir("torn");
        fs::create_dir_all(&root).unwrap();
        let p = root.join("t.jsonl");
        let big_fragment = "x".repeat(200_000);
        for (content, kept) in [
            ("{\"a\":1}\n{\"b\":".to_string(), "{\"a\":1}\n".to_string()),
            (format!("{{\"a\":1}}\n{big_fragment}"), "{\"a\":1}\n".to_string()),
            ("no newline at all".to_string(), String::new()),
            ("{}\n".to_string(), "{}\n".to_string()),
            (String::new(), String::new()),
        ] {
            fs::write(&p, &content).unwrap();
            let (mut f, removed) = open_append(&p).unwrap();
            assert_eq!(removed as usize, content.len() - kept.len());
            append_line(&mut f, b"{\"c\":2}\n").unwrap();
            assert_eq!(fs::read_to_string(&p).unwrap(), format!("{kept}{{\"c\":2}}\n"));
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn file_where_dir_should_be() {
        let root = tmpdir("filedir");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("calls"), b"not a dir").unwrap();
        assert!(ensure_dir(&root.join("calls/2026"), false).is_err());
        assert!(ensure_dir(&root.join("calls"), false).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}

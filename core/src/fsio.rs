//! File-system primitives of the call log and the span file: private directories, atomic
//! metadata replacement, single-`write` JSONL appends. Every function returns `io::Result`; the
//! callers count errors.
//!
//! Below a root the log tree is treated as hostile: [`Dir`] walks it from an open directory
//! descriptor with `openat(O_NOFOLLOW | O_DIRECTORY)`, so a symlink or a FIFO planted in place
//! of a day or call directory is refused, never followed; files are opened with
//! `O_NOFOLLOW | O_NONBLOCK` and used only if `fstat` says they are regular files, so a planted
//! FIFO, socket or device cannot block or redirect the writer.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
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

#[cfg(not(unix))]
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

#[cfg(not(unix))]
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

/// Error for an entry that exists but is not what the log needs (a link, FIFO, socket, device
/// or a file where a directory should be).
fn wrong_type(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("refused: not a {what} (a link, FIFO, socket or device planted in the log tree?)"),
    )
}

/// An open directory below which entries are created and opened without following links.
#[derive(Debug)]
pub struct Dir {
    /// For messages only; every operation goes through `fd`.
    path: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
}

#[cfg(unix)]
fn cstr(name: &str) -> io::Result<std::ffi::CString> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a single path segment: {name:?}")));
    }
    std::ffi::CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in a file name"))
}

#[cfg(unix)]
fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

impl Dir {
    /// Opens `root` (creating it and its missing ancestors with mode 0700). The root itself is
    /// the host's choice and may be reached through links; nothing below it is.
    pub fn open_root(root: &Path, sync: bool) -> io::Result<Dir> {
        ensure_dir(root, sync)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let f = OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC).open(root)?;
            Ok(Dir { path: root.to_path_buf(), fd: f.into() })
        }
        #[cfg(not(unix))]
        Ok(Dir { path: root.to_path_buf() })
    }

    /// The directory's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the subdirectory `name`, creating it (0700) when missing; a link or anything else
    /// that is not a directory is refused. With `sync`, a created entry is made durable.
    pub fn subdir(&self, name: &str, sync: bool) -> io::Result<Dir> {
        #[cfg(unix)]
        {
            use std::os::fd::{AsRawFd, FromRawFd};
            let c = cstr(name)?;
            let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            let open = || unsafe { libc::openat(self.fd.as_raw_fd(), c.as_ptr(), flags) };
            // SAFETY: openat/mkdirat on a descriptor we own with a valid C string.
            let mut fd = open();
            if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT) {
                match cvt(unsafe { libc::mkdirat(self.fd.as_raw_fd(), c.as_ptr(), DIR_MODE as libc::mode_t) }) {
                    Ok(_) => {
                        if sync {
                            self.sync()?;
                        }
                    }
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                    Err(e) => return Err(e),
                }
                fd = open();
            }
            if fd < 0 {
                let e = io::Error::last_os_error();
                return Err(match e.raw_os_error() {
                    Some(libc::ELOOP) | Some(libc::ENOTDIR) => wrong_type("directory"),
                    _ => e,
                });
            }
            // SAFETY: a descriptor openat just returned, owned by nobody else.
            Ok(Dir { path: self.path.join(name), fd: unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) } })
        }
        #[cfg(not(unix))]
        {
            let p = self.path.join(name);
            ensure_dir(&p, sync)?;
            Ok(Dir { path: p })
        }
    }

    /// Opens (creating) the chain of subdirectories `rel` (plain segments only).
    pub fn subdirs(&self, rel: &Path, sync: bool) -> io::Result<Dir> {
        let mut segs =
            rel.iter().map(|s| s.to_str().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "non-UTF-8 path")));
        let Some(first) = segs.next() else { return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty path")) };
        let mut d = self.subdir(first?, sync)?;
        for s in segs {
            d = d.subdir(s?, sync)?;
        }
        Ok(d)
    }

    /// Opens `name` in this directory for appending (creating it with mode 0600), after
    /// repairing a torn tail (see [`open_append`]). A link, FIFO, socket or device is refused
    /// without blocking.
    pub fn open_append(&self, name: &str) -> io::Result<(File, u64)> {
        #[cfg(unix)]
        {
            use std::os::fd::{AsRawFd, FromRawFd};
            let c = cstr(name)?;
            let flags =
                libc::O_RDWR | libc::O_APPEND | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
            // SAFETY: openat on a descriptor we own with a valid C string.
            let fd = unsafe { libc::openat(self.fd.as_raw_fd(), c.as_ptr(), flags, FILE_MODE as libc::c_uint) };
            if fd < 0 {
                let e = io::Error::last_os_error();
                return Err(match e.raw_os_error() {
                    Some(libc::ELOOP) | Some(libc::ENXIO) | Some(libc::EISDIR) => wrong_type("regular file"),
                    _ => e,
                });
            }
            // SAFETY: a descriptor openat just returned.
            let file = unsafe { File::from_raw_fd(fd) };
            if !file.metadata()?.is_file() {
                return Err(wrong_type("regular file"));
            }
            // Regular files never block; clear O_NONBLOCK anyway so writes are plain.
            // SAFETY: fcntl on a descriptor we own.
            unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_APPEND) };
            let removed = {
                let _lock = FileLock::exclusive(&file)?;
                repair_torn_tail(&file)?
            };
            Ok((file, removed))
        }
        #[cfg(not(unix))]
        open_append(&self.path.join(name))
    }

    /// Replaces `name` atomically with `bytes` (see [`write_atomic`]), without following links:
    /// a link planted as `name` is replaced, not written through.
    pub fn write_atomic(&self, name: &str, bytes: &[u8], sync: bool) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::fd::{AsRawFd, FromRawFd};
            let tmp = tmp_name();
            let (ctmp, cname) = (cstr(&tmp)?, cstr(name)?);
            let dfd = self.fd.as_raw_fd();
            let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            // SAFETY: openat on a descriptor we own with a valid C string.
            let fd = cvt(unsafe { libc::openat(dfd, ctmp.as_ptr(), flags, FILE_MODE as libc::c_uint) })?;
            // SAFETY: a descriptor openat just returned.
            let mut f = unsafe { File::from_raw_fd(fd) };
            let result = (|| {
                f.write_all(bytes)?;
                if sync {
                    f.sync_all()?;
                }
                // SAFETY: renameat within a directory we own, valid C strings.
                cvt(unsafe { libc::renameat(dfd, ctmp.as_ptr(), dfd, cname.as_ptr()) })?;
                if sync {
                    self.sync()?;
                }
                Ok(())
            })();
            if result.is_err() {
                // SAFETY: as above.
                unsafe { libc::unlinkat(dfd, ctmp.as_ptr(), 0) };
            }
            result
        }
        #[cfg(not(unix))]
        write_atomic(&self.path, name, bytes, sync)
    }

    /// Removes metadata temp files left here by a crashed writer (regular files only). Returns
    /// how many it removed.
    pub fn remove_stale_tmp(&self) -> usize {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: fdopendir takes ownership of a dup of our descriptor; closedir frees it.
            let dup = unsafe { libc::fcntl(self.fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
            if dup < 0 {
                return 0;
            }
            let dirp = unsafe { libc::fdopendir(dup) };
            if dirp.is_null() {
                unsafe { libc::close(dup) };
                return 0;
            }
            let mut stale = Vec::new();
            loop {
                // SAFETY: dirp is a valid DIR* until closedir below.
                let ent = unsafe { libc::readdir(dirp) };
                if ent.is_null() {
                    break;
                }
                // SAFETY: d_name is NUL-terminated.
                let name = unsafe { std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()) };
                if let Ok(n) = name.to_str() {
                    if n.starts_with(TMP_PREFIX) && n.ends_with(TMP_SUFFIX) {
                        stale.push(n.to_string());
                    }
                }
            }
            unsafe { libc::closedir(dirp) };
            let mut removed = 0;
            for n in stale {
                let Ok(c) = cstr(&n) else { continue };
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                // SAFETY: fstatat/unlinkat on our descriptor, valid C string, stat buffer ours.
                let is_file =
                    unsafe { libc::fstatat(self.fd.as_raw_fd(), c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } == 0
                        && (st.st_mode & libc::S_IFMT) == libc::S_IFREG;
                if is_file && unsafe { libc::unlinkat(self.fd.as_raw_fd(), c.as_ptr(), 0) } == 0 {
                    removed += 1;
                }
            }
            removed
        }
        #[cfg(not(unix))]
        remove_stale_tmp(&self.path)
    }

    /// fsyncs the directory (makes entries created or renamed in it durable).
    pub fn sync(&self) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: fsync on a descriptor we own.
            cvt(unsafe { libc::fsync(self.fd.as_raw_fd()) }).map(|_| ())
        }
        #[cfg(not(unix))]
        Ok(())
    }
}

#[cfg(not(unix))]
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
    repair_torn_tail_of(file, file.metadata()?.len())
}

/// [`repair_torn_tail`] of a file `len` bytes long.
fn repair_torn_tail_of(file: &File, len: u64) -> io::Result<u64> {
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
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    format!("short write ({n} of {} bytes)", line.len()),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Appends one line to a file that other processes append to and that any of them may be
/// killed in the middle of (the span file): under an exclusive lock it first removes a torn
/// tail a killed writer left behind, then writes the line with a single `write`; a short write
/// is truncated away again. So every line in the file is whole, whoever was killed when.
///
/// The writer remembers where its own last line ended (`end`, None at first and after an
/// error; updated here). While the file is still exactly that long, nobody has written to it
/// since that line and its last byte is that line's newline, so the torn-tail check (a read of
/// the last byte) is skipped: one `fstat` per line. Another writer's line or fragment
/// (appended: the file is longer) or a repair that truncated one (shorter) sends it through the
/// full check again.
///
/// One piece of a [`LineAppend`] (the span file sink writes its lines in several).
#[cfg(test)]
pub fn append_line_repairing_after(file: &File, line: &[u8], end: &mut Option<u64>) -> io::Result<()> {
    let mut l = LineAppend::begin(file, end)?;
    l.write(line)?;
    l.finish(end);
    Ok(())
}

/// A line being appended in pieces (see [`append_line_repairing_after`], which is one piece):
/// the exclusive lock is held and the torn tail removed from [`begin`](Self::begin) until the
/// line is finished or dropped. Each piece is one `write`; dropped unfinished (an error, a short
/// write) the line's bytes are truncated away again, so the file never ends in a line of ours
/// that is not whole. A writer killed half-way leaves a torn tail, which the next writer removes.
pub struct LineAppend<'f> {
    file: &'f File,
    _lock: FileLock<'f>,
    /// The file's length before the line.
    before: u64,
    /// Bytes of the line written so far.
    written: u64,
    finished: bool,
}

impl<'f> LineAppend<'f> {
    /// Takes the lock and repairs the file's tail (skipped while the file is `end` bytes long,
    /// as this writer's last line left it). `end` is to be set to None until [`finish`](Self::finish).
    pub fn begin(file: &'f File, end: &Option<u64>) -> io::Result<Self> {
        let lock = FileLock::exclusive(file)?;
        let len = file.metadata()?.len();
        let before = if *end == Some(len) { len } else { len - repair_torn_tail_of(file, len)? };
        Ok(LineAppend { file, _lock: lock, before, written: 0, finished: false })
    }

    /// Appends a piece of the line with one `write` (a short one is an error).
    pub fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        loop {
            match (&*self.file).write(piece) {
                Ok(n) if n == piece.len() => {
                    self.written += n as u64;
                    return Ok(());
                }
                Ok(n) => {
                    return Err(io::Error::new(
                        io::ErrorKind::StorageFull,
                        format!("short write ({n} of {} bytes)", piece.len()),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes what was written of the line so far, to write it again from its start.
    pub fn restart(&mut self) -> io::Result<()> {
        self.file.set_len(self.before)?;
        self.written = 0;
        Ok(())
    }

    /// The line is whole (its last piece ended with its newline): keeps it, and sets `end` to
    /// where it ends.
    pub fn finish(mut self, end: &mut Option<u64>) {
        self.finished = true;
        *end = Some(self.before + self.written);
    }
}

impl Drop for LineAppend<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Also after a short write, whose bytes `written` does not count.
            let _ = self.file.set_len(self.before);
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("patter-fsio-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn mkfifo(p: &Path) {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", p.display());
    }

    #[test]
    fn private_modes_and_atomic_replace() {
        let root = tmpdir("modes");
        let top = Dir::open_root(&root, true).unwrap();
        let dir = top.subdirs(Path::new("a/b/c"), true).unwrap();
        for d in [&root, &root.join("a"), &root.join("a/b"), &root.join("a/b/c")] {
            assert_eq!(fs::metadata(d).unwrap().permissions().mode() & 0o777, 0o700, "{}", d.display());
        }
        dir.write_atomic("m.json", b"one\n", true).unwrap();
        dir.write_atomic("m.json", b"two\n", true).unwrap();
        let c = root.join("a/b/c");
        assert_eq!(fs::read(c.join("m.json")).unwrap(), b"two\n");
        assert_eq!(fs::metadata(c.join("m.json")).unwrap().permissions().mode() & 0o777, 0o600);
        let (mut f, _) = dir.open_append("t.jsonl").unwrap();
        append_line(&mut f, b"{}\n").unwrap();
        assert_eq!(fs::metadata(c.join("t.jsonl")).unwrap().permissions().mode() & 0o777, 0o600);
        // No temp file is left behind; stale ones are cleaned, links and dirs with the name are not.
        fs::write(c.join(format!("{TMP_PREFIX}9.9{TMP_SUFFIX}")), b"x").unwrap();
        fs::create_dir(c.join(format!("{TMP_PREFIX}8.8{TMP_SUFFIX}"))).unwrap();
        assert_eq!(dir.remove_stale_tmp(), 1);
        let names: Vec<_> = fs::read_dir(&c).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn torn_tail_is_repaired_on_open() {
        let root = tmpdir("torn");
        let dir = Dir::open_root(&root, false).unwrap();
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
            let (mut f, removed) = dir.open_append("t.jsonl").unwrap();
            assert_eq!(removed as usize, content.len() - kept.len());
            append_line(&mut f, b"{\"c\":2}\n").unwrap();
            assert_eq!(fs::read_to_string(&p).unwrap(), format!("{kept}{{\"c\":2}}\n"));
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_repairing_append_removes_a_fragment_left_after_open() {
        let root = tmpdir("repairing");
        let dir = Dir::open_root(&root, false).unwrap();
        let (f, _) = dir.open_append("spans.jsonl").unwrap();
        append_line_repairing_after(&f, b"{\"a\":1}\n", &mut None).unwrap();
        // Another process was killed half-way through its line while this one had the file open.
        fs::OpenOptions::new().append(true).open(root.join("spans.jsonl")).unwrap().write_all(b"{\"frag").unwrap();
        append_line_repairing_after(&f, b"{\"b\":2}\n", &mut None).unwrap();
        assert_eq!(fs::read_to_string(root.join("spans.jsonl")).unwrap(), "{\"a\":1}\n{\"b\":2}\n");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_writer_that_remembers_its_end_still_repairs_what_others_left() {
        let root = tmpdir("repairing-after");
        let dir = Dir::open_root(&root, false).unwrap();
        let p = root.join("spans.jsonl");
        let (f, _) = dir.open_append("spans.jsonl").unwrap();
        let mut end = None;
        append_line_repairing_after(&f, b"{\"a\":1}\n", &mut end).unwrap();
        assert_eq!(end, Some(8));
        append_line_repairing_after(&f, b"{\"b\":2}\n", &mut end).unwrap();
        assert_eq!(end, Some(16));
        // Another process was killed half-way through its line: the file is longer than this
        // writer left it, so the fragment is found and removed.
        fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"{\"frag").unwrap();
        append_line_repairing_after(&f, b"{\"c\":3}\n", &mut end).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
        assert_eq!(end, Some(24));
        // Another writer appended a whole line and then one was cut short at a shorter length
        // (a repair truncated it): again a full check.
        fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"{\"d\":4}\n{\"e").unwrap();
        append_line_repairing_after(&f, b"{\"f\":6}\n", &mut end).unwrap();
        fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(20).unwrap();
        append_line_repairing_after(&f, b"{\"g\":7}\n", &mut end).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"a\":1}\n{\"b\":2}\n{\"g\":7}\n");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_line_in_pieces_is_whole_or_not_there() {
        let root = tmpdir("pieces");
        let dir = Dir::open_root(&root, false).unwrap();
        let p = root.join("spans.jsonl");
        let (f, _) = dir.open_append("spans.jsonl").unwrap();
        let mut end = None;
        let mut l = LineAppend::begin(&f, &end).unwrap();
        for piece in [&b"{\"a\":"[..], b"1", b"}\n"] {
            l.write(piece).unwrap();
        }
        l.finish(&mut end);
        assert_eq!(end, Some(8));
        // Dropped half-way (an encoding or write error): its pieces are removed.
        let mut l = LineAppend::begin(&f, &end).unwrap();
        l.write(b"{\"b\":").unwrap();
        drop(l);
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"a\":1}\n");
        // Restarted: only what follows the restart stays.
        let mut end = None;
        let mut l = LineAppend::begin(&f, &end).unwrap();
        l.write(b"{\"c\":").unwrap();
        l.restart().unwrap();
        l.write(b"{\"d\":4}\n").unwrap();
        l.finish(&mut end);
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"a\":1}\n{\"d\":4}\n");
        assert_eq!(end, Some(16));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn file_where_dir_should_be() {
        let root = tmpdir("filedir");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("calls"), b"not a dir").unwrap();
        assert!(ensure_dir(&root.join("calls/2026"), false).is_err());
        assert!(ensure_dir(&root.join("calls"), false).is_err());
        let dir = Dir::open_root(&root, false).unwrap();
        assert!(dir.subdir("calls", false).is_err());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn planted_links_fifos_and_sockets_are_refused_without_blocking() {
        let root = tmpdir("hostile");
        let outside = tmpdir("hostile-outside");
        fs::create_dir_all(&outside).unwrap();
        let dir = Dir::open_root(&root, false).unwrap();
        // A symlinked directory is not followed.
        std::os::unix::fs::symlink(&outside, root.join("day")).unwrap();
        let e = dir.subdir("day", false).unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
        // A FIFO in place of a directory or of a file: refused at once, with or without a reader.
        mkfifo(&root.join("fifo-dir"));
        assert!(dir.subdir("fifo-dir", false).is_err());
        mkfifo(&root.join("t.jsonl"));
        assert!(dir.open_append("t.jsonl").unwrap_err().to_string().contains("refused"));
        let reader =
            fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(root.join("t.jsonl")).unwrap();
        assert!(dir.open_append("t.jsonl").unwrap_err().to_string().contains("refused"));
        drop(reader);
        // A symlinked file is not written through, by appends or by atomic replacement.
        fs::write(outside.join("target"), b"keep").unwrap();
        std::os::unix::fs::symlink(outside.join("target"), root.join("e.jsonl")).unwrap();
        assert!(dir.open_append("e.jsonl").is_err());
        std::os::unix::fs::symlink(outside.join("target"), root.join("metadata.json")).unwrap();
        dir.write_atomic("metadata.json", b"new", false).unwrap();
        assert_eq!(fs::read(outside.join("target")).unwrap(), b"keep");
        assert!(fs::symlink_metadata(root.join("metadata.json")).unwrap().is_file());
        // A unix socket.
        let _l = std::os::unix::net::UnixListener::bind(root.join("s.jsonl")).unwrap();
        assert!(dir.open_append("s.jsonl").is_err());
        // A device (through a link it would be refused anyway; /dev/null itself is not regular).
        let dev = Dir::open_root(Path::new("/dev"), false).unwrap();
        assert!(dev.open_append("null").unwrap_err().to_string().contains("refused"));
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 1, "nothing was created outside the root");
        fs::remove_dir_all(&root).unwrap();
        fs::remove_dir_all(&outside).unwrap();
    }

    #[test]
    fn bad_segments_are_refused() {
        let root = tmpdir("segments");
        let dir = Dir::open_root(&root, false).unwrap();
        for bad in ["", ".", "..", "a/b", "nul\0"] {
            assert!(dir.subdir(bad, false).is_err(), "{bad:?}");
            assert!(dir.open_append(bad).is_err(), "{bad:?}");
        }
        fs::remove_dir_all(&root).unwrap();
    }
}

//! Opening the files awsp reads and writes, so that no file can hang it, exhaust its
//! memory, or be turned against the user.
//!
//! Reading: every file is opened with `O_NONBLOCK` (a FIFO, a socket or a device cannot
//! block the open) and `O_NOCTTY` (a terminal never becomes the controlling one), checked
//! on the opened descriptor to be a regular file, and read with a byte cap counted while
//! reading, so a file whose size says 0 but whose content never ends stops at the cap.
//! The config files may also be a pipe (`AWS_CONFIG_FILE=<(…)`): it is read until its
//! writer closes it, and for no longer than [`PIPE_WAIT`] in all. A FIFO that no process
//! writes to reads as empty at once.
//!
//! Writing happens only in awsp's state directory, and only when that directory is a real
//! directory (not a symbolic link) of this user that group and others cannot write to, as
//! ssh demands of `~/.ssh`. Its files are created 0600 and opened with `O_NOFOLLOW`, so a
//! symbolic link planted in their place is refused instead of written through; temp files
//! are created exclusively (`O_EXCL`) under names nobody can guess. Locks are `flock`s
//! taken with [`File::try_lock`] in a loop bounded in time.
//!
//! On Windows (see `os`), a link that must not be followed is opened as itself and refused,
//! no path opens a FIFO or a terminal, and privacy comes from the ACL every file inherits
//! from the user's profile directory, which grants the user alone.

use std::fs::{File, FileType, TryLockError};
use std::io::{self, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::os;

/// The longest a pipe given as a config file is read for, from its open to its end.
pub const PIPE_WAIT: Duration = Duration::from_secs(10);
/// The wait in force, in milliseconds: [`PIPE_WAIT`] unless [`limit_pipe_wait`] said less.
static PIPE_WAIT_MS: AtomicU64 = AtomicU64::new(PIPE_WAIT.as_millis() as u64);

/// Lowers the time any pipe is read for, for the rest of the process. `awsp prompt` runs
/// on every prompt and must never hold the shell: it gives a pipe a moment, not seconds.
pub fn limit_pipe_wait(wait: Duration) {
    PIPE_WAIT_MS.store(wait.as_millis() as u64, Ordering::Relaxed);
}

fn pipe_wait() -> Duration {
    Duration::from_millis(PIPE_WAIT_MS.load(Ordering::Relaxed))
}
/// The longest pause between two tries of a held lock.
const MAX_LOCK_PAUSE: Duration = Duration::from_millis(100);

/// Which files a read accepts.
#[derive(Clone, Copy, Debug)]
pub struct Accept {
    pipes: bool,
    follow: bool,
}

impl Accept {
    /// The config and credentials files: symbolic links are followed, and a pipe is read
    /// too (bounded by [`PIPE_WAIT`]).
    pub const CONFIG: Accept = Accept {
        pipes: true,
        follow: true,
    };
    /// Files other programs write, such as the SSO token cache: regular files, reached
    /// through symbolic links too.
    pub const FOREIGN: Accept = Accept {
        pipes: false,
        follow: true,
    };
    /// awsp's own files in its state directory: regular files, never through a link.
    pub const PRIVATE: Accept = Accept {
        pipes: false,
        follow: false,
    };
}

/// A file opened for reading: a regular file, or a pipe when that was accepted.
#[derive(Debug)]
pub struct Source {
    file: File,
    len: u64,
    /// [`crate::os::identity`] of the opened file, as its `fstat` gave it; zeros for a pipe.
    identity: [i64; 7],
    /// When reading a pipe gives up; `None` for a regular file.
    deadline: Option<Instant>,
}

/// Opens `path` for reading: one `open` and one `fstat`. A missing file is `None`. A file
/// of another type is an error saying what it is (`ErrorKind::IsADirectory` for a
/// directory), and nothing is read from it.
pub fn open_read(path: &Path, accept: Accept) -> io::Result<Option<Source>> {
    let file = match os::read_options(accept.follow).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(explain(path, e, accept.follow)),
    };
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_file() {
        let len = meta.len();
        return Ok(Some(Source {
            file,
            len,
            identity: os::identity(&meta),
            deadline: None,
        }));
    }
    if accept.pipes && os::is_fifo(kind) {
        return Ok(Some(Source {
            file,
            len: 0,
            identity: [0; 7],
            deadline: Some(Instant::now() + pipe_wait()),
        }));
    }
    Err(not_regular(kind))
}

/// Reads all of `path`, at most `cap` bytes (`ErrorKind::FileTooLarge` beyond); a missing
/// file is `None`.
pub fn read_file(path: &Path, accept: Accept, cap: u64) -> io::Result<Option<Vec<u8>>> {
    match open_read(path, accept)? {
        Some(source) => source.read_capped(cap).map(Some),
        None => Ok(None),
    }
}

impl Source {
    /// The size `fstat` gave: 0 for a pipe, and possibly wrong for a file still changing.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Which version of the file was opened ([`crate::os::identity`]); zeros for a pipe.
    pub fn identity(&self) -> [i64; 7] {
        self.identity
    }

    pub fn is_pipe(&self) -> bool {
        self.deadline.is_some()
    }

    /// The open file, for positioned reads of a regular file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Reads what is there; on a pipe with nothing yet, waits for more until the deadline,
    /// then fails with `ErrorKind::TimedOut`.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match (&self.file).read(buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => self.wait()?,
                other => return other,
            }
        }
    }

    /// Waits until the pipe has data or its writer is gone, or fails at the deadline.
    fn wait(&self) -> io::Result<()> {
        let Some(deadline) = self.deadline else {
            return Err(ErrorKind::WouldBlock.into());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                ErrorKind::TimedOut,
                format!(
                    "it is a pipe whose writer did not finish within {} ms",
                    pipe_wait().as_millis()
                ),
            ));
        }
        os::wait_readable(&self.file, left)
    }

    /// Everything to the end, at most `cap` bytes: a larger size, or more bytes than `cap`
    /// arriving whatever the size said, is `ErrorKind::FileTooLarge` after reading at most
    /// 4 KB past `cap`. The reads stop at a 4 KB boundary rather than at `cap + 1`: some
    /// kernel files (`/proc/PID/pagemap`) refuse reads whose size is not a multiple of 8.
    pub fn read_capped(&self, cap: u64) -> io::Result<Vec<u8>> {
        if self.len > cap {
            return Err(too_large(cap));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0) + 1);
        let mut reader: &Source = self;
        let limit = cap - cap % 4096 + 4096;
        Read::take(&mut reader, limit).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            return Err(too_large(cap));
        }
        Ok(bytes)
    }
}

impl Read for &Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Source::read(self, buf)
    }
}

fn too_large(cap: u64) -> io::Error {
    let limit = if cap >= 1 << 20 {
        format!("{} MB", cap >> 20)
    } else {
        format!("{} KB", cap >> 10)
    };
    io::Error::new(
        ErrorKind::FileTooLarge,
        format!("it holds more than {limit}"),
    )
}

/// What a file that is not a regular one is, as an error.
fn not_regular(kind: FileType) -> io::Error {
    let (error, what) = if kind.is_dir() {
        (ErrorKind::IsADirectory, "a directory")
    } else if kind.is_symlink() {
        (
            ErrorKind::InvalidInput,
            "a symbolic link, which awsp does not follow here",
        )
    } else if let Some(what) = os::special_kind(kind) {
        (ErrorKind::InvalidInput, what)
    } else {
        (ErrorKind::InvalidInput, "not a regular file")
    };
    let text = match what {
        "not a regular file" => "it is not a regular file".to_string(),
        w => format!("it is {w}, not a regular file"),
    };
    io::Error::new(error, text)
}

/// Replaces the errors `open` gives for a file of the wrong type (a socket, a link that
/// must not be followed, a directory) with one saying what the file is. Costs a `stat` on
/// that failure only.
fn explain(path: &Path, e: io::Error, follow: bool) -> io::Error {
    if !os::failed_on_type(&e) {
        return e;
    }
    let meta = if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    };
    match meta {
        Ok(m) if !m.is_file() => not_regular(m.file_type()),
        _ => e,
    }
}

// ---- the state directory ------------------------------------------------------------------

/// Why the state directory cannot be used.
#[derive(Debug)]
pub enum DirError {
    /// It is not safe to write to: what is wrong, and the command that fixes it.
    Untrusted { problem: String, fix: String },
    /// It cannot be made or examined (a file in its place, a read-only parent, …).
    Io(io::Error),
}

impl std::fmt::Display for DirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DirError::Untrusted { problem, fix } => write!(f, "{problem}; {fix}"),
            DirError::Io(e) => e.fmt(f),
        }
    }
}

/// Makes `dir` exist as a private directory: created 0700 when missing (its parents as
/// `create_dir_all` makes them), refused when it is a symbolic link, belongs to another
/// user, or is writable by group or others. One `lstat` when it already exists.
pub fn private_dir(dir: &Path) -> Result<(), DirError> {
    match check_dir(dir) {
        Err(DirError::Io(e)) if e.kind() == ErrorKind::NotFound => {}
        done => return done,
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(DirError::Io)?;
    }
    match os::private_dir_builder().create(dir) {
        // Made by this process: its owner, and the umask only takes permissions away.
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => check_dir(dir),
        Err(e) => Err(DirError::Io(e)),
    }
}

/// Whether an existing `dir` is safe to keep files in (see [`private_dir`]); a missing
/// one is `DirError::Io` with `ErrorKind::NotFound`.
pub fn check_dir(dir: &Path) -> Result<(), DirError> {
    let meta = std::fs::symlink_metadata(dir).map_err(DirError::Io)?;
    let shown = dir.display();
    let word = crate::quote::shell_word(&dir.to_string_lossy());
    let untrusted = |problem: String, fix: String| Err(DirError::Untrusted { problem, fix });
    if meta.file_type().is_symlink() {
        return untrusted(
            format!("{shown} is a symbolic link"),
            format!("make it a directory of its own: `rm {word} && mkdir -m 700 {word}`"),
        );
    }
    if !meta.is_dir() {
        return Err(DirError::Io(io::Error::new(
            ErrorKind::NotADirectory,
            format!("{shown} is not a directory"),
        )));
    }
    match os::untrusted_dir(&meta, &shown.to_string(), &word) {
        Some((problem, fix)) => untrusted(problem, fix),
        None => Ok(()),
    }
}

/// Opens (creating it 0600 when missing) one of awsp's files in its state directory, to
/// read and write (`append`: every write goes to the end). Never through a symbolic
/// link, never blocking (a FIFO in its place opens at once and is refused), and only a
/// regular file with no other hard link.
pub fn open_private(path: &Path, append: bool) -> io::Result<File> {
    let mut options = os::private_options();
    options.read(true).create(true);
    if append {
        options.append(true);
    } else {
        options.write(true).truncate(false);
    }
    let file = options.open(path).map_err(|e| explain(path, e, false))?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let links = os::links(&meta);
    if links > 1 {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            format!("it has {links} hard links, so writing it would change another file"),
        ));
    }
    Ok(file)
}

/// Creates a new, empty file next to `path` (in the same directory, so it can be renamed
/// over it): exclusively, mode 0600, under a name made of `path`'s, the process id, the
/// time in nanoseconds and 64 random bits.
pub fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map_or_else(|| "awsp".into(), |n| n.to_string_lossy());
    let mut last = None;
    for _ in 0..8 {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let tmp = path.with_file_name(format!(
            ".{name}.{}.{nanos}.{:016x}.tmp",
            std::process::id(),
            random(nanos)
        ));
        match os::private_options()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| ErrorKind::AlreadyExists.into()))
}

/// Replaces `path` with `bytes` in one step: a private temp file beside it (given
/// `permissions` when there are some to keep), flushed to disk when `durable`, renamed
/// over it. A failure leaves `path` as it was, and no temp file behind.
pub fn replace_file(
    path: &Path,
    bytes: &[u8],
    permissions: Option<std::fs::Permissions>,
    durable: bool,
) -> io::Result<()> {
    let (tmp, mut f) = create_temp(path)?;
    let result = (|| {
        std::io::Write::write_all(&mut f, bytes)?;
        if durable {
            f.sync_all()?;
        }
        if let Some(p) = permissions {
            std::fs::set_permissions(&tmp, p)?;
        }
        drop(f);
        crate::os::replace(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// 64 bits no other process can predict: std's per-process random hash keys, over `salt`.
fn random(salt: u128) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(salt);
    h.finish()
}

/// Takes an exclusive `flock` on `file`, trying again (pauses growing from 1 ms to
/// 100 ms) until `wait` has passed. `on_wait` runs once, when the first try finds the lock
/// held. Returns whether it had to wait; still held after `wait` is `ErrorKind::TimedOut`.
pub fn lock_within(file: &File, wait: Duration, on_wait: impl FnOnce()) -> io::Result<bool> {
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(on_wait.is_none()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) if e.kind() == ErrorKind::Interrupted => continue,
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if let Some(f) = on_wait.take() {
            f();
        }
        let left = wait.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(io::Error::new(
                ErrorKind::TimedOut,
                format!("still locked after {} seconds", wait.as_secs()),
            ));
        }
        std::thread::sleep(pause.min(left));
        pause = (pause * 2).min(MAX_LOCK_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("awsp-fsio-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Asserts that `r` is an error whose message says `what`.
    #[cfg(unix)]
    fn refused<T: std::fmt::Debug>(r: io::Result<T>, what: &str) {
        let e = r.unwrap_err();
        assert!(e.to_string().contains(what), "{e}");
    }

    #[test]
    fn reads_regular_files_within_the_cap() {
        let d = tmp("cap");
        let f = d.join("f");
        std::fs::write(&f, "abc").unwrap();
        assert_eq!(read_file(&f, Accept::FOREIGN, 3).unwrap().unwrap(), b"abc");
        assert_eq!(read_file(&f, Accept::PRIVATE, 3).unwrap().unwrap(), b"abc");
        let e = read_file(&f, Accept::FOREIGN, 2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FileTooLarge);
        assert!(
            read_file(&d.join("none"), Accept::FOREIGN, 9)
                .unwrap()
                .is_none()
        );
        let e = read_file(&d, Accept::CONFIG, 9).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IsADirectory, "{e}");
        // A private directory, a private file in it, a temp file beside it.
        let dir = d.join("a/b/state");
        private_dir(&dir).unwrap();
        check_dir(&dir).unwrap();
        let p = dir.join("f");
        let mut w = open_private(&p, true).unwrap();
        std::io::Write::write_all(&mut w, b"one").unwrap();
        drop(w);
        let (tmp, f) = create_temp(&p).unwrap();
        let (other, g) = create_temp(&p).unwrap();
        assert_ne!(other, tmp);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        // Windows removes no directory holding a file still open.
        drop((f, g));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let d = tmp("read");
        let f = d.join("f");
        std::fs::write(&f, "abc").unwrap();
        refused(
            read_file(Path::new("/dev/zero"), Accept::CONFIG, 9),
            "character device",
        );
        // Size 0, content nonetheless: the cap is counted while reading.
        let e = read_file(Path::new("/proc/self/maps"), Accept::FOREIGN, 16).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FileTooLarge);
        // A link is followed, except for private files.
        let link = d.join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(read_file(&link, Accept::FOREIGN, 9).unwrap().is_some());
        refused(read_file(&link, Accept::PRIVATE, 9), "symbolic link");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_never_blocks() {
        let d = tmp("fifo");
        let p = d.join("p");
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        refused(read_file(&p, Accept::FOREIGN, 9), "FIFO");
        // Accepted as a config pipe: no writer reads as empty, at once.
        assert_eq!(read_file(&p, Accept::CONFIG, 9).unwrap().unwrap(), b"");
        refused(open_private(&p, true), "FIFO");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn private_files_refuse_links_and_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmp("private");
        let dir = d.join("a/b/state");
        private_dir(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("f");
        drop(open_private(&f, false).unwrap());
        assert_eq!(mode(&f), 0o600);
        let outside = d.join("outside");
        std::fs::write(&outside, "keep").unwrap();
        let link = dir.join("l");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(open_private(&link, true).is_err());
        std::fs::hard_link(&outside, dir.join("h")).unwrap();
        assert!(open_private(&dir.join("h"), true).is_err());
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        let (tmp, _f) = create_temp(&f).unwrap();
        assert_eq!(mode(&tmp), 0o600);
        assert_ne!(create_temp(&f).unwrap().0, tmp);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
        let e = private_dir(&dir).unwrap_err().to_string();
        assert!(
            e.contains("writable by its group") && e.contains("chmod 700"),
            "{e}"
        );
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let moved = d.join("moved");
        std::fs::rename(&dir, &moved).unwrap();
        std::os::unix::fs::symlink(&moved, &dir).unwrap();
        let e = private_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn locks_give_up_in_time() {
        let d = tmp("lock");
        let p = d.join("l");
        let held = open_private(&p, false).unwrap();
        held.lock().unwrap();
        let other = open_private(&p, false).unwrap();
        let mut told = 0;
        let t = Instant::now();
        let e = lock_within(&other, Duration::from_millis(200), || told += 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TimedOut);
        assert_eq!(told, 1);
        assert!(t.elapsed() < Duration::from_secs(2));
        drop(held);
        assert!(!lock_within(&other, Duration::ZERO, || panic!("free")).unwrap());
        drop(other);
        std::fs::remove_dir_all(&d).unwrap();
    }
}

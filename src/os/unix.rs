//! Unix: POSIX open flags, permission bits, owners, `exec`, signals and `ioctl`.

use std::fs::{DirBuilder, File, FileType, Metadata, OpenOptions};
use std::io::{self, ErrorKind};
use std::os::unix::fs::{DirBuilderExt, FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

/// What separates the directories of PATH.
pub const PATH_SEPARATOR: char = ':';
/// What a command's file name adds to its name: nothing.
pub const EXECUTABLE_SUFFIXES: &[&str] = &[""];
/// The process's controlling terminal.
pub const TERMINAL: &str = "/dev/tty";

/// Ends the process at once, after the caller flushed what it wrote. Skipping the usual
/// exit path matters: the allocator's clean-up (handing every page back to the kernel)
/// costs more than a prompt or a switch does, and the calling shell waits for it.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` only ends the process.
    unsafe { libc::_exit(code) }
}

/// A reader that goes away (`awsp current | head -1`) ends awsp at its next write, quietly,
/// as it ends coreutils: by SIGPIPE, which Rust's runtime ignores unless told otherwise.
pub fn default_sigpipe() {
    // SAFETY: setting a signal's disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes descriptors 0, 1 and 2 valid, as Rust's start-up code does: one that is closed
/// is opened on `/dev/null`, so that no file awsp opens later takes its number and
/// receives what is meant for stdout or stderr.
pub fn standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd structures; a zero timeout.
    let ok = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } >= 0;
    for p in fds {
        let closed = match ok {
            true => p.revents & libc::POLLNVAL != 0,
            // SAFETY: F_GETFD on any number only asks whether it is open.
            false => (unsafe { libc::fcntl(p.fd, libc::F_GETFD) }) == -1,
        };
        if closed {
            // SAFETY: a constant NUL-terminated path; the lowest free number is the
            // closed one, since 0..=2 are checked in order.
            unsafe {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
    }
}

/// Options to read a file: `O_NONBLOCK` (a FIFO, a socket or a device cannot block the
/// open), `O_NOCTTY` (a terminal never becomes the controlling one), and `O_NOFOLLOW`
/// when a symbolic link must be refused.
pub fn read_options(follow: bool) -> OpenOptions {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let mut o = OpenOptions::new();
    o.read(true).custom_flags(flags);
    o
}

/// Options to open one of awsp's own files: created 0600, never through a link, never
/// blocking.
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    o
}

/// A builder of directories only their owner can enter (0700).
pub fn private_dir_builder() -> DirBuilder {
    let mut b = DirBuilder::new();
    b.mode(0o700);
    b
}

/// Puts `from` in place of `to` in one step: a reader sees the old file or the new one.
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

/// Reads at `offset` without moving the file's cursor.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

/// What a file that is neither a regular file, a directory nor a link is.
pub fn special_kind(kind: FileType) -> Option<&'static str> {
    if kind.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else {
        None
    }
}

/// Whether `kind` is a FIFO (named pipe).
pub fn is_fifo(kind: FileType) -> bool {
    kind.is_fifo()
}

/// Whether the open failed because of the file's type (`ENXIO` for a socket, `ELOOP` for
/// a link refused by `O_NOFOLLOW`, `EISDIR` for a directory opened to write).
pub fn failed_on_type(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENXIO | libc::ELOOP | libc::EISDIR)
    )
}

/// Whether the file has another hard link (writing it would change another file).
pub fn links(meta: &Metadata) -> u64 {
    meta.nlink()
}

/// What tells one version of a file from another without reading it: device, inode,
/// size, and the modification and status-change times in nanoseconds. Writing the file,
/// replacing it, or setting its modification time back changes at least one of them
/// (the status-change time cannot be set by a user).
pub fn identity(meta: &Metadata) -> [i64; 7] {
    [
        meta.dev() as i64,
        meta.ino() as i64,
        meta.size() as i64,
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
    ]
}

/// Why a directory is not safe to keep files in: it belongs to another user, or its group
/// or others can write to it, as ssh demands of `~/.ssh`. The problem, and its fix for a
/// shell word `word`.
pub fn untrusted_dir(meta: &Metadata, shown: &str, word: &str) -> Option<(String, String)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Some((
            format!("{shown} belongs to another user (uid {})", meta.uid()),
            format!("remove it, or run `chown {me} {word} && chmod 700 {word}`"),
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        let who = match mode & 0o022 {
            0o020 => "its group",
            0o002 => "others",
            _ => "its group and others",
        };
        return Some((
            format!("{shown} is writable by {who} (mode {mode:o})"),
            format!("run `chmod 700 {word}`"),
        ));
    }
    None
}

/// Who besides the owner can read a file: `"its group"`, `"all other users"`, both, or
/// `None`. The mode in octal comes with it.
pub fn readable_by_others(meta: &Metadata) -> Option<(&'static str, u32)> {
    let mode = meta.mode() & 0o777;
    let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
        (false, false) => return None,
        (true, true) => "its group and all other users",
        (true, false) => "its group",
        _ => "all other users",
    };
    Some((who, mode))
}

/// Whether a file can be run as a command: a regular file with an execute bit.
pub fn is_executable(_: &Path, meta: &Metadata) -> bool {
    meta.is_file() && meta.mode() & 0o111 != 0
}

/// Makes `path` private to its owner (0600).
pub fn make_private(path: &Path) -> io::Result<()> {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
}

/// Makes `path` a command its owner can run (0755).
pub fn make_executable(path: &Path) -> io::Result<()> {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
}

/// Runs `cmd` in place of this process, so its exit status and signals pass straight
/// through. Returns only when it could not be started.
pub fn replace_process(cmd: &mut Command) -> io::Error {
    cmd.exec()
}

/// Whether a child ended because of Ctrl-C (SIGINT, or the shell convention 130).
pub fn interrupted(status: ExitStatus) -> bool {
    status.signal() == Some(libc::SIGINT) || status.code() == Some(130)
}

/// How a child that failed ended, in words.
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "an unknown status".into(),
    }
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// While alive, Ctrl-C (SIGINT) runs a no-op handler in this process, so it survives a
/// login child's interruption to report it. Unlike SIG_IGN, a handler is reset to the
/// default by exec, so the child still stops on Ctrl-C. Install it before the spawn, so
/// the child starts with the default action even when this process was started with
/// SIGINT ignored (a background job).
pub struct InterruptGuard(Option<libc::sigaction>);

impl InterruptGuard {
    pub fn install() -> InterruptGuard {
        // SAFETY: plain sigaction calls with zeroed, then filled, structs.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
            new.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGINT, &new, &mut old) == 0 {
                InterruptGuard(Some(old))
            } else {
                InterruptGuard(None)
            }
        }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        if let Some(old) = self.0.take() {
            // SAFETY: restores the disposition saved by `install`.
            unsafe {
                libc::sigaction(libc::SIGINT, &old, std::ptr::null_mut());
            }
        }
    }
}

/// Waits until `file` (a pipe) has data or its writer is gone, for at most `wait`.
pub fn wait_readable(file: &File, wait: Duration) -> io::Result<()> {
    let mut fd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX).max(1);
    // SAFETY: `fd` is one valid pollfd that outlives the call; the descriptor is open.
    if unsafe { libc::poll(&mut fd, 1, ms) } < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

/// Columns and lines of stderr's terminal, 0 when unknown.
pub fn terminal_size() -> (u16, u16) {
    // SAFETY: TIOCGWINSZ fills a winsize we own; a failure leaves it zeroed.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) == 0 {
            (ws.ws_col, ws.ws_row)
        } else {
            (0, 0)
        }
    }
}

/// A copy of stderr, for a child to write to.
pub fn stderr_copy() -> io::Result<std::process::Stdio> {
    use std::os::fd::AsFd;
    Ok(std::io::stderr().as_fd().try_clone_to_owned()?.into())
}

/// Makes `link` start `target` (a symbolic link).
pub fn link_command(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

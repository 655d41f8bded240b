//! Windows: files opened without following reparse points, privacy from the user
//! profile's ACL, commands found by their executable suffix, and Ctrl-C through the
//! console's control handlers.

use std::fs::{DirBuilder, File, FileType, Metadata, OpenOptions};
use std::io;
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

/// What separates the directories of PATH.
pub const PATH_SEPARATOR: char = ';';
/// The suffixes that make a file a command, as `cmd.exe` finds them with the default
/// PATHEXT (`.ps1` is PowerShell's own and runs only from PowerShell).
pub const EXECUTABLE_SUFFIXES: &[&str] = &[".exe", ".cmd", ".bat", ".com"];
/// The console's input, whatever stdin is.
pub const TERMINAL: &str = "CONIN$";

/// Opens a link or junction itself instead of what it points to.
const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
/// `ERROR_ACCESS_DENIED`: also what opening a directory as a file gives.
const ERROR_ACCESS_DENIED: i32 = 5;
/// `STATUS_CONTROL_C_EXIT`: the exit code of a console program ended by Ctrl-C.
const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;

type HandlerRoutine = unsafe extern "system" fn(u32) -> i32;

#[link(name = "kernel32")]
unsafe extern "system" {
    fn SetConsoleCtrlHandler(handler: Option<HandlerRoutine>, add: i32) -> i32;
}

/// Ends the process with `code`; the caller flushed what it wrote.
pub fn exit_now(code: i32) -> ! {
    std::process::exit(code)
}

/// Windows has no SIGPIPE: a write to a closed pipe is an error, reported as one line.
pub fn default_sigpipe() {}

/// Windows gives a process without a console no standard handles to reuse: nothing to do.
pub fn standard_fds() {}

/// Options to read a file; a link is opened as itself (and then refused) unless followed.
/// Windows opens no FIFO or terminal by path, so nothing here can block the open.
pub fn read_options(follow: bool) -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true);
    if !follow {
        o.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    o
}

/// Options to open one of awsp's own files: never through a link. The file is private by
/// the ACL it inherits from the user's profile directory, which grants the user alone.
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    o
}

/// A directory builder: privacy comes from the inherited ACL of the user's profile.
pub fn private_dir_builder() -> DirBuilder {
    DirBuilder::new()
}

/// Puts `from` in place of `to` in one step: a reader sees the old file or the new one.
/// A program that holds `to` open without sharing its deletion (as most do, unlike
/// awsp) makes the replace fail with a sharing error until it closes the file, so the
/// replace is tried again for up to a second.
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    const ERROR_SHARING_VIOLATION: i32 = 32;
    let mut pause = Duration::from_millis(5);
    let start = std::time::Instant::now();
    loop {
        match std::fs::rename(from, to) {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(ERROR_ACCESS_DENIED | ERROR_SHARING_VIOLATION)
                ) && start.elapsed() < Duration::from_secs(1) =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// Reads at `offset`. The file's cursor moves, which no caller relies on.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

/// Windows reports no FIFOs, sockets or devices as file types of a path.
pub fn special_kind(_: FileType) -> Option<&'static str> {
    None
}

/// Whether `kind` is a FIFO: never on Windows.
pub fn is_fifo(_: FileType) -> bool {
    false
}

/// Whether the open failed because of the file's type (a directory opened as a file).
pub fn failed_on_type(e: &io::Error) -> bool {
    e.raw_os_error() == Some(ERROR_ACCESS_DENIED)
}

/// Hard links are not counted on Windows (std has no stable call for it): 1.
pub fn links(_: &Metadata) -> u64 {
    1
}

/// What tells one version of a file from another without reading it: size, the last
/// write time and the creation time (100 ns units since 1601; a replaced file is a new
/// one). Windows keeps no status-change time that a program can read through std.
pub fn identity(meta: &Metadata) -> [i64; 7] {
    use std::os::windows::fs::MetadataExt;
    let t = |v: u64| (v / 10_000_000) as i64 - 11_644_473_600;
    let ns = |v: u64| ((v % 10_000_000) * 100) as i64;
    [
        0,
        0,
        meta.file_size() as i64,
        t(meta.last_write_time()),
        ns(meta.last_write_time()),
        t(meta.creation_time()),
        ns(meta.creation_time()),
    ]
}

/// The ACL decides who may write, and a directory under the user's profile grants the
/// user alone by default: nothing to refuse on owner or mode bits.
pub fn untrusted_dir(_: &Metadata, _: &str, _: &str) -> Option<(String, String)> {
    None
}

/// Windows files have no group/other mode bits; the profile's ACL keeps them private.
pub fn readable_by_others(_: &Metadata) -> Option<(&'static str, u32)> {
    None
}

/// Whether a file can be run as a command: a regular file named with an executable suffix.
pub fn is_executable(path: &Path, meta: &Metadata) -> bool {
    meta.is_file()
        && path.extension().is_some_and(|e| {
            let e = e.to_string_lossy().to_ascii_lowercase();
            EXECUTABLE_SUFFIXES.iter().any(|s| s[1..] == e)
        })
}

/// Privacy comes from the inherited ACL; there are no mode bits to set.
pub fn make_private(_: &Path) -> io::Result<()> {
    Ok(())
}

/// A file's suffix makes it runnable; there are no mode bits to set.
pub fn make_executable(_: &Path) -> io::Result<()> {
    Ok(())
}

/// Runs `cmd` and ends this process with its exit code (Windows cannot replace a process).
/// Ctrl-C reaches the command, which decides; awsp waits for it. Returns only when the
/// command could not be started.
pub fn replace_process(cmd: &mut Command) -> io::Error {
    let guard = InterruptGuard::install();
    let status = match cmd.spawn().and_then(|mut child| child.wait()) {
        Ok(status) => status,
        Err(e) => return e,
    };
    drop(guard);
    crate::exit(status.code().unwrap_or(1))
}

/// Whether a child ended because of Ctrl-C.
pub fn interrupted(status: ExitStatus) -> bool {
    matches!(status.code(), Some(130))
        || status.code().map(|c| c as u32) == Some(STATUS_CONTROL_C_EXIT)
}

/// How a child that failed ended, in words.
pub fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(c) if c < 0 => format!("exit status {:#x}", c as u32),
        Some(c) => format!("exit status {c}"),
        None => "an unknown status".into(),
    }
}

unsafe extern "system" fn swallow_ctrl_c(_: u32) -> i32 {
    1
}

/// While alive, Ctrl-C is swallowed by this process (a handler that says it was handled),
/// so awsp survives a login child's interruption to report it. A handler, unlike ignoring
/// Ctrl-C, is not inherited: the child still stops on it.
pub struct InterruptGuard(bool);

impl InterruptGuard {
    pub fn install() -> InterruptGuard {
        // SAFETY: registers a handler function that lives for the whole program.
        InterruptGuard(unsafe { SetConsoleCtrlHandler(Some(swallow_ctrl_c), 1) } != 0)
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: removes the handler `install` added.
            unsafe {
                SetConsoleCtrlHandler(Some(swallow_ctrl_c), 0);
            }
        }
    }
}

/// Never reached: no file is taken as a pipe on Windows.
pub fn wait_readable(_: &File, _: Duration) -> io::Result<()> {
    Err(io::ErrorKind::WouldBlock.into())
}

/// Columns and lines of the console, 0 when unknown.
pub fn terminal_size() -> (u16, u16) {
    crossterm::terminal::size().unwrap_or((0, 0))
}

/// A copy of stderr, for a child to write to.
pub fn stderr_copy() -> io::Result<std::process::Stdio> {
    use std::os::windows::io::AsHandle;
    Ok(std::io::stderr().as_handle().try_clone_to_owned()?.into())
}

/// Makes `link` start `target`: a hard link where the volume allows it, else a copy.
pub fn link_command(target: &Path, link: &Path) -> io::Result<()> {
    let link = link.with_extension("exe");
    std::fs::hard_link(target, &link).or_else(|_| std::fs::copy(target, &link).map(drop))
}

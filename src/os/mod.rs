//! Everything that differs between operating systems, behind one interface: how files are
//! opened without following links or blocking, who may own awsp's state directory, what
//! counts as an executable on PATH, how a command replaces awsp, how Ctrl-C is held off
//! while a login runs, and how big the terminal is. The rest of awsp calls these and never
//! names a platform.

use std::path::PathBuf;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// The directories of a PATH-like value, in order, empty entries skipped.
pub fn path_dirs(path: &str) -> impl Iterator<Item = PathBuf> + '_ {
    path.split(PATH_SEPARATOR)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// The names a command `name` can have as a file: itself, then with each executable suffix.
pub fn command_files(name: &str) -> impl Iterator<Item = String> + '_ {
    EXECUTABLE_SUFFIXES.iter().map(move |s| format!("{name}{s}"))
}

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
    EXECUTABLE_SUFFIXES
        .iter()
        .map(move |s| format!("{name}{s}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A reader that holds the old file open (for 150 ms, then closes it) does not make
    /// the replace fail: unix renames over it at once; Windows does too where the file
    /// system has POSIX rename semantics, and otherwise tries again until it is closed.
    #[test]
    fn replace_while_the_old_file_is_open() {
        let d = std::env::temp_dir().join(format!("awsp-os-replace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let (to, from) = (d.join("history"), d.join("history.tmp"));
        std::fs::write(&to, "old").unwrap();
        let mut reader = std::fs::File::open(&to).unwrap();
        let held = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(150));
            let mut old = String::new();
            reader.read_to_string(&mut old).unwrap();
            old
        });
        std::fs::write(&from, "new").unwrap();
        replace(&from, &to).unwrap();
        assert_eq!(std::fs::read(&to).unwrap(), b"new");
        assert!(!from.exists());
        assert_eq!(
            held.join().unwrap(),
            "old",
            "a reader keeps the file it opened"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn path_lists_and_command_names() {
        let sep = PATH_SEPARATOR;
        let dirs: Vec<PathBuf> = path_dirs(&format!("a{sep}{sep}b")).collect();
        assert_eq!(dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        let names: Vec<String> = command_files("aws").collect();
        assert!(!names.is_empty() && names.iter().all(|n| n.starts_with("aws")));
        assert_eq!(names.len(), EXECUTABLE_SUFFIXES.len());
    }
}

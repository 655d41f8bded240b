//! The AWS CLI (`aws`) on PATH: finding it and asking its version. `awsp login` runs it;
//! `awsp doctor` reports when it is missing, v1, or not recognisable.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env::Env;
use crate::os;

/// Where the AWS CLI v2 install instructions are; quoted in every fix that installs it.
pub const INSTALL_URL: &str =
    "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";

/// `aws --version` answers within this time, or is taken as broken.
pub const VERSION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What `aws --version` says about the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Version {
    /// `aws-cli/` followed by anything but `1.`: v2 or later.
    Current,
    /// `aws-cli/1.…`: no `aws sso login`, no `[sso-session]` blocks. Holds the first line.
    V1(String),
    /// Output without `aws-cli/`: some other program named `aws`. Holds the first line.
    NotAws(String),
}

/// The first executable file that runs command `name` in the directories of `path`.
pub fn find_in_path(path: &str, name: &str) -> Option<PathBuf> {
    os::path_dirs(path)
        .flat_map(|d| os::command_files(name).map(move |f| d.join(f)))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| os::is_executable(p, &m)))
}

/// `aws` on the PATH of `env`.
pub fn find(env: &Env) -> Option<PathBuf> {
    find_in_path(env.get("PATH").unwrap_or(""), "aws")
}

/// Runs `aws --version` (bounded by [`VERSION_TIMEOUT`]) and reads which CLI it is. The
/// error says why the command gave no version.
pub fn version(aws: &Path) -> Result<Version, String> {
    version_text(aws).map(|text| classify(&text))
}

/// Which CLI printed `text` in answer to `--version`.
fn classify(text: &str) -> Version {
    let first = || first_line(text).to_string();
    if text.contains("aws-cli/1.") {
        Version::V1(first())
    } else if text.contains("aws-cli/") {
        Version::Current
    } else {
        Version::NotAws(first())
    }
}

/// The first line of `s`, trimmed.
pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

/// `aws --version` (stdout and stderr: CLI v1 printed to stderr), bounded in time.
fn version_text(aws: &Path) -> Result<String, String> {
    let mut child = Command::new(aws)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    // The child is reaped and killed only under this lock, so a kill after the timeout
    // can never reach another process that got the same pid.
    let child = std::sync::Arc::new(std::sync::Mutex::new(child));
    let reaper = std::sync::Arc::clone(&child);
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let err_thread = std::thread::spawn(move || {
            let mut e = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(64 << 10).read_to_end(&mut e);
            }
            e
        });
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut text);
        }
        text.extend(err_thread.join().unwrap_or_default());
        let status = loop {
            let done = match reaper.lock() {
                Ok(mut c) => c.try_wait(),
                Err(_) => break Err(std::io::Error::other("lost the child")),
            };
            match done {
                Ok(Some(status)) => break Ok(status),
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(5)),
                Err(e) => break Err(e),
            }
        };
        let _ = tx.send((text, status));
    });
    match rx.recv_timeout(VERSION_TIMEOUT) {
        Ok((text, status)) => {
            let text = String::from_utf8_lossy(&text).into_owned();
            match status {
                Ok(s) if s.success() || text.contains("aws-cli/") => Ok(text),
                Ok(s) => Err(format!("{s}: {}", first_line(&text))),
                Err(e) => Err(e.to_string()),
            }
        }
        Err(_) => {
            if let Ok(mut c) = child.lock() {
                let _ = c.kill();
            }
            Err(format!(
                "no answer within {} seconds",
                VERSION_TIMEOUT.as_secs()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_executables_only() {
        let dir = std::env::temp_dir().join(format!("awsp-awscli-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.to_string_lossy().into_owned();
        // Not a command: no execute bit on unix, no executable suffix on Windows.
        std::fs::write(dir.join("aws"), "#!/bin/sh\n").unwrap();
        assert_eq!(find_in_path(&p, "aws"), None, "not executable yet");
        let f = dir.join(os::command_files("aws").last().unwrap());
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        os::make_executable(&f).unwrap();
        let sep = os::PATH_SEPARATOR;
        let path = format!("{sep}/nonexistent{sep}{p}");
        assert_eq!(find_in_path(&path, "aws"), Some(f));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn classifies_the_version() {
        assert_eq!(classify("aws-cli/2.15.0 Python/3.11\n"), Version::Current);
        assert_eq!(classify("aws-cli/10.0.0"), Version::Current);
        assert_eq!(
            classify(" aws-cli/1.18.0 Python/2.7 \nmore"),
            Version::V1("aws-cli/1.18.0 Python/2.7".into())
        );
        assert_eq!(classify("hello\n"), Version::NotAws("hello".into()));
        assert_eq!(classify(""), Version::NotAws("".into()));
    }
}

//! Doctor's file checks: each AWS file read within bounds and parsed, every way reading
//! or parsing it failed, and the permissions of a file holding secrets.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Code, Doctor, Severity, unset_cmd};
use crate::aws::ini::{self, FileKind, ParsedFile};
use crate::aws::model::MAX_FILE_BYTES;

impl Doctor<'_> {
    pub(super) fn load(&mut self, path: PathBuf, kind: FileKind, var: &str) -> Loaded {
        let mut loaded = Loaded {
            path,
            kind,
            exists: false,
            broken: false,
            has_secrets: false,
            parsed: ParsedFile::default(),
        };
        let shown = loaded.path.display().to_string();
        let text = match read_bounded(&loaded.path) {
            Ok(None) => {
                if let Some(v) = self.env.get(var) {
                    self.push(
                        Severity::Warning,
                        Code::FileMissing,
                        format!("{var} is set to `{v}`, but {shown} does not exist"),
                        Some(var.into()),
                        Some(format!(
                            "create {shown}, or point {var} at the right file ({})",
                            unset_cmd(self.shell, &[var])
                        )),
                    );
                }
                return loaded;
            }
            Ok(Some(text)) => text,
            Err(ReadError::TooLarge(n)) => {
                loaded.exists = true;
                loaded.broken = true;
                self.push(
                    Severity::Error,
                    Code::FileTooLarge,
                    format!(
                        "{shown} is {} MB or more, too large to be an AWS {} file (limit {} MB); awsp and the SDKs will not read it",
                        n >> 20,
                        kind_name(kind),
                        MAX_FILE_BYTES >> 20
                    ),
                    Some(shown),
                    Some("point the variable at the real file, or trim the file".into()),
                );
                return loaded;
            }
            Err(ReadError::NotUtf8(line)) => {
                loaded.exists = true;
                loaded.broken = true;
                self.push(
                    Severity::Error,
                    Code::FileNotUtf8,
                    format!("{shown} is not valid UTF-8 at line {line}"),
                    Some(format!("{shown}:{line}")),
                    Some("save the file as UTF-8".into()),
                );
                return loaded;
            }
            Err(ReadError::Other(why)) => {
                loaded.exists = true;
                loaded.broken = true;
                self.push(
                    Severity::Error,
                    Code::FileUnreadable,
                    format!("cannot read {shown}: {why}"),
                    Some(shown),
                    Some(format!(
                        "make {} a readable regular file (or point {var} at one)",
                        loaded.path.display()
                    )),
                );
                return loaded;
            }
        };
        loaded.exists = true;
        let lower = text.to_ascii_lowercase();
        loaded.has_secrets = ini::SECRET_KEYS.iter().any(|k| lower.contains(k));
        let file = Arc::new(loaded.path.clone());
        let lines: Vec<&str> = text.split('\n').collect();
        let mut usable = lines.len();
        match ini::parse(&text, kind, file.clone()) {
            Ok(p) => loaded.parsed = p,
            Err(e) => {
                loaded.broken = true;
                usable = e.loc.line.saturating_sub(1).min(lines.len());
                let line_text = lines.get(usable).copied().unwrap_or("");
                self.parse_error(&e, line_text, kind);
                // Everything above the bad line parsed; check that much.
                if let Ok(p) = ini::parse(&lines[..usable].join("\n"), kind, file) {
                    loaded.parsed = p;
                }
            }
        }
        self.file_findings(&loaded, &lines[..usable]);
        loaded
    }

    pub(super) fn parse_error(&mut self, e: &ini::ParseError, line: &str, kind: FileKind) {
        let line = line.trim();
        let loc = Some(e.loc.to_string());
        let later = "; awsp reads the lines above it only, and the SDKs reject the whole file";
        // A line that did not parse may be a secret written wrongly: quote nothing of it in
        // the credentials file, or when its first word looks like a secret key.
        let quotable = kind == FileKind::Config && !ini::looks_secret(line);
        if !line.contains('=') && line.contains(':') && !line.starts_with('[') {
            let key = line.split(':').next().unwrap_or("").trim();
            let key = if quotable { key } else { "key" };
            self.push(
                Severity::Error,
                Code::ColonSeparator,
                format!(
                    "`{key}: …` uses `:`; the AWS CLI accepts that, but the SDKs (and awsp) reject the file{later}"
                ),
                loc,
                Some(format!("write `{key} = …` instead of `{key}: …`")),
            );
            return;
        }
        let fix = if e.message == ini::BOM {
            format!(
                "remove the mark: sed -i '1s/^\\xEF\\xBB\\xBF//' {}",
                e.loc.file.display()
            )
        } else if e.message.contains("must end with ']'") {
            "close the section header with `]`".to_string()
        } else if e.message.contains("Expected a section definition") {
            "put the line under a section header such as `[profile NAME]`, or delete it".into()
        } else if e.message.contains("found continuation") {
            "remove the indentation, or give the line a `key =` line to continue".into()
        } else if e.message.contains("'='") {
            "write the line as `key = value`, or delete it".into()
        } else {
            "fix or delete the line".into()
        };
        self.push(
            Severity::Error,
            Code::ParseError,
            format!("{}{later}", e.message),
            loc,
            Some(fix),
        );
    }

    /// A file holding secrets must be readable by its owner only.
    pub(super) fn permissions(&mut self, f: &Loaded) {
        if !f.exists || (f.kind == FileKind::Config && !f.has_secrets) {
            return;
        }
        let has_secrets = f.has_secrets;
        let Ok(meta) = std::fs::metadata(&f.path) else {
            return;
        };
        if !meta.is_file() {
            return;
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return;
        }
        let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
            (true, true) => "its group and all other users",
            (true, false) => "its group",
            _ => "all other users",
        };
        let what = if has_secrets {
            "holds secret keys"
        } else {
            "is the credentials file"
        };
        let shown = f.path.display().to_string();
        self.push(
            if has_secrets {
                Severity::Error
            } else {
                Severity::Warning
            },
            Code::CredentialsPermissions,
            format!("{shown} {what} and has mode {mode:03o}: {who} can access it"),
            Some(shown.clone()),
            Some(format!("chmod 600 {}", crate::login::shell_word(&shown))),
        );
    }
}

/// One file as doctor saw it.
pub(super) struct Loaded {
    pub(super) path: PathBuf,
    pub(super) kind: FileKind,
    pub(super) exists: bool,
    /// Unreadable, or parsed only up to an error: absence checks are not trustworthy.
    pub(super) broken: bool,
    /// Names a secret key anywhere, even in a section the parser ignored.
    pub(super) has_secrets: bool,
    pub(super) parsed: ParsedFile,
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Config => "config",
        FileKind::Credentials => "credentials",
    }
}

enum ReadError {
    TooLarge(u64),
    NotUtf8(usize),
    Other(String),
}

/// Reads a config file through [`crate::fsio`], never more than the size limit (a file
/// whose size lies cannot make this take unbounded memory), and never from anything but a
/// regular file or a pipe. A missing file is `None`.
fn read_bounded(path: &Path) -> std::result::Result<Option<String>, ReadError> {
    let other = |e: std::io::Error| ReadError::Other(e.to_string());
    let source = match crate::fsio::open_read(path, crate::fsio::Accept::CONFIG) {
        Ok(Some(source)) => source,
        Ok(None) => return Ok(None),
        Err(e) => return Err(other(e)),
    };
    if source.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(source.len()));
    }
    let bytes = source.read_capped(MAX_FILE_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            ReadError::TooLarge(MAX_FILE_BYTES + 1)
        } else {
            other(e)
        }
    })?;
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ReadError::NotUtf8(e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1)
    })
}

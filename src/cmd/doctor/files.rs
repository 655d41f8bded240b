//! Doctor's file checks: each AWS file read within bounds and parsed, every way reading
//! or parsing it failed, and the permissions of a file holding secrets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Code, Doctor, Severity, unset_cmd};
use crate::aws::ini::cli::{self, CliFile};
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
            text: String::new(),
            usable: 0,
            sdk_error: None,
            cli: CliFile::default(),
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
        loaded.cli = cli::read(&text);
        let lines: Vec<&str> = text.split('\n').collect();
        let mut usable = lines.len();
        match ini::parse(&text, kind, file.clone()) {
            Ok(p) => loaded.parsed = p,
            Err(e) => {
                loaded.broken = true;
                usable = e.loc.line.saturating_sub(1).min(lines.len());
                loaded.sdk_error = Some(e.loc.line);
                let line_text = lines.get(usable).copied().unwrap_or("");
                self.parse_error(&e, line_text, kind, &loaded.cli);
                // Everything above the bad line parsed; check that much.
                if let Ok(p) = ini::parse(&lines[..usable].join("\n"), kind, file) {
                    loaded.parsed = p;
                }
            }
        }
        loaded.usable = usable;
        drop(lines);
        loaded.text = text;
        loaded
    }

    pub(super) fn parse_error(
        &mut self,
        e: &ini::ParseError,
        raw: &str,
        kind: FileKind,
        cli: &CliFile,
    ) {
        let line = raw.trim();
        let loc = Some(e.loc.to_string());
        let later = "; awsp reads the lines above it only, and the SDKs reject the whole file";
        // A line that did not parse may be a secret written wrongly: quote nothing of it in
        // the credentials file, or when its first word looks like a secret key.
        let quotable = kind == FileKind::Config && !ini::looks_secret(line);
        let n = e.loc.line;
        // What the AWS CLI makes of the same line, and of the whole file.
        let cli_header = cli.headers.iter().find(|(l, _)| *l == n).map(|(_, h)| h);
        let cli_key = cli
            .sections
            .iter()
            .flat_map(|s| &s.options)
            .chain(&cli.defaults)
            .find(|o| o.line == n)
            .map(|o| o.key.as_str());
        let cli_fails_here = cli.errors.iter().any(|c| c.line == n);
        let cli_file = match cli.errors.first() {
            None => ", and reads the whole file".to_string(),
            Some(c) if c.line == n => String::new(),
            Some(c) => format!(
                " (though it cannot read the file either: line {}, {})",
                c.line,
                c.describe()
            ),
        };
        if !line.contains('=') && line.contains(':') && !line.starts_with('[') {
            let key = line.split(':').next().unwrap_or("").trim();
            let key = if quotable { key } else { "key" };
            self.push(
                Severity::Error,
                Code::ColonSeparator,
                format!(
                    "`{key}: …` uses `:`; the AWS CLI accepts that{cli_file}, but the SDKs (and awsp) reject the file{later}"
                ),
                loc,
                Some(format!("write `{key} = …` instead of `{key}: …`")),
            );
            return;
        }
        if !cli_fails_here && (cli_header.is_some() || cli_key.is_some()) {
            let indented = raw.starts_with([' ', '\t']);
            let (what, fix) = match (cli_header, cli_key) {
                (Some(h), _) => {
                    let what = format!("the header of section `[{h}]`");
                    let fix = if indented {
                        "remove the indentation before `[`".to_string()
                    } else if line
                        .find(['#', ';'])
                        .is_some_and(|c| line[c..].contains(']'))
                    {
                        "take the `#` or `;` out of the section name (a comment after `]` must not hold `]`)".to_string()
                    } else {
                        "delete the text after `]` (or start it with `#` to make it a comment)"
                            .to_string()
                    };
                    (what, fix)
                }
                (None, Some(k)) => {
                    let k = if quotable && ini::is_valid_name(k) {
                        k
                    } else {
                        "key"
                    };
                    (
                        format!("the property `{k}`"),
                        "remove the indentation: an indented line continues the property above it, and there is none".into(),
                    )
                }
                (None, None) => unreachable!(),
            };
            self.push(
                Severity::Error,
                Code::CliReadsRejectedLine,
                format!(
                    "{}: the SDKs (and awsp) reject the file at this line, but the AWS CLI reads it as {what}{cli_file}",
                    e.message
                ),
                loc,
                Some(fix),
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
            format!(
                "{}{later}{}",
                e.message,
                if cli_fails_here {
                    " (the AWS CLI rejects this line too)"
                } else {
                    ""
                }
            ),
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
        let Some((who, mode)) = crate::os::readable_by_others(&meta) else {
            return;
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
            Some(format!("chmod 600 {}", crate::quote::shell_word(&shown))),
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
    pub(super) text: String,
    /// How many lines the SDKs read: all, or those above the line they reject.
    pub(super) usable: usize,
    /// The line the SDKs reject.
    pub(super) sdk_error: Option<usize>,
    /// The file as the AWS CLI reads it.
    pub(super) cli: CliFile,
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

//! Doctor's checks of what a file means to each reader: sections and properties every
//! reader ignores, those the SDKs ignore but the AWS CLI (botocore) reads, the other lines
//! the two read differently, and section headers written twice.

use std::collections::HashMap;

use super::files::Loaded;
use super::{Code, Doctor, Severity};
use crate::aws::ini::{self, FileKind, Warning, WarningKind};

impl Doctor<'_> {
    /// Ignored sections and properties, duplicate sections, and the places where the AWS
    /// CLI (botocore) reads the file differently from the SDKs. `lines` are the lines of
    /// `f` that parsed.
    pub(super) fn file_findings(&mut self, f: &Loaded, lines: &[&str]) {
        let shown = f.path.display().to_string();
        let at = |line: usize| format!("{shown}:{line}");
        let headers = scan_headers(lines);
        let header_at: HashMap<usize, &str> =
            headers.iter().map(|(n, s)| (*n, s.as_str())).collect();

        for w in &f.parsed.warnings {
            // An ignored section's name is read from its header line, as written.
            let section = match w.kind {
                WarningKind::IgnoredSection => header_at.get(&w.loc.line),
                _ => None,
            };
            let Some(name) = section else {
                self.push(
                    Severity::Warning,
                    Code::IgnoredProperty,
                    w.message.clone(),
                    Some(w.loc.to_string()),
                    Some(
                        "rename the key using only A-Z a-z 0-9 _ - / . % @ : +, or delete the line"
                            .into(),
                    ),
                );
                continue;
            };
            match (f.kind, cli_reading(name)) {
                (FileKind::Credentials, _) => {
                    let (msg, fix) = match name.strip_prefix("profile ") {
                        Some(rest) => (
                            format!(
                                "the SDKs ignore `[{name}]` in the credentials file, where sections are bare names, but the AWS CLI reads it as a profile named `{name}`"
                            ),
                            format!("write `[{}]`", rest.trim()),
                        ),
                        None => (
                            format!(
                                "the SDKs ignore `[{name}]` (an invalid name), but the AWS CLI reads it as a profile named `{name}`"
                            ),
                            format!("rename it to `[{}]`", sanitize(name)),
                        ),
                    };
                    self.push(
                        Severity::Warning,
                        Code::CliReadsIgnoredSection,
                        msg,
                        Some(w.loc.to_string()),
                        Some(fix),
                    );
                }
                (FileKind::Config, Some((prefix, cli_name))) => {
                    let word = if prefix == "profile" {
                        "a profile"
                    } else {
                        "an sso-session"
                    };
                    self.push(
                        Severity::Warning,
                        Code::CliReadsIgnoredSection,
                        format!(
                            "the SDKs ignore `[{name}]`, but the AWS CLI reads it as {word} named `{cli_name}`"
                        ),
                        Some(w.loc.to_string()),
                        Some(format!("write `[{prefix} {}]`", sanitize(&cli_name))),
                    );
                }
                (FileKind::Config, None) => {
                    let fix = if ini::is_valid_name(name) {
                        format!("write `[profile {name}]` (or delete the section)")
                    } else {
                        "rename the section using only A-Z a-z 0-9 _ - / . % @ : +".into()
                    };
                    self.push(
                        Severity::Warning,
                        Code::IgnoredSection,
                        w.message.clone(),
                        Some(w.loc.to_string()),
                        Some(fix),
                    );
                }
            }
        }

        for w in &f.parsed.cli_differences {
            let (severity, code, fix) = classify_difference(w);
            self.push(
                severity,
                code,
                w.message.clone(),
                Some(w.loc.to_string()),
                Some(fix.into()),
            );
        }

        let mut first: HashMap<&str, usize> = HashMap::new();
        for (line, name) in &headers {
            match first.get(name.as_str()) {
                None => {
                    first.insert(name, *line);
                }
                Some(&first_line) => self.push(
                    Severity::Error,
                    Code::DuplicateSection,
                    format!(
                        "`[{name}]` appears a second time (first at line {first_line}): the SDKs merge the two, but the AWS CLI refuses the whole file"
                    ),
                    Some(at(*line)),
                    Some(format!(
                        "move the settings under line {line} into the section at line {first_line}, and delete the second header"
                    )),
                ),
            }
        }
    }
}

/// How a parser-reported CLI difference is reported: severity, code, fix.
fn classify_difference(w: &Warning) -> (Severity, Code, &'static str) {
    match w.kind {
        WarningKind::InlineComment => (
            Severity::Warning,
            Code::CliInlineComment,
            "move the comment to a line of its own",
        ),
        WarningKind::DuplicateKey => (
            Severity::Error,
            Code::DuplicateKey,
            "delete the earlier line (the SDKs already use this later one)",
        ),
        WarningKind::DefaultTwice => (
            Severity::Warning,
            Code::DefaultTwice,
            "merge `[default]` into `[profile default]` and delete `[default]`",
        ),
        WarningKind::ColonSeparator => (
            Severity::Error,
            Code::ColonSeparator,
            "write `key = value` instead of `key: value`",
        ),
        // The parser files these under `warnings`, not `cli_differences`.
        WarningKind::IgnoredSection
        | WarningKind::InvalidPropertyName
        | WarningKind::InvalidSubPropertyName => (
            Severity::Warning,
            Code::CliSdkDifference,
            "write it the way both read alike",
        ),
    }
}

/// The section headers among `lines`, as (line number, trimmed name), found exactly as the
/// parser finds them.
fn scan_headers(lines: &[&str]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') || !line.starts_with('[') {
            continue;
        }
        let cut = line.find(['#', ';']).unwrap_or(line.len());
        if let Some(inner) = line[..cut].trim_end().strip_suffix(']') {
            out.push((i + 1, inner[1..].trim().to_string()));
        }
    }
    out
}

/// How botocore reads a config-file section the SDKs ignore: `profile`/`sso-session`
/// prefixed names split like a shell (`shlex.split`), taken when they make two words.
fn cli_reading(name: &str) -> Option<(&'static str, String)> {
    let prefix = ["profile", "sso-session"]
        .into_iter()
        .find(|p| name.starts_with(p))?;
    // botocore splits the name like `shlex.split`; an open quote skips the section.
    let words = crate::quote::split_words(name).ok()?;
    match words.as_slice() {
        [_, n] => Some((prefix, n.clone())),
        _ => None,
    }
}

/// A valid name close to `name`: invalid characters become `-`.
fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "NAME".into() } else { s }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::aws::ini::ParsedFile;

    fn parse(text: &str, kind: FileKind) -> ParsedFile {
        ini::parse(text, kind, Arc::new("f".into())).unwrap()
    }

    /// Each difference the parser reports gets its own code, whatever its message says.
    #[test]
    fn classifies_every_parser_difference() {
        let f = parse(
            "[default]\nregion = a\n[profile default]\nregion = b # c\nregion = d\nmy_comment = 1\nmy_comment = 2\n",
            FileKind::Config,
        );
        let mut codes: Vec<&str> = f
            .cli_differences
            .iter()
            .map(|w| classify_difference(w).1.as_str())
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            [
                "cli-inline-comment",
                "default-twice",
                "duplicate-key",
                "duplicate-key"
            ]
        );
    }

    #[test]
    fn headers_and_cli_names() {
        let lines = [
            "[profile a] # c",
            "x = 1",
            "  [not]",
            "[b",
            "[profile \"a b\"]",
        ];
        assert_eq!(
            scan_headers(&lines),
            [
                (1, "profile a".to_string()),
                (5, "profile \"a b\"".to_string())
            ]
        );
        assert_eq!(
            cli_reading("profile \"a b\""),
            Some(("profile", "a b".into()))
        );
        assert_eq!(cli_reading("profiles x"), Some(("profile", "x".into())));
        assert_eq!(cli_reading("profile a b"), None);
        assert_eq!(cli_reading("profile 'open"), None);
        assert_eq!(cli_reading("foo"), None);
        assert_eq!(
            cli_reading("sso-session 'my s'"),
            Some(("sso-session", "my s".into()))
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(sanitize("a b\"c"), "a-b-c");
    }
}

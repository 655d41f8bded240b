//! Doctor's checks of what a file means to each reader: sections and properties the SDKs
//! ignore, sections the SDKs and the AWS CLI (botocore, through Python's `configparser`)
//! read differently, `[DEFAULT]`, lines the CLI refuses, and sections written twice.

use std::collections::{BTreeMap, HashMap};

use super::files::Loaded;
use super::{Code, Doctor, Severity};
use crate::aws::ini::cli::{self, CliErrorKind, Named};
use crate::aws::ini::{self, FileKind, Warning, WarningKind};

/// Config-file sections the AWS CLI reads for itself, which are no profile to anyone.
pub(super) const CLI_SECTIONS: [&str; 2] = ["plugins", "preview"];

impl Doctor<'_> {
    /// Every difference in both files (config first).
    pub(super) fn differences(&mut self, files: [&Loaded; 2]) {
        // The profiles the AWS CLI finds, from the files it can read.
        let mut cli_profiles: Vec<String> = Vec::new();
        for f in files {
            if f.cli.readable() {
                cli_profiles.extend(f.cli.map(f.kind, false).into_keys());
            }
        }
        for f in files {
            self.file_findings(f, &cli_profiles);
        }
    }

    /// One file's findings. `cli_profiles`: every profile the AWS CLI finds, in both files.
    fn file_findings(&mut self, f: &Loaded, cli_profiles: &[String]) {
        let shown = f.path.display().to_string();
        let at = |line: usize| format!("{shown}:{line}");
        let lines: Vec<&str> = f.text.split('\n').take(f.usable).collect();

        for w in &f.parsed.warnings {
            if w.kind == WarningKind::IgnoredSection {
                continue; // with the headers below
            }
            self.push(
                Severity::Warning,
                Code::IgnoredProperty,
                format!(
                    "{}; the AWS CLI keeps it, under a name nothing reads",
                    w.message
                ),
                Some(w.loc.to_string()),
                Some(
                    "rename the key using only A-Z a-z 0-9 _ - / . % @ : +, or delete the line"
                        .into(),
                ),
            );
        }

        self.headers(f, &lines, cli_profiles);
        self.default_section(f);

        for w in &f.parsed.cli_differences {
            // Keys set twice are reported from the AWS CLI's reading, with the others.
            if w.kind == WarningKind::DuplicateKey {
                continue;
            }
            let (severity, code, fix) = classify_difference(w);
            self.push(
                severity,
                code,
                w.message.clone(),
                Some(w.loc.to_string()),
                Some(fix.into()),
            );
        }

        for e in &f.cli.errors {
            match &e.kind {
                CliErrorKind::DuplicateSection { name, first } => self.push(
                    Severity::Error,
                    Code::DuplicateSection,
                    format!(
                        "`[{name}]` appears a second time (first at line {first}): the SDKs merge the two, but the AWS CLI refuses the whole file (DuplicateSectionError)"
                    ),
                    Some(at(e.line)),
                    Some(format!(
                        "move the settings under line {} into the section at line {first}, and delete the second header",
                        e.line
                    )),
                ),
                CliErrorKind::DuplicateOption {
                    section,
                    key,
                    first,
                } => {
                    // A key name, not a value; but one too long to be a setting's name may
                    // be a secret written in the wrong place.
                    let key = if ini::is_valid_name(key) && key.len() <= 40 {
                        format!("`{key}`")
                    } else {
                        "a key".into()
                    };
                    let (sdks, fix) = if section == "DEFAULT" && f.kind == FileKind::Config {
                        ("the SDKs ignore `[DEFAULT]`", "delete one of the two lines".to_string())
                    } else {
                        (
                            "the SDKs keep the last one",
                            format!("delete the earlier line ({first}); the SDKs already use this later one"),
                        )
                    };
                    self.push(
                        Severity::Error,
                        Code::DuplicateKey,
                        format!(
                            "{key} is set twice in `[{section}]` (first at line {first}): {sdks}, but the AWS CLI refuses the whole file (DuplicateOptionError)"
                        ),
                        Some(at(e.line)),
                        Some(fix),
                    );
                }
                // A line the SDKs reject too is the parse error already reported.
                _ if f.sdk_error.is_some_and(|l| l <= e.line) => {}
                kind => {
                    let fix = match kind {
                        CliErrorKind::NoDelimiter if lines.get(e.line - 1).is_some_and(|l| l.trim_start().starts_with("[]")) => {
                            "give the section a name, or delete the line"
                        }
                        CliErrorKind::Nested { .. } => {
                            "give every line of the block a `key = value`, or move the value onto the `key =` line"
                        }
                        _ => "fix or delete the line",
                    };
                    self.push(
                        Severity::Error,
                        Code::CliRejectsFile,
                        format!(
                            "the AWS CLI cannot read this file: {}; every `aws` command fails with \"Unable to parse config file: {shown}\", while the SDKs read it",
                            e.describe()
                        ),
                        Some(at(e.line)),
                        Some(fix.into()),
                    );
                }
            }
        }

        self.values(f);

        // Sections the AWS CLI reads as one profile: the later replaces the earlier whole.
        if f.kind == FileKind::Config && f.cli.readable() {
            let mut by_name: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
            for s in &f.cli.sections {
                if let Named::Profile(n) | Named::Session(n) = cli::named(f.kind, &s.name) {
                    by_name.entry(n).or_default().push((s.line, &s.name));
                }
            }
            for (name, sections) in by_name {
                // `[default]` with `[profile default]` is `default-twice`.
                if sections.len() < 2
                    || name == "default" && sections.iter().any(|(_, s)| *s == "default")
                {
                    continue;
                }
                let (first, last) = (sections[0], sections[sections.len() - 1]);
                self.push(
                    Severity::Warning,
                    Code::DuplicateSection,
                    format!(
                        "`[{}]` (line {}) and `[{}]` (line {}) both open `{name}`: the SDKs merge them, but the AWS CLI reads two sections and keeps only the settings of the later one",
                        first.1, first.0, last.1, last.0
                    ),
                    Some(at(last.0)),
                    Some(format!(
                        "move the settings under line {} into the section at line {}, and delete the second header",
                        last.0, first.0
                    )),
                );
            }
        }
    }

    /// Values the two read differently that no other finding explains: a blank line inside
    /// a continued value (Python keeps it), a lone carriage return (a line break to Python).
    fn values(&mut self, f: &Loaded) {
        // Lines another finding explains already (a comment after the value, `a:b = c`).
        let commented: Vec<usize> = f
            .parsed
            .cli_differences
            .iter()
            .map(|w| w.loc.line)
            .collect();
        let mut sdk: HashMap<usize, &str> = HashMap::new();
        let sections = f
            .parsed
            .profiles
            .values()
            .chain(f.parsed.sso_sessions.values());
        for section in sections.chain(&f.parsed.cli_default) {
            for (_, p) in section.props.iter() {
                if let Some(v) = p.value.as_text() {
                    sdk.insert(p.loc.line, v);
                }
            }
        }
        let options = f
            .cli
            .sections
            .iter()
            .flat_map(|s| &s.options)
            .chain(&f.cli.defaults);
        let mut done = Vec::new();
        for o in options {
            let Some(&theirs) = sdk.get(&o.line) else {
                continue;
            };
            if done.contains(&o.line) {
                continue;
            }
            done.push(o.line);
            if theirs == o.value || commented.contains(&o.line) || o.value.starts_with('\n') {
                continue;
            }
            let (why, fix) = if o.value.contains("\n\n") {
                (
                    "it keeps the blank line inside the continued value, the SDKs drop it",
                    "delete the blank line between the continuation lines",
                )
            } else if f
                .text
                .lines()
                .nth(o.line - 1)
                .is_some_and(|l| l.trim_end_matches('\r').contains('\r'))
            {
                (
                    "it takes the carriage return in this line as a line break, the SDKs as part of the value",
                    "save the file with LF (or CRLF) line breaks only",
                )
            } else {
                (
                    "the two trim or join it differently",
                    "write the value on one line",
                )
            };
            let key = if ini::is_valid_name(&o.key) && o.key.len() <= 40 {
                format!("`{}`", o.key)
            } else {
                "this key".into()
            };
            self.push(
                Severity::Warning,
                Code::CliSdkDifference,
                format!("the AWS CLI reads another value for {key} than the SDKs: {why}"),
                Some(format!("{}:{}", f.path.display(), o.line)),
                Some(fix.into()),
            );
        }
    }

    /// `[DEFAULT]`: the AWS CLI's defaults for every section; the SDKs' ignored section
    /// (config file) or profile `DEFAULT` (credentials file).
    fn default_section(&mut self, f: &Loaded) {
        let Some(&line) = f.cli.default_lines.first() else {
            return;
        };
        let keys: Vec<String> = f
            .cli
            .defaults
            .iter()
            .map(|o| format!("`{}`", o.key))
            .collect();
        let keys = if keys.is_empty() {
            "none: it is empty".to_string()
        } else {
            keys.join(", ")
        };
        let profiles = f.cli.map(f.kind, false).len();
        let sessions = f.cli.map(f.kind, true).len();
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let (message, fix) = match f.kind {
            FileKind::Config => (
                format!(
                    "`[DEFAULT]` is no profile: the SDKs ignore it, but the AWS CLI (Python's configparser) gives its keys ({keys}) to every section of this file that does not set them itself ({}, {}), so the two see different settings",
                    count(profiles, "profile"),
                    count(sessions, "sso-session")
                ),
                "copy each setting into the sections that need it (the default profile is `[default]`), then delete `[DEFAULT]`; renaming it `[profile DEFAULT]` would change what the AWS CLI reads",
            ),
            FileKind::Credentials => (
                format!(
                    "the SDKs read `[DEFAULT]` as a profile named `DEFAULT`, but the AWS CLI (Python's configparser) has no such profile: it gives its keys ({keys}) to every other profile of this file that does not set them ({}), over the config file's values",
                    count(profiles, "profile")
                ),
                "for the default profile write `[default]`; otherwise copy each setting into the profiles that need it and delete `[DEFAULT]`",
            ),
        };
        self.push(
            Severity::Warning,
            Code::CliDefaultSection,
            message,
            Some(format!("{}:{line}", f.path.display())),
            Some(fix.into()),
        );
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
        WarningKind::ColonInKey => (
            Severity::Warning,
            Code::CliSdkDifference,
            "rename the key without `:`",
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
            "[default]\nregion = a\n[profile default]\nregion = b # c\nregion = d\nmy_comment = 1\nmy_comment = 2\ns3:x = 1\n",
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
                "cli-sdk-difference",
                "default-twice",
                "duplicate-key",
                "duplicate-key"
            ]
        );
    }
}

//! Doctor's check of each section header: what the SDKs read there against what the AWS
//! CLI (botocore, through Python's `configparser`) reads there.

use super::differences::CLI_SECTIONS;
use super::files::Loaded;
use super::{Code, Doctor, Severity, sanitize_name};
use crate::aws::ini::cli::{self, Named};
use crate::aws::ini::{self, FileKind, WarningKind};

impl Doctor<'_> {
    /// Each header the SDKs read, against what the AWS CLI reads there.
    pub(super) fn headers(&mut self, f: &Loaded, lines: &[&str], cli_profiles: &[String]) {
        let shown = f.path.display().to_string();
        for (n, raw) in &f.cli.headers {
            let Some(line) = lines.get(n - 1) else { break };
            let Some(sdk) = ini::sdk_reading(f.kind, line) else {
                continue;
            };
            let cli = cli::named(f.kind, raw);
            if cli == Named::Defaults || sdk == cli && sdk != Named::Other {
                continue;
            }
            let written = line.trim();
            let loc = Some(format!("{shown}:{n}"));
            match (&sdk, &cli) {
                (Named::Other, Named::Profile(c) | Named::Session(c)) => {
                    let word = if matches!(cli, Named::Profile(_)) {
                        "a profile"
                    } else {
                        "an sso-session"
                    };
                    let (msg, fix) = match (f.kind, ini::meant(f.kind, written_name(written))) {
                        (FileKind::Credentials, Some(m)) => (
                            format!(
                                "the SDKs ignore `{written}` in the credentials file, where sections are bare names, but the AWS CLI reads it as a profile named `{c}`"
                            ),
                            format!("write `{}`", m.header),
                        ),
                        (FileKind::Credentials, None) => (
                            format!(
                                "the SDKs ignore `{written}` (an invalid name), but the AWS CLI reads it as a profile named `{c}`"
                            ),
                            format!("rename it to `[{}]`", sanitize_name(c)),
                        ),
                        (FileKind::Config, _) => {
                            let prefix = if word == "a profile" {
                                "profile"
                            } else {
                                "sso-session"
                            };
                            (
                                format!(
                                    "the SDKs ignore `{written}`, but the AWS CLI reads it as {word} named `{c}`"
                                ),
                                format!("write `[{prefix} {}]`", sanitize_name(c)),
                            )
                        }
                    };
                    self.push(
                        Severity::Warning,
                        Code::CliReadsIgnoredSection,
                        msg,
                        loc,
                        Some(fix),
                    );
                }
                (Named::Other, Named::Services(_)) => {}
                (Named::Other, _) => {
                    if f.kind == FileKind::Config && CLI_SECTIONS.contains(&raw.as_str()) {
                        continue;
                    }
                    let name = written_name(written);
                    let message = f
                        .parsed
                        .warnings
                        .iter()
                        .find(|w| w.kind == WarningKind::IgnoredSection && w.loc.line == *n)
                        .map_or_else(
                            || format!("section `{written}` is ignored by the SDKs and the AWS CLI alike"),
                            |w| w.message.clone(),
                        );
                    let fix = match ini::meant(f.kind, name) {
                        Some(m) => format!("write `{}`", m.header),
                        None if ini::is_valid_name(name) && name != "DEFAULT" => {
                            format!("write `[profile {name}]` (or delete the section)")
                        }
                        None => "rename the section using only A-Z a-z 0-9 _ - / . % @ : +, or delete it".into(),
                    };
                    self.push(
                        Severity::Warning,
                        Code::IgnoredSection,
                        message,
                        loc,
                        Some(fix),
                    );
                }
                (Named::Profile(p) | Named::Session(p), _) => {
                    let session = matches!(sdk, Named::Session(_));
                    let what = if session { "sso-session" } else { "profile" };
                    let cli_reads = match &cli {
                        Named::Profile(c) => format!("a profile named `{c}`"),
                        Named::Session(c) => format!("an sso-session named `{c}`"),
                        _ => format!("a section named `{raw}`, which is no {what}"),
                    };
                    let effect = if session {
                        format!(
                            "; profiles that use it fail in the AWS CLI with \"The specified sso-session does not exist: \"{p}\"\""
                        )
                    } else if cli_profiles.contains(p) {
                        format!("; the AWS CLI reads profile `{p}` only from its other section")
                    } else {
                        format!(
                            "; `aws --profile {p}` fails with \"The config profile ({p}) could not be found\""
                        )
                    };
                    let header = match (f.kind, session) {
                        (FileKind::Credentials, _) => format!("[{p}]"),
                        (FileKind::Config, true) => format!("[sso-session {p}]"),
                        (FileKind::Config, false) if p == "default" => "[default]".into(),
                        (FileKind::Config, false) => format!("[profile {p}]"),
                    };
                    self.push(
                        Severity::Warning,
                        Code::CliMissesSection,
                        format!(
                            "the SDKs read `{written}` as {what} `{p}`, but the AWS CLI, which takes the name from the exact text between the brackets, reads {cli_reads}{effect}"
                        ),
                        loc,
                        Some(if raw.contains(']') {
                            format!("write `{header}`, and keep `]` out of the comment after it")
                        } else {
                            format!("write `{header}`, without spaces just inside the brackets")
                        }),
                    );
                }
                _ => {}
            }
        }
    }
}

/// The name between the brackets of a header line as the SDKs take it (trimmed, the
/// comment after `]` cut).
fn written_name(line: &str) -> &str {
    let cut = line.find(['#', ';']).unwrap_or(line.len());
    let head = line[..cut].trim_end();
    head.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(head)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_written() {
        assert_eq!(written_name("[ profile a ] # c"), "profile a");
        assert_eq!(written_name("[profile \"a b\"]"), "profile \"a b\"");
    }
}

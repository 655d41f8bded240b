//! `awsp doctor`: explain what is wrong with the setup, and the exact fix.
//!
//! Every check produces [`Finding`]s; nothing here stops at the first problem. A file that
//! cannot be read or parsed is itself a finding, and the other checks go on with what could
//! be read. Exit status: 1 when any finding is an error, else 0.
//!
//! `awsp doctor --json` prints one JSON array, errors first, then warnings, then infos (in
//! check order within a severity). Each element has exactly these keys:
//!
//! | key        | type           | meaning                                                     |
//! |------------|----------------|-------------------------------------------------------------|
//! | `severity` | string         | `"error"`, `"warning"` or `"info"`                          |
//! | `code`     | string         | stable kebab-case id of the check, e.g. `sso-session-missing` |
//! | `message`  | string         | what is wrong, in one sentence or two                       |
//! | `location` | string or null | `FILE:LINE`, a file path, or the variable name(s) involved  |
//! | `fix`      | string or null | the exact command to run or edit to make                    |
//!
//! Every code, with when it is reported, is in [`Code`]; README.md lists them too.
//!
//! Secret values (keys, session tokens, SSO tokens) never appear in a finding: variables
//! and properties are named, not shown.
//!
//! The checks live in one module per family: `files` and `differences` (the AWS files
//! themselves), `profiles`, `environment`, `tokens` (the SSO token cache) and `tools` (the
//! AWS CLI, awsp itself and the shell hook).

mod codes;
mod differences;
mod environment;
mod files;
mod headers;
mod profiles;
mod tokens;
mod tools;

use std::io::Write;

use serde_json::json;

pub use self::codes::Code;
use crate::aws::Config;
use crate::aws::ini::FileKind;
use crate::cli::{JsonArg, Shell};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::sanitize::shown;
use crate::style::{self, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub location: Option<String>,
    pub fix: Option<String>,
}

impl Finding {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "severity": self.severity.name(),
            "code": self.code.as_str(),
            "message": self.message,
            "location": self.location,
            "fix": self.fix,
        })
    }
}

pub fn run(args: &JsonArg, env: &Env) -> Result<()> {
    let findings = diagnose(env);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let arr: Vec<_> = findings.iter().map(Finding::to_json).collect();
        crate::sanitize::write_json(&mut out, &arr, true)?;
        writeln!(out)?;
    } else {
        write_human(&mut out, &findings, Style::stdout(env))?;
    }
    out.flush()?;
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(Error::Silent(1));
    }
    Ok(())
}

fn write_human(out: &mut impl Write, findings: &[Finding], st: Style) -> std::io::Result<()> {
    for f in findings {
        let color = match f.severity {
            Severity::Error => style::RED,
            Severity::Warning => style::YELLOW,
            Severity::Info => style::CYAN,
        };
        writeln!(
            out,
            "{}{} {}",
            st.paint(&format!("{color};{}", style::BOLD), f.severity.name()),
            st.paint(style::DIM, &format!("[{}]", f.code.as_str())),
            shown(&f.message)
        )?;
        if let Some(l) = &f.location {
            writeln!(out, "  {} {}", st.paint(style::DIM, "at: "), shown(l))?;
        }
        if let Some(fix) = &f.fix {
            // A fix's line breaks are doctor's own; each line is shown safe.
            let fix: Vec<_> = fix.split('\n').map(shown).collect();
            let fix = fix.join("\n       ");
            writeln!(out, "  {} {fix}", st.paint(style::GREEN, "fix:"))?;
        }
        writeln!(out)?;
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if findings.is_empty() {
        writeln!(out, "{}", st.paint(style::GREEN, "No problems found."))?;
    } else {
        writeln!(
            out,
            "{}, {}, {}",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Info), "info")
        )?;
    }
    Ok(())
}

/// Runs every check. Reads the files and token cache, and runs `aws --version`.
pub fn diagnose(env: &Env) -> Vec<Finding> {
    let mut d = Doctor {
        env,
        shell: detect_shell(env),
        findings: Vec::new(),
    };
    let cfg = d.load(env.config_file(), FileKind::Config, "AWS_CONFIG_FILE");
    let creds = d.load(
        env.credentials_file(),
        FileKind::Credentials,
        "AWS_SHARED_CREDENTIALS_FILE",
    );
    // With a file only partly read, "X does not exist" may be false: X may be further down.
    let complete = !cfg.broken && !creds.broken;
    if !cfg.exists && !creds.exists && !cfg.broken && !creds.broken {
        d.push(
            Severity::Info,
            Code::NoAwsFiles,
            format!(
                "there is no AWS config file ({}) and no credentials file ({})",
                cfg.path.display(),
                creds.path.display()
            ),
            None,
            Some(
                "`aws configure sso` (IAM Identity Center) or `aws configure` (access keys)".into(),
            ),
        );
    }
    d.differences([&cfg, &creds]);
    d.permissions(&cfg);
    d.permissions(&creds);
    let mut config = Config::merge(cfg.parsed, creds.parsed);
    config.config_path = cfg.path;
    config.credentials_path = creds.path;

    d.sso_profiles(&config, complete, &cfg.cli);
    d.sso_sessions(&config);
    d.chains(&config, complete);
    // The profiles the AWS CLI finds, from the files it can read, with where.
    let mut cli_profiles = std::collections::BTreeMap::new();
    for (f, kind) in [
        (&cfg.cli, FileKind::Config),
        (&creds.cli, FileKind::Credentials),
    ] {
        if f.readable() {
            for (name, i) in f.map(kind, false) {
                let path = match kind {
                    FileKind::Config => &config.config_path,
                    FileKind::Credentials => &config.credentials_path,
                };
                let at = format!("{}:{}", path.display(), f.sections[i].line);
                cli_profiles.entry(name).or_insert(at);
            }
        }
    }
    d.environment(&config, complete, &cli_profiles);
    let resolved = config.resolve_all();
    d.tokens(&config, &resolved);
    d.aws_cli(&config, &resolved);
    d.hook(&config, complete);

    let mut findings = d.findings;
    findings.sort_by_key(|f| f.severity);
    findings
}

struct Doctor<'a> {
    env: &'a Env,
    shell: Shell,
    findings: Vec<Finding>,
}

impl Doctor<'_> {
    fn push(
        &mut self,
        severity: Severity,
        code: Code,
        message: String,
        location: Option<String>,
        fix: Option<String>,
    ) {
        self.findings.push(Finding {
            severity,
            code,
            message,
            location,
            fix,
        });
    }
}

/// The shell the person most likely uses, for the commands in fixes: the one `$SHELL`
/// names; PowerShell on Windows, which sets no SHELL; else bash.
fn detect_shell(env: &Env) -> Shell {
    match env.get("SHELL").unwrap_or("") {
        "" if env.is_windows() => Shell::Powershell,
        sh => Shell::from_shell_var(sh).unwrap_or(Shell::Bash),
    }
}

/// A valid name close to `name`: invalid characters become `-`.
pub(super) fn sanitize_name(name: &str) -> String {
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

/// The command that removes `vars` from the environment of `shell`.
fn unset_cmd(shell: Shell, vars: &[&str]) -> String {
    shell.syntax().unset(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(sanitize_name("a b\"c"), "a-b-c");
        assert_eq!(sanitize_name("café"), "caf");
    }

    #[test]
    fn unset_speaks_the_shell() {
        assert_eq!(unset_cmd(Shell::Bash, &["A", "B"]), "unset A B");
        assert_eq!(
            unset_cmd(Shell::Fish, &["A", "B"]),
            "set -e -g A; set -e -g B"
        );
        assert_eq!(unset_cmd(Shell::Powershell, &["A"]), "$env:A = $null");
        assert_eq!(unset_cmd(Shell::Nu, &["A"]), "hide-env -i A");
    }

    #[test]
    fn human_output_has_no_colour_when_disabled() {
        let f = Finding {
            severity: Severity::Error,
            code: Code::ParseError,
            message: "m".into(),
            location: Some("f:1".into()),
            fix: Some("a\nb".into()),
        };
        let mut out = Vec::new();
        write_human(&mut out, &[f], Style { enabled: false }).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "error[parse-error] m\n  at:  f:1\n  fix: a\n       b\n\n1 error, 0 warnings, 0 infos\n"
        );
    }
}

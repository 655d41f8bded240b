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
//! Secret values (keys, session tokens, SSO tokens) never appear in a finding: variables
//! and properties are named, not shown.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use crate::aws::ini::{self, FileKind, Loc, ParsedFile, Warning};
use crate::aws::model::MAX_FILE_BYTES;
use crate::aws::{Config, Kind, Profile, TokenCache, TokenKey, TokenState};
use crate::cli::{JsonArg, Shell};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::sanitize::shown;
use crate::style::{self, Style};

const INSTALL_URL: &str =
    "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";
/// How long `aws --version` may take before doctor gives up on it.

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
    pub code: &'static str,
    pub message: String,
    pub location: Option<String>,
    pub fix: Option<String>,
}

impl Finding {
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "severity": self.severity.name(),
            "code": self.code,
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
            st.paint(style::DIM, &format!("[{}]", f.code)),
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
            "no-aws-files",
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
    d.permissions(&cfg);
    d.permissions(&creds);
    let mut config = Config::merge(cfg.parsed, creds.parsed);
    config.config_path = cfg.path;
    config.credentials_path = creds.path;

    d.sso_profiles(&config, complete);
    d.sso_sessions(&config);
    d.chains(&config, complete);
    d.environment(&config, complete);
    let resolved = config.resolve_all();
    d.tokens(&config, &resolved);
    d.aws_cli(&config, &resolved);
    d.hook();

    let mut findings = d.findings;
    findings.sort_by_key(|f| f.severity);
    findings
}

struct Doctor<'a> {
    env: &'a Env,
    shell: Shell,
    findings: Vec<Finding>,
}

/// One file as doctor saw it.
struct Loaded {
    path: PathBuf,
    kind: FileKind,
    exists: bool,
    /// Unreadable, or parsed only up to an error: absence checks are not trustworthy.
    broken: bool,
    /// Names a secret key anywhere, even in a section the parser ignored.
    has_secrets: bool,
    parsed: ParsedFile,
}

impl Doctor<'_> {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
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

    // ---- files -------------------------------------------------------------------------

    fn load(&mut self, path: PathBuf, kind: FileKind, var: &str) -> Loaded {
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
                        "file-missing",
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
                    "file-too-large",
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
                    "file-not-utf8",
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
                    "file-unreadable",
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
        let headers = scan_headers(&lines[..usable]);
        self.file_findings(&loaded, &headers);
        loaded
    }

    fn parse_error(&mut self, e: &ini::ParseError, line: &str, kind: FileKind) {
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
                "colon-separator",
                format!(
                    "`{key}: …` uses `:`; the AWS CLI accepts that, but the SDKs (and awsp) reject the file{later}"
                ),
                loc,
                Some(format!("write `{key} = …` instead of `{key}: …`")),
            );
            return;
        }
        let fix = if e.message == ini::BOM {
            format!("remove the mark: sed -i '1s/^\\xEF\\xBB\\xBF//' {}", e.loc.file.display())
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
            "parse-error",
            format!("{}{later}", e.message),
            loc,
            Some(fix),
        );
    }

    /// Ignored sections and properties, duplicate sections, and the places where the AWS
    /// CLI (botocore) reads the file differently from the SDKs (GUIDE §4).
    fn file_findings(&mut self, f: &Loaded, headers: &[(usize, String)]) {
        let shown = f.path.display().to_string();
        let at = |line: usize| format!("{shown}:{line}");
        let header_at: HashMap<usize, &str> =
            headers.iter().map(|(n, s)| (*n, s.as_str())).collect();

        for w in &f.parsed.warnings {
            let Some(name) = header_at.get(&w.loc.line) else {
                self.push(
                    Severity::Warning,
                    "ignored-property",
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
                        "cli-reads-ignored-section",
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
                        "cli-reads-ignored-section",
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
                        "ignored-section",
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
        for (line, name) in headers {
            match first.get(name.as_str()) {
                None => {
                    first.insert(name, *line);
                }
                Some(&first_line) => self.push(
                    Severity::Error,
                    "duplicate-section",
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

    /// A file holding secrets must be readable by its owner only.
    fn permissions(&mut self, f: &Loaded) {
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
            "credentials-permissions",
            format!("{shown} {what} and has mode {mode:03o}: {who} can access it"),
            Some(shown.clone()),
            Some(format!("chmod 600 {}", crate::login::shell_word(&shown))),
        );
    }

    // ---- profiles ----------------------------------------------------------------------

    fn sso_profiles(&mut self, config: &Config, complete: bool) {
        let cfg_shown = config.config_path.display().to_string();
        for (name, raw) in &config.profiles {
            let get = |k: &str| raw.get(k).filter(|v| !v.is_empty());
            let at = |k: &str| {
                raw.props
                    .get(k)
                    .map(|p| p.loc.to_string())
                    .or_else(|| raw.locs.first().map(Loc::to_string))
            };
            let header = raw.locs.first().map(Loc::to_string);
            let has_legacy = get("sso_start_url").is_some() || get("sso_region").is_some();
            if let Some(session_name) = get("sso_session") {
                match config.sso_sessions.get(session_name) {
                    None if complete => {
                        let near = crate::suggest::closest(
                            session_name,
                            config.sso_sessions.keys().map(String::as_str),
                        );
                        let fix = match near.as_slice() {
                            [one] => format!(
                                "change it to `sso_session = {one}` (an [sso-session {one}] block exists)"
                            ),
                            [] => format!(
                                "add to {cfg_shown}:\n[sso-session {session_name}]\nsso_start_url = https://YOUR-PORTAL.awsapps.com/start\nsso_region = REGION-OF-IDENTITY-CENTER\n(or run `aws configure sso-session`)"
                            ),
                            many => format!(
                                "change it to one of the sessions that exist: {}",
                                many.join(", ")
                            ),
                        };
                        self.push(
                            Severity::Error,
                            "sso-session-missing",
                            format!(
                                "profile `{name}` uses sso_session `{session_name}`, but there is no [sso-session {session_name}] block; the AWS CLI fails with \"Missing the following required SSO configuration values: sso_start_url, sso_region\""
                            ),
                            at("sso_session"),
                            Some(fix),
                        );
                    }
                    None => {}
                    Some(session) => {
                        if has_legacy {
                            let mut conflicts = Vec::new();
                            for k in ["sso_start_url", "sso_region"] {
                                if let (Some(mine), Some(theirs)) =
                                    (get(k), session.get(k).filter(|v| !v.is_empty()))
                                    && mine != theirs
                                {
                                    conflicts.push(k);
                                }
                            }
                            let keys: Vec<&str> = ["sso_start_url", "sso_region"]
                                .into_iter()
                                .filter(|k| get(k).is_some())
                                .collect();
                            let (severity, msg) = if conflicts.is_empty() {
                                (
                                    Severity::Warning,
                                    format!(
                                        "profile `{name}` mixes both SSO styles: it uses sso_session `{session_name}` and also sets {} itself (the same values, so it works, but the two copies can drift apart)",
                                        keys.join(" and ")
                                    ),
                                )
                            } else {
                                (
                                    Severity::Error,
                                    format!(
                                        "profile `{name}` mixes both SSO styles: its {} differs from sso-session `{session_name}`'s; the AWS CLI refuses it (\"inconsistent with the value provided for the sso_session\")",
                                        conflicts.join(" and ")
                                    ),
                                )
                            };
                            self.push(
                                severity,
                                "sso-mixed-styles",
                                msg,
                                at(keys[0]),
                                Some(format!(
                                    "delete the {} line(s) from [profile {name}]; the sso-session holds them",
                                    keys.join(" and ")
                                )),
                            );
                        }
                        let missing: Vec<&str> = ["sso_account_id", "sso_role_name"]
                            .into_iter()
                            .filter(|k| get(k).is_none())
                            .collect();
                        if !missing.is_empty() && get("role_arn").is_none() {
                            self.push(
                                Severity::Warning,
                                "sso-incomplete",
                                format!(
                                    "profile `{name}` has no {}: it can log in, but cannot get credentials",
                                    missing.join(" or ")
                                ),
                                header,
                                Some(format!(
                                    "add {} under [profile {name}] (or run `aws configure sso --profile {name}`)",
                                    missing
                                        .iter()
                                        .map(|k| format!("`{k} = …`"))
                                        .collect::<Vec<_>>()
                                        .join(" and ")
                                )),
                            );
                        }
                    }
                }
                continue;
            }
            let is_legacy = [
                "sso_start_url",
                "sso_region",
                "sso_account_id",
                "sso_role_name",
            ]
            .iter()
            .any(|k| get(k).is_some());
            if !is_legacy {
                continue;
            }
            let missing: Vec<&str> = [
                "sso_start_url",
                "sso_region",
                "sso_account_id",
                "sso_role_name",
            ]
            .into_iter()
            .filter(|k| get(k).is_none())
            .collect();
            if !missing.is_empty() {
                self.push(
                    Severity::Error,
                    "sso-incomplete",
                    format!(
                        "legacy SSO profile `{name}` lacks {}; the AWS CLI fails with \"Missing the following required SSO configuration values: {}\"",
                        missing.join(" and "),
                        missing.join(", ")
                    ),
                    header,
                    Some(format!(
                        "add {} under [profile {name}], or move to an sso-session with `aws configure sso --profile {name}`",
                        missing
                            .iter()
                            .map(|k| format!("`{k} = …`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )),
                );
            }
        }
    }

    fn sso_sessions(&mut self, config: &Config) {
        for (name, s) in &config.sso_sessions {
            let missing: Vec<&str> = ["sso_start_url", "sso_region"]
                .into_iter()
                .filter(|k| s.get(k).is_none_or(str::is_empty))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let example = |k: &str| match k {
                "sso_start_url" => "`sso_start_url = https://YOUR-PORTAL.awsapps.com/start`",
                _ => "`sso_region = REGION-OF-IDENTITY-CENTER` (e.g. us-east-1)",
            };
            self.push(
                Severity::Error,
                "sso-session-incomplete",
                format!(
                    "[sso-session {name}] lacks {}; no profile using it can log in (\"Missing the following required SSO configuration values: {}\")",
                    missing.join(" and "),
                    missing.join(", ")
                ),
                s.locs.first().map(Loc::to_string),
                Some(format!(
                    "add {} under [sso-session {name}]",
                    missing
                        .iter()
                        .map(|k| example(k))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )),
            );
        }
    }

    /// `role_arn` profiles: a source, no cycle, no missing link.
    fn chains(&mut self, config: &Config, complete: bool) {
        for (name, raw) in &config.profiles {
            let get = |k: &str| raw.get(k).filter(|v| !v.is_empty());
            let at = |k: &str| raw.props.get(k).map(|p| p.loc.to_string());
            if get("role_arn").is_none() || get("web_identity_token_file").is_some() {
                continue;
            }
            match (get("source_profile"), get("credential_source")) {
                (None, None) => self.push(
                    Severity::Error,
                    "role-without-source",
                    format!(
                        "profile `{name}` has role_arn but neither source_profile nor credential_source, so nothing can assume the role"
                    ),
                    at("role_arn"),
                    Some(format!(
                        "add `source_profile = PROFILE-WITH-CREDENTIALS` under [profile {name}]"
                    )),
                ),
                (Some(_), Some(_)) => self.push(
                    Severity::Error,
                    "role-source-conflict",
                    format!(
                        "profile `{name}` sets both source_profile and credential_source; the SDKs refuse a profile with both"
                    ),
                    at("credential_source"),
                    Some("delete one of the two lines".into()),
                ),
                (Some(src), None) if complete && !config.profiles.contains_key(src) => {
                    let near = crate::suggest::closest(src, config.names());
                    self.push(
                        Severity::Error,
                        "source-profile-missing",
                        format!(
                            "profile `{name}` takes its credentials from source_profile `{src}`, which does not exist"
                        ),
                        at("source_profile"),
                        Some(match near.first() {
                            Some(n) => format!("change it to `source_profile = {n}`"),
                            None => format!("create a profile `{src}`, or point source_profile at an existing one (`awsp list`)"),
                        }),
                    );
                }
                _ => {}
            }
        }
        // Each profile has at most one source: walk the links, colouring as we go.
        let next = |n: &str| -> Option<&str> {
            let raw = config.profiles.get(n)?;
            raw.get("role_arn").filter(|v| !v.is_empty())?;
            let src = raw.get("source_profile").filter(|v| !v.is_empty())?;
            // A profile may name itself to use its own static keys for the role.
            if src == n && raw.get("aws_access_key_id").is_some() {
                return None;
            }
            config.profiles.contains_key(src).then_some(src)
        };
        let mut done: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for start in config.names() {
            let mut path: Vec<&str> = Vec::new();
            let mut at: HashMap<&str, usize> = HashMap::new();
            let mut cur = Some(start);
            while let Some(c) = cur {
                if done.contains(c) {
                    break;
                }
                if let Some(&i) = at.get(c) {
                    let cycle = &path[i..];
                    let first = cycle.iter().min().copied().unwrap_or(c);
                    let rot = cycle.iter().position(|p| *p == first).unwrap_or(0);
                    let mut shown: Vec<&str> = cycle[rot..].to_vec();
                    shown.extend(&cycle[..rot]);
                    let text = if shown.len() > 8 {
                        format!(
                            "{} -> … -> {} -> {first} ({} profiles)",
                            shown[..3].join(" -> "),
                            shown[shown.len() - 1],
                            shown.len()
                        )
                    } else {
                        shown.push(first);
                        shown.join(" -> ")
                    };
                    self.push(
                        Severity::Error,
                        "source-profile-cycle",
                        format!(
                            "source_profile cycle: {text}; no credentials can be found for any of them"
                        ),
                        config.loc(first, "source_profile").map(Loc::to_string),
                        Some(format!(
                            "point one of them (e.g. `{first}`) at a profile with its own credentials (SSO, static keys or credential_source)"
                        )),
                    );
                    break;
                }
                at.insert(c, path.len());
                path.push(c);
                cur = next(c);
            }
            done.extend(path);
        }
    }

    // ---- environment -------------------------------------------------------------------

    fn environment(&mut self, config: &Config, complete: bool) {
        let env = self.env;
        for var in env.not_utf8_vars() {
            if !var.starts_with("AWS_") && !var.starts_with("AWSP_") {
                continue;
            }
            self.push(
                Severity::Error,
                "env-not-utf8",
                format!("{var} is set, but its value is not valid UTF-8; awsp and the AWS tools cannot use it"),
                Some(var.clone()),
                Some(unset_cmd(self.shell, &[var.as_str()])),
            );
        }
        let profile_var = env.get("AWS_PROFILE");
        let default_var = env.get("AWS_DEFAULT_PROFILE");
        // Fixes suggest a switch only to a profile that exists.
        let selected = profile_var
            .or(default_var)
            .filter(|p| config.profiles.contains_key(*p));

        let id = env.is_set("AWS_ACCESS_KEY_ID");
        let secret = env.is_set("AWS_SECRET_ACCESS_KEY");
        let tokens: Vec<&str> = ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]
            .into_iter()
            .filter(|v| env.is_set(v))
            .collect();
        let mut key_vars: Vec<&str> = Vec::new();
        if id {
            key_vars.push("AWS_ACCESS_KEY_ID");
        }
        if secret {
            key_vars.push("AWS_SECRET_ACCESS_KEY");
        }
        key_vars.extend(&tokens);
        let clear = match selected {
            Some(p) => format!(
                "`awsp {p}` (a switch clears them), or `{}`",
                unset_cmd(self.shell, &key_vars)
            ),
            None => format!("`{}`", unset_cmd(self.shell, &key_vars)),
        };
        if id && secret {
            match profile_var.or(default_var) {
                Some(p) => self.push(
                    Severity::Error,
                    "env-keys-override",
                    format!(
                        "{} set in the environment: the AWS CLI and every SDK use those keys and silently ignore profile `{p}`",
                        are(&key_vars)
                    ),
                    Some(key_vars.join(", ")),
                    Some(clear),
                ),
                None => self.push(
                    Severity::Warning,
                    "env-keys-override",
                    format!(
                        "{} set in the environment: they are used instead of any profile",
                        are(&key_vars)
                    ),
                    Some(key_vars.join(", ")),
                    Some(format!("{clear} when you want profiles to apply")),
                ),
            }
        } else if id || secret {
            let missing = if id {
                "AWS_SECRET_ACCESS_KEY"
            } else {
                "AWS_ACCESS_KEY_ID"
            };
            self.push(
                Severity::Error,
                "env-keys-partial",
                format!(
                    "{} set without {missing}: botocore and the AWS CLI v1 fail with \"Partial credentials found in env\"",
                    are(&key_vars)
                ),
                Some(key_vars.join(", ")),
                Some(clear),
            );
        } else if !tokens.is_empty() {
            self.push(
                Severity::Warning,
                "env-keys-partial",
                format!(
                    "{} set without access keys: a leftover from an earlier session, ignored by the SDKs",
                    are(&tokens)
                ),
                Some(tokens.join(", ")),
                Some(clear),
            );
        }

        if let (Some(p), Some(d)) = (profile_var, default_var)
            && p != d
        {
            self.push(
                Severity::Error,
                "default-profile-mismatch",
                format!(
                    "AWS_PROFILE is `{p}` but AWS_DEFAULT_PROFILE is `{d}`: the AWS CLI v2 and most SDKs use `{p}`, while boto3/botocore and the AWS CLI v1 use `{d}`"
                ),
                Some("AWS_PROFILE, AWS_DEFAULT_PROFILE".into()),
                Some(format!(
                    "`awsp {p}` (a switch clears AWS_DEFAULT_PROFILE), or `{}`",
                    unset_cmd(self.shell, &["AWS_DEFAULT_PROFILE"])
                )),
            );
        }

        if let (Some(r), Some(d)) = (env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"))
            && r != d
        {
            self.push(
                Severity::Warning,
                "region-mismatch",
                format!(
                    "AWS_REGION is `{r}` but AWS_DEFAULT_REGION is `{d}`: the AWS CLI v2 and most SDKs use `{r}`, while boto3/botocore and the AWS CLI v1 use `{d}`"
                ),
                Some("AWS_REGION, AWS_DEFAULT_REGION".into()),
                Some(match selected {
                    Some(p) => format!(
                        "`awsp {p}` (a switch sets both from the profile), or `{}`",
                        set_cmd(self.shell, "AWS_DEFAULT_REGION", r)
                    ),
                    None => format!("`{}`", set_cmd(self.shell, "AWS_DEFAULT_REGION", r)),
                }),
            );
        }

        if complete {
            let mut seen = Vec::new();
            for (var, value) in [
                ("AWS_PROFILE", profile_var),
                ("AWS_DEFAULT_PROFILE", default_var),
            ] {
                let Some(v) = value else { continue };
                if seen.contains(&v) || config.profiles.contains_key(v) {
                    seen.push(v);
                    continue;
                }
                seen.push(v);
                let near = crate::suggest::closest(v, config.names());
                let fix = match near.first() {
                    Some(n) => format!("`awsp {n}`"),
                    None => format!(
                        "`awsp` to pick a profile, or `{}`",
                        unset_cmd(self.shell, &[var])
                    ),
                };
                self.push(
                    Severity::Error,
                    "profile-not-found",
                    format!(
                        "{var} is `{v}`, but no profile `{v}` exists in {} or {}",
                        config.config_path.display(),
                        config.credentials_path.display()
                    ),
                    Some(var.into()),
                    Some(fix),
                );
            }
        }
    }

    // ---- SSO tokens --------------------------------------------------------------------

    fn tokens(&mut self, config: &Config, resolved: &[Profile]) {
        let (active, _) = self.env.selected_profile();
        // Each token once, with the SSO profiles that log in through it.
        let mut users: BTreeMap<TokenKey, Vec<String>> = BTreeMap::new();
        for p in resolved {
            if !matches!(p.kind, Kind::Sso | Kind::SsoLegacy) {
                continue;
            }
            let Some(key) = p.token_key.clone() else {
                continue;
            };
            if let TokenKey::Session(s) = &key
                && !config.sso_sessions.contains_key(s)
            {
                continue; // reported as sso-session-missing
            }
            users.entry(key).or_default().push(p.name.clone());
        }
        let mut cache = TokenCache::new(self.env);
        for (key, profiles) in users {
            let state = cache.state(&key);
            let login_as = profiles
                .iter()
                .find(|p| **p == active)
                .unwrap_or(&profiles[0]);
            let location = match &key {
                TokenKey::Session(s) => config
                    .sso_sessions
                    .get(s)
                    .and_then(|s| s.locs.first())
                    .map(Loc::to_string),
                TokenKey::StartUrl(_) => config.loc(login_as, "sso_start_url").map(Loc::to_string),
            };
            let who = if profiles.len() == 1 {
                format!("profile {}", profiles[0])
            } else if profiles.len() <= 4 {
                format!("profiles {}", profiles.join(", "))
            } else {
                format!(
                    "profiles {} and {} more",
                    profiles[..3].join(", "),
                    profiles.len() - 3
                )
            };
            let fix = Some(format!("aws sso login --profile {login_as}"));
            let label = key.label();
            let (severity, code, msg) = match &state {
                TokenState::Valid { .. } | TokenState::Refreshable { .. } => continue,
                TokenState::Missing => (
                    Severity::Warning,
                    "sso-token-missing",
                    format!(
                        "no SSO login for {label} ({who}): {} does not exist",
                        key.cache_file(cache.dir()).display()
                    ),
                ),
                TokenState::Expired { expires_at } => (
                    Severity::Warning,
                    "sso-token-expired",
                    format!(
                        "the SSO login for {label} ({who}) expired {} ago, at {}",
                        crate::aws::sso::format_left(self.env.now - *expires_at),
                        expires_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                ),
                TokenState::Unreadable { reason } => (
                    Severity::Warning,
                    "sso-token-unreadable",
                    format!(
                        "the SSO token cache file for {label} ({who}) is unusable: {reason} ({})",
                        key.cache_file(cache.dir()).display()
                    ),
                ),
            };
            self.push(severity, code, msg, location, fix);
        }
    }

    // ---- tools -------------------------------------------------------------------------

    fn aws_cli(&mut self, config: &Config, resolved: &[Profile]) {
        let uses_sso =
            resolved.iter().any(|p| p.token_key.is_some()) || !config.sso_sessions.is_empty();
        // A custom login tool makes the AWS CLI optional for awsp.
        let custom_login = self.env.is_set("AWSP_LOGIN_COMMAND");
        let needed = uses_sso && !custom_login;
        let path = self.env.get("PATH").unwrap_or("");
        let Some(aws) = crate::login::find_in_path(path, "aws") else {
            self.push(
                if needed {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                "aws-cli-missing",
                if needed {
                    "the AWS CLI (`aws`) is not on PATH, so awsp cannot log in to SSO for you"
                        .into()
                } else {
                    "the AWS CLI (`aws`) is not on PATH".into()
                },
                Some("PATH".into()),
                Some(format!("install AWS CLI v2: {INSTALL_URL}")),
            );
            return;
        };
        let shown = aws.display().to_string();
        match crate::login::aws_version(&aws) {
            Ok(v) if v.contains("aws-cli/1.") => self.push(
                if needed {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                "aws-cli-v1",
                format!(
                    "{shown} is the AWS CLI v1 ({}), which has no `aws sso login` and does not read [sso-session] blocks",
                    first_line(&v)
                ),
                Some(shown),
                Some(format!(
                    "install AWS CLI v2 ({INSTALL_URL}) ahead of it on PATH"
                )),
            ),
            Ok(v) if v.contains("aws-cli/") => {}
            Ok(v) => self.push(
                Severity::Warning,
                "aws-cli-unknown",
                format!(
                    "`{shown} --version` printed `{}`, not an AWS CLI version",
                    first_line(&v)
                ),
                Some(shown),
                Some(format!("install AWS CLI v2: {INSTALL_URL}")),
            ),
            Err(why) => self.push(
                Severity::Warning,
                "aws-cli-unknown",
                format!("`{shown} --version` failed: {why}"),
                Some(shown),
                Some(format!("reinstall AWS CLI v2: {INSTALL_URL}")),
            ),
        }
    }

    /// The binary cannot see shell functions; what it can see is whether the variables the
    /// hook sets agree with `AWS_PROFILE`.
    fn hook(&mut self) {
        let env = self.env;
        let setup = match self.shell {
            Shell::Bash => "add `eval \"$(awsp init bash)\"` to ~/.bashrc",
            Shell::Zsh => "add `eval \"$(awsp init zsh)\"` to ~/.zshrc",
            Shell::Fish => "add `awsp init fish | source` to ~/.config/fish/config.fish",
            Shell::Powershell => {
                "add `Invoke-Expression (& awsp init powershell | Out-String)` to $PROFILE"
            }
        };
        if crate::login::find_in_path(env.get("PATH").unwrap_or(""), "awsp").is_none() {
            self.push(
                Severity::Warning,
                "awsp-not-on-path",
                "`awsp` is not on PATH, so the shell hook (which runs `command awsp`) cannot find the binary".into(),
                Some("PATH".into()),
                Some("put the directory holding `awsp` on PATH (e.g. `cargo install` puts it in ~/.cargo/bin)".into()),
            );
        }
        match (env.get("AWS_PROFILE"), env.get("AWSP_PROFILE")) {
            (Some(p), None) => self.push(
                Severity::Warning,
                "hook-not-loaded",
                format!(
                    "AWS_PROFILE is `{p}`, but awsp did not set it: either the awsp hook is not loaded in this shell, or AWS_PROFILE was set by hand; then stale keys are not cleared, `awsp -` and the prompt segment do not follow"
                ),
                Some("AWS_PROFILE, AWSP_PROFILE".into()),
                Some(format!(
                    "{setup}, open a new shell, then switch with `awsp {p}`"
                )),
            ),
            (Some(p), Some(a)) if p != a => self.push(
                Severity::Warning,
                "hook-not-loaded",
                format!(
                    "AWS_PROFILE is `{p}`, but awsp last switched this shell to `{a}`: AWS_PROFILE was changed without awsp (or the hook is not loaded in this shell)"
                ),
                Some("AWS_PROFILE, AWSP_PROFILE".into()),
                Some(format!("switch with `awsp {p}` (if that does not work, {setup})")),
            ),
            (None, None) => self.push(
                Severity::Info,
                "hook-unverified",
                "doctor cannot see shell functions, so it cannot tell whether the awsp hook is loaded in this shell (no switch has happened here yet)".into(),
                None,
                Some(format!("make sure your shell start-up file has it: {setup}")),
            ),
            _ => {}
        }
    }
}

// ---- helpers -----------------------------------------------------------------------------

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Config => "config",
        FileKind::Credentials => "credentials",
    }
}

/// How a parser-reported CLI difference is reported: severity, code, fix.
fn classify_difference(w: &Warning) -> (Severity, &'static str, &'static str) {
    let m = w.message.as_str();
    if m.contains("comment") {
        (
            Severity::Warning,
            "cli-inline-comment",
            "move the comment to a line of its own",
        )
    } else if m.contains("set twice") {
        (
            Severity::Error,
            "duplicate-key",
            "delete the earlier line (the SDKs already use this later one)",
        )
    } else if m.contains("[profile default]") {
        (
            Severity::Warning,
            "default-twice",
            "merge `[default]` into `[profile default]` and delete `[default]`",
        )
    } else if m.contains("key: value") {
        (
            Severity::Error,
            "colon-separator",
            "write `key = value` instead of `key: value`",
        )
    } else {
        (
            Severity::Warning,
            "cli-sdk-difference",
            "write it the way both read alike",
        )
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

fn are(vars: &[&str]) -> String {
    match vars {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

/// The shell the person most likely uses, for the commands in fixes.
fn detect_shell(env: &Env) -> Shell {
    let sh = env.get("SHELL").unwrap_or("");
    let base = sh.rsplit('/').next().unwrap_or(sh);
    match base {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "pwsh" | "powershell" | "pwsh.exe" | "powershell.exe" => Shell::Powershell,
        _ => Shell::Bash,
    }
}

fn unset_cmd(shell: Shell, vars: &[&str]) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => format!("unset {}", vars.join(" ")),
        Shell::Fish => vars
            .iter()
            .map(|v| format!("set -e {v}"))
            .collect::<Vec<_>>()
            .join("; "),
        Shell::Powershell => format!(
            "Remove-Item {}",
            vars.iter()
                .map(|v| format!("Env:{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn set_cmd(shell: Shell, var: &str, value: &str) -> String {
    let q = shell.quote(value).unwrap_or_else(|_| "VALUE".into());
    match shell {
        Shell::Bash | Shell::Zsh => format!("export {var}={q}"),
        Shell::Fish => format!("set -gx {var} {q}"),
        Shell::Powershell => format!("$env:{var} = {q}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, kind: FileKind) -> ParsedFile {
        ini::parse(text, kind, Arc::new("f".into())).unwrap()
    }

    /// Pins the parser's CLI-difference messages to their codes: if ini.rs rewords one,
    /// this fails instead of doctor silently reporting `cli-sdk-difference`.
    #[test]
    fn classifies_every_parser_difference() {
        let f = parse(
            "[default]\nregion = a\n[profile default]\nregion = b # c\nregion = d\n",
            FileKind::Config,
        );
        let mut codes: Vec<&str> = f
            .cli_differences
            .iter()
            .map(|w| classify_difference(w).1)
            .collect();
        codes.sort();
        assert_eq!(
            codes,
            ["cli-inline-comment", "default-twice", "duplicate-key"]
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

    #[test]
    fn fixes_speak_the_shell() {
        assert_eq!(unset_cmd(Shell::Bash, &["A", "B"]), "unset A B");
        assert_eq!(unset_cmd(Shell::Fish, &["A", "B"]), "set -e A; set -e B");
        assert_eq!(unset_cmd(Shell::Powershell, &["A"]), "Remove-Item Env:A");
        assert_eq!(set_cmd(Shell::Zsh, "R", "x'y"), r"export R='x'\''y'");
    }

    #[test]
    fn human_output_has_no_colour_when_disabled() {
        let f = Finding {
            severity: Severity::Error,
            code: "x-y",
            message: "m".into(),
            location: Some("f:1".into()),
            fix: Some("a\nb".into()),
        };
        let mut out = Vec::new();
        write_human(&mut out, &[f], Style { enabled: false }).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "error[x-y] m\n  at:  f:1\n  fix: a\n       b\n\n1 error, 0 warnings, 0 infos\n"
        );
    }
}

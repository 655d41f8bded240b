//! Doctor's tool checks: the AWS CLI on PATH and its version, awsp on PATH, and whether
//! the shell hook set `AWS_PROFILE`.

use super::{Code, Doctor, Severity};
use crate::aws::{Config, Kind, Profile};
use crate::awscli::{self, INSTALL_URL, Version};

impl Doctor<'_> {
    pub(super) fn aws_cli(&mut self, config: &Config, resolved: &[Profile]) {
        let uses_sso =
            resolved.iter().any(|p| p.token_key.is_some()) || !config.sso_sessions.is_empty();
        // awsp logs in to SSO itself unless told to use the AWS CLI; `aws login` sessions
        // are always renewed by the CLI.
        let sso_via_cli = uses_sso
            && !self.env.is_set(crate::login::COMMAND_VAR)
            && self.env.get(crate::login::WITH_VAR) == Some("aws-cli");
        let needed = sso_via_cli || resolved.iter().any(|p| p.kind == Kind::Login);
        let Some(aws) = awscli::find(self.env) else {
            self.push(
                if needed {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                Code::AwsCliMissing,
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
        match awscli::version(&aws) {
            Ok(Version::V1(first)) => self.push(
                if needed {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                Code::AwsCliV1,
                format!(
                    "{shown} is the AWS CLI v1 ({first}), which has no `aws sso login` and does not read [sso-session] blocks"
                ),
                Some(shown),
                Some(format!(
                    "install AWS CLI v2 ({INSTALL_URL}) ahead of it on PATH"
                )),
            ),
            Ok(Version::Current) => {}
            Ok(Version::NotAws(first)) => self.push(
                Severity::Warning,
                Code::AwsCliUnknown,
                format!("`{shown} --version` printed `{first}`, not an AWS CLI version"),
                Some(shown),
                Some(format!("install AWS CLI v2: {INSTALL_URL}")),
            ),
            Err(why) => self.push(
                Severity::Warning,
                Code::AwsCliUnknown,
                format!("`{shown} --version` failed: {why}"),
                Some(shown),
                Some(format!("reinstall AWS CLI v2: {INSTALL_URL}")),
            ),
        }
    }

    /// The binary cannot see shell functions; what it can see is whether the variables the
    /// hook sets agree with `AWS_PROFILE`. An `AWS_PROFILE` naming no profile is
    /// `profile-not-found`'s: awsp never switches to one, so it says nothing of the hook.
    pub(super) fn hook(&mut self, config: &Config, complete: bool) {
        let env = self.env;
        let (line, file) = self.shell.syntax().startup();
        let setup = format!("add `{line}` to {file}");
        if awscli::find_in_path(env.get("PATH").unwrap_or(""), "awsp").is_none() {
            self.push(
                Severity::Warning,
                Code::AwspNotOnPath,
                "`awsp` is not on PATH, so the shell hook (which runs `command awsp`) cannot find the binary".into(),
                Some("PATH".into()),
                Some("put the directory holding `awsp` on PATH (e.g. `cargo install` puts it in ~/.cargo/bin)".into()),
            );
        }
        let profile = env.get("AWS_PROFILE");
        if complete && profile.is_some_and(|p| !config.profiles.contains_key(p)) {
            return;
        }
        match (profile, env.get("AWSP_PROFILE")) {
            (Some(p), None) => self.push(
                Severity::Warning,
                Code::HookNotLoaded,
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
                Code::HookNotLoaded,
                format!(
                    "AWS_PROFILE is `{p}`, but awsp last switched this shell to `{a}`: AWS_PROFILE was changed without awsp (or the hook is not loaded in this shell)"
                ),
                Some("AWS_PROFILE, AWSP_PROFILE".into()),
                Some(format!("switch with `awsp {p}` (if that does not work, {setup})")),
            ),
            (None, None) => self.push(
                Severity::Info,
                Code::HookUnverified,
                "doctor cannot see shell functions, so it cannot tell whether the awsp hook is loaded in this shell (no switch has happened here yet)".into(),
                None,
                Some(format!("make sure your shell start-up file has it: {setup}")),
            ),
            _ => {}
        }
    }
}

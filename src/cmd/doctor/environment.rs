//! Doctor's environment checks: variables that are not UTF-8, access keys that override
//! profiles, profile and region variables that disagree, and a profile variable naming no
//! profile.

use std::collections::BTreeMap;

use super::{Code, Doctor, Severity, unset_cmd};
use crate::aws::Config;
use crate::cli::Shell;

impl Doctor<'_> {
    /// `cli_profiles`: the profiles the AWS CLI finds, with where it reads each.
    pub(super) fn environment(
        &mut self,
        config: &Config,
        complete: bool,
        cli_profiles: &BTreeMap<String, String>,
    ) {
        let env = self.env;
        for var in env.not_utf8_vars() {
            if !var.starts_with("AWS_") && !var.starts_with("AWSP_") {
                continue;
            }
            self.push(
                Severity::Error,
                Code::EnvNotUtf8,
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
                    Code::EnvKeysOverride,
                    format!(
                        "{} set in the environment: the AWS CLI and every SDK use those keys and silently ignore profile `{p}`",
                        are(&key_vars)
                    ),
                    Some(key_vars.join(", ")),
                    Some(clear),
                ),
                None => self.push(
                    Severity::Warning,
                    Code::EnvKeysOverride,
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
                Code::EnvKeysPartial,
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
                Code::EnvKeysPartial,
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
                Code::DefaultProfileMismatch,
                format!(
                    "AWS_PROFILE is `{p}` but AWS_DEFAULT_PROFILE is `{d}`: the AWS CLI v2 and most SDKs use `{p}`, while boto3/botocore and the AWS CLI v1 use `{d}`"
                ),
                Some("AWS_PROFILE, AWS_DEFAULT_PROFILE".into()),
                Some(if config.profiles.contains_key(p) {
                    format!(
                        "`awsp {p}` (a switch clears AWS_DEFAULT_PROFILE), or `{}`",
                        unset_cmd(self.shell, &["AWS_DEFAULT_PROFILE"])
                    )
                } else {
                    format!("`{}`", unset_cmd(self.shell, &["AWS_DEFAULT_PROFILE"]))
                }),
            );
        }

        if let (Some(r), Some(d)) = (env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"))
            && r != d
        {
            self.push(
                Severity::Warning,
                Code::RegionMismatch,
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
                // The AWS CLI may read a section the SDKs ignore as this profile.
                let cli = cli_profiles.get(v).map_or(String::new(), |at| {
                    format!(" for the SDKs (and awsp); the AWS CLI reads the section at {at} as it")
                });
                self.push(
                    Severity::Error,
                    Code::ProfileNotFound,
                    format!(
                        "{var} is `{v}`, but no profile `{v}` exists in {} or {}{cli}",
                        config.config_path.display(),
                        config.credentials_path.display()
                    ),
                    Some(var.into()),
                    Some(fix),
                );
            }
        }
    }
}

/// `A is` or `A, B are`, for a message naming `vars`.
fn are(vars: &[&str]) -> String {
    match vars {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    }
}

/// The command that sets `var` to `value` in `shell`.
fn set_cmd(shell: Shell, var: &str, value: &str) -> String {
    shell
        .syntax()
        .set(var, value)
        .unwrap_or_else(|_| shell.syntax().set(var, "VALUE").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_speak_the_shell() {
        assert_eq!(set_cmd(Shell::Zsh, "R", "x'y"), r"export R='x'\''y'");
        assert_eq!(set_cmd(Shell::Fish, "R", "x"), "set -gx R 'x'");
        assert_eq!(set_cmd(Shell::Elvish, "R", "a\nb"), "set-env R 'VALUE'");
        assert_eq!(are(&["A"]), "A is");
        assert_eq!(are(&["A", "B"]), "A, B are");
    }
}

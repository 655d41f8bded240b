//! Doctor's profile checks: SSO profiles and their sessions, `[sso-session]` blocks, and
//! `role_arn` profiles' `source_profile` chains.

use std::collections::{HashMap, HashSet};

use super::{Code, Doctor, Severity, sanitize_name};
use crate::aws::Config;
use crate::aws::ini::cli::CliFile;
use crate::aws::ini::{FileKind, Loc};

impl Doctor<'_> {
    /// `cli`: the config file as the AWS CLI reads it.
    pub(super) fn sso_profiles(&mut self, config: &Config, complete: bool, cli: &CliFile) {
        let cfg_shown = config.config_path.display().to_string();
        // The sessions the AWS CLI finds, with the line of the block it reads.
        let cli_sessions: HashMap<String, usize> = if cli.readable() {
            cli.map(FileKind::Config, true)
                .into_iter()
                .map(|(n, i)| (n, cli.sections[i].line))
                .collect()
        } else {
            HashMap::new()
        };
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
                    None if complete && cli_sessions.contains_key(session_name) => {
                        let line = cli_sessions[session_name];
                        let valid = crate::aws::ini::is_valid_name(session_name);
                        let why = if valid {
                            "as written there"
                        } else {
                            "its name has characters outside A-Z a-z 0-9 _ - / . % @ : +"
                        };
                        let new = sanitize_name(session_name);
                        self.push(
                            Severity::Error,
                            Code::SsoSessionMissing,
                            format!(
                                "profile `{name}` uses sso_session `{session_name}`: the AWS CLI reads the block at {cfg_shown}:{line} as that session, but the SDKs ignore that block ({why}), so every SDK fails for this profile"
                            ),
                            at("sso_session"),
                            Some(format!(
                                "write the block as `[sso-session {new}]` and the profile's line as `sso_session = {new}`"
                            )),
                        );
                    }
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
                            Code::SsoSessionMissing,
                            format!(
                                "profile `{name}` uses sso_session `{session_name}`, but there is no [sso-session {session_name}] block; the AWS CLI fails with \"The specified sso-session does not exist: \"{session_name}\"\""
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
                                        "profile `{name}` mixes both SSO styles: its {} differs from sso-session `{session_name}`'s; the AWS CLI refuses it (\"The value for {} is inconsistent between profile (…) and sso-session (…).\")",
                                        conflicts.join(" and "),
                                        conflicts[0]
                                    ),
                                )
                            };
                            self.push(
                                severity,
                                Code::SsoMixedStyles,
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
                                Code::SsoIncomplete,
                                format!(
                                    "profile `{name}` has no {}: it can log in, but cannot get credentials",
                                    missing.join(" or ")
                                ),
                                header,
                                Some(format!(
                                    "add {} under [profile {name}] (or run `aws configure sso --profile {name}`)",
                                    settings_to_add(&missing)
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
                // `aws sso login` needs the start URL and region; getting credentials needs
                // all four, and botocore names them role, account, URL, region.
                let login: Vec<&str> = missing
                    .iter()
                    .copied()
                    .filter(|k| matches!(*k, "sso_start_url" | "sso_region"))
                    .collect();
                let fails = if login.is_empty() {
                    let order = [
                        "sso_role_name",
                        "sso_account_id",
                        "sso_start_url",
                        "sso_region",
                    ];
                    let listed: Vec<&str> =
                        order.into_iter().filter(|k| missing.contains(k)).collect();
                    format!(
                        "the AWS CLI fails with \"The profile \"{name}\" is configured to use SSO but is missing required configuration: {}\"",
                        listed.join(", ")
                    )
                } else {
                    format!(
                        "`aws sso login` fails with \"Missing the following required SSO configuration values: {}.\"",
                        login.join(", ")
                    )
                };
                self.push(
                    Severity::Error,
                    Code::SsoIncomplete,
                    format!(
                        "legacy SSO profile `{name}` lacks {}; {fails}",
                        missing.join(" and "),
                    ),
                    header,
                    Some(format!(
                        "add {} under [profile {name}], or move to an sso-session with `aws configure sso --profile {name}`",
                        settings_to_add(&missing)
                    )),
                );
            }
        }
    }

    pub(super) fn sso_sessions(&mut self, config: &Config) {
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
                Code::SsoSessionIncomplete,
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
    pub(super) fn chains(&mut self, config: &Config, complete: bool) {
        for (name, raw) in &config.profiles {
            let get = |k: &str| raw.get(k).filter(|v| !v.is_empty());
            let at = |k: &str| raw.props.get(k).map(|p| p.loc.to_string());
            if get("role_arn").is_none() || get("web_identity_token_file").is_some() {
                continue;
            }
            match (get("source_profile"), get("credential_source")) {
                (None, None) => self.push(
                    Severity::Error,
                    Code::RoleWithoutSource,
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
                    Code::RoleSourceConflict,
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
                        Code::SourceProfileMissing,
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
        let mut done: HashSet<&str> = HashSet::new();
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
                        Code::SourceProfileCycle,
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
}

/// "`a = …` and `b = …`": the lines a fix asks to add.
fn settings_to_add(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k} = …`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

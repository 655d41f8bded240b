//! What the environment must look like after `use` and after `clear`.

use crate::aws::credentials::format_time;
use crate::aws::{Credentials, Profile, TokenState};
use crate::env::Env;
use crate::quote;
use crate::shell::Change;

/// Variables that override or contradict a profile and so are removed on every switch.
pub const OVERRIDING: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
];

/// Everything awsp itself keeps in the environment.
pub const AWSP_VARS: [&str; 7] = [
    "AWSP_PROFILE",
    "AWSP_PREVIOUS",
    "AWSP_ACCOUNT",
    "AWSP_ACCOUNT_NAME",
    "AWSP_ROLE",
    "AWSP_REGION",
    "AWSP_EXPIRES",
];

fn set_or_unset(key: &'static str, value: Option<&str>) -> Change {
    match value {
        Some(v) => Change::Set(key, v.to_string()),
        None => Change::Unset(key),
    }
}

pub fn keep_region(env: &Env, flag: bool) -> bool {
    flag || env
        .get("AWSP_KEEP_REGION")
        .is_some_and(|v| v != "0" && v != "false")
}

/// The changes that switch to `p`.
pub fn use_changes(
    p: &Profile,
    env: &Env,
    keep_region: bool,
    token: Option<&TokenState>,
) -> Vec<Change> {
    let mut ch = vec![Change::Set("AWS_PROFILE", p.name.clone())];
    ch.extend(OVERRIDING.iter().map(|k| Change::Unset(k)));
    if keep_region {
        ch.push(Change::Unset("AWSP_REGION"));
    } else {
        let r = p.region.as_deref();
        ch.extend([
            set_or_unset("AWS_REGION", r),
            set_or_unset("AWS_DEFAULT_REGION", r),
            set_or_unset("AWSP_REGION", r),
        ]);
    }
    ch.push(Change::Set("AWSP_PROFILE", p.name.clone()));
    // `awsp -` goes back to whatever the shell pointed at before this switch, when that
    // can be exported back (see [`unexportable_previous`]).
    let previous = env.get("AWS_PROFILE").filter(|prev| *prev != p.name);
    if let Some(prev) = previous.filter(|prev| quote::check(prev).is_ok()) {
        ch.push(Change::Set("AWSP_PREVIOUS", prev.to_string()));
    }
    ch.extend([
        set_or_unset("AWSP_ACCOUNT", p.account_id.as_deref()),
        set_or_unset("AWSP_ACCOUNT_NAME", p.account_name.as_deref()),
        set_or_unset("AWSP_ROLE", p.role_name.as_deref()),
        set_or_unset(
            "AWSP_EXPIRES",
            token
                .and_then(|t| t.expires_at())
                .map(|t| t.timestamp().to_string())
                .as_deref(),
        ),
    ]);
    ch
}

/// The changes that hand `p`'s resolved credentials to a shell or a command instead of
/// the profile: what `clear` does (so `awsp -` returns to the profile left), then the
/// keys, their end, and the profile's region.
pub fn credential_changes(
    p: &Profile,
    creds: &Credentials,
    env: &Env,
    keep_region: bool,
) -> Vec<Change> {
    let mut ch = clear_changes(env);
    ch.extend([
        Change::Unset("AWS_DEFAULT_PROFILE"),
        Change::Unset("AWS_SECURITY_TOKEN"),
        Change::Set("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
        Change::Set("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()),
        set_or_unset("AWS_SESSION_TOKEN", creds.session_token.as_deref()),
        set_or_unset(
            "AWS_CREDENTIAL_EXPIRATION",
            creds.expiration.map(format_time).as_deref(),
        ),
    ]);
    if !keep_region {
        let r = p.region.as_deref();
        ch.extend([
            set_or_unset("AWS_REGION", r),
            set_or_unset("AWS_DEFAULT_REGION", r),
        ]);
    }
    ch
}

/// Why the current `AWS_PROFILE` cannot be remembered for `awsp -`, if it cannot: a value
/// that is not UTF-8, holds a control character (a `\r` from a CRLF `.env` file) or is too
/// long can never be exported back. The switch away from it goes on without it.
pub fn unexportable_previous(env: &Env) -> Option<String> {
    let why = match env.get("AWS_PROFILE") {
        _ if env.is_not_utf8("AWS_PROFILE") => "is not valid UTF-8".to_string(),
        Some(prev) if prev.len() > quote::MAX_VALUE => format!("is {} bytes long", prev.len()),
        Some(prev) if quote::check(prev).is_err() => "holds a control character".to_string(),
        _ => return None,
    };
    Some(format!(
        "the current AWS_PROFILE {why}; switching away from it, and `awsp -` will not return to it"
    ))
}

/// The changes that undo every switch: the profile, the region awsp set, and its own
/// variables, except that `AWSP_PREVIOUS` keeps the profile cleared, so `awsp -` returns
/// to it as `cd -` returns to the last directory.
pub fn clear_changes(env: &Env) -> Vec<Change> {
    let mut ch = vec![Change::Unset("AWS_PROFILE")];
    if env.is_set("AWSP_REGION") {
        ch.extend([
            Change::Unset("AWS_REGION"),
            Change::Unset("AWS_DEFAULT_REGION"),
        ]);
    }
    let cleared = env.get("AWS_PROFILE").filter(|p| quote::check(p).is_ok());
    for k in AWSP_VARS {
        ch.push(match cleared {
            Some(p) if k == "AWSP_PREVIOUS" => Change::Set(k, p.to_string()),
            _ => Change::Unset(k),
        });
    }
    ch
}

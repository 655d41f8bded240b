//! The `aws login` credential cache, read-only.
//!
//! A profile that `aws login` (AWS CLI 2.32.0 and later) set up holds `login_session = ARN`,
//! the ARN of the console identity that signed in. The CLI keeps that session's credentials
//! in `<dir>/<sha256 of the ARN, hex>.json`, where `<dir>` is `$AWS_LOGIN_CACHE_DIRECTORY`
//! (with `$VAR` and `~` expanded) or `~/.aws/login/cache`. The file is one JSON object:
//!
//! ```json
//! {"accessToken": {"accessKeyId": "…", "secretAccessKey": "…", "sessionToken": "…",
//!                  "accountId": "111111111111", "expiresAt": "2025-11-20T10:15:00Z"},
//!  "tokenType": "…", "clientId": "…", "refreshToken": "…", "idToken": "…",
//!  "dpopKey": "-----BEGIN EC PRIVATE KEY-----…"}
//! ```
//!
//! The CLI loads it only when `accessToken`, `refreshToken`, `dpopKey` and `clientId` are
//! all present, and `accessToken` holds the five keys above; otherwise every command fails
//! until the next `aws login`. The credentials last about 15 minutes; the CLI renews them
//! with the refresh token, without a browser, whenever they are within 15 minutes of their
//! end, and rewrites the file. When the sign-in session behind the refresh token has ended,
//! the renewal fails ("Your session has expired. Please reauthenticate using 'aws login'"):
//! the file does not record when that happens, so awsp cannot see it coming.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::credentials::Credentials;
use super::model::{Config, Profile};
use super::sha256;
use super::sso::{self, TokenState};
use crate::env::Env;
use crate::fsio;

/// The CLI renews credentials this long before their end.
pub const REFRESH_WINDOW: Duration = Duration::minutes(15);
/// Cache files are a few kilobytes; anything far larger is not one of them.
pub const MAX_FILE: u64 = 1 << 20;
/// Moves the cache directory.
pub const DIR_VAR: &str = "AWS_LOGIN_CACHE_DIRECTORY";

/// `$AWS_LOGIN_CACHE_DIRECTORY` (`$VAR`, `${VAR}` and then `~` expanded), else
/// `~/.aws/login/cache`.
pub fn cache_dir(env: &Env) -> PathBuf {
    match env.get(DIR_VAR) {
        Some(dir) => env.expand_tilde(&expand_vars(dir, env)),
        None => env
            .home()
            .unwrap_or_else(|| PathBuf::from("/"))
            .join(".aws/login/cache"),
    }
}

/// `$NAME` and `${NAME}` replaced by the variable's value; unset names stay as written.
fn expand_vars(s: &str, env: &Env) -> String {
    let word = |c: char| c == '_' || c.is_alphanumeric();
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(inner) => match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after.find(|c: char| !word(c)).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match env.get(name).filter(|_| len > 0 && !name.is_empty()) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// The login session `profile`'s credentials come from: its own `login_session`, or that of
/// the profile its `source_profile` chain ends in (a role assumed with those credentials).
/// None for an SSO profile or a broken chain.
pub fn session_of<'a>(config: &'a Config, profile: &Profile) -> Option<&'a str> {
    if profile.token_key.is_some() || profile.chain_error.is_some() {
        return None;
    }
    let end = profile.chain.last()?;
    config
        .profiles
        .get(end)?
        .get("login_session")
        .filter(|s| !s.is_empty())
}

/// The account and role of a login session ARN: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME`
/// (a role), `arn:aws:iam::ACCOUNT:user/NAME` or `…:root` (no role).
pub fn session_account_role(arn: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return (None, None);
    }
    let account = Some(parts[4].to_string()).filter(|a| !a.is_empty());
    let role = parts[5]
        .strip_prefix("assumed-role/")
        .and_then(|r| r.split('/').next())
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    (account, role)
}

/// The cache file of login session `session` in `dir`.
pub fn cache_file(session: &str, dir: &Path) -> PathBuf {
    dir.join(format!("{}.json", sha256::hex(session.as_bytes())))
}

/// `login session arn:aws:…`, for messages.
pub fn label(session: &str) -> String {
    format!("login session {session}")
}

/// Judges the text of a cache file: `Valid` until 15 minutes before `expiresAt`, then
/// `Refreshable` (the CLI renews it, even after its end); `Unreadable` when the CLI cannot
/// load it.
pub fn judge(text: &[u8], now: DateTime<Utc>) -> TokenState {
    let unreadable = |reason: &str| TokenState::Unreadable {
        reason: reason.to_string(),
    };
    let Ok(Value::Object(file)) = serde_json::from_slice::<Value>(text) else {
        return unreadable("not a JSON object");
    };
    if !["accessToken", "refreshToken", "dpopKey", "clientId"]
        .iter()
        .all(|k| file.contains_key(*k))
    {
        return unreadable("missing one of accessToken, refreshToken, dpopKey, clientId");
    }
    let Some(creds) = file["accessToken"].as_object().filter(|c| {
        [
            "accessKeyId",
            "secretAccessKey",
            "sessionToken",
            "accountId",
            "expiresAt",
        ]
        .iter()
        .all(|k| c.contains_key(*k))
    }) else {
        return unreadable("accessToken does not hold the credentials");
    };
    let Some(expires_at) = creds["expiresAt"].as_str().and_then(sso::parse_time) else {
        return unreadable("expiresAt is not a timestamp");
    };
    if expires_at - now <= REFRESH_WINDOW {
        TokenState::Refreshable { expires_at }
    } else {
        TokenState::Valid { expires_at }
    }
}

/// The credentials a cache file holds, when the CLI could load it.
pub fn credentials(text: &[u8]) -> Option<Credentials> {
    let file: Value = serde_json::from_slice(text).ok()?;
    let c = file.get("accessToken")?;
    let get = |k: &str| c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    Some(Credentials {
        access_key_id: get("accessKeyId")?.to_string(),
        secret_access_key: get("secretAccessKey")?.to_string(),
        session_token: Some(get("sessionToken")?.to_string()),
        expiration: Some(sso::parse_time(get("expiresAt")?)?),
    })
}

/// The state of login session `session`'s cached credentials in `dir`.
pub fn read_state(session: &str, dir: &Path, now: DateTime<Utc>) -> TokenState {
    match fsio::read_file(&cache_file(session, dir), fsio::Accept::FOREIGN, MAX_FILE) {
        Ok(Some(text)) => judge(&text, now),
        Ok(None) => TokenState::Missing,
        Err(e) => TokenState::Unreadable {
            reason: match e.kind() {
                std::io::ErrorKind::FileTooLarge => "too large to be a login cache file".into(),
                _ => e.to_string(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        sso::parse_time(s).unwrap()
    }

    /// A cache file as `aws login` writes it, expiring at `exp`.
    fn file(exp: &str) -> String {
        serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIAEXAMPLE",
                "secretAccessKey": "SECRET",
                "sessionToken": "SESSION",
                "accountId": "012345678901",
                "expiresAt": exp,
            },
            "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4",
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": "REFRESH",
            "idToken": "a.b.c",
            "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
        })
        .to_string()
    }

    #[test]
    fn judges_cache_files() {
        let now = t("2025-11-20T12:00:00Z");
        let j = |text: &str| judge(text.as_bytes(), now);
        assert_eq!(
            j(&file("2025-11-20T13:00:00Z")),
            TokenState::Valid {
                expires_at: t("2025-11-20T13:00:00Z")
            }
        );
        // Inside the renewal window, and past the end: the CLI renews them.
        assert_eq!(j(&file("2025-11-20T12:10:00Z")).name(), "refreshable");
        assert_eq!(j(&file("2025-11-19T12:00:00Z")).name(), "refreshable");
        assert_eq!(j(&file("tomorrow")).name(), "unreadable");
        assert_eq!(j("[]").name(), "unreadable");
        assert_eq!(j("{").name(), "unreadable");
        for key in ["accessToken", "refreshToken", "dpopKey", "clientId"] {
            let mut v: Value = serde_json::from_str(&file("2025-11-20T13:00:00Z")).unwrap();
            v.as_object_mut().unwrap().remove(key);
            assert_eq!(j(&v.to_string()).name(), "unreadable", "{key}");
        }
        let mut v: Value = serde_json::from_str(&file("2025-11-20T13:00:00Z")).unwrap();
        v["accessToken"]
            .as_object_mut()
            .unwrap()
            .remove("sessionToken");
        assert_eq!(j(&v.to_string()).name(), "unreadable");
        // Fields the CLI does not read may be missing.
        let mut v: Value = serde_json::from_str(&file("2025-11-20T13:00:00Z")).unwrap();
        v.as_object_mut().unwrap().remove("idToken");
        v.as_object_mut().unwrap().remove("tokenType");
        assert_eq!(j(&v.to_string()).name(), "valid");
    }

    #[test]
    fn accounts_and_roles_of_session_arns() {
        let ar = |a: &str| session_account_role(a);
        assert_eq!(
            ar("arn:aws:sts::012345678910:assumed-role/Admin/admin"),
            (Some("012345678910".into()), Some("Admin".into()))
        );
        assert_eq!(
            ar("arn:aws:iam::012345678910:user/alice"),
            (Some("012345678910".into()), None)
        );
        assert_eq!(ar("not an arn"), (None, None));
    }

    #[test]
    fn cache_directory_and_names() {
        let env = Env::fake([("HOME", "/h")]);
        assert_eq!(cache_dir(&env), PathBuf::from("/h/.aws/login/cache"));
        let env = Env::fake([("HOME", "/h"), ("X", "x1"), (DIR_VAR, "~/$X/${X}/$NOPE/${")]);
        assert_eq!(cache_dir(&env), PathBuf::from("/h/x1/x1/$NOPE/${"));
        assert_eq!(
            cache_file(
                "arn:aws:sts::012345678910:assumed-role/Admin/admin",
                Path::new("/c")
            ),
            PathBuf::from(
                "/c/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json"
            )
        );
    }
}

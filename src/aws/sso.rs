//! The IAM Identity Center token cache (`~/.aws/sso/cache/<sha1>.json`), read-only.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::sha1;
use crate::fsio;

/// botocore refreshes a token this long before it expires (the other SDKs: 5 minutes).
pub const REFRESH_WINDOW: Duration = Duration::minutes(15);

/// Which cache file a profile's token lives in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenKey {
    /// `sso_session = NAME`: keyed by the session name; refreshable.
    Session(String),
    /// Legacy `sso_start_url` in the profile: keyed by the URL exactly as written; never refreshed.
    StartUrl(String),
}

impl TokenKey {
    pub fn cache_file(&self, cache_dir: &Path) -> PathBuf {
        let raw = match self {
            TokenKey::Session(s) | TokenKey::StartUrl(s) => s,
        };
        cache_dir.join(format!("{}.json", sha1::hex(raw.as_bytes())))
    }

    pub fn label(&self) -> String {
        match self {
            TokenKey::Session(s) => format!("sso-session {s}"),
            TokenKey::StartUrl(u) => format!("start URL {u}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenState {
    Valid {
        expires_at: DateTime<Utc>,
    },
    /// Expired or near expiry, but the CLI/SDKs will refresh it silently.
    Refreshable {
        expires_at: DateTime<Utc>,
    },
    Expired {
        expires_at: DateTime<Utc>,
    },
    Missing,
    Unreadable {
        reason: String,
    },
}

impl TokenState {
    pub fn name(&self) -> &'static str {
        match self {
            TokenState::Valid { .. } => "valid",
            TokenState::Refreshable { .. } => "refreshable",
            TokenState::Expired { .. } => "expired",
            TokenState::Missing => "missing",
            TokenState::Unreadable { .. } => "unreadable",
        }
    }

    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self {
            TokenState::Valid { expires_at }
            | TokenState::Refreshable { expires_at }
            | TokenState::Expired { expires_at } => Some(*expires_at),
            _ => None,
        }
    }

    /// Usable now without a login (a refreshable token counts).
    pub fn is_usable(&self) -> bool {
        matches!(
            self,
            TokenState::Valid { .. } | TokenState::Refreshable { .. }
        )
    }

    /// `valid 3h12m`, `refreshable`, `expired`, …
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        match self {
            TokenState::Valid { expires_at } => format!("valid {}", format_left(*expires_at - now)),
            other => other.name().to_string(),
        }
    }
}

/// `3h12m`, `45m`, `0m`.
pub fn format_left(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    if mins >= 60 {
        format!("{}h{:02}m", mins / 60, mins % 60)
    } else {
        format!("{mins}m")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedToken {
    access_token: Option<String>,
    expires_at: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    registration_expires_at: Option<String>,
}

/// Parses every `expiresAt` format seen in the wild: `Z`, `UTC` (CLI before 2.1.14),
/// fractions, and numeric offsets.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let fixed;
    let s = match s.strip_suffix("UTC") {
        Some(head) => {
            fixed = format!("{head}Z");
            fixed.as_str()
        }
        None => s,
    };
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Judges the token text of a cache file. `refreshable_kind` is false for legacy start-URL
/// tokens, which the CLI never refreshes.
pub fn judge(text: &[u8], refreshable_kind: bool, now: DateTime<Utc>) -> TokenState {
    let unreadable = |reason: &str| TokenState::Unreadable {
        reason: reason.to_string(),
    };
    let Ok(tok) = serde_json::from_slice::<CachedToken>(text) else {
        return unreadable("not a JSON token object");
    };
    if tok.access_token.as_deref().unwrap_or("").is_empty() {
        return unreadable("no accessToken (not a token file)");
    }
    let Some(expires_at) = tok.expires_at.as_deref().and_then(parse_time) else {
        return unreadable("expiresAt is missing or not a timestamp");
    };
    let can_refresh = refreshable_kind
        && [&tok.refresh_token, &tok.client_id, &tok.client_secret]
            .iter()
            .all(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
        && tok
            .registration_expires_at
            .as_deref()
            .and_then(parse_time)
            .is_some_and(|t| t > now);
    if can_refresh && expires_at - now <= REFRESH_WINDOW {
        TokenState::Refreshable { expires_at }
    } else if expires_at > now {
        TokenState::Valid { expires_at }
    } else {
        TokenState::Expired { expires_at }
    }
}

/// Cache files are a few hundred bytes; anything far larger is not one of them.
pub const MAX_TOKEN_FILE: u64 = 1 << 20;

/// The bytes of a token cache file, or the state that stands for it: `Missing`, or
/// `Unreadable` with the reason (not a regular file, too large, an I/O error). One `open`
/// and one `fstat` before the reads, through [`fsio::read_file`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, TokenState> {
    match fsio::read_file(path, fsio::Accept::FOREIGN, MAX_TOKEN_FILE) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(TokenState::Missing),
        Err(e) => Err(TokenState::Unreadable {
            reason: match e.kind() {
                std::io::ErrorKind::FileTooLarge => "too large to be a token file".into(),
                _ => e.to_string(),
            },
        }),
    }
}

pub fn read_state(key: &TokenKey, cache_dir: &Path, now: DateTime<Utc>) -> TokenState {
    match read_file(&key.cache_file(cache_dir)) {
        Ok(text) => judge(&text, matches!(key, TokenKey::Session(_)), now),
        Err(state) => state,
    }
}

/// The token's state now, and whether the CLI will refresh it silently when it nears its
/// end (an sso-session token with a live client registration and a refresh token).
pub fn read_state_renewing(key: &TokenKey, dir: &Path, now: DateTime<Utc>) -> (TokenState, bool) {
    let text = match read_file(&key.cache_file(dir)) {
        Ok(t) => t,
        Err(state) => return (state, false),
    };
    let session = matches!(key, TokenKey::Session(_));
    let state = judge(&text, session, now);
    let renews = match &state {
        TokenState::Refreshable { .. } => true,
        // Judged just before its end, is it refreshable then?
        TokenState::Valid { expires_at } if session => matches!(
            judge(&text, true, *expires_at - Duration::seconds(1)),
            TokenState::Refreshable { .. }
        ),
        _ => false,
    };
    (state, renews)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    #[test]
    fn parses_formats_in_the_wild() {
        let base = t("2024-01-01T00:00:00Z");
        for s in [
            "2024-01-01T00:00:00UTC",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00.000000Z",
            "2024-01-01T00:00:00+00:00",
            "2024-01-01T01:00:00+01:00",
        ] {
            assert_eq!(parse_time(s), Some(base), "{s}");
        }
        for s in [
            "",
            "soon",
            "2024-01-01",
            "2024-13-01T00:00:00Z",
            "99999999999",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
    }

    #[test]
    fn judges_states() {
        let now = t("2024-01-01T12:00:00Z");
        let tok = |exp: &str, extra: &str| {
            format!(r#"{{"accessToken":"a","expiresAt":"{exp}"{extra}}}"#).into_bytes()
        };
        let refresh = r#","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2025-01-01T00:00:00Z""#;
        assert_eq!(
            judge(&tok("2024-01-01T13:00:00Z", ""), true, now).name(),
            "valid"
        );
        assert_eq!(
            judge(&tok("2024-01-01T11:00:00Z", ""), true, now).name(),
            "expired"
        );
        assert_eq!(
            judge(&tok("2024-01-01T11:00:00Z", refresh), true, now).name(),
            "refreshable"
        );
        assert_eq!(
            judge(&tok("2024-01-01T12:05:00Z", refresh), true, now).name(),
            "refreshable"
        );
        // Legacy tokens never refresh.
        assert_eq!(
            judge(&tok("2024-01-01T11:00:00Z", refresh), false, now).name(),
            "expired"
        );
        assert_eq!(judge(b"{}", true, now).name(), "unreadable");
        assert_eq!(judge(b"[1,2]", true, now).name(), "unreadable");
        assert_eq!(judge(&tok("tomorrow", ""), true, now).name(), "unreadable");
        assert_eq!(
            judge(br#"{"clientId":"c","clientSecret":"s"}"#, true, now).name(),
            "unreadable"
        );
    }

    #[test]
    fn formats_time_left() {
        assert_eq!(format_left(Duration::minutes(192)), "3h12m");
        assert_eq!(format_left(Duration::minutes(45)), "45m");
        assert_eq!(format_left(Duration::minutes(-5)), "0m");
    }
}

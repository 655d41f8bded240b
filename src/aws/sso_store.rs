//! Writing the IAM Identity Center cache as the AWS CLI writes it, so that the CLI and
//! every SDK read awsp's logins and awsp reads theirs: the token file
//! (`<sha1 of the session name or start URL>.json`) and the client registration file,
//! both in `~/.aws/sso/cache`, as Python's `json.dumps` renders them (insertion order,
//! `", "` and `": "` separators, non-ASCII as `\uXXXX`, no newline at the end), times as
//! `%Y-%m-%dT%H:%M:%SZ`. Unlike the CLI, awsp writes each file whole in one step (a temp
//! file renamed over it), mode 0600, never through a link.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::sha1;
use super::sso::{self, TokenKey};
use crate::fsio;

/// The most of a cache file read.
const MAX_FILE: u64 = 1 << 20;

/// An object with these members in this order (or sorted by name, as `sort_keys=True`
/// does), as Python's `json.dumps` writes it. (`serde_json`'s own maps keep no order.)
pub fn py_object(members: &[(&str, Value)], sort_keys: bool) -> String {
    let mut members: Vec<&(&str, Value)> = members.iter().collect();
    if sort_keys {
        members.sort_by(|a, b| a.0.cmp(b.0));
    }
    let mut out = String::from("{");
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_py_str(k, &mut out);
        out.push_str(": ");
        write_py(v, true, &mut out);
    }
    out.push('}');
    out
}

fn write_py(value: &Value, sort_keys: bool, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_py_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(item, sort_keys, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_str(k, out);
                out.push_str(": ");
                write_py(v, sort_keys, out);
            }
            out.push('}');
        }
    }
}

/// A string as `json.dumps` writes it with `ensure_ascii`: `\uXXXX` (lowercase hex,
/// UTF-16 surrogate pairs) for all but printable ASCII.
fn write_py_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// A time as the CLI writes it.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `sso_registration_scopes` as the CLI parses it: split on commas, each trimmed, empty
/// ones dropped. `None` when the setting is absent.
pub fn parse_scopes(raw: Option<&str>) -> Option<Vec<String>> {
    raw.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// The registration cache file: a SHA-1 of the JSON (sorted keys) of the tool, the start
/// URL, the region, the configured scopes (`null` when not configured) and the session
/// name (`null` for a legacy profile). The browser and device flows share it.
pub fn registration_file(
    dir: &Path,
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session: Option<&str>,
) -> PathBuf {
    let args = [
        ("tool", json!("botocore")),
        ("startUrl", json!(start_url)),
        ("region", json!(region)),
        ("scopes", json!(scopes)),
        ("session_name", json!(session)),
    ];
    let key = sha1::hex(py_object(&args, true).as_bytes());
    dir.join(format!("{key}.json"))
}

/// A cached client registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedRegistration {
    pub client_id: String,
    pub client_secret: String,
    /// As written in the file, copied into token files verbatim.
    pub expires_at: String,
    /// Whether it was registered for the authorization-code (browser) flow.
    pub for_browser: bool,
}

impl CachedRegistration {
    /// Whether it has at least 15 minutes left, when the CLI would still reuse it.
    pub fn reusable(&self, now: DateTime<Utc>) -> bool {
        sso::parse_time(&self.expires_at).is_some_and(|t| t - now >= chrono::Duration::minutes(15))
    }
}

/// A cache file's JSON object; `None` when missing or not JSON.
fn read_json(path: &Path) -> Option<Value> {
    let bytes = fsio::read_file(path, fsio::Accept::FOREIGN, MAX_FILE).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// A non-empty string member of `v`.
fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads a registration file; missing or unusable is `None` (a new registration follows).
pub fn read_registration(path: &Path) -> Option<CachedRegistration> {
    let v = read_json(path)?;
    let text = |k: &str| text(&v, k);
    let for_browser = v
        .get("grantTypes")
        .and_then(Value::as_array)
        .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
    Some(CachedRegistration {
        client_id: text("clientId")?,
        client_secret: text("clientSecret")?,
        expires_at: text("expiresAt")?,
        for_browser,
    })
}

/// The registration file's content: `grant_types` and `scopes` as the CLI writes them for
/// the flow (the browser flow always names both; the device flow names scopes only when
/// some are configured, and no grant types).
pub fn registration_json(
    reg: &CachedRegistration,
    scopes: Option<&[String]>,
    grant_types: &[&str],
) -> String {
    let mut v = vec![
        ("clientId", json!(reg.client_id)),
        ("clientSecret", json!(reg.client_secret)),
        ("expiresAt", json!(reg.expires_at)),
    ];
    if let Some(scopes) = scopes.filter(|s| !s.is_empty() || !grant_types.is_empty()) {
        v.push(("scopes", json!(scopes)));
    }
    if !grant_types.is_empty() {
        v.push(("grantTypes", json!(grant_types)));
    }
    py_object(&v, false)
}

/// A token file's content, every member the CLI writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenFile {
    pub start_url: String,
    pub region: String,
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub registration_expires_at: Option<String>,
    pub refresh_token: Option<String>,
}

impl TokenFile {
    pub fn to_json(&self) -> String {
        let mut v = vec![
            ("startUrl", json!(self.start_url)),
            ("region", json!(self.region)),
            ("accessToken", json!(self.access_token)),
            ("expiresAt", json!(format_time(self.expires_at))),
        ];
        for (k, val) in [
            ("clientId", &self.client_id),
            ("clientSecret", &self.client_secret),
            ("registrationExpiresAt", &self.registration_expires_at),
            ("refreshToken", &self.refresh_token),
        ] {
            if let Some(val) = val {
                v.push((k, json!(val)));
            }
        }
        py_object(&v, false)
    }

    /// Reads the token file of `key`; `None` when missing or not a token.
    pub fn read(key: &TokenKey, dir: &Path) -> Option<TokenFile> {
        let v = read_json(&key.cache_file(dir))?;
        let text = |k: &str| text(&v, k);
        Some(TokenFile {
            start_url: text("startUrl").unwrap_or_default(),
            region: text("region").unwrap_or_default(),
            access_token: text("accessToken")?,
            expires_at: sso::parse_time(&text("expiresAt")?)?,
            client_id: text("clientId"),
            client_secret: text("clientSecret"),
            registration_expires_at: text("registrationExpiresAt"),
            refresh_token: text("refreshToken"),
        })
    }
}

/// Writes `content` to `path` in one step: a private temp file beside it, renamed over it.
/// The directory is made (0700 where new) when missing.
pub fn write_file(path: &Path, content: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            crate::os::private_dir_builder()
                .recursive(true)
                .create(dir)?;
        }
    }
    fsio::replace_file(path, content.as_bytes(), None, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_file_names_match_the_cli() {
        let dir = Path::new("/c");
        let url = "https://d-abc.awsapps.com/start";
        let scopes = vec!["sso:account:access".to_string()];
        let name = |s: Option<&[String]>, session: Option<&str>| {
            registration_file(dir, url, "us-east-1", s, session)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(
            name(Some(&scopes), Some("my-sso")),
            "deb8cc906c2b78450415f3bc940056d81e790b51.json"
        );
        assert_eq!(
            name(None, Some("my-sso")),
            "9cd51de60bd503f5cf0a32fb0d57e23477719f30.json"
        );
        assert_eq!(
            name(Some(&[]), Some("my-sso")),
            "de0d24b6e60a632c124278dd5bb2c47d232665bd.json"
        );
        assert_eq!(
            name(None, None),
            "5ee65357ecc22e44bd835b85897af284355b4d13.json"
        );
    }

    #[test]
    fn json_is_written_as_python_writes_it() {
        let v = [
            ("b", json!("é😀\"\\\n/")),
            ("a", json!([1, null])),
            ("c", json!({})),
        ];
        assert_eq!(
            py_object(&v, false),
            r#"{"b": "\u00e9\ud83d\ude00\"\\\n/", "a": [1, null], "c": {}}"#
        );
        assert_eq!(
            py_object(&v, true),
            r#"{"a": [1, null], "b": "\u00e9\ud83d\ude00\"\\\n/", "c": {}}"#
        );
        let t = TokenFile {
            start_url: "https://d-abc.awsapps.com/start".into(),
            region: "us-east-1".into(),
            access_token: "aoa".into(),
            expires_at: DateTime::from_timestamp(1_784_858_400, 0).unwrap(),
            client_id: Some("X".into()),
            client_secret: Some("Y".into()),
            registration_expires_at: Some("2026-10-21T12:00:00Z".into()),
            refresh_token: Some("aor".into()),
        };
        assert_eq!(
            t.to_json(),
            r#"{"startUrl": "https://d-abc.awsapps.com/start", "region": "us-east-1", "accessToken": "aoa", "expiresAt": "2026-07-24T02:00:00Z", "clientId": "X", "clientSecret": "Y", "registrationExpiresAt": "2026-10-21T12:00:00Z", "refreshToken": "aor"}"#
        );
        let reg = CachedRegistration {
            client_id: "X".into(),
            client_secret: "Y".into(),
            expires_at: "2026-10-21T12:00:00Z".into(),
            for_browser: true,
        };
        let scopes = vec!["sso:account:access".to_string()];
        assert_eq!(
            registration_json(
                &reg,
                Some(&scopes),
                &["authorization_code", "refresh_token"]
            ),
            r#"{"clientId": "X", "clientSecret": "Y", "expiresAt": "2026-10-21T12:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#
        );
        assert_eq!(
            registration_json(&reg, None, &[]),
            r#"{"clientId": "X", "clientSecret": "Y", "expiresAt": "2026-10-21T12:00:00Z"}"#
        );
    }

    #[test]
    fn scopes_parse_as_the_cli_parses_them() {
        assert_eq!(parse_scopes(None), None);
        assert_eq!(parse_scopes(Some("")), Some(vec![]));
        assert_eq!(
            parse_scopes(Some(" sso:account:access, ,codewhisperer:completions ")),
            Some(vec![
                "sso:account:access".into(),
                "codewhisperer:completions".into()
            ])
        );
    }
}

//! The IAM Identity Center token cache (`~/.aws/sso/cache/<sha1>.json`), read-only.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// A value in the cache file's JSON object, told apart as far as botocore tells them apart:
/// a string, or anything else (null, a number, a boolean, an array, an object). Strings
/// without escapes are borrowed from the file's bytes.
enum Field<'a> {
    Str(Cow<'a, str>),
    Other,
}

impl Field<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            Field::Other => None,
        }
    }
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Field<'de>, E> {
                Ok(Field::Str(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_unit<E>(self) -> Result<Field<'de>, E> {
                Ok(Field::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field<'de>, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| Field::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field<'de>, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Field::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The members of a token cache file that decide its state. `None`: the key is absent. A
/// key given twice counts with its last value, as Python's `json` module reads it.
#[derive(Default)]
struct CachedToken<'a> {
    access_token: Option<Field<'a>>,
    expires_at: Option<Field<'a>>,
    refresh_token: Option<Field<'a>>,
    client_id: Option<Field<'a>>,
    client_secret: Option<Field<'a>>,
    registration_expires_at: Option<Field<'a>>,
}

#[derive(Clone, Copy)]
enum Member {
    AccessToken,
    ExpiresAt,
    RefreshToken,
    ClientId,
    ClientSecret,
    RegistrationExpiresAt,
}

impl<'a> CachedToken<'a> {
    fn member(&mut self, m: Member) -> &mut Option<Field<'a>> {
        match m {
            Member::AccessToken => &mut self.access_token,
            Member::ExpiresAt => &mut self.expires_at,
            Member::RefreshToken => &mut self.refresh_token,
            Member::ClientId => &mut self.client_id,
            Member::ClientSecret => &mut self.client_secret,
            Member::RegistrationExpiresAt => &mut self.registration_expires_at,
        }
    }
}

impl<'de> Deserialize<'de> for CachedToken<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// An object key (escapes in it decoded): the member it names, if it is one of them.
        struct Key(Option<Member>);
        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct K;
                impl Visitor<'_> for K {
                    type Value = Key;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                        Ok(Key(match v {
                            "accessToken" => Some(Member::AccessToken),
                            "expiresAt" => Some(Member::ExpiresAt),
                            "refreshToken" => Some(Member::RefreshToken),
                            "clientId" => Some(Member::ClientId),
                            "clientSecret" => Some(Member::ClientSecret),
                            "registrationExpiresAt" => Some(Member::RegistrationExpiresAt),
                            _ => None,
                        }))
                    }
                }
                d.deserialize_str(K)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CachedToken<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<CachedToken<'de>, A::Error> {
                let mut tok = CachedToken::default();
                while let Some(Key(slot)) = map.next_key()? {
                    match slot {
                        Some(m) => *tok.member(m) = Some(map.next_value()?),
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(tok)
            }
        }
        d.deserialize_map(V)
    }
}

/// Reads a timestamp of the form `YYYY-MM-DD` `T`|`t`|space `hh:mm[:ss[.f|,f]]`, an optional
/// space, then a zone: `Z`, `z`, `UTC`, `GMT`, or an offset `±hh`, `±hhmm`, `±hh:mm`
/// (hours 00–23, minutes 00–59); ASCII white space around it is ignored. Seconds run to 59
/// and fractions are cut to microseconds. botocore reads `expiresAt` and
/// `registrationExpiresAt` with dateutil, which reads every such text as the same instant.
/// Everything else is `None`: what dateutil refuses (a seconds field of 60, an impossible
/// date), what it reads as a time with no zone (which botocore then fails to compare with
/// the time now), and the loose forms it guesses at (no minutes, a zone name before an
/// offset, which it reads with the sign reversed, `+01:60`, compact `20240101T000000Z`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let mut p = Cursor(s.trim_ascii().as_bytes());
    let year = p.digits(4)?;
    p.byte(b'-')?;
    let month = p.digits(2)?;
    p.byte(b'-')?;
    let day = p.digits(2)?;
    if !(p.eat(b'T') || p.eat(b't') || p.eat(b' ')) {
        return None;
    }
    let hour = p.digits(2)?;
    p.byte(b':')?;
    let minute = p.digits(2)?;
    let (mut second, mut micros) = (0, 0);
    if p.eat(b':') {
        second = p.digits(2)?;
        if p.eat(b'.') || p.eat(b',') {
            micros = p.fraction()?;
        }
    }
    p.eat(b' ');
    let offset = match p.0 {
        b"Z" | b"z" | b"UTC" | b"GMT" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let mut o = Cursor(rest);
            let h = o.digits(2)?;
            let m = match o.0.len() {
                0 => 0,
                2 => o.digits(2)?,
                3 => {
                    o.byte(b':')?;
                    o.digits(2)?
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 60 + m) as i64 * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    if year == 0 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?;
    let local = date.and_time(time).and_utc();
    local.checked_sub_signed(Duration::seconds(offset))
}

/// The unread rest of a timestamp.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn eat(&mut self, b: u8) -> bool {
        match self.0.split_first() {
            Some((&c, rest)) if c == b => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let (head, rest) = self.0.split_at_checked(n)?;
        let mut v = 0;
        for &c in head {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.0 = rest;
        Some(v)
    }

    /// One or more digits of a fraction of a second, as whole microseconds (cut, not rounded).
    fn fraction(&mut self) -> Option<u32> {
        let n = self.0.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let mut v = 0;
        for i in 0..6 {
            v = v * 10
                + self
                    .0
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| u32::from(c - b'0'));
        }
        self.0 = &self.0[n..];
        Some(v)
    }
}

/// Judges the text of a token cache file as botocore does when a profile needs credentials.
/// `refreshable_kind` is false for legacy start-URL tokens, which botocore never refreshes.
///
/// botocore, step by step, and the state each outcome is here:
/// 1. The file must be a JSON object with the keys `accessToken` and `expiresAt`, whatever
///    their values; otherwise it fails (`Unreadable`).
/// 2. `expiresAt` must be a timestamp with a zone ([`parse_time`]); otherwise it fails.
/// 3. An sso-session token with less than [`REFRESH_WINDOW`] left is refreshed when the file
///    has all of `refreshToken`, `clientId`, `clientSecret` and `registrationExpiresAt`:
///    the registration's end must then be a timestamp (otherwise botocore fails) and still
///    ahead (otherwise no refresh); the other three must be strings (otherwise its request
///    is refused before it is sent: it fails), and none empty (the service refuses an empty
///    one, and botocore goes on without a refresh). A refresh sent is `Refreshable`.
/// 4. Without a refresh, a token at or past its expiry is `Expired`.
/// 5. Otherwise `accessToken` is sent as it is: not a string, it is refused before it is
///    sent; empty, the service refuses it and the CLI asks for a login (`Unreadable` both).
///    Anything else is `Valid`.
pub fn judge(text: &[u8], refreshable_kind: bool, now: DateTime<Utc>) -> TokenState {
    let unreadable = |reason: &str| TokenState::Unreadable {
        reason: reason.to_string(),
    };
    let Ok(tok) = serde_json::from_slice::<CachedToken>(text) else {
        return unreadable("not a JSON object");
    };
    let (Some(access), Some(expires)) = (&tok.access_token, &tok.expires_at) else {
        return unreadable("no accessToken or no expiresAt (not a token file)");
    };
    let Some(expires_at) = expires.as_str().and_then(parse_time) else {
        return unreadable("expiresAt is not a date and time with a zone");
    };
    if refreshable_kind && expires_at - now < REFRESH_WINDOW {
        match refresh_sent(&tok, now) {
            Ok(true) => return TokenState::Refreshable { expires_at },
            Ok(false) => {}
            Err(reason) => return unreadable(reason),
        }
    }
    if expires_at <= now {
        return TokenState::Expired { expires_at };
    }
    match access.as_str() {
        Some("") => unreadable("accessToken is empty"),
        Some(_) => TokenState::Valid { expires_at },
        None => unreadable("accessToken is not a string"),
    }
}

/// Step 3 of [`judge`], when a refresh is due: whether botocore sends one the service
/// accepts, or why botocore fails.
fn refresh_sent(tok: &CachedToken, now: DateTime<Utc>) -> Result<bool, &'static str> {
    let (Some(refresh), Some(id), Some(secret), Some(registration)) = (
        &tok.refresh_token,
        &tok.client_id,
        &tok.client_secret,
        &tok.registration_expires_at,
    ) else {
        return Ok(false);
    };
    let Some(registration) = registration.as_str().and_then(parse_time) else {
        return Err(
            "registrationExpiresAt is not a date and time with a zone, and a refresh is due",
        );
    };
    if registration <= now {
        return Ok(false);
    }
    let mut all_set = true;
    for v in [refresh, id, secret] {
        match v.as_str() {
            Some(s) => all_set &= !s.is_empty(),
            None => {
                return Err(
                    "refreshToken, clientId or clientSecret is not a string, and a refresh is due",
                );
            }
        }
    }
    Ok(all_set)
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

    /// Each form botocore reads (through dateutil) as a time with a zone, read as the same
    /// instant.
    #[test]
    fn reads_the_forms_botocore_reads() {
        let base = t("2024-01-01T00:00:00Z");
        for s in [
            "2024-01-01T00:00:00z",
            "2024-01-01t00:00:00Z",
            "2024-01-01 00:00:00Z",
            // `UTC` glued on, as the CLI wrote it before 2.1.14, or after a space.
            "2024-01-01T00:00:00UTC",
            "2024-01-01T00:00:00 UTC",
            "2024-01-01T00:00:00GMT",
            "2024-01-01T00:00:00 GMT",
            "2024-01-01T00:00:00 Z",
            "2024-01-01T00:00:00+0000",
            "2024-01-01T00:00:00+00:00",
            "2024-01-01T00:00:00-00:00",
            "2024-01-01T00:00:00+00",
            "2024-01-01T02:00:00+02",
            "2024-01-01T02:00:00 +02:00",
            "2023-12-31T21:30:00-0230",
            "2024-01-01T00:00Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00,000000Z",
            " \t2024-01-01T00:00:00Z\r\n",
        ] {
            assert_eq!(parse_time(s), Some(base), "{s}");
        }
        // dateutil keeps whole microseconds and drops the digits after them.
        assert_eq!(
            t("2024-01-01T00:00:00.1234569Z") - base,
            Duration::microseconds(123_456)
        );
        assert_eq!(
            t("2024-01-01T00:00:00.5Z") - base,
            Duration::milliseconds(500)
        );
    }

    /// Texts botocore cannot use: dateutil refuses them (a seconds field of 60, an hour of
    /// 24, an impossible date, year 0, an offset of 24 hours), or reads a time with no zone
    /// (none written, a date alone, a zone name it does not know, `utc` in lower case),
    /// which botocore then fails to subtract from the time now.
    #[test]
    fn refuses_what_botocore_cannot_use() {
        for s in [
            "",
            "soon",
            "2024-01-01T00:00:60Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "2024-01-01T00:00:00 EST",
            "2024-01-01T00:00:00UT",
            "2024-01-01T00:00:00utc",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+00:00Z",
            "99999999999",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
    }

    /// Loose texts dateutil reads by guessing, refused here: a zone name before an offset
    /// (dateutil reverses the offset's sign, as POSIX zone strings have it), offset minutes
    /// of 60 (read as the next hour), a one-digit offset, the compact form, hours alone,
    /// one-digit fields.
    #[test]
    fn refuses_forms_botocore_guesses_at() {
        for s in [
            "2024-01-01T00:00:00UTC+02",
            "2024-01-01T00:00:00Z+02",
            "2024-01-01T00:00:00+01:60",
            "2024-01-01T00:00:00+0",
            "2024-01-01T00:00:00+002",
            "20240101T000000Z",
            "2024-01-01T00Z",
            "2024-1-1T0:0:0Z",
            "2024-01-01T00:00:00  Z",
            "2024-01-01T00:00:00\tZ",
        ] {
            assert_eq!(parse_time(s), None, "{s}");
        }
    }

    const NOW: &str = "2024-01-01T12:00:00Z";

    fn judged(text: &str, session: bool) -> &'static str {
        judge(text.as_bytes(), session, t(NOW)).name()
    }

    /// A token file with `expiresAt` `exp` and `extra` members (each `,"key":value`).
    fn tok(exp: &str, extra: &str) -> String {
        format!(r#"{{"accessToken":"a","expiresAt":"{exp}"{extra}}}"#)
    }

    const LIVE: &str = r#","refreshToken":"r","clientId":"c","clientSecret":"s","registrationExpiresAt":"2025-01-01T00:00:00Z""#;

    /// `LIVE` with `key` set to the JSON `value`.
    fn live_with(key: &str, value: &str) -> String {
        let mut parts: Vec<String> = LIVE[1..]
            .split(',')
            .filter(|p| !p.starts_with(&format!("\"{key}\"")))
            .map(str::to_string)
            .collect();
        parts.push(format!("\"{key}\":{value}"));
        format!(",{}", parts.join(","))
    }

    #[test]
    fn judges_states() {
        assert_eq!(judged(&tok("2024-01-01T13:00:00Z", ""), true), "valid");
        assert_eq!(judged(&tok("2024-01-01T11:00:00Z", ""), true), "expired");
        assert_eq!(
            judged(&tok("2024-01-01T11:00:00Z", LIVE), true),
            "refreshable"
        );
        assert_eq!(
            judged(&tok("2024-01-01T12:05:00Z", LIVE), true),
            "refreshable"
        );
        // Legacy tokens never refresh.
        assert_eq!(judged(&tok("2024-01-01T11:00:00Z", LIVE), false), "expired");
        assert_eq!(judged(&tok("2024-01-01T12:05:00Z", LIVE), false), "valid");
        // botocore refreshes when less than 900 s are left, and counts a token with 0 s
        // left as expired.
        assert_eq!(judged(&tok("2024-01-01T12:15:00Z", LIVE), true), "valid");
        assert_eq!(
            judged(&tok("2024-01-01T12:14:59Z", LIVE), true),
            "refreshable"
        );
        assert_eq!(judged(&tok(NOW, ""), true), "expired");
        assert_eq!(judged(&tok("2024-01-01T12:00:01Z", ""), true), "valid");
        // The loader wants both keys; the other members only matter for a refresh.
        assert_eq!(judged("{}", true), "unreadable");
        assert_eq!(
            judged(r#"{"clientId":"c","clientSecret":"s"}"#, true),
            "unreadable"
        );
        assert_eq!(judged(&tok("tomorrow", ""), true), "unreadable");
    }

    /// botocore reads `registrationExpiresAt` only when a refresh is due and the file has
    /// all four refresh members; then a text it cannot read as a time with a zone makes
    /// it fail, and a registration that has ended means no refresh.
    #[test]
    fn judges_the_registration_only_when_a_refresh_is_due() {
        let due = "2024-01-01T12:05:00Z";
        let later = "2024-01-01T14:00:00Z";
        let past = "2024-01-01T11:00:00Z";
        for bad in [
            r#""never""#,
            r#""2025-01-01T00:00:00""#,
            "1",
            "null",
            r#""2025-01-01T00:00:60Z""#,
        ] {
            let reg = live_with("registrationExpiresAt", bad);
            assert_eq!(judged(&tok(due, &reg), true), "unreadable", "{bad}");
            assert_eq!(judged(&tok(past, &reg), true), "unreadable", "{bad}");
            assert_eq!(judged(&tok(later, &reg), true), "valid", "{bad}");
            assert_eq!(judged(&tok(due, &reg), false), "valid", "{bad}");
            // Without a refresh token botocore never reads it.
            let no_refresh = reg.replace(r#""refreshToken":"r","#, "");
            assert_eq!(judged(&tok(due, &no_refresh), true), "valid", "{bad}");
        }
        let ended = live_with("registrationExpiresAt", r#""2024-01-01T11:59:59Z""#);
        assert_eq!(judged(&tok(due, &ended), true), "valid");
        assert_eq!(judged(&tok(past, &ended), true), "expired");
        let offset = live_with("registrationExpiresAt", r#""2024-01-01T13:00:00+02:00""#);
        assert_eq!(
            judged(&tok(due, &offset), true),
            "valid",
            "ended at 11:00 UTC"
        );
    }

    /// A refresh botocore sends carries `refreshToken`, `clientId` and `clientSecret` as
    /// they are: one that is not a string fails botocore's own check of the request (it
    /// raises); an empty one is refused by the service, and botocore goes on with the
    /// token it has.
    #[test]
    fn judges_the_refresh_members_as_botocore_sends_them() {
        let due = "2024-01-01T12:05:00Z";
        let past = "2024-01-01T11:00:00Z";
        for key in ["refreshToken", "clientId", "clientSecret"] {
            let empty = live_with(key, r#""""#);
            assert_eq!(judged(&tok(due, &empty), true), "valid", "{key}");
            assert_eq!(judged(&tok(past, &empty), true), "expired", "{key}");
            for not_text in ["null", "7", "[]"] {
                let v = live_with(key, not_text);
                assert_eq!(
                    judged(&tok(due, &v), true),
                    "unreadable",
                    "{key} {not_text}"
                );
                assert_eq!(judged(&tok(past, &v), false), "expired", "{key} {not_text}");
            }
        }
        // A member missing altogether: no refresh.
        let missing = LIVE.replace(r#","clientSecret":"s""#, "");
        assert_eq!(judged(&tok(past, &missing), true), "expired");
    }

    /// botocore's loader wants the key `accessToken` with any value. Without a refresh it
    /// sends the value as the bearer token: a value that is not a string fails botocore's
    /// check of that request, an empty one is refused by the service (the CLI then asks
    /// for a login). An expired token is reported before it is sent, and a refresh
    /// replaces the value.
    #[test]
    fn judges_the_access_token_as_botocore_sends_it() {
        let valid = "2024-01-01T14:00:00Z";
        let past = "2024-01-01T11:00:00Z";
        let with = |exp: &str, access: &str, extra: &str| {
            format!(r#"{{"accessToken":{access},"expiresAt":"{exp}"{extra}}}"#)
        };
        for access in [r#""""#, "null", "5", "[]", r#"{"a":1}"#] {
            assert_eq!(
                judged(&with(valid, access, ""), true),
                "unreadable",
                "{access}"
            );
            assert_eq!(
                judged(&with(valid, access, ""), false),
                "unreadable",
                "{access}"
            );
            assert_eq!(judged(&with(past, access, ""), true), "expired", "{access}");
            assert_eq!(
                judged(&with(past, access, ""), false),
                "expired",
                "{access}"
            );
            assert_eq!(
                judged(&with(past, access, LIVE), true),
                "refreshable",
                "{access}"
            );
        }
        let no_access = format!(r#"{{"expiresAt":"{valid}"{LIVE}}}"#);
        assert_eq!(judged(&no_access, true), "unreadable");
        assert_eq!(judged(r#"{"accessToken":"a"}"#, true), "unreadable");
        assert_eq!(
            judged(r#"{"accessToken":"a","expiresAt":null}"#, true),
            "unreadable"
        );
        assert_eq!(
            judged(r#"{"accessToken":"a","expiresAt":1893456000}"#, true),
            "unreadable"
        );
    }

    /// The file as Python's `json` module reads it: the last of a key given twice counts,
    /// escapes in keys are decoded, and anything but an object fails botocore's loader.
    #[test]
    fn reads_the_json_as_python_does() {
        let twice = r#"{"accessToken":5,"expiresAt":"never","accessToken":"a","expiresAt":"2024-01-01T14:00:00Z"}"#;
        assert_eq!(judged(twice, true), "valid");
        let escaped = r#"{"access\u0054oken":"a","expiresAt":"2024-01-01T14:00:00Z"}"#;
        assert_eq!(judged(escaped, true), "valid");
        let escaped_value = r#"{"accessToken":"\u0061","expiresAt":"2024-01-01T14:00:00\u005a"}"#;
        assert_eq!(judged(escaped_value, true), "valid");
        for not_object in [
            r#"[{"accessToken":"a"}]"#,
            r#""accessToken expiresAt""#,
            "5",
            "null",
            "{",
        ] {
            assert_eq!(judged(not_object, true), "unreadable", "{not_object}");
        }
    }

    #[test]
    fn tells_whether_a_valid_token_renews() {
        let dir = std::env::temp_dir().join(format!("awsp-sso-renews-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = TokenKey::Session("s".into());
        let now = t(NOW);
        let write = |text: &str| std::fs::write(key.cache_file(&dir), text).unwrap();
        write(&tok("2024-01-01T14:00:00Z", LIVE));
        assert!(read_state_renewing(&key, &dir, now).1);
        write(&tok("2024-01-01T14:00:00Z", ""));
        assert!(!read_state_renewing(&key, &dir, now).1);
        write(&tok(
            "2024-01-01T14:00:00Z",
            &live_with("registrationExpiresAt", r#""never""#),
        ));
        let (state, renews) = read_state_renewing(&key, &dir, now);
        assert_eq!((state.name(), renews), ("valid", false));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn formats_time_left() {
        assert_eq!(format_left(Duration::minutes(192)), "3h12m");
        assert_eq!(format_left(Duration::minutes(45)), "45m");
        assert_eq!(format_left(Duration::minutes(-5)), "0m");
    }
}

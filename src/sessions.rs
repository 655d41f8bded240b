//! When awsp's own logins began each IAM Identity Center session, for the session clock.
//!
//! A refreshable token's `expiresAt` is the access token's end (about an hour), not the
//! session's: the session is renewed silently until an end the administrator set, which
//! no client can see. What awsp can know is when its own login started the session; with
//! the session length the user states (`AWSP_SESSION_HOURS`), that gives an upper bound
//! of the time left. A login with another tool after awsp's is not seen here.
//!
//! One file in the state directory, `sessions`: lines `<sha1 of the session>\t<Unix
//! seconds>`, rewritten whole (a temp file renamed over it) under `sessions.lock`.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::aws::{TokenKey, sha1};
use crate::env::Env;
use crate::fsio;

const FILE: &str = "sessions";
const LOCK: &str = "sessions.lock";
/// Readers refuse a larger file: a line is 52 bytes, and there are a few sessions.
const MAX_READ: u64 = 256 << 10;
/// The most sessions remembered: the most recent logins.
const MAX_ENTRIES: usize = 1000;
/// The session length the user states, in hours.
pub const HOURS_VAR: &str = "AWSP_SESSION_HOURS";

fn id(key: &TokenKey) -> String {
    let raw = match key {
        TokenKey::Session(s) => format!("session {s}"),
        TokenKey::StartUrl(u) => format!("start-url {u}"),
    };
    sha1::hex(raw.as_bytes())
}

/// The session length from `AWSP_SESSION_HOURS` (a number of hours, 1 to 168, fractions
/// allowed), if set and sound.
pub fn length(env: &Env) -> Option<Duration> {
    let hours: f64 = env.get(HOURS_VAR)?.trim().parse().ok()?;
    (1.0..=168.0)
        .contains(&hours)
        .then(|| Duration::seconds((hours * 3600.0) as i64))
}

/// When awsp's last login to `key` began, if it did.
pub fn started(env: &Env, key: &TokenKey) -> Option<DateTime<Utc>> {
    let path = env.state_dir().join(FILE);
    let bytes = fsio::read_file(&path, fsio::Accept::PRIVATE, MAX_READ).ok()??;
    let want = id(key);
    String::from_utf8_lossy(&bytes).lines().find_map(|line| {
        let (k, t) = line.split_once('\t')?;
        (k == want).then(|| DateTime::from_timestamp(t.trim().parse().ok()?, 0))?
    })
}

/// Records that a login to `key` began at `at` (`None`: forgets it, at a logout). Best
/// effort: the clock is a hint, and a state directory that cannot be written only loses it.
pub fn record(env: &Env, key: &TokenKey, at: Option<DateTime<Utc>>) {
    let _ = try_record(env, key, at);
}

fn try_record(env: &Env, key: &TokenKey, at: Option<DateTime<Utc>>) -> std::io::Result<()> {
    let dir = env.state_dir();
    fsio::private_dir(&dir).map_err(|e| std::io::Error::other(e.to_string()))?;
    let lock = fsio::open_private(&dir.join(LOCK), false)?;
    fsio::lock_within(&lock, StdDuration::from_secs(3), || {})?;
    let path = dir.join(FILE);
    let old = fsio::read_file(&path, fsio::Accept::PRIVATE, MAX_READ)
        .ok()
        .flatten()
        .unwrap_or_default();
    let want = id(key);
    let mut lines: Vec<String> = String::from_utf8_lossy(&old)
        .lines()
        .filter(|l| {
            l.split_once('\t')
                .is_some_and(|(k, _)| k != want && k.len() == 40)
        })
        .map(str::to_string)
        .collect();
    if let Some(at) = at {
        lines.push(format!("{want}\t{}", at.timestamp()));
    }
    let skip = lines.len().saturating_sub(MAX_ENTRIES);
    let body: String = lines[skip..].iter().map(|l| format!("{l}\n")).collect();
    fsio::replace_file(&path, body.as_bytes(), None, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_reads_and_forgets() {
        let d = std::env::temp_dir().join(format!("awsp-sessions-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let env = Env::fake([("HOME", d.to_str().unwrap())]);
        let (a, b) = (
            TokenKey::Session("a".into()),
            TokenKey::StartUrl("https://b".into()),
        );
        assert_eq!(started(&env, &a), None);
        let t1 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t2 = DateTime::from_timestamp(1_700_003_600, 0).unwrap();
        record(&env, &a, Some(t1));
        record(&env, &b, Some(t2));
        assert_eq!((started(&env, &a), started(&env, &b)), (Some(t1), Some(t2)));
        record(&env, &a, Some(t2));
        assert_eq!(started(&env, &a), Some(t2));
        record(&env, &a, None);
        assert_eq!((started(&env, &a), started(&env, &b)), (None, Some(t2)));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn length_is_hours_within_reason() {
        let l = |v: &str| length(&Env::fake([(HOURS_VAR, v)]));
        assert_eq!(l("8"), Some(Duration::hours(8)));
        assert_eq!(l("1.5"), Some(Duration::minutes(90)));
        assert_eq!((l("0"), l("200"), l("x")), (None, None, None));
    }
}

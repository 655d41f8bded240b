//! The credential cache: the temporary credentials of each profile, in its own file in
//! `<state dir>/credentials/`, reused until [`MARGIN`] before they end.
//!
//! A file is named by the SHA-1 of everything that decides what the profile resolves to
//! (its settings and those of its `source_profile` chain and `sso-session`, secrets
//! left out), so an edited profile never reuses what the old one got. Files are
//! private (0600 in a 0700 directory, never reached through a link) and written in one
//! step. Beside each, a lock file: a caller that finds no usable credentials takes the
//! lock, looks again (another caller may have fetched them meanwhile), and only then
//! asks upstream. So any number of concurrent callers for one profile make one call.

use std::fs::File;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use crate::aws::{Credentials, sha1};
use crate::env::Env;
use crate::error::Result;
use crate::fsio::{self, Accept, DirError};

/// Credentials are fetched again this long before they end. The SDKs ask a
/// `credential_process` again 15 minutes before the end of what it gave them, so a
/// cached answer is never older than that when they ask.
pub const MARGIN: Duration = Duration::minutes(15);
/// A cache file is a few hundred bytes.
const MAX_FILE: u64 = 64 << 10;

pub struct Cache {
    dir: Option<PathBuf>,
}

/// A held lock on one entry; released when dropped.
pub struct Held(#[allow(dead_code)] Option<File>);

impl Cache {
    /// The cache under `env`'s state directory. An untrusted directory (a link, another
    /// owner's, open to others) is not used: every call then goes upstream.
    pub fn open(env: &Env) -> Cache {
        let dir = env.state_dir().join("credentials");
        match fsio::private_dir(&dir) {
            Ok(()) => Cache { dir: Some(dir) },
            Err(DirError::Untrusted { problem, fix }) => {
                crate::eprintln_shown!("awsp: not caching credentials: {problem}; {fix}");
                Cache { dir: None }
            }
            Err(DirError::Io(e)) => {
                crate::eprintln_shown!("awsp: not caching credentials: {}: {e}", dir.display());
                Cache { dir: None }
            }
        }
    }

    /// The entry named by `fingerprint`: its file and its lock file.
    fn paths(&self, fingerprint: &str) -> Option<(PathBuf, PathBuf)> {
        let dir = self.dir.as_ref()?;
        let name = sha1::hex(fingerprint.as_bytes());
        Some((
            dir.join(format!("{name}.json")),
            dir.join(format!("{name}.lock")),
        ))
    }

    /// The cached credentials, when they last beyond the margin.
    pub fn get(&self, fingerprint: &str, now: DateTime<Utc>) -> Option<Credentials> {
        let (path, _) = self.paths(fingerprint)?;
        let text = fsio::read_file(&path, Accept::PRIVATE, MAX_FILE).ok()??;
        let creds = Credentials::from_process_json(&text).ok()?;
        (creds.expiration? - now > MARGIN).then_some(creds)
    }

    /// Stores credentials that end; others (static keys) are never written.
    pub fn put(&self, fingerprint: &str, creds: &Credentials) {
        let Some((path, _)) = self.paths(fingerprint) else {
            return;
        };
        if creds.expiration.is_none() {
            return;
        }
        let text = creds.to_process_json().to_string();
        if let Err(e) = fsio::replace_file(&path, text.as_bytes(), None, false) {
            crate::eprintln_shown!(
                "awsp: could not cache credentials in {}: {e}",
                path.display()
            );
        }
    }

    /// Takes the entry's lock, waiting up to `wait`.
    pub fn lock(&self, fingerprint: &str, wait: std::time::Duration) -> Result<Held> {
        let Some((_, lock)) = self.paths(fingerprint) else {
            return Ok(Held(None));
        };
        let file = fsio::open_private(&lock, false).map_err(|e| {
            crate::error::Error::runtime(format!("cannot open {}: {e}", lock.display()))
        })?;
        match fsio::lock_within(&file, wait, || {}) {
            Ok(_) => Ok(Held(Some(file))),
            Err(e) => bail!(
                "another awsp has been fetching these credentials for too long ({}: {e}); remove it if none is running",
                lock.display()
            ),
        }
    }
}

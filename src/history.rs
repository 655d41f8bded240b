//! Frecency history of chosen profiles under `$XDG_STATE_HOME/awsp/`.
//!
//! One JSON file, `history.json`: `{"version":1,"entries":[{"name","count","last"}]}`.
//! Writers take an exclusive `flock` on `history.lock` around read-modify-write and
//! replace the file by renaming a temp file in the same directory, so two shells switching
//! at once lose nothing and a reader never sees half a file. Readers take no lock. A file
//! that does not parse is ignored and rebuilt by the next write.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::env::Env;

pub const FILE: &str = "history.json";
const LOCK: &str = "history.lock";
/// The file keeps at most this many names: the most recently chosen ones.
pub const MAX_ENTRIES: usize = 500;
/// When the counts add up to more than this, they all shrink (zoxide's aging), so a
/// profile used heavily last year does not outrank this week's.
const MAX_TOTAL: f64 = 2000.0;
/// A writer that cannot get the lock in this time gives up; a switch never waits longer.
const LOCK_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistEntry {
    pub name: String,
    pub count: f64,
    /// Unix seconds of the last choice.
    pub last: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct HistFile {
    version: u32,
    entries: Vec<HistEntry>,
}

pub fn path(env: &Env) -> PathBuf {
    env.state_dir().join(FILE)
}

/// Best effort: a history that cannot be written never blocks a switch.
pub fn record(env: &Env, name: &str) {
    let _ = try_record(env, name);
}

fn try_record(env: &Env, name: &str) -> std::io::Result<()> {
    let dir = env.state_dir();
    fs::create_dir_all(&dir)?;
    let _lock = Lock::acquire(&dir.join(LOCK))?;
    let file = dir.join(FILE);
    let mut entries = read_entries(&file);
    bump(&mut entries, name, env.now.timestamp());
    write_atomic(&file, &entries)
}

/// Entries from the file; missing, unreadable or corrupt gives none.
fn read_entries(file: &Path) -> Vec<HistEntry> {
    let Ok(text) = fs::read(file) else {
        return Vec::new();
    };
    match serde_json::from_slice::<HistFile>(&text) {
        Ok(h) if h.version == 1 => h
            .entries
            .into_iter()
            .filter(|e| !e.name.is_empty() && e.count.is_finite() && e.count > 0.0)
            .collect(),
        _ => Vec::new(),
    }
}

/// Counts one more choice of `name` at `now`, ages the counts and trims to the bound.
fn bump(entries: &mut Vec<HistEntry>, name: &str, now: i64) {
    match entries.iter_mut().find(|e| e.name == name) {
        Some(e) => {
            e.count += 1.0;
            e.last = e.last.max(now);
        }
        None => entries.push(HistEntry {
            name: name.to_string(),
            count: 1.0,
            last: now,
        }),
    }
    let total: f64 = entries.iter().map(|e| e.count).sum();
    if total > MAX_TOTAL {
        let factor = 0.9 * MAX_TOTAL / total;
        for e in entries.iter_mut() {
            e.count *= factor;
        }
        // The one just chosen always stays.
        entries.retain(|e| e.count >= 1.0 || e.name == name);
    }
    if entries.len() > MAX_ENTRIES {
        entries.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.name.cmp(&b.name)));
        entries.truncate(MAX_ENTRIES);
    }
}

fn write_atomic(file: &Path, entries: &[HistEntry]) -> std::io::Result<()> {
    let body = serde_json::to_vec(&HistFile {
        version: 1,
        entries: entries.to_vec(),
    })
    .map_err(std::io::Error::other)?;
    let tmp = file.with_file_name(format!(".{FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(&body)?;
        f.write_all(b"\n")?;
        // No fsync: a history lost to a power cut is harmless, and a file left
        // corrupt by one is ignored and rebuilt; a switch should not wait on the disk.
        drop(f);
        fs::rename(&tmp, file)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// An exclusive `flock` on the lock file, released when dropped (or when the process dies).
struct Lock(File);

impl Lock {
    fn acquire(path: &Path) -> std::io::Result<Lock> {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        let start = Instant::now();
        loop {
            // SAFETY: flock on a descriptor we own; no memory is involved.
            if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Lock(f));
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK)
                && err.kind() != std::io::ErrorKind::Interrupted
            {
                return Err(err);
            }
            if start.elapsed() > LOCK_WAIT {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "history is locked",
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // SAFETY: as above; closing the file would release it too.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Every remembered name with its frecency at `env.now`: the count weighted by how
/// recently it was chosen (zoxide's buckets).
pub fn scores(env: &Env) -> HashMap<String, f64> {
    let now = env.now.timestamp();
    read_entries(&path(env))
        .into_iter()
        .map(|e| {
            let s = frecency(&e, now);
            (e.name, s)
        })
        .collect()
}

pub fn frecency(e: &HistEntry, now: i64) -> f64 {
    let age = now.saturating_sub(e.last);
    let weight = if age < 3600 {
        4.0
    } else if age < 86_400 {
        2.0
    } else if age < 7 * 86_400 {
        0.5
    } else {
        0.25
    };
    e.count * weight
}

/// Sorts by frecency, highest first, then by name. Each item's score is looked up once.
pub fn order<T>(items: &mut Vec<T>, scores: &HashMap<String, f64>, name: impl Fn(&T) -> &str) {
    let mut keyed: Vec<(f64, T)> = items
        .drain(..)
        .map(|t| (scores.get(name(&t)).copied().unwrap_or(0.0), t))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| name(&a.1).cmp(name(&b.1))));
    items.extend(keyed.into_iter().map(|(_, t)| t));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(dir: &Path, now: i64) -> Env {
        let mut e = Env::fake([("HOME", dir.to_str().unwrap())]);
        e.now = chrono::DateTime::from_timestamp(now, 0).unwrap();
        e
    }

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("awsp-hist-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn frequent_and_recent_first_then_name() {
        let d = tmp("order");
        let t = 1_700_000_000;
        record(&env(&d, t - 30 * 86_400), "old-favourite");
        for _ in 0..3 {
            record(&env(&d, t - 30 * 86_400), "old-favourite");
        }
        record(&env(&d, t - 60), "b");
        record(&env(&d, t - 60), "b");
        record(&env(&d, t - 10), "a");
        let s = scores(&env(&d, t));
        assert_eq!(s["old-favourite"], 1.0, "4 uses a month ago weigh 1/4");
        assert_eq!(s["b"], 8.0);
        assert_eq!(s["a"], 4.0);
        let mut names = vec!["z", "a", "old-favourite", "b", "c"];
        order(&mut names, &s, |n| n);
        assert_eq!(names, ["b", "a", "old-favourite", "c", "z"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn corrupt_file_is_ignored_and_rebuilt() {
        let d = tmp("corrupt");
        let e = env(&d, 1_700_000_000);
        fs::create_dir_all(e.state_dir()).unwrap();
        fs::write(path(&e), "{\"version\":1,\"entries\":[{\"na").unwrap();
        assert!(scores(&e).is_empty());
        record(&e, "p");
        let s = scores(&e);
        assert_eq!(s.len(), 1);
        assert!(s["p"] > 0.0);
        let text = fs::read_to_string(path(&e)).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
        // No temp files are left behind.
        let left: Vec<_> = fs::read_dir(e.state_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        let mut left = left;
        left.sort();
        assert_eq!(left, [FILE, LOCK]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bounded_in_names_and_counts() {
        let mut entries = Vec::new();
        for i in 0..(MAX_ENTRIES + 50) {
            bump(&mut entries, &format!("p{i:04}"), i as i64);
        }
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert!(
            entries.iter().all(|e| e.name.as_str() >= "p0050"),
            "the oldest names are dropped"
        );
        for _ in 0..5000 {
            bump(&mut entries, "hot", 10_000);
        }
        let total: f64 = entries.iter().map(|e| e.count).sum();
        assert!(total <= MAX_TOTAL + 1.0, "total {total}");
        let hot = entries.iter().find(|e| e.name == "hot").unwrap();
        assert!(
            hot.count > 100.0,
            "the heavy user stays on top: {}",
            hot.count
        );
    }

    #[test]
    fn unwritable_state_dir_is_not_an_error() {
        let d = tmp("ro");
        // A file where the state directory should be.
        fs::create_dir_all(d.join(".local/state")).unwrap();
        fs::write(d.join(".local/state/awsp"), "x").unwrap();
        let e = env(&d, 1);
        record(&e, "p");
        assert!(scores(&e).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }
}

//! Frecency history of chosen profiles under `$XDG_STATE_HOME/awsp/`.
//!
//! One text file, `history`: a comment line, then `name<TAB>count<TAB>last` lines (`last`
//! in Unix seconds). A later line for a name adds its count and moves `last` forward, so a
//! switch records itself by appending one line, `name\t1\tnow`: a single `write` on an
//! `O_APPEND` descriptor. (Replacing the file by rename on every switch made ext4 flush it
//! at once, which cost a switch 2 ms.) Once the file passes [`COMPACT_AT`] bytes, the
//! writer that crossed it rewrites it as one line per name, to a temp file renamed over
//! it. Writers hold an exclusive `flock` on `history.lock`, so two shells switching at
//! once lose nothing; readers take no lock and skip what does not parse (a line cut short
//! by a crash, a file from elsewhere), and the next compaction drops it.
//!
//! The state directory must be private (see [`fsio::private_dir`]): one that is a
//! symbolic link, belongs to another user or is writable by group or others gets a
//! one-line warning at a switch, and no history is read from or written to it. Its files
//! are opened with `O_NOFOLLOW`, so a link in place of one is never written through.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::env::Env;
use crate::fsio::{self, DirError};

pub const FILE: &str = "history";
const LOCK: &str = "history.lock";
const HEADER: &str =
    "# awsp history: name, count, last chosen (Unix seconds); later lines add up\n";
/// A file longer than this is compacted by the writer that made it so: some 2,000
/// switches between compactions, and readers never parse more than this.
pub const COMPACT_AT: u64 = 64 << 10;
/// Readers refuse a file larger than this: compaction keeps it under half of
/// [`COMPACT_AT`], and appends add one line each until it passes [`COMPACT_AT`], so a
/// larger one was not written by awsp.
pub const MAX_READ: u64 = 16 * COMPACT_AT;
/// The file keeps at most this many names: the most recently chosen ones.
pub const MAX_ENTRIES: usize = 500;
/// When the counts add up to more than this, they all shrink (zoxide's aging), so a
/// profile used heavily last year does not outrank this week's.
const MAX_TOTAL: f64 = 2000.0;
/// A writer that cannot get the lock in this time gives up; a switch never waits longer.
const LOCK_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq)]
pub struct HistEntry {
    pub name: String,
    pub count: f64,
    /// Unix seconds of the last choice.
    pub last: i64,
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
    match fsio::private_dir(&dir) {
        Ok(()) => {}
        Err(DirError::Untrusted { problem, fix }) => {
            crate::eprintln_shown!("awsp: history not kept: {problem}; {fix}");
            return Ok(());
        }
        Err(DirError::Io(e)) => return Err(e),
    }
    let lock = fsio::open_private(&dir.join(LOCK), false)?;
    fsio::lock_within(&lock, LOCK_WAIT, || {})?;
    let file = dir.join(FILE);
    let mut f = fsio::open_private(&file, true)?;
    // One `write` per line: appended whole, never interleaved with another writer's.
    let mut line = String::new();
    let len = f.metadata()?.len();
    let mut last = [b'\n'];
    if len == 0 {
        line.push_str(HEADER);
    } else if crate::os::read_at(&f, &mut last, len - 1).is_ok() && last[0] != b'\n' {
        // A line cut short (a crash mid-write): end it, or ours would be glued to it.
        line.push('\n');
    }
    line.push_str(&format_line(name, 1.0, env.now.timestamp()));
    f.write_all(line.as_bytes())?;
    if f.metadata()?.len() > COMPACT_AT {
        drop(f);
        write_atomic(&file, &read_entries(&file))?;
    }
    Ok(())
}

fn format_line(name: &str, count: f64, last: i64) -> String {
    format!("{name}\t{count}\t{last}\n")
}

/// Entries from the file, aged and trimmed as its lines add up; missing, unreadable,
/// corrupt, not a regular file, a symbolic link, or larger than [`MAX_READ`] gives none,
/// and a line that does not parse is skipped.
pub fn read_entries(file: &Path) -> Vec<HistEntry> {
    let Ok(Some(bytes)) = fsio::read_file(file, fsio::Accept::PRIVATE, MAX_READ) else {
        return Vec::new();
    };
    let mut tally = Tally::default();
    // Only whole lines: the last one may still be being written. Each line is decoded on
    // its own, so a stray byte costs that line, not the history.
    let whole = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&[][..], |i| &bytes[..i]);
    for line in whole.split(|&b| b == b'\n') {
        let parsed = std::str::from_utf8(line).ok().and_then(parse_line);
        if let Some((name, count, last)) = parsed {
            tally.add(name, count, last);
        }
    }
    let mut entries = tally.entries;
    if entries.len() > MAX_ENTRIES {
        entries.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.name.cmp(&b.name)));
        entries.truncate(MAX_ENTRIES);
    }
    entries
}

fn parse_line(line: &str) -> Option<(&str, f64, i64)> {
    let mut fields = line.split('\t');
    let name = fields
        .next()
        .filter(|n| crate::aws::ini::is_valid_name(n))?;
    let count: f64 = fields.next()?.parse().ok()?;
    let last: i64 = fields.next()?.parse().ok()?;
    (fields.next().is_none() && count.is_finite() && count > 0.0).then_some((name, count, last))
}

/// Entries being added up line by line.
#[derive(Default)]
struct Tally {
    entries: Vec<HistEntry>,
    /// Name → position in `entries`.
    index: HashMap<String, usize>,
    total: f64,
}

impl Tally {
    /// Adds `count` choices of `name`, the last at `last`, and ages every count once the
    /// total passes [`MAX_TOTAL`].
    fn add(&mut self, name: &str, count: f64, last: i64) {
        match self.index.get(name) {
            Some(&i) => {
                let e = &mut self.entries[i];
                e.count += count;
                e.last = e.last.max(last);
            }
            None => {
                self.index.insert(name.to_string(), self.entries.len());
                self.entries.push(HistEntry {
                    name: name.to_string(),
                    count,
                    last,
                });
            }
        }
        self.total += count;
        if self.total > MAX_TOTAL {
            let factor = 0.9 * MAX_TOTAL / self.total;
            for e in &mut self.entries {
                e.count *= factor;
            }
            // The one just chosen always stays.
            self.entries.retain(|e| e.count >= 1.0 || e.name == name);
            self.total = self.entries.iter().map(|e| e.count).sum();
            self.index.clear();
            let names = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.clone(), i));
            self.index.extend(names);
        }
    }
}

/// Rewrites the file as one line per entry, through a temp file renamed over it, so a
/// reader sees the old file or the new one, never half of one. The temp file is created
/// exclusively under a name nobody can guess, and the rename replaces a symbolic link in
/// the file's place instead of writing through it.
fn write_atomic(file: &Path, entries: &[HistEntry]) -> std::io::Result<()> {
    // The most recently chosen are kept while they fit in half of [`COMPACT_AT`]: with
    // long names the file still ends far below what readers accept, and appends have room.
    let lines: Vec<String> = entries
        .iter()
        .map(|e| format_line(&e.name, e.count, e.last))
        .collect();
    let mut recent: Vec<usize> = (0..entries.len()).collect();
    recent.sort_by(|&a, &b| entries[b].last.cmp(&entries[a].last).then(a.cmp(&b)));
    let mut keep = vec![false; entries.len()];
    let mut size = HEADER.len();
    for i in recent {
        size += lines[i].len();
        if size as u64 > COMPACT_AT / 2 {
            break;
        }
        keep[i] = true;
    }
    let mut body = String::from(HEADER);
    for (line, _) in lines.iter().zip(&keep).filter(|(_, k)| **k) {
        body.push_str(line);
    }
    // Not durable: a history lost to a power cut is harmless, and a file left corrupt by
    // one is ignored and rebuilt; a switch should not wait on the disk.
    fsio::replace_file(file, body.as_bytes(), None, false)
}

/// Every remembered name with its frecency at `env.now`: the count weighted by how
/// recently it was chosen (zoxide's buckets).
pub fn scores(env: &Env) -> HashMap<String, f64> {
    let now = env.now.timestamp();
    if fsio::check_dir(&env.state_dir()).is_err() {
        return HashMap::new();
    }
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

/// Sorts by frecency, highest first, then by name (items without a score count 0).
pub fn order<T>(items: &mut Vec<T>, scores: &HashMap<String, f64>, name: impl Fn(&T) -> &str) {
    let positive = |s: &f64| s.total_cmp(&0.0).is_gt();
    // Positions in the order wanted; the items are then moved once (a picker row is some
    // 400 bytes, and moving 10,000 of them through a sort was most of its cost).
    let at: Vec<usize> = if items.is_sorted_by(|a, b| name(a) <= name(b))
        && scores.values().all(|s| s.total_cmp(&0.0).is_ge())
    {
        // Already in name order (the picker's names are) and no score below an unscored
        // item's: only the scored few move to the front, found by binary search, and the
        // rest keep their places. At 10,000 profiles, scoring and sorting every name was
        // a third of what the picker did before it could draw.
        let mut front: Vec<(f64, usize)> = Vec::new();
        for (n, s) in scores.iter().filter(|(_, s)| positive(s)) {
            let from = items.partition_point(|t| name(t) < n.as_str());
            let to = from + items[from..].partition_point(|t| name(t) == n.as_str());
            front.extend((from..to).map(|i| (*s, i)));
        }
        front.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut moved = vec![false; items.len()];
        for &(_, i) in &front {
            moved[i] = true;
        }
        let rest = (0..items.len()).filter(|&i| !moved[i]);
        front.iter().map(|&(_, i)| i).chain(rest).collect()
    } else {
        let mut keys: Vec<(f64, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, t)| (scores.get(name(t)).copied().unwrap_or(0.0), i))
            .collect();
        keys.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| name(&items[a.1]).cmp(name(&items[b.1])))
                .then(a.1.cmp(&b.1))
        });
        keys.into_iter().map(|(_, i)| i).collect()
    };
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(at.iter().filter_map(|&i| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
        // Names already in name order come out the same, however they are sorted.
        let mut names = vec!["a", "b", "c", "old-favourite", "z"];
        order(&mut names, &s, |n| n);
        assert_eq!(names, ["b", "a", "old-favourite", "c", "z"]);
        fs::remove_dir_all(&d).unwrap();
    }

    /// Both ways of ordering (items already in name order, and not) give what one plain
    /// sort gives, with duplicate names, zero and negative zero scores, names scored but
    /// absent, and a negative score (which sorts after every unscored item).
    #[test]
    fn order_agrees_with_a_plain_sort() {
        fn reference<'a>(items: &[&'a str], scores: &HashMap<String, f64>) -> Vec<&'a str> {
            let score = |n: &str| scores.get(n).copied().unwrap_or(0.0);
            let mut v: Vec<(usize, &str)> = items.iter().copied().enumerate().collect();
            v.sort_by(|a, b| {
                score(b.1)
                    .total_cmp(&score(a.1))
                    .then(a.1.cmp(b.1))
                    .then(a.0.cmp(&b.0))
            });
            v.into_iter().map(|(_, n)| n).collect()
        }
        let names = ["a", "b", "b", "c", "d", "e", "e", "f", "g", "h"];
        let score_sets: [&[(&str, f64)]; 5] = [
            &[],
            &[("e", 2.0), ("b", 2.0), ("h", 0.5), ("zz", 9.0)],
            &[("c", 0.0), ("d", -0.0), ("g", 1.0)],
            &[("c", -1.0), ("f", 3.0)],
            &[("a", 1.0), ("b", 1.0), ("e", 1.0)],
        ];
        for set in score_sets {
            let scores: HashMap<String, f64> =
                set.iter().map(|(n, s)| (n.to_string(), *s)).collect();
            for rotate in 0..3 {
                // In name order, then moved out of it.
                let mut items = names.to_vec();
                items.rotate_left(rotate);
                let want = reference(&items, &scores);
                order(&mut items, &scores, |n| n);
                assert_eq!(items, want, "{set:?}, rotated {rotate}");
            }
        }
    }

    fn files(e: &Env) -> Vec<String> {
        let mut left: Vec<_> = fs::read_dir(e.state_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        left
    }

    /// Long names cannot push the compacted file past what readers accept: it keeps the
    /// most recently chosen names that fit in half of COMPACT_AT.
    #[test]
    fn compaction_is_bounded_in_bytes() {
        let d = tmp("bytes");
        let e = env(&d, 1_700_000_000);
        fs::create_dir_all(e.state_dir()).unwrap();
        let entries: Vec<HistEntry> = (0..500)
            .map(|i| HistEntry {
                name: format!("{i:03}-{}", "n".repeat(2000)),
                count: 1.0,
                last: i,
            })
            .collect();
        write_atomic(&path(&e), &entries).unwrap();
        let len = fs::metadata(path(&e)).unwrap().len();
        assert!(len <= COMPACT_AT / 2, "{len}");
        let read = read_entries(&path(&e));
        assert!(
            !read.is_empty() && read.iter().all(|r| r.last >= 480),
            "{}",
            read.len()
        );
        assert!(read.iter().any(|r| r.last == 499), "the latest is kept");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn corrupt_lines_are_skipped_and_dropped_by_compaction() {
        let d = tmp("corrupt");
        let e = env(&d, 1_700_000_000);
        fs::create_dir_all(e.state_dir()).unwrap();
        // Binary junk, a line with a bad count, a bad name, and a torn last line.
        fs::write(
            path(&e),
            b"\xff\xfe{\"version\":1\nq\tNaN\t1\nbad name\t1\t1\nok\t2\t5\ntorn\t1",
        )
        .unwrap();
        let s = scores(&e);
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            ["ok"],
            "a line that is not UTF-8 costs that line only"
        );
        fs::write(
            path(&e),
            "junk\nq\tNaN\t1\nbad name\t1\t1\nok\t2\t5\ntorn\t1",
        )
        .unwrap();
        let names = |e: &Env| -> Vec<(String, f64)> {
            read_entries(&path(e))
                .into_iter()
                .map(|h| (h.name, h.count))
                .collect()
        };
        assert_eq!(names(&e), [("ok".to_string(), 2.0)]);
        record(&e, "p");
        // The torn line is ended first, so `p` is not glued to it.
        assert_eq!(names(&e), [("ok".to_string(), 2.0), ("p".to_string(), 1.0)]);
        record(&e, "p");
        assert_eq!(names(&e), [("ok".to_string(), 2.0), ("p".to_string(), 2.0)]);
        // Compaction keeps the sums and drops the junk.
        write_atomic(&path(&e), &read_entries(&path(&e))).unwrap();
        let text = fs::read_to_string(path(&e)).unwrap();
        assert_eq!(text, format!("{HEADER}ok\t2\t5\np\t2\t1700000000\n"));
        assert_eq!(files(&e), [FILE, LOCK], "no temp file is left");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn appends_until_the_bound_then_compacts() {
        let d = tmp("compact");
        let e = env(&d, 1_700_000_000);
        let mut len = 0;
        let mut compacted = false;
        for i in 0..3000 {
            record(&e, &format!("a-rather-long-profile-name-{}", i % 7));
            let now = fs::metadata(path(&e)).unwrap().len();
            assert!(now <= COMPACT_AT + 64, "bounded: {now}");
            compacted |= now < len;
            len = now;
        }
        assert!(compacted, "the file was rewritten at least once");
        let entries = read_entries(&path(&e));
        assert_eq!(entries.len(), 7);
        let total: f64 = entries.iter().map(|h| h.count).sum();
        assert!(
            (total - 3000.0).abs() < 1e-6 || total <= MAX_TOTAL,
            "{total}"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bounded_in_names_and_counts() {
        let d = tmp("bounded");
        let e = env(&d, 0);
        fs::create_dir_all(e.state_dir()).unwrap();
        let mut text = String::from(HEADER);
        for i in 0..(MAX_ENTRIES + 50) {
            text.push_str(&format_line(&format!("p{i:04}"), 1.0, i as i64));
        }
        fs::write(path(&e), &text).unwrap();
        let entries = read_entries(&path(&e));
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert!(
            entries.iter().all(|e| e.name.as_str() >= "p0050"),
            "the oldest names are dropped"
        );
        for _ in 0..5000 {
            text.push_str(&format_line("hot", 1.0, 10_000));
        }
        fs::write(path(&e), text).unwrap();
        let entries = read_entries(&path(&e));
        let total: f64 = entries.iter().map(|e| e.count).sum();
        assert!(total <= MAX_TOTAL + 1.0, "total {total}");
        let hot = entries.iter().find(|e| e.name == "hot").unwrap();
        assert!(
            hot.count > 100.0,
            "the heavy user stays on top: {}",
            hot.count
        );
        fs::remove_dir_all(&d).unwrap();
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

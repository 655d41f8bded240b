//! The profile index: where each profile's and sso-session's sections start in the config
//! and credentials files, and the sorted profile names, kept in awsp's state directory so
//! that a command needing one profile out of 10,000 reads a few hundred bytes instead of
//! checking every line again.
//!
//! It is written only for files that passed every check of the full grammar with nothing
//! to warn about (no ignored section, no difference from the AWS CLI, no section written
//! twice), so that reading a profile through it gives what a full parse gives. It records
//! each file's identity ([`crate::os::identity`]: device, inode, size, modification and
//! status-change times) and is used only while both files still have that identity, and
//! only when both were last changed more than [`RACY`] before the index was made: a file
//! changed again within the same tick of the file system's clock keeps its identity, so
//! an index made that close to a change could describe the content before it. Anything
//! that does not match, or does not read back exactly (a checksum guards every part), and
//! the callers parse the files as if there were no index.
//!
//! Layout (little-endian): a header (magic, the paths, the identities, the time the files
//! were opened, the sso-session sections, a checksum), a table of bucket offsets, each
//! bucket's records (a name and its sections) with a checksum, and the names.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::ini::{self, FileKind, Mark, Opens};
use crate::fsio::{self, Source};

const MAGIC: &[u8; 8] = b"AWSPIX04";

/// How long before the index was made both files must have been last changed for it to
/// be trusted: more than any file system's timestamp granularity (FAT's is 2 s).
pub const RACY: Duration = Duration::from_secs(3);

/// What is read of the header at first; a longer one is read whole after.
const HEAD: usize = 4096;

/// A run of whole sections of one file: where it starts, how long it is, and the line
/// number of its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// 0: config, 1: credentials.
    pub file: u8,
    pub offset: u64,
    pub len: u32,
    pub line: u32,
}

const RANGE_BYTES: usize = 17;

/// The most bytes of names in one block (a longer name makes a block of its own).
const NAME_BLOCK: usize = 4096;

/// The index file for this pair of paths, in `state_dir`.
pub fn path(state_dir: &Path, files: [&Path; 2]) -> PathBuf {
    let key = key(files);
    let hex = super::sha1::hex(&key);
    state_dir.join(format!("profiles-{}.idx", &hex[..16]))
}

fn key(files: [&Path; 2]) -> Vec<u8> {
    let mut key = Vec::new();
    for f in files {
        key.extend_from_slice(f.to_string_lossy().as_bytes());
        key.push(0);
    }
    key
}

/// After FNV-1a, 64 bits: catches a torn or altered part, not an attack (the file is the
/// user's own, in a private directory).
fn checksum(bytes: &[u8]) -> u64 {
    fnv(FNV_START, bytes)
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Eight bytes at a time (a byte at a time was a tenth of a completion's time at 10,000
/// profiles); fed in parts, every part but the last must be a multiple of eight bytes long.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ w).wrapping_mul(0x0100_0000_01b3).rotate_left(23);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn nanos(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// Whether a file with `identity` changed too close to `at` (ns since the epoch) for an
/// index made at `at` to tell its later changes apart, or after it.
fn racy(identity: &[i64; 7], at: i64) -> bool {
    let changed = |s: i64, ns: i64| s.saturating_mul(1_000_000_000).saturating_add(ns);
    let last = changed(identity[3], identity[4]).max(changed(identity[5], identity[6]));
    last > at.saturating_sub(RACY.as_nanos() as i64)
}

/// An opened index that matches the files as they are now.
pub struct Index {
    /// Whether the files could be indexed: `false` records that they were read and could
    /// not (an error, a warning), so that nobody tries again until they change.
    pub usable: bool,
    file: Source,
    buckets: u64,
    table: u64,
    names: (u64, u64),
    /// Each sso-session's section, by name.
    pub sessions: Vec<(String, Range)>,
    checked_at: i64,
    /// The header's checksum: what a file kept beside the index is bound to.
    head_sum: u64,
    /// The whole index, once [`Index::read_whole`] has read it: then looked up in memory.
    whole: Option<Vec<u8>>,
}

/// A bucket table entry: the offset in the low 40 bits, and above it 24 bits of a
/// checksum of the slot, the offset and the index's time, so that an entry altered or
/// zeroed (which would make a bucket look empty, a profile absent) is caught.
fn tag(slot: u64, offset: u64, checked_at: i64) -> u64 {
    let mut b = [0u8; 24];
    b[..8].copy_from_slice(&slot.to_le_bytes());
    b[8..16].copy_from_slice(&offset.to_le_bytes());
    b[16..].copy_from_slice(&checked_at.to_le_bytes());
    (checksum(&b) & !OFFSET_MASK) | (offset & OFFSET_MASK)
}

const OFFSET_MASK: u64 = (1 << 40) - 1;

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn range(&mut self) -> Option<Range> {
        Some(Range {
            file: self.u8().filter(|f| *f < 2)?,
            offset: self.u64()?,
            len: self.u32()?,
            line: self.u32()?,
        })
    }
}

fn put_range(out: &mut Vec<u8>, r: &Range) {
    out.push(r.file);
    out.extend_from_slice(&r.offset.to_le_bytes());
    out.extend_from_slice(&r.len.to_le_bytes());
    out.extend_from_slice(&r.line.to_le_bytes());
}

/// Reads exactly `len` bytes at `at`.
pub fn read_exact_at(file: &File, at: u64, len: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; len];
    fill_at(file, at, &mut buf).then_some(buf)
}

/// Fills `buf` with the bytes at `at`; false when the file ends first or cannot be read.
fn fill_at(file: &File, at: u64, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        match crate::os::read_at(file, &mut buf[got..], at + got as u64) {
            Ok(0) => return false,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}

/// Identities as the index stores them: `None` for a missing file.
pub type Identities = [Option<[i64; 7]>; 2];

impl Index {
    /// The index for `files`, when there is one, it reads back whole, the state directory
    /// is safe, and it describes exactly the files with `now` identities, both changed
    /// safely before it was made. `None` otherwise.
    pub fn open(state_dir: &Path, files: [&Path; 2], now: &Identities) -> Option<Index> {
        fsio::check_dir(state_dir).ok()?;
        let file = fsio::open_read(&path(state_dir, files), fsio::Accept::PRIVATE).ok()??;
        let first = read_exact_at(file.file(), 0, HEAD.min(file.len() as usize))?;
        let mut r = Reader { b: &first, at: 0 };
        if r.take(8)? != MAGIC {
            return None;
        }
        let head_len = r.u32()? as usize;
        let head = if head_len <= first.len() {
            first
        } else {
            read_exact_at(file.file(), 0, head_len)?
        };
        let body = head.get(..head_len.checked_sub(8)?)?;
        let sum = u64::from_le_bytes(head.get(head_len - 8..head_len)?.try_into().ok()?);
        if checksum(body) != sum {
            return None;
        }
        let mut r = Reader { b: body, at: 12 };
        let buckets = u64::from(r.u32()?);
        let checked_at = r.i64()?;
        let names = (r.u64()?, r.u64()?);
        let table = r.u64()?;
        for ident in now {
            let present = r.u8()? == 1;
            let mut stored = [0i64; 7];
            for v in &mut stored {
                *v = r.i64()?;
            }
            match ident {
                Some(i) if present && *i == stored && !racy(i, checked_at) => {}
                None if !present => {}
                _ => return None,
            }
        }
        for f in files {
            let len = r.u32()? as usize;
            if r.take(len)? != f.to_string_lossy().as_bytes() {
                return None;
            }
        }
        let n = r.u32()? as usize;
        let mut sessions = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let len = r.u16()? as usize;
            let name = std::str::from_utf8(r.take(len)?).ok()?.to_string();
            sessions.push((name, r.range()?));
        }
        if buckets != 0 && !buckets.is_power_of_two() {
            return None;
        }
        Some(Index {
            usable: buckets != 0,
            file,
            buckets,
            table,
            names,
            sessions,
            checked_at,
            head_sum: sum,
            whole: None,
        })
    }

    /// Reads the whole index into memory, for a command that looks up every profile: one
    /// read instead of one per name. Lookups check what they read as before.
    pub fn read_whole(&mut self) -> Option<()> {
        self.whole = Some(read_exact_at(
            self.file.file(),
            0,
            usize::try_from(self.file.len()).ok()?,
        )?);
        Some(())
    }

    /// `len` bytes of the index at `at`.
    fn bytes(&self, at: u64, len: usize) -> Option<Cow<'_, [u8]>> {
        match &self.whole {
            Some(all) => {
                let at = usize::try_from(at).ok()?;
                all.get(at..at.checked_add(len)?).map(Cow::Borrowed)
            }
            None => read_exact_at(self.file.file(), at, len).map(Cow::Owned),
        }
    }

    /// The section of sso-session `name`, if the config file has one.
    pub fn session(&self, name: &str) -> Option<Range> {
        self.sessions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| *r)
    }

    /// The sections of profile `name`, in file order (none when neither file has it);
    /// `None` when the index does not read back whole.
    pub fn lookup(&self, name: &str) -> Option<Vec<Range>> {
        if !self.usable {
            return None;
        }
        let bucket = checksum(name.as_bytes()) & (self.buckets - 1);
        let at = self.table.checked_add(bucket * 8)?;
        let pair = self.bytes(at, 16)?;
        let start = self.untag(bucket, u64::from_le_bytes(pair[..8].try_into().ok()?))?;
        let end = self.untag(bucket + 1, u64::from_le_bytes(pair[8..].try_into().ok()?))?;
        if start == end {
            return Some(Vec::new());
        }
        let len = usize::try_from(end.checked_sub(start)?).ok()?;
        if !(8..=1 << 24).contains(&len) {
            return None;
        }
        let run = self.bytes(start, len)?;
        let (body, sum) = run.split_at(len - 8);
        if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
            return None;
        }
        let mut r = Reader { b: body, at: 0 };
        while r.at < body.len() {
            let n = r.u16()? as usize;
            let this = r.take(n)?;
            let count = r.u16()? as usize;
            if this == name.as_bytes() {
                return (0..count).map(|_| r.range()).collect();
            }
            r.take(count.checked_mul(RANGE_BYTES)?)?;
        }
        Some(Vec::new())
    }

    /// The offset in a bucket table entry, when its tag matches.
    fn untag(&self, slot: u64, entry: u64) -> Option<u64> {
        let offset = entry & OFFSET_MASK;
        (tag(slot, offset, self.checked_at) == entry).then_some(offset)
    }

    /// The names' blocks: where each starts, its length, and its first name.
    fn name_blocks(&self) -> Option<Vec<(u64, u32, String)>> {
        let (at, len) = self.names;
        let len = usize::try_from(len).ok()?;
        let all = self.bytes(at, len.checked_add(8)?)?;
        let (body, sum) = all.split_at(len);
        if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
            return None;
        }
        let mut r = Reader { b: body, at: 0 };
        let n = r.u32()? as usize;
        let mut out = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let (offset, len, first) = (r.u64()?, r.u32()?, r.u16()? as usize);
            let first = std::str::from_utf8(r.take(first)?).ok()?.to_string();
            out.push((offset, len, first));
        }
        Some(out)
    }

    /// One block of names, checked.
    fn name_block(&self, at: u64, len: u32) -> Option<String> {
        let all = self.bytes(at, (len as usize).checked_add(8)?)?;
        let (body, sum) = all.split_at(len as usize);
        if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
            return None;
        }
        String::from_utf8(body.to_vec()).ok()
    }

    /// The profile names that start with `prefix`, sorted: only the blocks that can hold
    /// them are read (the names are sorted, so those names are one run), and only the
    /// names kept are allocated. Completing a name out of 10,000 reads a few KB.
    pub fn names_starting(&self, prefix: &str) -> Option<Vec<String>> {
        if !self.usable {
            return None;
        }
        let blocks = self.name_blocks()?;
        let mut out = Vec::new();
        for (i, (at, len, first)) in blocks.iter().enumerate() {
            // The block's names run from its first name to the next block's first.
            let before_run = blocks
                .get(i + 1)
                .is_some_and(|next| next.2.as_str() <= prefix);
            let after_run = first.as_str() > prefix && !first.starts_with(prefix);
            if before_run || after_run {
                continue;
            }
            let block = self.name_block(*at, *len)?;
            out.extend(
                block
                    .split('\n')
                    .filter(|n| n.starts_with(prefix))
                    .map(str::to_string),
            );
        }
        Some(out)
    }

    /// Every profile name of both files, sorted, each once.
    pub fn names(&self) -> Option<Vec<String>> {
        if !self.usable {
            return None;
        }
        let mut out = Vec::new();
        for (at, len, _) in self.name_blocks()? {
            out.extend(self.name_block(at, len)?.split('\n').map(str::to_string));
        }
        Some(out)
    }
}

/// One file as the index builder read it.
pub struct Scanned {
    pub identity: Option<[i64; 7]>,
    pub len: u64,
    pub marks: Vec<Mark>,
}

/// The index's bytes for two files that parsed cleanly (see the module's comment), or
/// `None` when they cannot be indexed: a section written twice, a section the SDKs ignore,
/// a run of sections too long to describe.
pub fn encode(files: [&Path; 2], scanned: &[Scanned; 2], checked_at: i64) -> Option<Vec<u8>> {
    use std::collections::BTreeMap;
    let mut profiles: BTreeMap<&str, Vec<Range>> = BTreeMap::new();
    let mut sessions: Vec<(&str, Range)> = Vec::new();
    for (f, s) in scanned.iter().enumerate() {
        let mut seen_profiles = std::collections::HashSet::new();
        let mut seen_sessions = std::collections::HashSet::new();
        for (i, m) in s.marks.iter().enumerate() {
            let end = s.marks.get(i + 1).map_or(s.len, |n| n.offset);
            let range = Range {
                file: f as u8,
                offset: m.offset,
                len: u32::try_from(end.checked_sub(m.offset)?).ok()?,
                line: u32::try_from(m.line).ok()?,
            };
            match &m.opens {
                Opens::Profile(p) => {
                    if !seen_profiles.insert(p.as_str()) {
                        return None;
                    }
                    profiles.entry(p.as_str()).or_default().push(range);
                }
                Opens::Session(name) => {
                    if !seen_sessions.insert(name.as_str()) || f != 0 {
                        return None;
                    }
                    sessions.push((name.as_str(), range));
                }
                Opens::Other => return None,
            }
        }
    }
    let buckets = (profiles.len().max(1) as u64).next_power_of_two();
    let mut runs: Vec<Vec<u8>> = vec![Vec::new(); buckets as usize];
    for (name, ranges) in &profiles {
        let run = &mut runs[(checksum(name.as_bytes()) & (buckets - 1)) as usize];
        run.extend_from_slice(&u16::try_from(name.len()).ok()?.to_le_bytes());
        run.extend_from_slice(name.as_bytes());
        run.extend_from_slice(&u16::try_from(ranges.len()).ok()?.to_le_bytes());
        for r in ranges {
            put_range(run, r);
        }
    }
    let mut head = Vec::new();
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&[0; 4]); // the header's length, below
    head.extend_from_slice(&(u32::try_from(buckets).ok()?).to_le_bytes());
    head.extend_from_slice(&checked_at.to_le_bytes());
    let fixups = head.len();
    head.extend_from_slice(&[0; 24]); // names offset and length, table offset
    for s in scanned {
        head.push(u8::from(s.identity.is_some()));
        for v in s.identity.unwrap_or([0; 7]) {
            head.extend_from_slice(&v.to_le_bytes());
        }
    }
    for f in files {
        let p = f.to_string_lossy();
        head.extend_from_slice(&u32::try_from(p.len()).ok()?.to_le_bytes());
        head.extend_from_slice(p.as_bytes());
    }
    head.extend_from_slice(&u32::try_from(sessions.len()).ok()?.to_le_bytes());
    for (name, r) in &sessions {
        head.extend_from_slice(&u16::try_from(name.len()).ok()?.to_le_bytes());
        head.extend_from_slice(name.as_bytes());
        put_range(&mut head, r);
    }
    let head_len = head.len() + 8;
    let table = head_len as u64;
    let mut at = table + (buckets + 1) * 8;
    let mut out = head;
    let mut offsets = Vec::with_capacity(runs.len() + 1);
    for run in &runs {
        offsets.push(at);
        if !run.is_empty() {
            at += run.len() as u64 + 8;
        }
    }
    offsets.push(at);
    // The names, sorted, in blocks of about 4 KB (one name a line), each with its checksum,
    // then a directory of the blocks (where, how long, the first name) and its checksum.
    let mut blocks: Vec<String> = Vec::new();
    for name in profiles.keys() {
        match blocks.last_mut() {
            Some(b) if b.len() + 1 + name.len() <= NAME_BLOCK => {
                b.push('\n');
                b.push_str(name);
            }
            _ => blocks.push(name.to_string()),
        }
    }
    let mut names = Vec::new();
    let mut dir = (blocks.len() as u32).to_le_bytes().to_vec();
    let mut block_at = at;
    for b in &blocks {
        dir.extend_from_slice(&block_at.to_le_bytes());
        dir.extend_from_slice(&u32::try_from(b.len()).ok()?.to_le_bytes());
        let first = b.split('\n').next().unwrap_or("");
        dir.extend_from_slice(&u16::try_from(first.len()).ok()?.to_le_bytes());
        dir.extend_from_slice(first.as_bytes());
        names.extend_from_slice(b.as_bytes());
        names.extend_from_slice(&checksum(b.as_bytes()).to_le_bytes());
        block_at += b.len() as u64 + 8;
    }
    out[8..12].copy_from_slice(&u32::try_from(head_len).ok()?.to_le_bytes());
    out[fixups..fixups + 8].copy_from_slice(&block_at.to_le_bytes());
    out[fixups + 8..fixups + 16].copy_from_slice(&(dir.len() as u64).to_le_bytes());
    out[fixups + 16..fixups + 24].copy_from_slice(&table.to_le_bytes());
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    if at > OFFSET_MASK {
        return None;
    }
    for (slot, o) in offsets.into_iter().enumerate() {
        out.extend_from_slice(&tag(slot as u64, o, checked_at).to_le_bytes());
    }
    for run in &runs {
        if !run.is_empty() {
            out.extend_from_slice(run);
            out.extend_from_slice(&checksum(run).to_le_bytes());
        }
    }
    out.extend_from_slice(&names);
    out.extend_from_slice(&dir);
    out.extend_from_slice(&checksum(&dir).to_le_bytes());
    Some(out)
}

/// An index that records only that files of these identities cannot be indexed.
pub fn encode_none(files: [&Path; 2], identities: &Identities, checked_at: i64) -> Option<Vec<u8>> {
    let scanned = identities.map(|identity| Scanned {
        identity,
        len: 0,
        marks: Vec::new(),
    });
    let mut out = encode(files, &scanned, checked_at)?;
    // Zero buckets: unusable. The table and the names that follow are never read.
    out[12..16].copy_from_slice(&0u32.to_le_bytes());
    let head_len = u32::from_le_bytes(out[8..12].try_into().ok()?) as usize;
    let sum = checksum(&out[..head_len - 8]);
    out[head_len - 8..head_len].copy_from_slice(&sum.to_le_bytes());
    out.truncate(head_len);
    Some(out)
}

/// Whether a file is worth indexing after its full parse: nothing for `doctor` to say,
/// which the index would not carry.
pub fn clean(parsed: &ini::ParsedFile) -> bool {
    parsed.warnings.is_empty()
        && parsed.cli_differences.is_empty()
        && parsed.cli_headers.is_empty()
        && parsed.cli_default.is_none()
}

/// Whether an index made now could ever be trusted for a file of `identity`.
pub fn settled(identity: &[i64; 7], now: SystemTime) -> bool {
    !racy(identity, nanos(now))
}

/// The time an index is made at, as stored.
pub fn stamp(t: SystemTime) -> i64 {
    nanos(t)
}

/// Writes `bytes` as the index for `files`: the state directory made private when
/// missing, the file replaced whole (0600, never through a link). Best effort: an
/// unusable directory leaves the commands as fast as without an index, nothing more.
pub fn write(state_dir: &Path, files: [&Path; 2], bytes: &[u8]) {
    put(state_dir, &path(state_dir, files), bytes);
}

/// Replaces `file` in `state_dir` with `bytes` (0600, never through a link), the directory
/// made private when missing; best effort.
fn put(state_dir: &Path, file: &Path, bytes: &[u8]) {
    if fsio::private_dir(state_dir).is_ok() {
        let _ = fsio::replace_file(file, bytes, None, false);
    }
}

const BESIDE_MAGIC: &[u8; 8] = b"AWSPBS01";

/// The file kept beside the index for `files` under the name `what`.
fn beside_path(state_dir: &Path, files: [&Path; 2], what: &str) -> PathBuf {
    path(state_dir, files).with_extension(what)
}

/// What [`Index::keep_beside`] kept, found whole: read it as a whole ([`Kept::read`]) or
/// a part at a time ([`Kept::each_part`]), never more than a part held.
pub struct Kept {
    file: fsio::Source,
    body: std::ops::Range<u64>,
}

/// How much of a kept file is read at a time.
const PART: usize = 64 * 1024;

impl Index {
    /// What [`Index::keep_beside`] kept as `what` with `key`, when it was kept with this
    /// very index (the same header, so the same files with the same identities) and its
    /// checksum holds (read a part at a time): the answer a command worked out from the
    /// files, valid exactly as long as the index is. The file is only ever replaced whole,
    /// never written in place, so the open file reads the same again.
    pub fn kept_beside(
        &self,
        state_dir: &Path,
        files: [&Path; 2],
        what: &str,
        key: &[u8],
    ) -> Option<Kept> {
        let file =
            fsio::open_read(&beside_path(state_dir, files, what), fsio::Accept::PRIVATE).ok()??;
        let split = file.len().checked_sub(8)?;
        let sum = u64::from_le_bytes(read_exact_at(file.file(), split, 8)?.try_into().ok()?);
        let (mut h, mut at, mut body) = (FNV_START, 0, None);
        let mut buf = vec![0u8; PART];
        while at < split {
            let part = &mut buf[..PART.min((split - at) as usize)];
            if !fill_at(file.file(), at, part) {
                return None;
            }
            if at == 0 {
                // The head: magic, the index's checksum, the key; all in the first part.
                let mut r = Reader { b: part, at: 0 };
                if r.take(8)? != BESIDE_MAGIC || r.u64()? != self.head_sum {
                    return None;
                }
                let len = r.u32()? as usize;
                if r.take(len)? != key {
                    return None;
                }
                body = Some(r.at as u64..split);
            }
            h = fnv(h, part);
            at += part.len() as u64;
        }
        let body = body?;
        (h == sum).then_some(Kept { file, body })
    }

    /// Keeps `body` beside this index as `what`, for the files it describes, under `key`
    /// (what else the body depends on: awsp's own build). Best effort, written as the
    /// index is.
    pub fn keep_beside(
        &self,
        state_dir: &Path,
        files: [&Path; 2],
        what: &str,
        key: &[u8],
        body: &[u8],
    ) {
        let Ok(key_len) = u32::try_from(key.len()) else {
            return;
        };
        let mut out = Vec::with_capacity(body.len() + key.len() + 32);
        out.extend_from_slice(BESIDE_MAGIC);
        out.extend_from_slice(&self.head_sum.to_le_bytes());
        out.extend_from_slice(&key_len.to_le_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(body);
        out.extend_from_slice(&checksum(&out).to_le_bytes());
        put(state_dir, &beside_path(state_dir, files, what), &out);
    }
}

impl Kept {
    /// The whole body.
    pub fn read(&self) -> Option<String> {
        let len = usize::try_from(self.body.end - self.body.start).ok()?;
        String::from_utf8(read_exact_at(self.file.file(), self.body.start, len)?).ok()
    }

    /// The body a part at a time: `each` gets the text read so far and not yet used (cut
    /// where a part ends: it may end inside what the writer wrote as one) and says how
    /// many bytes of it it used; `None` from it stops the reading. `None` when the body
    /// is not text or was not all used.
    pub fn each_part(&self, mut each: impl FnMut(&str) -> Option<usize>) -> Option<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(PART);
        let mut at = self.body.start;
        loop {
            let want = PART.min((self.body.end - at) as usize);
            let from = buf.len();
            buf.resize(from + want, 0);
            if !fill_at(self.file.file(), at, &mut buf[from..]) {
                return None;
            }
            at += want as u64;
            let last = at == self.body.end;
            let text = match std::str::from_utf8(&buf) {
                Ok(text) => text,
                // A character the part cut in two: the rest comes with the next part.
                Err(e) if e.error_len().is_none() && !last => {
                    std::str::from_utf8(&buf[..e.valid_up_to()]).ok()?
                }
                Err(_) => return None,
            };
            let used = each(text)?;
            buf.drain(..used.min(buf.len()));
            if last {
                return buf.is_empty().then_some(());
            }
        }
    }
}

/// Which file kind each slot holds.
pub const KINDS: [FileKind; 2] = [FileKind::Config, FileKind::Credentials];

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(offset: u64, line: usize, opens: Opens) -> Mark {
        Mark {
            offset,
            line,
            opens,
        }
    }

    fn scanned() -> [Scanned; 2] {
        let id = |n: i64| Some([1, n, 100, 1, 0, 1, 0]);
        [
            Scanned {
                identity: id(1),
                len: 100,
                marks: vec![
                    mark(0, 1, Opens::Session("s".into())),
                    mark(20, 4, Opens::Session("t".into())),
                    mark(40, 7, Opens::Profile("a".into())),
                    mark(70, 10, Opens::Profile("b".into())),
                ],
            },
            Scanned {
                identity: id(2),
                len: 30,
                marks: vec![mark(0, 1, Opens::Profile("b".into()))],
            },
        ]
    }

    /// A private directory (named after `tag`) holding the index of the [`scanned`] files
    /// `/c` and `/k`; those files, and their identities.
    fn written(tag: &str) -> (PathBuf, [&'static Path; 2], Identities) {
        let dir = std::env::temp_dir().join(format!("awsp-{tag}-unit-{}", std::process::id()));
        fsio::private_dir(&dir).unwrap();
        let files = [Path::new("/c"), Path::new("/k")];
        let s = scanned();
        write(&dir, files, &encode(files, &s, 5_000_000_000).unwrap());
        (dir, files, [s[0].identity, s[1].identity])
    }

    #[test]
    fn what_is_written_reads_back_and_damage_is_caught() {
        let (dir, files, ids) = written("index");
        let s = scanned();
        let idx = Index::open(&dir, files, &ids).unwrap();
        assert!(idx.usable);
        let r = |file, offset, len, line| Range {
            file,
            offset,
            len,
            line,
        };
        let sessions = [
            ("s".to_string(), r(0, 0, 20, 1)),
            ("t".into(), r(0, 20, 20, 4)),
        ];
        assert_eq!(idx.sessions, sessions);
        assert_eq!(idx.lookup("a").unwrap(), [r(0, 40, 30, 7)]);
        assert_eq!(idx.lookup("b").unwrap(), [r(0, 70, 30, 10), r(1, 0, 30, 1)]);
        assert_eq!(idx.lookup("zz").unwrap(), []);
        assert_eq!(idx.names().unwrap(), ["a", "b"]);
        assert_eq!(idx.names_starting("b").unwrap(), ["b"]);
        // Closed before the file is replaced: Windows does not replace an open file.
        drop(idx);
        // Each write below must land, or the checks after it would test the old file.
        let put = |bytes: &[u8]| {
            write(&dir, files, bytes);
            assert_eq!(std::fs::read(path(&dir, files)).unwrap(), bytes);
        };
        // Another identity, another pair of paths, a file changed too close to the
        // index: no index.
        let mut other = ids;
        other[1] = None;
        assert!(Index::open(&dir, files, &other).is_none());
        assert!(Index::open(&dir, [Path::new("/c"), Path::new("/x")], &ids).is_none());
        let late = [Some([1, 1, 100, 4, 0, 1, 0]), ids[1]];
        let mut racy = scanned();
        racy[0].identity = late[0];
        let bytes = encode(files, &racy, 5_000_000_000).unwrap();
        put(&bytes);
        assert!(
            Index::open(&dir, files, &late).is_none(),
            "changed 1 s before the index"
        );
        // Every byte of the table and the records, altered: never another answer.
        let bytes = encode(files, &s, 5_000_000_000).unwrap();
        let head = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        for at in head..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            put(&bad);
            let Some(idx) = Index::open(&dir, files, &ids) else {
                continue;
            };
            for (name, want) in [
                ("a", vec![r(0, 40, 30, 7)]),
                ("b", vec![r(0, 70, 30, 10), r(1, 0, 30, 1)]),
            ] {
                if let Some(got) = idx.lookup(name) {
                    assert_eq!(got, want, "byte {at} altered");
                }
            }
            if let Some(names) = idx.names() {
                assert_eq!(names, ["a", "b"], "byte {at} altered");
            }
        }
        // A section written twice, or one the SDKs ignore: not indexed.
        let mut twice = scanned();
        twice[0]
            .marks
            .push(mark(90, 12, Opens::Profile("a".into())));
        assert!(encode(files, &twice, 0).is_none());
        let mut other = scanned();
        other[0].marks.push(mark(90, 12, Opens::Other));
        assert!(encode(files, &other, 0).is_none());
        let none = encode_none(files, &ids, 5_000_000_000).unwrap();
        put(&none);
        let idx = Index::open(&dir, files, &ids).unwrap();
        assert!(!idx.usable && idx.lookup("a").is_none() && idx.names().is_none());
        drop(idx);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What is kept reads back the same whole and in parts, however the parts cut it
    /// (here through three-byte characters, many times over), and only while it is whole
    /// and kept with this index and key.
    #[test]
    fn kept_reads_back_in_parts() {
        let (dir, files, ids) = written("kept");
        let idx = Index::open(&dir, files, &ids).unwrap();
        // Lines of 1 to 9 characters, each `✓` three bytes: 3.5 parts.
        let body: String = (0..PART * 7 / 2 / 16)
            .map(|i| format!("{}\n", "✓".repeat(1 + i % 9)))
            .collect();
        idx.keep_beside(&dir, files, "t", b"key", body.as_bytes());
        let kept = idx.kept_beside(&dir, files, "t", b"key").unwrap();
        assert_eq!(kept.read().unwrap(), body);
        // Used a line at a time: what a part cut short comes again, whole, with the next.
        let (mut lines, mut calls) = (String::new(), 0);
        kept.each_part(|text| {
            calls += 1;
            let used = text.rfind('\n').map_or(0, |i| i + 1);
            lines.push_str(&text[..used]);
            Some(used)
        })
        .unwrap();
        assert_eq!(lines, body);
        assert_eq!(calls, 4);
        // Stopped by the reader, or not all used: no answer.
        assert!(kept.each_part(|_| None).is_none());
        assert!(kept.each_part(|t| Some(t.len().min(1))).is_none());
        assert!(idx.kept_beside(&dir, files, "t", b"other key").is_none());
        assert!(idx.kept_beside(&dir, files, "u", b"key").is_none());
        drop(kept);
        // One byte altered anywhere, in any part: not kept.
        let file = beside_path(&dir, files, "t");
        let whole = std::fs::read(&file).unwrap();
        for at in [0, 9, 30, PART + 1, whole.len() - 20, whole.len() - 1] {
            let mut bad = whole.clone();
            bad[at] ^= 0x01;
            std::fs::write(&file, &bad).unwrap();
            assert!(idx.kept_beside(&dir, files, "t", b"key").is_none(), "{at}");
        }
        // Cut short: not kept.
        std::fs::write(&file, &whole[..whole.len() - 9]).unwrap();
        assert!(idx.kept_beside(&dir, files, "t", b"key").is_none());
        std::fs::write(&file, &whole).unwrap();
        assert!(idx.kept_beside(&dir, files, "t", b"key").is_some());
        // Closed first: Windows does not remove an open file.
        drop(idx);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_by_prefix_across_blocks() {
        let dir = std::env::temp_dir().join(format!("awsp-index-names-{}", std::process::id()));
        fsio::private_dir(&dir).unwrap();
        let files = [Path::new("/c"), Path::new("/k")];
        let mut all: Vec<String> = (0..3000).map(|i| format!("p{i}")).collect();
        all.extend(["a", "p", "p1/x", "p1:y", "z".repeat(5000).as_str()].map(String::from));
        all.sort();
        let marks = all
            .iter()
            .enumerate()
            .map(|(i, n)| mark(i as u64 * 10, i + 1, Opens::Profile(n.clone())))
            .collect();
        let s = [
            Scanned {
                identity: Some([1, 1, 1, 1, 0, 1, 0]),
                len: all.len() as u64 * 10,
                marks,
            },
            Scanned {
                identity: None,
                len: 0,
                marks: Vec::new(),
            },
        ];
        write(&dir, files, &encode(files, &s, 9_000_000_000).unwrap());
        let idx = Index::open(&dir, files, &[s[0].identity, None]).unwrap();
        assert_eq!(idx.names().unwrap(), all);
        for prefix in [
            "", "p", "p1", "p29", "p2999", "p3", "p30000", "a", "b", "z", "p1/",
        ] {
            let want: Vec<&String> = all.iter().filter(|n| n.starts_with(prefix)).collect();
            let got = idx.names_starting(prefix).unwrap();
            assert_eq!(got.iter().collect::<Vec<_>>(), want, "prefix {prefix:?}");
        }
        drop(idx);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

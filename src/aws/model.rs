//! The merged view of the config and credentials files, and profiles resolved from it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::ini::{self, CliHeader, FileKind, Keep, Loc, ParsedFile, Props, Section, Skip, Warning};
use super::sso::{self, TokenKey, TokenState};
use super::{index, wire};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::fsio;

/// Real configs are a few MB even with 10,000 profiles; refuse what cannot be one.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// The longest `source_profile` chain followed (each hop is an AssumeRole call).
pub const MAX_CHAIN: usize = 32;

#[derive(Clone, Debug, Default)]
pub struct RawProfile {
    pub props: Props,
    pub in_config: bool,
    pub in_credentials: bool,
    pub locs: Vec<Loc>,
}

impl RawProfile {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(|p| p.value.as_text())
    }
}

/// Both files, parsed and merged by the cross-SDK rules.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub config_path: PathBuf,
    pub credentials_path: PathBuf,
    pub profiles: BTreeMap<String, RawProfile>,
    pub sso_sessions: BTreeMap<String, Section>,
    pub warnings: Vec<Warning>,
    pub cli_differences: Vec<Warning>,
    /// Both files' headers that the AWS CLI reads as another section than the SDKs do.
    pub cli_headers: Vec<CliHeader>,
    /// Each file's `[DEFAULT]` (config, credentials): keys the AWS CLI applies to every
    /// section of that file.
    pub cli_defaults: [Option<Section>; 2],
}

/// How the AWS CLI reads a profile where that differs from the SDKs' reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliView {
    /// The AWS CLI finds no profile by this name: "The config profile (NAME) could not be
    /// found".
    pub missing: bool,
    /// This profile's headers the AWS CLI reads as another section, with the name it
    /// reads there.
    pub hidden: Vec<(Loc, String)>,
    /// Settings the AWS CLI takes from a `[DEFAULT]` section, which the SDKs do not: key,
    /// value, where written. They fill in keys the profile does not set, and a
    /// credentials file's override the config file's.
    pub from_default: Vec<(String, String, Loc)>,
    /// The region the AWS CLI uses.
    pub region: Option<String>,
}

impl CliView {
    /// Why the AWS CLI finds no such profile, for a one-line message.
    pub fn why_missing(&self) -> String {
        match self.hidden.first() {
            Some((loc, raw)) if raw == "DEFAULT" => format!(
                "it reads `[DEFAULT]` at {loc} as settings for every other profile, not as a profile"
            ),
            Some((loc, raw)) => format!("it reads `[{raw}]` at {loc} as another section"),
            None => "it has no such profile".into(),
        }
    }

    /// `aws_cli` in `list --json` and `current --json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "found": !self.missing,
            "region": self.region,
            "from_default": self.from_default.iter().map(|(k, _, _)| k).collect::<Vec<_>>(),
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    Sso,
    SsoLegacy,
    /// `login_session`: credentials from the console sign-in of `aws login`.
    Login,
    Static,
    AssumeRole,
    Process,
    WebIdentity,
    /// Settings (a region, an output format) and no credentials of its own: the
    /// credentials come from the environment or another source, as with a `[default]`
    /// that holds only `region`.
    Settings,
    /// No settings at all.
    #[default]
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sso => "sso",
            Kind::SsoLegacy => "sso-legacy",
            Kind::Login => "login",
            Kind::Static => "static",
            Kind::AssumeRole => "assume-role",
            Kind::Process => "process",
            Kind::WebIdentity => "web-identity",
            Kind::Settings => "settings",
            Kind::Unknown => "unknown",
        }
    }
}

/// A profile with everything awsp shows or needs worked out.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub name: String,
    pub kind: Kind,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role_name: Option<String>,
    pub region: Option<String>,
    pub sso_session: Option<String>,
    pub sso_start_url: Option<String>,
    pub sso_region: Option<String>,
    pub source_profile: Option<String>,
    /// This profile, then each `source_profile` in turn.
    pub chain: Vec<String>,
    /// A broken chain: a cycle or a missing `source_profile`.
    pub chain_error: Option<String>,
    /// The SSO token this profile (or the end of its chain) depends on.
    pub token_key: Option<TokenKey>,
}

/// The settings resolving reads, non-empty ones only, found in one pass over a profile.
#[derive(Default)]
struct Fields<'a> {
    role_arn: Option<&'a str>,
    sso_session: Option<&'a str>,
    sso_start_url: Option<&'a str>,
    sso_region: Option<&'a str>,
    sso_account_id: Option<&'a str>,
    sso_role_name: Option<&'a str>,
    /// Keys profile generators use for a human account name, first one first:
    /// `sso_account_name`, `account_name`, `granted_sso_account_name`, `aws_account_name`.
    account_name: [Option<&'a str>; 4],
    region: Option<&'a str>,
    source_profile: Option<&'a str>,
    credential_source: bool,
    credential_process: bool,
    login_session: bool,
    web_identity_token_file: bool,
    aws_access_key_id: bool,
}

impl<'a> Fields<'a> {
    fn of(raw: &'a RawProfile) -> Fields<'a> {
        let mut f = Fields::default();
        for (k, p) in raw.props.iter() {
            let Some(v) = p.value.as_text().filter(|v| !v.is_empty()) else {
                continue;
            };
            match k {
                "role_arn" => f.role_arn = Some(v),
                "sso_session" => f.sso_session = Some(v),
                "sso_start_url" => f.sso_start_url = Some(v),
                "sso_region" => f.sso_region = Some(v),
                "sso_account_id" => f.sso_account_id = Some(v),
                "sso_role_name" => f.sso_role_name = Some(v),
                "sso_account_name" => f.account_name[0] = Some(v),
                "account_name" => f.account_name[1] = Some(v),
                "granted_sso_account_name" => f.account_name[2] = Some(v),
                "aws_account_name" => f.account_name[3] = Some(v),
                "region" => f.region = Some(v),
                "source_profile" => f.source_profile = Some(v),
                "credential_source" => f.credential_source = true,
                "credential_process" => f.credential_process = true,
                "login_session" => f.login_session = true,
                "web_identity_token_file" => f.web_identity_token_file = true,
                "aws_access_key_id" => f.aws_access_key_id = true,
                _ => {}
            }
        }
        f
    }
}

/// A file at least this large is parsed in two halves at once when every profile is kept:
/// 10,000 profiles are 1.5 MB, and the picker waits for all of them. Where most profiles
/// are only checked (`use NAME`, the names), checking is quicker than starting a thread:
/// 7.5 ms against 8.5 ms for `list --names` at 10,000.
const SPLIT_AT: u64 = 256 << 10;

/// How [`parse_file`] reads: which profiles it keeps, what it does with the others, and
/// whether it keeps them all (a big file may then be parsed in two halves).
#[derive(Clone, Copy)]
struct Reading<'k> {
    keep: Keep<'k>,
    skip: Skip,
    all: bool,
}
/// How much is read at a time: never all of a file, whose fresh pages cost more than
/// parsing them. 16 KB rather than 64: twelve page faults fewer for `awsp prompt`, for a
/// few more `read` calls (measured: 145 -> 132 faults at 1,000 profiles).
const BLOCK: usize = 16 << 10;

/// Reads and parses one file; a missing file is an empty one. Opened through
/// [`fsio::open_read`]: a regular file, or a pipe (`AWS_CONFIG_FILE=<(…)`) read for at most
/// [`fsio::PIPE_WAIT`]; anything else is refused without being read.
fn parse_file(path: &Path, kind: FileKind, how: Reading) -> Result<ParsedFile> {
    let Reading { keep, skip, all } = how;
    let shown = path.display();
    let cannot = |e: std::io::Error| Error::runtime(format!("cannot read {shown}: {e}"));
    let source = match fsio::open_read(path, fsio::Accept::CONFIG) {
        Ok(Some(source)) => source,
        Ok(None) => return Ok(ParsedFile::default()),
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
            bail!("{shown} is a directory, not a file; point the variable at the file")
        }
        Err(e) => return Err(cannot(e)),
    };
    if source.len() > MAX_FILE_BYTES {
        bail!(
            "{shown} is {} MB, too large to be an AWS config file (limit {} MB)",
            source.len() >> 20,
            MAX_FILE_BYTES >> 20
        );
    }
    // A name per parser: two threads bumping one `Arc` for every line would contend.
    let parser = || ini::Parser::new(kind, Arc::new(path.to_path_buf()), keep, skip);
    let fail = |e: ReadError, lines_before: usize| match e {
        ReadError::Io(e) => cannot(e),
        ReadError::TooLarge => Error::runtime(format!(
            "{shown} holds more than {} MB, too large to be an AWS config file",
            MAX_FILE_BYTES >> 20
        )),
        ReadError::Utf8 { line } => Error::runtime(format!(
            "{shown}:{}: not valid UTF-8; save the file as UTF-8",
            line + lines_before
        )),
        ReadError::Parse(mut e) => {
            e.loc.line += lines_before;
            Error::runtime(e.to_string())
        }
    };
    let file = source.file();
    let split = match skip {
        s if all && s.checks() && !source.is_pipe() && source.len() >= SPLIT_AT => {
            section_start(file, source.len() / 2)
        }
        _ => None,
    };
    let Some(split) = split else {
        // In order, with plain reads: the file may be a pipe, whose reads wait for its
        // writer until the pipe's deadline.
        let mut p = parser();
        let read = |b: &mut [u8], _| source.read(b);
        read_lines(read, 0, u64::MAX, &mut p).map_err(|e| fail(e, 0))?;
        return Ok(p.finish());
    };
    let read_at = |b: &mut [u8], at| crate::os::read_at(file, b, at);
    std::thread::scope(|s| {
        let later = s.spawn(|| {
            let mut p = parser();
            read_lines(read_at, split, u64::MAX, &mut p).map(|()| p)
        });
        let mut first = parser();
        let head = read_lines(read_at, 0, split, &mut first);
        let tail = later
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        // An error in the first half is the one a single pass would have stopped at.
        head.map_err(|e| fail(e, 0))?;
        let rest = tail.map_err(|e| fail(e, first.lines()))?;
        Ok(first.join(rest))
    })
}

enum ReadError {
    Io(std::io::Error),
    TooLarge,
    /// Counted from the start of the range read.
    Utf8 {
        line: usize,
    },
    Parse(ini::ParseError),
}

/// The offset of the first section header at or after `from`, if one starts within a
/// block of it: where a second parser can take over.
fn section_start(file: &std::fs::File, from: u64) -> Option<u64> {
    let mut buf = vec![0u8; BLOCK];
    let n = crate::os::read_at(file, &mut buf, from.checked_sub(1)?).ok()?;
    let at = buf[..n].windows(2).position(|w| w == b"\n[")?;
    Some(from + at as u64)
}

/// Feeds bytes `start..end` of a file (to its end if sooner) to `parser`, in blocks of
/// whole lines; `read(buf, offset)` reads at an offset.
fn read_lines(
    mut read: impl FnMut(&mut [u8], u64) -> std::io::Result<usize>,
    start: u64,
    end: u64,
    parser: &mut ini::Parser,
) -> std::result::Result<(), ReadError> {
    // Zeroed by the allocator's fresh pages; only what is read into gets touched.
    let mut buf = vec![0u8; BLOCK];
    let (mut filled, mut pos) = (0, start);
    loop {
        if filled == buf.len() {
            // A line longer than the buffer.
            buf.resize(buf.len() * 2, 0);
        }
        let want = (buf.len() - filled).min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        let n = match read(&mut buf[filled..filled + want], pos) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        pos += n as u64;
        // Counted while reading, so bounded even when the size lies (a /proc file whose size
        // says 0, a file still growing, a pipe).
        if pos - start > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge);
        }
        filled += n;
        // Whole lines only; at the end, whatever is left. Only the new bytes are searched:
        // what was left over from before holds no line break, so a file without one costs
        // linear time, not a search of the whole buffer after every read.
        let cut = match (n, memchr::memrchr(b'\n', &buf[filled - n..filled])) {
            (0, _) => filled,
            (_, Some(i)) => filled - n + i + 1,
            (_, None) => continue,
        };
        let text = std::str::from_utf8(&buf[..cut]).map_err(|e| {
            let before = &buf[..e.valid_up_to()];
            let line = parser.lines() + before.iter().filter(|&&b| b == b'\n').count() + 1;
            ReadError::Utf8 { line }
        })?;
        parser.feed(text).map_err(ReadError::Parse)?;
        if n == 0 {
            return Ok(());
        }
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
}

/// The first eight bytes of `s` (zeros past its end) as a number that orders as they do.
fn prefix(s: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// Where the two files are, and the profile index's directory (`None`: no index).
struct Files {
    config_path: PathBuf,
    credentials_path: PathBuf,
    index_dir: Option<PathBuf>,
}

/// What the profile index says about the files as they are now.
enum Indexed {
    /// An index of these files, and the files, open.
    Fresh(index::Index, [Option<fsio::Source>; 2]),
    /// These files were read and cannot be indexed (an error, a warning).
    Unusable,
    /// No index of the files as they are now: worth making one.
    Stale,
    /// No index will be made (disabled, a pipe, a file that cannot be opened).
    Off,
}

impl Files {
    fn of(env: &Env) -> Files {
        Files {
            config_path: env.config_file(),
            credentials_path: env.credentials_file(),
            index_dir: (env.get("AWSP_INDEX") != Some("0")).then(|| env.state_dir()),
        }
    }

    fn paths(&self) -> [&Path; 2] {
        [&self.config_path, &self.credentials_path]
    }

    /// Both files opened for the index: `None` when one is a pipe, too large, or cannot
    /// be opened (the full parse then says why).
    fn open_both(&self) -> Option<[Option<fsio::Source>; 2]> {
        let mut out = [None, None];
        for (slot, path) in out.iter_mut().zip(self.paths()) {
            match fsio::open_read(path, fsio::Accept::CONFIG) {
                Ok(Some(s)) if !s.is_pipe() && s.len() <= MAX_FILE_BYTES => *slot = Some(s),
                Ok(None) => {}
                _ => return None,
            }
        }
        Some(out)
    }

    fn indexed(&self) -> Indexed {
        let Some(dir) = &self.index_dir else {
            return Indexed::Off;
        };
        let Some(sources) = self.open_both() else {
            return Indexed::Off;
        };
        let ids = identities(&sources);
        match index::Index::open(dir, self.paths(), &ids) {
            Some(idx) if idx.usable => Indexed::Fresh(idx, sources),
            Some(_) => Indexed::Unusable,
            None => Indexed::Stale,
        }
    }

    /// Through the index when it is fresh; else `slow`, then a new index when the index
    /// was stale (or read back wrong).
    fn through_index<T>(
        &self,
        fast: impl FnOnce(&index::Index, &[Option<fsio::Source>; 2]) -> Option<T>,
        slow: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let rebuild = match self.indexed() {
            Indexed::Fresh(idx, sources) => match fast(&idx, &sources) {
                Some(found) => return Ok(found),
                None => true,
            },
            Indexed::Stale => true,
            Indexed::Unusable | Indexed::Off => false,
        };
        self.then_index(rebuild, slow)
    }

    /// `slow`, then a new index when `rebuild` (the index was stale, or did not fit).
    fn then_index<T>(&self, rebuild: bool, slow: impl FnOnce() -> Result<T>) -> Result<T> {
        let found = slow();
        if rebuild {
            self.build_index();
        }
        found
    }

    /// Makes the index anew from a full check of both files (best effort, see
    /// [`index`]): an index of their sections when they parse with nothing to warn
    /// about, else one that records that they cannot be indexed. Nothing is written while
    /// a file changed less than [`index::RACY`] ago: such an index could not be trusted.
    fn build_index(&self) {
        let Some(dir) = &self.index_dir else {
            return;
        };
        let now = std::time::SystemTime::now();
        let Some(sources) = self.open_both() else {
            return;
        };
        let ids = identities(&sources);
        if ids.iter().flatten().any(|id| !index::settled(id, now)) {
            return;
        }
        let mut scanned: Vec<index::Scanned> = Vec::with_capacity(2);
        let mut clean = true;
        for (i, source) in sources.iter().enumerate() {
            let Some(source) = source else {
                scanned.push(index::Scanned {
                    identity: None,
                    len: 0,
                    marks: Vec::new(),
                });
                continue;
            };
            let keep_all = |_: &str| true;
            let path = Arc::new(self.paths()[i].to_path_buf());
            let mut p = ini::Parser::new(index::KINDS[i], path, &keep_all, Skip::Checked);
            p.record_marks(true);
            let read = |b: &mut [u8], _| source.read(b);
            let ok = read_lines(read, 0, u64::MAX, &mut p).is_ok();
            let marks = p.marks().to_vec();
            clean &= ok && index::clean(&p.finish());
            scanned.push(index::Scanned {
                identity: Some(source.identity()),
                len: source.len(),
                marks,
            });
        }
        // Changed while it was read: the next command tries again.
        if !unchanged(&sources) {
            return;
        }
        let scanned: [index::Scanned; 2] = match scanned.try_into() {
            Ok(s) => s,
            Err(_) => return,
        };
        let stamp = index::stamp(now);
        let bytes = match clean {
            true => index::encode(self.paths(), &scanned, stamp),
            false => None,
        };
        if let Some(bytes) = bytes.or_else(|| index::encode_none(self.paths(), &ids, stamp)) {
            index::write(dir, self.paths(), &bytes);
        }
    }

    /// `names` (each once; any the files lack are left out of the [`Config`]s) `block`
    /// at a time, in the order given: `each` gets a [`Config`] holding at least the
    /// block's profiles, their `source_profile` chains and every sso-session, and the
    /// block's names. Through a fresh index both files are read once and each block
    /// parses only its own sections, so no more than a block of profiles is ever held
    /// (10,000 parsed profiles are some 15 MB); otherwise one full load serves every
    /// block, and the index is made anew when it was stale. `indexed`: the index as the
    /// caller found it. The index, when every block went through it.
    fn in_blocks(
        &self,
        indexed: Indexed,
        mut names: &[&str],
        block: usize,
        mut each: impl FnMut(&Config, &[&str]) -> Result<()>,
    ) -> Result<Option<index::Index>> {
        // A fresh index that does not fit is made anew, as a stale one is.
        let rebuild = matches!(indexed, Indexed::Fresh(..) | Indexed::Stale);
        if let Indexed::Fresh(mut idx, sources) = indexed
            && let Some(()) = idx.read_whole()
            && let Some(contents) = Files::contents(&sources)
        {
            let section = |file: usize, r: &index::Range| {
                let start = usize::try_from(r.offset).ok()?;
                let bytes = contents[file].get(start..start.checked_add(r.len as usize)?)?;
                Some(Cow::Borrowed(bytes))
            };
            let block = block.max(1);
            let read = |now: &[&str]| self.chains_from(&idx, now, section);
            let done = if names.len() <= block {
                match read(names) {
                    Some(config) => each(&config, names).map(|()| names.len())?,
                    None => 0,
                }
            } else {
                // Blocks are parsed on a second thread, one ahead of `each`, and handed
                // back to it to be freed: glibc's free of memory another thread allocated
                // takes that thread's heap lock, and the two would contend for it.
                std::thread::scope(|s| -> Result<usize> {
                    let (tx, rx) = std::sync::mpsc::sync_channel(1);
                    let (used_tx, used) = std::sync::mpsc::channel::<Config>();
                    s.spawn(move || {
                        for now in names.chunks(block) {
                            // Anything that does not fit the index ends the blocks here.
                            let Some(config) = read(now) else { break };
                            if tx.send(config).is_err() {
                                break;
                            }
                            used.try_iter().for_each(drop);
                        }
                        drop(tx);
                        used.iter().for_each(drop);
                    });
                    let mut done = 0;
                    for (config, now) in rx.into_iter().zip(names.chunks(block)) {
                        each(&config, now)?;
                        done += now.len();
                        let _ = used_tx.send(config);
                    }
                    Ok(done)
                })?
            };
            // The rest (after a block that did not fit the index) by a full load.
            names = &names[done..];
            if names.is_empty() {
                return Ok(Some(idx));
            }
        }
        let config = self.then_index(rebuild, || self.parse(&|_| true, Skip::Checked, true))?;
        for now in names.chunks(block.max(1)) {
            each(&config, now)?;
        }
        Ok(None)
    }

    /// `names` and their `source_profile` chains through a fresh index, each section read
    /// where the index points.
    fn chains_indexed(
        &self,
        idx: &index::Index,
        sources: &[Option<fsio::Source>; 2],
        names: &[&str],
    ) -> Option<Config> {
        let config = self.chains_from(idx, names, |file, r| {
            let source = sources[file].as_ref()?;
            index::read_exact_at(source.file(), r.offset, r.len as usize).map(Cow::Owned)
        })?;
        // Still the files the index describes, after reading them.
        unchanged(sources).then_some(config)
    }

    /// The profiles `wanted` (sorted) and the sso-sessions they name, parsed from the
    /// sections the index points at (each one's bytes from `section(file, range)`): the
    /// same profiles a full parse keeping only them gives, with the same sections for
    /// those sso-sessions, or `None` when anything read does not fit the index.
    fn sections_indexed<'b>(
        &self,
        idx: &index::Index,
        wanted: &[String],
        section: impl Fn(usize, &index::Range) -> Option<Cow<'b, [u8]>>,
    ) -> Option<Config> {
        let mut ranges: [Vec<index::Range>; 2] = [Vec::new(), Vec::new()];
        let mut present = Vec::new();
        for name in wanted {
            let found = idx.lookup(name)?;
            if !found.is_empty() {
                present.push(name);
            }
            for r in found {
                ranges[usize::from(r.file)].push(r);
            }
        }
        let [config, credentials] = ranges;
        let config = self.parse_ranges(0, config, &section)?;
        let credentials = self.parse_ranges(1, credentials, &section)?;
        let mut merged = Config::merge(config, credentials);
        // Exactly the profiles the index says the files have (both lists sorted): a
        // section read where the index points holds the profile it names.
        if !merged.profiles.keys().eq(present) {
            return None;
        }
        let mut named: Vec<String> = merged
            .profiles
            .values()
            .filter_map(|raw| raw.get("sso_session"))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        named.sort_unstable();
        named.dedup();
        // Those the config file has (a missing one stays missing, as in a full parse).
        let (found, ranges): (Vec<&String>, Vec<index::Range>) = named
            .iter()
            .filter_map(|n| Some((n, idx.session(n)?)))
            .unzip();
        let sessions = self.parse_ranges(0, ranges, &section)?;
        if !sessions.sso_sessions.keys().eq(found) || !sessions.profiles.is_empty() {
            return None;
        }
        merged.sso_sessions = sessions.sso_sessions;
        merged.config_path = self.config_path.clone();
        merged.credentials_path = self.credentials_path.clone();
        Some(merged)
    }

    /// Parses the sections `ranges` of file `i` (0: config, 1: credentials), each one's
    /// bytes from `section`, in file order; `None` when one does not start a section or
    /// anything in them is not as the index was made for (an error, a warning).
    fn parse_ranges<'b>(
        &self,
        i: usize,
        mut ranges: Vec<index::Range>,
        section: impl Fn(usize, &index::Range) -> Option<Cow<'b, [u8]>>,
    ) -> Option<ParsedFile> {
        if ranges.is_empty() {
            return Some(ParsedFile::default());
        }
        ranges.sort_unstable_by_key(|r| r.offset);
        let path = Arc::new(self.paths()[i].to_path_buf());
        // Every section read is one asked for.
        let keep = |_: &str| true;
        let mut p = ini::Parser::new(index::KINDS[i], path, &keep, Skip::Unread);
        for r in &ranges {
            let bytes = section(i, r)?;
            if bytes.first() != Some(&b'[') {
                return None;
            }
            let text = std::str::from_utf8(&bytes).ok()?;
            p.resume_at((r.line as usize).checked_sub(1)?, r.offset);
            p.feed(text).ok()?;
        }
        let file = p.finish();
        index::clean(&file).then_some(file)
    }

    /// `names` and their `source_profile` chains, read from the sections the index points
    /// at (each section's bytes from `section`): each pass reads only the links the last
    /// one found missing and adds them.
    fn chains_from<'b>(
        &self,
        idx: &index::Index,
        names: &[&str],
        section: impl Fn(usize, &index::Range) -> Option<Cow<'b, [u8]>>,
    ) -> Option<Config> {
        let mut wanted = sorted(names);
        let mut config = self.sections_indexed(idx, &wanted, &section)?;
        // Past MAX_CHAIN, resolving reports the chain as too long anyway.
        for _ in 0..MAX_CHAIN {
            let missing = config.missing_links(names, &wanted);
            if missing.is_empty() {
                break;
            }
            let links = self.sections_indexed(idx, &missing, &section)?;
            config.profiles.extend(links.profiles);
            config.sso_sessions.extend(links.sso_sessions);
            wanted.extend(missing);
            wanted.sort_unstable();
        }
        Some(config)
    }

    /// Both files, whole, as the index describes them: `None` when either changed.
    fn contents(sources: &[Option<fsio::Source>; 2]) -> Option<[Vec<u8>; 2]> {
        let mut out = [Vec::new(), Vec::new()];
        for (buf, source) in out.iter_mut().zip(sources) {
            let Some(source) = source else { continue };
            *buf = index::read_exact_at(source.file(), 0, usize::try_from(source.len()).ok()?)?;
        }
        unchanged(sources).then_some(out)
    }

    /// `names` and their `source_profile` chains: each pass keeps one more link of each.
    fn parse_chains(&self, names: &[&str], skip: Skip) -> Result<Config> {
        with_links(names, |wanted| {
            let keep = |n: &str| wanted.binary_search_by(|w| w.as_str().cmp(n)).is_ok();
            self.parse(&keep, skip, false)
        })
    }

    fn names(&self, skip: Skip) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for (path, kind) in [
            (&self.config_path, FileKind::Config),
            (&self.credentials_path, FileKind::Credentials),
        ] {
            let how = Reading {
                keep: &|_| false,
                skip,
                all: false,
            };
            names.extend(parse_file(path, kind, how)?.skipped);
        }
        // By the first eight bytes as one number, then whole: most comparisons then make no
        // call into `memcmp`, whose 140,000 calls were 1 ms of `list --names` at 10,000.
        let mut keyed: Vec<(u64, String)> = names.into_iter().map(|n| (prefix(&n), n)).collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let mut names: Vec<String> = keyed.into_iter().map(|(_, n)| n).collect();
        names.dedup();
        Ok(names)
    }

    /// `all`: `keep` keeps every profile.
    fn parse(&self, keep: Keep, skip: Skip, all: bool) -> Result<Config> {
        let how = Reading { keep, skip, all };
        let config = parse_file(&self.config_path, FileKind::Config, how)?;
        let credentials = parse_file(&self.credentials_path, FileKind::Credentials, how)?;
        let mut merged = Config::merge(config, credentials);
        merged.config_path = self.config_path.clone();
        merged.credentials_path = self.credentials_path.clone();
        Ok(merged)
    }
}

/// The identities of the two files as opened (`None`: missing).
fn identities(sources: &[Option<fsio::Source>; 2]) -> index::Identities {
    sources
        .each_ref()
        .map(|s| s.as_ref().map(fsio::Source::identity))
}

/// Whether the opened files still have the identities they were opened with.
fn unchanged(sources: &[Option<fsio::Source>; 2]) -> bool {
    sources.iter().flatten().all(|s| {
        s.file()
            .metadata()
            .is_ok_and(|m| crate::os::identity(&m) == s.identity())
    })
}

/// `names`, sorted, each once.
fn sorted(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Reads `names`, then link by link the profiles their `source_profile` chains need:
/// `read` gives the config holding the (sorted) names asked for.
fn with_links<E>(
    names: &[&str],
    mut read: impl FnMut(&[String]) -> std::result::Result<Config, E>,
) -> std::result::Result<Config, E> {
    let mut wanted = sorted(names);
    let mut links = 0;
    loop {
        let config = read(&wanted)?;
        let missing = config.missing_links(names, &wanted);
        // Past MAX_CHAIN, resolving reports the chain as too long anyway.
        if missing.is_empty() || links >= MAX_CHAIN {
            return Ok(config);
        }
        wanted.extend(missing);
        wanted.sort_unstable();
        links += 1;
    }
}

/// What a command works out from one profile of the files (with its `source_profile`
/// chain and sso-session), kept beside the profile index by [`Config::load_derived`] so
/// that the next command decodes it instead of parsing and resolving the files again.
/// What is kept is valid exactly while the index is (the same files, with the same
/// identities) and only for the build of awsp that kept it.
pub trait Derived: Sized {
    /// The name it is kept under; a new name for each new encoding.
    const KEPT_AS: &'static str;
    fn derive(config: &Config, name: &str, raw: &RawProfile) -> Self;
    /// Writes itself; `false` when it cannot be kept (nothing is then kept).
    fn encode(&self, w: &mut wire::Writer) -> bool;
    /// What [`Derived::encode`] wrote, whole; written over `reuse`, an earlier value done
    /// with, where that saves allocating.
    fn decode(r: wire::Reader, reuse: Option<Box<Self>>) -> Option<Box<Self>>;
}

/// [`Derived::derive`] for each of `names` that `config` has, given to `each` in turn;
/// each also added to `keep`, which is dropped when one cannot be kept.
fn derive_each<D: Derived>(
    config: &Config,
    names: &[&str],
    keep: &mut Option<Keeping>,
    each: &mut impl FnMut(Box<D>) -> Result<Option<Box<D>>>,
) -> Result<()> {
    for name in names {
        if let Some((name, raw)) = config.profiles.get_key_value(*name) {
            let d = D::derive(config, name, raw);
            if let Some(k) = keep
                && !k.add(name, &d)
            {
                *keep = None;
            }
            each(Box::new(d))?;
        }
    }
    Ok(())
}

/// This build of awsp, which what is kept beside the index depends on: its version, and
/// the identity of its executable (a rebuilt or reinstalled binary has another).
fn this_build() -> Option<Vec<u8>> {
    let exe = std::env::current_exe().ok()?;
    let identity = crate::os::identity(&std::fs::metadata(exe).ok()?);
    let mut key = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    for v in identity {
        key.extend_from_slice(&v.to_le_bytes());
    }
    Some(key)
}

/// Each profile's [`Derived`] as it is derived, to be kept once there is one for every
/// profile: a count, then per profile, sorted by name, its name and its encoding.
#[derive(Default)]
struct Keeping {
    text: String,
    /// Where each profile's name and encoding are in `text`.
    at: Vec<(Range<usize>, Range<usize>)>,
}

impl Keeping {
    fn add(&mut self, name: &str, d: &impl Derived) -> bool {
        let name_at = self.text.len()..self.text.len() + name.len();
        self.text.push_str(name);
        let start = self.text.len();
        let ok = d.encode(&mut wire::Writer(&mut self.text));
        self.at.push((name_at, start..self.text.len()));
        ok
    }

    /// What to keep, when there is something for every profile the index names.
    fn body(mut self, idx: &index::Index) -> Option<String> {
        let text = |r: &Range<usize>| &self.text[r.clone()];
        self.at.sort_unstable_by(|a, b| text(&a.0).cmp(text(&b.0)));
        self.at.dedup_by(|a, b| text(&a.0) == text(&b.0));
        let names = idx.names()?;
        if names.len() != self.at.len()
            || !names.iter().zip(&self.at).all(|(n, (r, _))| n == text(r))
        {
            return None;
        }
        let mut out = String::with_capacity(self.text.len() + self.at.len() * 4 + 4);
        let mut w = wire::Writer(&mut out);
        w.num(self.at.len() as u64);
        for (name, d) in &self.at {
            w.text(text(name));
            w.text(text(d));
        }
        Some(out)
    }
}

/// The profiles' names and encodings in what [`Keeping::body`] made, sorted by name;
/// `None` when it is not such a thing.
fn kept_table(body: &str) -> Option<Vec<(&str, &str)>> {
    let mut r = wire::Reader(body);
    let count = usize::try_from(r.num()?).ok()?;
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(count.min(body.len()));
    for _ in 0..count {
        let name = r.str()?;
        if out.last().is_some_and(|(last, _)| *last >= name) {
            return None;
        }
        out.push((name, r.str()?));
    }
    r.is_empty().then_some(out)
}

/// Hands `each` every profile's `D` that [`Keeping::body`] kept, in name order, reading a
/// part at a time; counts them in `done`. True when every one was handed over; false when
/// what was kept stops making sense part way (then the profiles past `done` are still to
/// be read from the files).
fn each_kept<D: Derived>(
    kept: &index::Kept,
    done: &mut usize,
    each: &mut impl FnMut(Box<D>) -> Result<Option<Box<D>>>,
) -> Result<bool> {
    let (mut count, mut failed, mut reuse) = (None, None, None);
    let whole = kept.each_part(|text| {
        let mut r = wire::Reader(text);
        if count.is_none() {
            count = Some(r.num()?);
        }
        loop {
            let rest = r.0;
            // A name and its encoding that the part cut short come whole with the next.
            let (Some(_name), Some(d)) = (r.str(), r.str()) else {
                return Some(text.len() - rest.len());
            };
            match each(D::decode(wire::Reader(d), reuse.take())?) {
                Ok(back) => reuse = back,
                Err(e) => {
                    failed = Some(e);
                    return None;
                }
            }
            *done += 1;
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(whole.is_some() && count == u64::try_from(*done).ok()),
    }
}

impl Config {
    pub fn load(env: &Env) -> Result<Config> {
        Files::of(env).parse(&|_| true, Skip::Checked, true)
    }

    /// Loads only profile `name` and the profiles its `source_profile` chain reaches (and
    /// every sso-session), jumping over the other profiles' lines unread: the prompt's fast
    /// path. Syntax errors in the skipped sections go unseen; [`Config::load`] reports them.
    pub fn load_profile(env: &Env, name: &str) -> Result<Config> {
        let files = Files::of(env);
        files.through_index(
            |idx, sources| files.chains_indexed(idx, sources, &[name]),
            || files.parse_chains(&[name], Skip::Unread),
        )
    }

    /// [`Config::load_profile`] for several profiles at once: the picker's first rows.
    pub fn load_profiles(env: &Env, names: &[&str]) -> Result<Config> {
        let files = Files::of(env);
        files.through_index(
            |idx, sources| files.chains_indexed(idx, sources, names),
            || files.parse_chains(names, Skip::Unread),
        )
    }

    /// [`Config::load_profile`] that still checks every line, so it fails exactly when
    /// [`Config::load`] fails: for `use NAME`, where the switch must not hide a file the
    /// SDKs cannot read.
    pub fn load_profile_checked(env: &Env, name: &str) -> Result<Config> {
        let files = Files::of(env);
        files.through_index(
            |idx, sources| files.chains_indexed(idx, sources, &[name]),
            || files.parse_chains(&[name], Skip::Checked),
        )
    }

    /// `D` of each of `names` (`None`: of every profile, in name order), in the order
    /// given (names the files lack are skipped). What the files give is kept beside the
    /// index (see [`Derived`]): while the index is fresh and that was kept by this build
    /// of awsp, each profile's `D` is decoded instead of parsed and resolved (read a part
    /// at a time when every profile is asked for, else read whole). Otherwise
    /// the files are read a block of profiles at a time ([`Files::in_blocks`]), and when
    /// that went through a fresh index and gave every profile, what it gave is kept for
    /// the next command. `each` may hand back the `D` it was given, for the next one to be
    /// decoded into.
    pub fn load_derived<D: Derived>(
        env: &Env,
        names: Option<&[&str]>,
        block: usize,
        mut each: impl FnMut(Box<D>) -> Result<Option<Box<D>>>,
    ) -> Result<()> {
        let files = Files::of(env);
        let build = this_build();
        // Where what is kept lives, and the build it is kept for: none, nothing kept.
        let kept_in = files.index_dir.as_deref().zip(build.as_deref());
        // Opened once: for what is kept, the names, and the blocks.
        let indexed = files.indexed();
        let fresh = match &indexed {
            Indexed::Fresh(idx, _) => Some(idx),
            _ => None,
        };
        let kept = kept_in
            .zip(fresh)
            .and_then(|((dir, build), idx)| idx.kept_beside(dir, files.paths(), D::KEPT_AS, build));
        // How many of the names asked for (every name, in order, when none are) what was
        // kept answered.
        let mut done = 0;
        let whole: Option<String>;
        let mut table = None;
        match (names, &kept) {
            // Every profile in name order: the order it was kept in, read a part at a time.
            (None, Some(kept)) => {
                if each_kept(kept, &mut done, &mut each)? {
                    return Ok(());
                }
            }
            (Some(_), Some(kept)) => {
                whole = kept.read();
                table = whole.as_deref().and_then(kept_table);
            }
            _ => {}
        }
        let (all, every): (Vec<String>, Vec<&str>);
        let mut names = match names {
            Some(names) => names,
            None => {
                // The index's names, else a names pass that checks every line.
                all = match fresh.and_then(index::Index::names) {
                    Some(names) => names,
                    None => files.names(Skip::CheckedNames)?,
                };
                every = all.iter().map(String::as_str).collect();
                &every
            }
        };
        if let Some(table) = &table {
            let (mut next, mut reuse) = (0, None);
            for name in names {
                // Names in order are found without a search.
                let at = match table.get(next) {
                    Some((n, _)) if n == name => Ok(next),
                    _ => table.binary_search_by(|(n, _)| n.cmp(name)),
                };
                // Kept for every profile: a name not there is not in the files.
                if let Ok(at) = at {
                    let Some(d) = D::decode(wire::Reader(table[at].1), reuse.take()) else {
                        break;
                    };
                    reuse = each(d)?;
                    next = at + 1;
                }
                done += 1;
            }
        }
        names = &names[done.min(names.len())..];
        if names.is_empty() && kept.is_some() {
            return Ok(());
        }
        let mut keep = kept_in.map(|_| Keeping::default());
        let through = files.in_blocks(indexed, names, block, |config, now| {
            derive_each(config, now, &mut keep, &mut each)
        })?;
        if let (Some((dir, build)), Some(idx), Some(keep)) = (kept_in, through, keep)
            && let Some(body) = keep.body(&idx)
        {
            idx.keep_beside(dir, files.paths(), D::KEPT_AS, build, body.as_bytes());
        }
        Ok(())
    }

    /// Every profile name, sorted, keeping no property: `list --names`, and the picker's
    /// first pass before anything is drawn. Every line is still checked (plain ones in a
    /// tight loop), so it fails exactly when [`Config::load`] fails: one verdict per file
    /// in every command.
    pub fn load_names(env: &Env) -> Result<Vec<String>> {
        let files = Files::of(env);
        files.through_index(|idx, _| idx.names(), || files.names(Skip::CheckedNames))
    }

    /// [`Config::load_names`], only those starting with `prefix`: completion, which
    /// needs a few names out of 10,000.
    pub fn load_names_starting(env: &Env, prefix: &str) -> Result<Vec<String>> {
        let files = Files::of(env);
        let starts = |mut names: Vec<String>| {
            names.retain(|n| n.starts_with(prefix));
            names
        };
        files.through_index(
            |idx, _| idx.names_starting(prefix),
            || files.names(Skip::CheckedNames).map(starts),
        )
    }

    /// The next missing link of each of `names`' chains (`loaded` as for
    /// [`Config::missing_link`]), sorted, each once.
    fn missing_links(&self, names: &[&str], loaded: &[String]) -> Vec<String> {
        let mut out: Vec<String> = names
            .iter()
            .filter_map(|name| self.missing_link(name, loaded))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The first profile on `name`'s `source_profile` chain that was not loaded yet (`loaded`:
    /// the names asked for so far, sorted).
    fn missing_link(&self, name: &str, loaded: &[String]) -> Option<String> {
        let mut seen = vec![name];
        let mut current = name;
        loop {
            let raw = self.profiles.get(current)?;
            if raw.get("sso_session").is_some_and(|s| !s.is_empty())
                || raw.get("role_arn").is_none_or(str::is_empty)
            {
                return None;
            }
            let next = raw.get("source_profile").filter(|s| !s.is_empty())?;
            if seen.contains(&next) {
                return None;
            }
            if !self.profiles.contains_key(next) {
                let tried = loaded.binary_search_by(|l| l.as_str().cmp(next)).is_ok();
                return (!tried).then(|| next.to_string());
            }
            seen.push(next);
            current = next;
        }
    }

    /// Config first, then the credentials file wins per key.
    pub fn merge(config: ParsedFile, credentials: ParsedFile) -> Config {
        let mut out = Config {
            sso_sessions: config.sso_sessions,
            ..Config::default()
        };
        // The config file's map is sorted already: built whole, not inserted name by name.
        out.profiles = config
            .profiles
            .into_iter()
            .map(|(name, section)| {
                let raw = RawProfile {
                    props: section.props,
                    locs: section.locs,
                    in_config: true,
                    in_credentials: false,
                };
                (name, raw)
            })
            .collect();
        for (name, section) in credentials.profiles {
            let entry = out.profiles.entry(name).or_default();
            entry.props.extend(section.props);
            entry.locs.extend(section.locs);
            entry.in_credentials = true;
        }
        out.warnings = config.warnings;
        out.warnings.extend(credentials.warnings);
        out.cli_differences = config.cli_differences;
        out.cli_differences.extend(credentials.cli_differences);
        out.cli_headers = config.cli_headers;
        out.cli_headers.extend(credentials.cli_headers);
        out.cli_defaults = [config.cli_default, credentials.cli_default];
        out
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    pub fn resolve_all(&self) -> Vec<Profile> {
        self.profiles
            .iter()
            .map(|(n, raw)| self.resolve_raw(n, raw))
            .collect()
    }

    /// Resolves one profile, following its `source_profile` chain.
    pub fn resolve(&self, name: &str) -> Option<Profile> {
        let (name, raw) = self.profiles.get_key_value(name)?;
        Some(self.resolve_raw(name, raw))
    }

    /// [`Config::resolve`] for a profile already in hand: `list` resolves every one, so
    /// each name is looked up once, and each profile's settings are read in one pass.
    pub fn resolve_raw(&self, name: &str, raw: &RawProfile) -> Profile {
        let f = Fields::of(raw);
        let own = |v: Option<&str>| v.map(str::to_string);
        let kind = if f.role_arn.is_some() && f.web_identity_token_file {
            Kind::WebIdentity
        } else if f.role_arn.is_some() {
            Kind::AssumeRole
        } else if f.sso_session.is_some() {
            Kind::Sso
        } else if f.sso_start_url.is_some() || f.sso_account_id.is_some() {
            Kind::SsoLegacy
        } else if f.login_session {
            Kind::Login
        } else if f.credential_process {
            Kind::Process
        } else if f.aws_access_key_id {
            Kind::Static
        } else if raw.props.iter().next().is_some() {
            Kind::Settings
        } else {
            Kind::Unknown
        };
        let session = f.sso_session.and_then(|s| self.sso_sessions.get(s));
        let session_get = |k: &str| session.and_then(|s| s.get(k)).filter(|v| !v.is_empty());
        let (arn_account, arn_role) = f.role_arn.map(parse_role_arn).unwrap_or_default();
        let mut p = Profile {
            name: name.to_string(),
            kind,
            account_id: own(f.sso_account_id).or(arn_account),
            account_name: own(f.account_name.into_iter().flatten().next()),
            role_name: own(f.sso_role_name).or(arn_role),
            region: own(f.region),
            sso_start_url: own(session_get("sso_start_url").or(f.sso_start_url)),
            sso_region: own(session_get("sso_region").or(f.sso_region)),
            sso_session: own(f.sso_session),
            source_profile: own(f.source_profile),
            chain: vec![name.to_string()],
            chain_error: None,
            token_key: None,
        };
        if kind == Kind::AssumeRole && p.source_profile.is_none() && !f.credential_source {
            p.chain_error = Some("role_arn needs source_profile or credential_source".into());
        }
        p.token_key = self.follow_chain(&mut p, &f);
        p
    }

    /// Walks `source_profile` links from the profile whose settings are `first`; returns
    /// the token key of the profile the chain ends in.
    fn follow_chain(&self, p: &mut Profile, first: &Fields) -> Option<TokenKey> {
        let mut fields;
        let mut f = first;
        let mut current = p.name.as_str();
        loop {
            if let Some(s) = f.sso_session {
                return Some(TokenKey::Session(s.to_string()));
            }
            if let (Some(_), Some(next)) = (f.role_arn, f.source_profile) {
                // A profile may name itself to use its own static keys for the role.
                if next == current && f.aws_access_key_id {
                    return None;
                }
                if p.chain.iter().any(|c| c == next) {
                    p.chain_error = Some(format!(
                        "source_profile cycle: {} -> {next}",
                        p.chain.join(" -> ")
                    ));
                    return None;
                }
                let Some((next, raw)) = self.profiles.get_key_value(next) else {
                    p.chain_error = Some(format!("source_profile `{next}` does not exist"));
                    return None;
                };
                // Real chains are a few hops; a generated one must not make resolving quadratic.
                if p.chain.len() >= MAX_CHAIN {
                    p.chain_error = Some(format!(
                        "source_profile chain is longer than {MAX_CHAIN} profiles"
                    ));
                    return None;
                }
                p.chain.push(next.to_string());
                current = next;
                fields = Fields::of(raw);
                f = &fields;
                continue;
            }
            return f.sso_start_url.map(|u| TokenKey::StartUrl(u.to_string()));
        }
    }

    /// How the AWS CLI reads profile `name`, or `None` when it reads it as the SDKs do
    /// (or there is no such profile). Python's parser, which the CLI reads the files with,
    /// applies a `[DEFAULT]` section's keys to every section of its file, and botocore
    /// names a section only from the exact text between the brackets (`[ profile x ]` is
    /// no profile, `[ x ]` in the credentials file a profile named ` x `).
    pub fn cli_view(&self, name: &str) -> Option<CliView> {
        if self.cli_headers.is_empty() && self.cli_defaults.iter().all(Option::is_none) {
            return None;
        }
        let raw = self.profiles.get(name)?;
        let in_file = |loc: &Loc, file: usize| {
            *loc.file == *[&self.config_path, &self.credentials_path][file]
        };
        let reads_as_this = |h: &CliHeader| h.cli == ini::cli::Named::Profile(name.to_string());
        let mut view = CliView::default();
        for loc in &raw.locs {
            if let Some(h) = self
                .cli_headers
                .iter()
                .find(|h| h.loc == *loc && !reads_as_this(h))
            {
                view.hidden.push((loc.clone(), h.raw.clone()));
            }
        }
        // The AWS CLI reads this profile from a file when one of its headers there is read
        // as it, or another header (one the SDKs ignore) is.
        let seen = |file: usize| {
            raw.locs
                .iter()
                .any(|l| in_file(l, file) && !view.hidden.iter().any(|(h, _)| h == l))
                || self
                    .cli_headers
                    .iter()
                    .any(|h| in_file(&h.loc, file) && reads_as_this(h))
        };
        let seen = [seen(0), seen(1)];
        view.missing = !seen[0] && !seen[1];
        // A property the AWS CLI reads: not under a hidden header (the header above it).
        let visible = |p: &ini::Property| {
            let header = raw
                .locs
                .iter()
                .filter(|l| l.file == p.loc.file && l.line <= p.loc.line)
                .max_by_key(|l| l.line);
            header.is_none_or(|h| !view.hidden.iter().any(|(l, _)| l == h))
        };
        let own = |key: &str, file: usize| {
            raw.props
                .get(key)
                .filter(|p| in_file(&p.loc, file) && visible(p))
        };
        // Credentials first: the CLI lays that file's values over the config file's.
        let mut keys: Vec<&str> = Vec::new();
        for d in self.cli_defaults.iter().flatten() {
            keys.extend(d.props.iter().map(|(k, _)| k));
        }
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            for file in [1, 0] {
                if !seen[file] {
                    continue;
                }
                if own(key, file).is_some() {
                    break;
                }
                let fallback = self.cli_defaults[file]
                    .as_ref()
                    .and_then(|d| d.props.get(key));
                if let Some(p) = fallback {
                    let shown = match &p.value {
                        ini::Value::Text(t) => ini::redact(key, t),
                        ini::Value::Sub(m) => format!("({} sub-properties)", m.len()),
                    };
                    view.from_default
                        .push((key.to_string(), shown, p.loc.clone()));
                    break;
                }
            }
        }
        view.region = [1, 0]
            .into_iter()
            .filter(|&f| seen[f])
            .find_map(|f| {
                own("region", f)
                    .or_else(|| {
                        self.cli_defaults[f]
                            .as_ref()
                            .and_then(|d| d.props.get("region"))
                    })
                    .and_then(|p| p.value.as_text())
            })
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let sdk_region = raw.get("region").filter(|r| !r.is_empty());
        let same = !view.missing
            && view.hidden.is_empty()
            && view.from_default.is_empty()
            && view.region.as_deref() == sdk_region;
        (!same).then_some(view)
    }

    /// Where a profile's property was written, for `current` and the preview.
    pub fn loc(&self, profile: &str, key: &str) -> Option<&Loc> {
        self.profiles.get(profile)?.props.get(key).map(|p| &p.loc)
    }
}

/// `arn:aws:iam::123456789012:role/path/Name` → (account, role name).
pub fn parse_role_arn(arn: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return (None, None);
    }
    let account = Some(parts[4].to_string()).filter(|a| !a.is_empty());
    let role = parts[5]
        .strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next())
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    (account, role)
}

/// Reads each token file once, however many profiles share it.
pub struct TokenCache {
    dir: PathBuf,
    now: DateTime<Utc>,
    seen: HashMap<TokenKey, TokenState>,
}

impl TokenCache {
    pub fn new(env: &Env) -> TokenCache {
        TokenCache {
            dir: env.sso_cache_dir(),
            now: env.now,
            seen: HashMap::new(),
        }
    }

    pub fn state(&mut self, key: &TokenKey) -> TokenState {
        if let Some(s) = self.seen.get(key) {
            return s.clone();
        }
        let s = sso::read_state(key, &self.dir, self.now);
        self.seen.insert(key.clone(), s.clone());
        s
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(config: &str, credentials: &str) -> Config {
        let f = |t: &str, k| ini::parse(t, k, Arc::new("f".into())).unwrap();
        Config::merge(
            f(config, FileKind::Config),
            f(credentials, FileKind::Credentials),
        )
    }

    #[test]
    fn resolves_kinds() {
        let c = cfg(
            "[sso-session co]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
             [profile a]\nsso_session = co\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\
             [profile old]\nsso_start_url = https://old/start\nsso_account_id = 2\nsso_role_name = R\n\
             [profile role]\nrole_arn = arn:aws:iam::333333333333:role/ops/Deploy\nsource_profile = a\n\
             [profile proc]\ncredential_process = x\n\
             [profile web]\nrole_arn = arn:aws:iam::4:role/W\nweb_identity_token_file = /t\n\
             [profile empty]\n[profile region-only]\nregion = eu-west-1\noutput = json\n",
            "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        );
        let k = |n: &str| c.resolve(n).unwrap().kind;
        assert_eq!(k("a"), Kind::Sso);
        assert_eq!(k("old"), Kind::SsoLegacy);
        assert_eq!(k("role"), Kind::AssumeRole);
        assert_eq!(k("proc"), Kind::Process);
        assert_eq!(k("web"), Kind::WebIdentity);
        assert_eq!(k("keys"), Kind::Static);
        assert_eq!(k("empty"), Kind::Unknown);
        assert_eq!(k("region-only"), Kind::Settings);
        let a = c.resolve("a").unwrap();
        assert_eq!(a.sso_start_url.as_deref(), Some("https://x/start"));
        assert_eq!(a.token_key, Some(TokenKey::Session("co".into())));
        let role = c.resolve("role").unwrap();
        assert_eq!(role.account_id.as_deref(), Some("333333333333"));
        assert_eq!(role.role_name.as_deref(), Some("Deploy"));
        assert_eq!(role.chain, ["role", "a"]);
        assert_eq!(role.token_key, Some(TokenKey::Session("co".into())));
        let old = c.resolve("old").unwrap();
        assert_eq!(
            old.token_key,
            Some(TokenKey::StartUrl("https://old/start".into()))
        );
    }

    #[test]
    fn detects_broken_chains() {
        let c = cfg(
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = y\n\
             [profile y]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n\
             [profile z]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nope\n\
             [profile self]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = self\naws_access_key_id = A\n",
            "",
        );
        assert!(
            c.resolve("x")
                .unwrap()
                .chain_error
                .unwrap()
                .contains("cycle")
        );
        assert!(
            c.resolve("z")
                .unwrap()
                .chain_error
                .unwrap()
                .contains("does not exist")
        );
        assert_eq!(c.resolve("self").unwrap().chain_error, None);
    }

    #[test]
    fn one_profile_loads_follow_the_chain() {
        let dir = std::env::temp_dir().join(format!("awsp-model-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            "[profile top]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = mid\n\
             [profile other]\nregion = x\n\
             [profile mid]\nrole_arn = arn:aws:iam::2:role/r\nsource_profile = base\n\
             [profile base]\nsso_session = s\n[sso-session s]\nsso_region = r\n\
             [profile broken]\nnot a property\n",
        )
        .unwrap();
        std::fs::write(dir.join(".aws/credentials"), "[creds]\nregion = y\n").unwrap();
        let env = Env::fake([("HOME", dir.to_str().unwrap())]);
        let c = Config::load_profile(&env, "top").unwrap();
        assert_eq!(c.names().collect::<Vec<_>>(), ["base", "mid", "top"]);
        let top = c.resolve("top").unwrap();
        assert_eq!(top.chain, ["top", "mid", "base"]);
        assert_eq!(top.token_key, Some(TokenKey::Session("s".into())));
        // The checked loads fail where the full load fails.
        let full = Config::load(&env).unwrap_err().to_string();
        assert!(
            full.ends_with(":14: Expected an '=' sign defining a property"),
            "{full}"
        );
        let checked = Config::load_profile_checked(&env, "top").unwrap_err();
        assert_eq!(checked.to_string(), full);
        // Names fail where the full load fails.
        assert_eq!(Config::load_names(&env).unwrap_err().to_string(), full);
        std::fs::write(dir.join(".aws/config"), "[profile a]\n[default]\n").unwrap();
        assert_eq!(Config::load_names(&env).unwrap(), ["a", "creds", "default"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Both files, with their own names, as a load gives them.
    fn files(config: &str, credentials: &str) -> Config {
        let f = |t: &str, k, n: &str| ini::parse(t, k, Arc::new(n.into())).unwrap();
        let mut c = Config::merge(
            f(config, FileKind::Config, "cfg"),
            f(credentials, FileKind::Credentials, "cred"),
        );
        c.config_path = "cfg".into();
        c.credentials_path = "cred".into();
        c
    }

    /// Python's `RawConfigParser` (the AWS CLI's reader) gives every section the keys of
    /// `[DEFAULT]` it does not set, and lists no `DEFAULT` section; botocore names a
    /// section from the exact text between the brackets.
    #[test]
    fn what_the_cli_reads() {
        let c = files(
            "[ profile sp ]\nregion = us-east-1\n\
             [DEFAULT]\nregion = eu-west-1\noutput = json\n\
             [profile a]\n\
             [profile b]\nregion = us-east-1\n\
             [profile c]\nregion = us-east-1\n\
             [profile d]\nregion = x\n[ profile d ]\noutput = text\n",
            "[DEFAULT]\nregion = ap-south-1\n[c]\naws_access_key_id = AKIAEXAMPLE\n",
        );
        assert_eq!(
            c.names().collect::<Vec<_>>(),
            ["DEFAULT", "a", "b", "c", "d", "sp"]
        );
        let sp = c.cli_view("sp").unwrap();
        assert!(sp.missing);
        assert_eq!(sp.hidden[0].0.line, 1);
        assert_eq!(sp.hidden[0].1, " profile sp ");
        assert!(c.cli_view("DEFAULT").unwrap().missing);
        let a = c.cli_view("a").unwrap();
        assert!(!a.missing);
        assert_eq!(a.region.as_deref(), Some("eu-west-1"));
        let keys: Vec<&str> = a.from_default.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(keys, ["output", "region"]);
        // Its own region, and `output` from `[DEFAULT]`.
        let b = c.cli_view("b").unwrap();
        assert_eq!(b.region.as_deref(), Some("us-east-1"));
        assert_eq!(b.from_default.len(), 1);
        // The credentials file's `[DEFAULT]` overrides the config file's own value.
        let cv = c.cli_view("c").unwrap();
        assert_eq!(cv.region.as_deref(), Some("ap-south-1"));
        assert_eq!(c.resolve("c").unwrap().region.as_deref(), Some("us-east-1"));
        // One header read, one not: found, without what the other holds.
        let d = c.cli_view("d").unwrap();
        assert!(!d.missing);
        assert_eq!(d.hidden.len(), 1);
        assert!(
            d.from_default
                .iter()
                .any(|(k, v, _)| k == "output" && v == "json")
        );
        // Nothing to say when both read the files alike.
        assert!(
            files("[profile a]\nregion = x\n", "")
                .cli_view("a")
                .is_none()
        );
    }

    #[test]
    fn names_sort_as_strings_do() {
        let mut names: Vec<String> = [
            "p10",
            "p1",
            "p100",
            "a",
            "",
            "abcdefghij",
            "abcdefgh",
            "abcdefghi",
            "Z",
            "p1\u{e9}",
            "p1z",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut want = names.clone();
        want.sort();
        names.sort_unstable_by(|a, b| prefix(a).cmp(&prefix(b)).then_with(|| a.cmp(b)));
        assert_eq!(names, want);
    }

    #[test]
    fn role_arn_parts() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/Name"),
            (Some("123456789012".into()), Some("Name".into()))
        );
        assert_eq!(parse_role_arn("garbage"), (None, None));
    }
}

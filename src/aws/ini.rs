//! The shared config/credentials grammar, exactly as the cross-SDK parser suite
//! (`config-file-parser-tests.json`) defines it. rust-ini cannot express it: it has no
//! sub-property blocks, strips comments that are adjacent to a value, treats `:` as `=`,
//! and has no `[profile default]`-beats-`[default]` rule.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub mod cli;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

/// Where a section or property was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<PathBuf>,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    /// `key =` followed by indented `sub = value` lines.
    Sub(BTreeMap<String, String>),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::Sub(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Property {
    pub value: Value,
    pub loc: Loc,
}

/// A property name, lower-cased. The usual ones borrow a static string: an allocation per
/// line is what a 10,000-profile file costs.
pub type Key = Cow<'static, str>;

/// Names nearly every property line uses, as one `match`: compiled to a switch on the
/// length and a compare or two, where a scan of the list cost 10% of parsing.
macro_rules! known_keys {
    ($($k:literal),* $(,)?) => {
        fn known(name: &str) -> Option<&'static str> {
            match name {
                $($k => Some($k),)*
                _ => None,
            }
        }
    };
}

known_keys!(
    "region",
    "output",
    "sso_session",
    "sso_account_id",
    "sso_role_name",
    "sso_start_url",
    "sso_region",
    "sso_registration_scopes",
    "sso_account_name",
    "account_name",
    "granted_sso_account_name",
    "aws_account_name",
    "role_arn",
    "source_profile",
    "credential_source",
    "role_session_name",
    "external_id",
    "mfa_serial",
    "duration_seconds",
    "web_identity_token_file",
    "credential_process",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "cli_pager",
    "cli_auto_prompt",
    "ca_bundle",
    "endpoint_url",
    "services",
    "retry_mode",
    "max_attempts",
    "s3",
    "parameter_validation",
    "use_fips_endpoint",
);

fn intern(name: &str) -> Key {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        let lower = name.to_ascii_lowercase();
        return known(&lower).map_or(Cow::Owned(lower), Cow::Borrowed);
    }
    known(name).map_or_else(|| Cow::Owned(name.to_string()), Cow::Borrowed)
}

/// A section's properties, sorted by key. A section holds a handful, so a sorted `Vec` is
/// one allocation where a map is a node of eleven slots, and as quick to search.
#[derive(Clone, Debug, Default)]
pub struct Props(Vec<(Key, Property)>);

impl Props {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Property> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// Sets `key`; returns its position and the value it replaces.
    pub fn insert(&mut self, key: Key, prop: Property) -> (usize, Option<Property>) {
        match self.find(&key) {
            Ok(i) => (i, Some(std::mem::replace(&mut self.0[i].1, prop))),
            Err(i) => {
                if self.0.capacity() == 0 {
                    // A profile has about eight: one allocation instead of growing twice.
                    self.0.reserve_exact(8);
                }
                self.0.insert(i, (key, prop));
                (i, None)
            }
        }
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.0.iter().map(|(k, p)| (k.as_ref(), p))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Later wins, key by key.
    pub fn extend(&mut self, other: Props) {
        for (k, p) in other.0 {
            self.insert(k, p);
        }
    }
}

impl std::ops::Index<&str> for Props {
    type Output = Property;

    fn index(&self, key: &str) -> &Property {
        self.get(key).expect("property exists")
    }
}

#[derive(Clone, Debug, Default)]
pub struct Section {
    pub props: Props,
    /// Every header line that opened this section (duplicates merge).
    pub locs: Vec<Loc>,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(|p| p.value.as_text())
    }

    fn merge(&mut self, other: Section) {
        // Most sections are written once: move them instead of re-inserting every key.
        if self.props.is_empty() && self.locs.is_empty() {
            *self = other;
            return;
        }
        self.props.extend(other.props);
        self.locs.extend(other.locs);
    }
}

/// Something the rules ignore rather than reject; kept for `doctor`.
#[derive(Clone, Debug)]
pub struct Warning {
    pub loc: Loc,
    pub kind: WarningKind,
    pub message: String,
    /// For [`WarningKind::IgnoredSection`]: the name between the brackets, trimmed.
    pub section: Option<String>,
}

/// What a [`Warning`] is about. The first three land in [`ParsedFile::warnings`], the rest
/// in [`ParsedFile::cli_differences`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    /// A section header the rules ignore, with everything under it: `[profile]` without a
    /// name, a config-file section without the `profile `/`sso-session ` prefix, or an
    /// invalid name.
    IgnoredSection,
    /// A property whose name has a character outside the allowed set; the line is ignored.
    InvalidPropertyName,
    /// A sub-property (an indented `key = value`) whose name has a character outside the
    /// allowed set; the line is ignored.
    InvalidSubPropertyName,
    /// A `#` or `;` comment after a value: the SDKs strip it, the AWS CLI keeps it.
    InlineComment,
    /// A key set twice in one section: the SDKs keep the last, the AWS CLI fails.
    DuplicateKey,
    /// Both `[default]` and `[profile default]` in the config file.
    DefaultTwice,
    /// `key: value`, which the AWS CLI accepts and the SDKs reject.
    ColonSeparator,
    /// `a:b = c`: the SDKs read key `a:b`, the AWS CLI splits at the `:` (key `a`).
    ColonInKey,
}

/// A section header the AWS CLI reads differently from the SDKs; recorded only then.
#[derive(Clone, Debug)]
pub struct CliHeader {
    pub loc: Loc,
    /// The name between the brackets as the AWS CLI takes it.
    pub raw: String,
    /// What the SDKs read there ([`cli::Named::Other`]: nothing, the section is ignored).
    pub sdk: cli::Named,
    /// What the AWS CLI reads there.
    pub cli: cli::Named,
}

#[derive(Clone, Debug)]
pub struct ParseError {
    pub loc: Loc,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

/// One parsed file.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    pub profiles: BTreeMap<String, Section>,
    pub sso_sessions: BTreeMap<String, Section>,
    pub warnings: Vec<Warning>,
    /// Facts where the AWS CLI (botocore) reads this file differently; for `doctor`.
    pub cli_differences: Vec<Warning>,
    /// With [`Skip::Names`]: the profiles [`parse_only`] skipped, by name, once per header.
    pub skipped: Vec<String>,
    /// The headers the AWS CLI reads as another section than the SDKs do.
    pub cli_headers: Vec<CliHeader>,
    /// `[DEFAULT]` (exactly that case), whose keys the AWS CLI applies to every section of
    /// the file that does not set them; the SDKs ignore it in the config file and read a
    /// profile named `DEFAULT` in the credentials file.
    pub cli_default: Option<Section>,
}

/// The error for a file that starts with a byte-order mark. Neither the SDKs nor the AWS
/// CLI (Python reads the file as plain UTF-8, so the mark is part of the first line) read
/// such a file.
pub const BOM: &str = "the file starts with a UTF-8 byte-order mark (U+FEFF), which the AWS CLI and the SDKs reject too; save it as UTF-8 without a BOM";

/// Properties whose values are secrets: never shown, only their presence.
pub const SECRET_KEYS: [&str; 3] = [
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// Whether text that starts a line (a key, or a whole line) may carry a secret: its first
/// word names a secret-bearing key, or looks like one (`…secret…`, `…token…`,
/// `…password…`). Such a line is never echoed, only its `file:line`: a key written without
/// its `=` (`aws_session_token IQoJ…==`) keeps the secret in what looks like its name.
pub fn looks_secret(text: &str) -> bool {
    let first = text
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == '=' || c == ':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    ["secret", "token", "password"]
        .iter()
        .any(|w| first.contains(w))
}

/// Whether a property's value is a secret.
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key) || looks_secret(key)
}

/// A value as it may be shown: secrets hidden, an access key id cut to its first four
/// characters.
pub fn redact(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        "(hidden)".into()
    } else if key == "aws_access_key_id" && value.len() > 4 {
        format!(
            "{}…",
            &value[..value.char_indices().nth(4).map_or(value.len(), |(i, _)| i)]
        )
    } else {
        value.to_string()
    }
}

/// A key found on a line that did not parse, as a message may quote it: in the credentials
/// file, or when it looks like a secret, `None` (say only where it is).
fn quotable(kind: FileKind, key: &str) -> Option<String> {
    (kind == FileKind::Config && !looks_secret(key)).then(|| key.to_string())
}

pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| NAME_BYTES[b as usize])
}

/// `A-Za-z0-9_-/.%@:+`, as a table: every key of every line goes through it.
const NAME_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
        i += 1;
    }
    t
};

enum Target {
    Profile(String),
    /// A bare `[default]` in the config file; loses to `[profile default]`.
    BareDefault,
    Session(String),
    Ignored,
    /// A profile the caller did not ask for: its lines are skipped unread.
    Skipped,
    /// `[DEFAULT]`: kept for the AWS CLI's view, and as profile `DEFAULT` too when
    /// `profile` (the credentials file, when the caller wants that profile).
    Default {
        profile: bool,
    },
}

/// What an indented line continues.
enum Open {
    Nothing,
    /// The property at this position of the section's [`Props`] (no line between could
    /// have moved it).
    Property(usize),
    /// A property whose name was invalid: its continuation lines are skipped too.
    IgnoredProperty,
    /// A property of a skipped profile, checked but not kept; `sub` when its value is
    /// empty, so that indented lines below it must be sub-properties.
    Skipped {
        sub: bool,
    },
}

/// Which profiles a parse keeps, by name. `Sync`: a big file is parsed in two halves at once.
pub type Keep<'k> = &'k (dyn Fn(&str) -> bool + Sync);

/// What [`parse_only`] does with the lines of the profiles it was not asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Checks them as [`parse`] would, so the same errors are reported, without keeping
    /// anything.
    Checked,
    /// Jumps over them to the next section header: errors in their lines go unseen.
    Unread,
    /// [`Skip::Unread`], listing their names in [`ParsedFile::skipped`].
    Names,
    /// [`Skip::Checked`], listing their names: fails exactly when [`parse`] fails.
    CheckedNames,
}

impl Skip {
    /// Whether every line of a skipped profile is still checked.
    pub fn checks(self) -> bool {
        matches!(self, Skip::Checked | Skip::CheckedNames)
    }

    fn names(self) -> bool {
        matches!(self, Skip::Names | Skip::CheckedNames)
    }
}

pub fn parse(text: &str, kind: FileKind, file: Arc<PathBuf>) -> Result<ParsedFile, ParseError> {
    parse_only(text, kind, file, &|_| true, Skip::Checked)
}

/// [`parse`], keeping only the profiles whose names `keep` accepts (sso-session blocks are
/// always kept; the others' names go to `skipped`): the fast path for a command that needs
/// one profile, or only the names, out of 10,000. Storing every property is what costs.
pub fn parse_only(
    text: &str,
    kind: FileKind,
    file: Arc<PathBuf>,
    keep: Keep,
    skip: Skip,
) -> Result<ParsedFile, ParseError> {
    let mut p = Parser::new(kind, file, keep, skip);
    p.feed(text)?;
    Ok(p.finish())
}

/// The grammar as a state machine fed whole lines, so that a file can be parsed as it is
/// read in blocks: holding all of a 1.5 MB file costs more in page faults than parsing it.
pub struct Parser<'k> {
    kind: FileKind,
    file: Arc<PathBuf>,
    keep: Keep<'k>,
    skip: Skip,
    out: ParsedFile,
    bare_default: Option<Section>,
    target: Option<Target>,
    section: Section,
    open: Open,
    /// Lines read so far.
    lines: usize,
    /// Inside a profile skipped unread: jump to the next section header.
    jumping: bool,
    /// Inside a profile skipped but checked: plain lines are checked in a tight loop.
    skimming: bool,
    /// Bytes fed before the current block, and where the line being judged starts.
    fed: u64,
    line_at: u64,
    /// With [`Parser::record_marks`]: every section header read, in order.
    marks: Option<Vec<Mark>>,
    forget: bool,
}

/// A section header as [`Parser::record_marks`] records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Byte offset of the header line in what was fed.
    pub offset: u64,
    /// Its line number (from 1).
    pub line: usize,
    pub opens: Opens,
}

/// What a header opens, as the SDKs read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opens {
    Profile(String),
    Session(String),
    /// An ignored section, `[DEFAULT]`, or a profile skipped unread.
    Other,
}

impl<'k> Parser<'k> {
    pub fn new(kind: FileKind, file: Arc<PathBuf>, keep: Keep<'k>, skip: Skip) -> Parser<'k> {
        Parser {
            kind,
            file,
            keep,
            skip,
            out: ParsedFile::default(),
            bare_default: None,
            target: None,
            section: Section::default(),
            open: Open::Nothing,
            lines: 0,
            jumping: false,
            skimming: false,
            fed: 0,
            line_at: 0,
            marks: None,
            forget: false,
        }
    }

    /// Records every section header from here on (the headers of profiles skipped unread
    /// or skimmed are not seen): see [`Parser::marks`]. With `forget`, the profiles and
    /// sso-sessions read are not kept (every warning is): a pass that checks a file and
    /// records its headers need not hold 10,000 profiles.
    pub fn record_marks(&mut self, forget: bool) {
        self.marks = Some(Vec::new());
        self.forget = forget;
    }

    /// The headers recorded since [`Parser::record_marks`].
    pub fn marks(&self) -> &[Mark] {
        self.marks.as_deref().unwrap_or(&[])
    }

    /// Continues as if `line` lines and `offset` bytes had been read: for feeding sections
    /// cut out of a file, each with its place in the file.
    pub fn resume_at(&mut self, line: usize, offset: u64) {
        self.lines = line;
        self.fed = offset;
    }

    /// Lines read so far, for errors found outside the parser (bad UTF-8).
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// Parses `text`, which must end with `\n` unless it is the end of the file: a line
    /// is never split between two calls.
    pub fn feed(&mut self, text: &str) -> Result<(), ParseError> {
        let mut pos = 0;
        while pos < text.len() {
            if self.jumping {
                // Jump from header to header while they name plain profiles nobody wants,
                // then count the lines passed in one go.
                let start = pos;
                loop {
                    pos += next_header(&text[pos..]);
                    let Some((name, next)) = plain_profile_header(text, pos, self.kind) else {
                        break;
                    };
                    if (self.keep)(name) {
                        break;
                    }
                    if self.skip.names() {
                        self.out.skipped.push(name.to_string());
                    }
                    pos = next;
                    // A last header with no line break after it: nothing follows.
                    if pos >= text.len() {
                        break;
                    }
                }
                let end = pos.min(text.len());
                self.lines +=
                    count_newlines(&text.as_bytes()[start..end]) + usize::from(pos > text.len());
                if pos >= text.len() {
                    // Still inside the skipped profile when the next block comes.
                    break;
                }
                self.jumping = false;
            }
            if self.skimming {
                pos = self.skim(text, pos);
                if pos >= text.len() {
                    break;
                }
            }
            let end =
                memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |i| pos + i);
            self.lines += 1;
            self.line_at = self.fed + pos as u64;
            self.line(&text[pos..end])?;
            pos = end + 1;
        }
        self.fed += text.len() as u64;
        Ok(())
    }

    /// Checks the lines of a skipped profile from `pos` on, as [`Parser::line`] would,
    /// while they are plain: blank, a comment, `key = value` at the start of the line, or
    /// the header of another plain profile nobody asked for. Returns where the first other
    /// line starts (another header, an indented line, anything [`Parser::line`] must judge,
    /// a line it would reject), or the end. Storing nothing, only whether a value is empty
    /// matters: an indented line under an empty value must be a sub-property.
    fn skim(&mut self, text: &str, pos: usize) -> usize {
        let bytes = text.as_bytes();
        // Kept in locals, written back once: the loop runs for every line of the file.
        let (mut start, mut lines, mut valued) = (pos, 0, false);
        let stop = loop {
            if start >= bytes.len() {
                break None;
            }
            let first = bytes[start];
            // Where the line ends: a property's line is read byte by byte up to its value
            // (a few bytes in: quicker than a call), the rest searched for.
            let mut at = start;
            match first {
                b'\n' | b'\r' | b'#' | b';' => {}
                b'[' => {
                    let end =
                        memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                    let line = &text[start..end];
                    match plain_header_name(line.strip_suffix('\r').unwrap_or(line), self.kind) {
                        Some(name) if !(self.keep)(name) => {
                            if self.skip.names() {
                                self.out.skipped.push(name.to_string());
                            }
                            valued = false;
                            self.open = Open::Nothing;
                        }
                        _ => break Some(start),
                    }
                    at = end;
                }
                b if b.is_ascii_graphic() && b != b'=' => {
                    while at < bytes.len() && bytes[at] != b'=' && bytes[at] != b'\n' {
                        at += 1;
                    }
                    if at == bytes.len() || bytes[at] == b'\n' {
                        break Some(start); // no `=`
                    }
                    at += 1;
                    // `str::trim`'s ASCII white space.
                    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\x0b' | b'\x0c')
                    {
                        at += 1;
                    }
                    match bytes.get(at) {
                        // A value: indented lines below continue it, unchecked.
                        Some(b) if b.is_ascii() && !matches!(b, b'\n' | b'\r') => valued = true,
                        // An empty value, or white space the full rules must judge.
                        _ => break Some(start),
                    }
                }
                // White space, a control character, `= value`, or not ASCII.
                _ => break Some(start),
            }
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            if first == b'\r' && end > start + 1 {
                break Some(start); // more than a carriage return
            }
            lines += 1;
            start = end + 1;
        };
        self.lines += lines;
        if valued {
            self.open = Open::Skipped { sub: false };
        }
        stop.unwrap_or(start)
    }

    pub fn finish(self) -> ParsedFile {
        let (mut out, bare_default) = self.finish_parts();
        if let Some(bare) = bare_default {
            if out.profiles.contains_key("default") {
                out.cli_differences.push(Warning {
                    loc: bare.locs[0].clone(),
                    kind: WarningKind::DefaultTwice,
                    message: "both `[default]` and `[profile default]` exist: the SDKs use `[profile default]`, the AWS CLI the later one".into(),
                    section: None,
                });
            } else {
                out.profiles.insert("default".into(), bare);
            }
        }
        out
    }

    /// The file so far, and a bare `[default]` not yet weighed against `[profile default]`.
    fn finish_parts(mut self) -> (ParsedFile, Option<Section>) {
        let (target, section) = (self.target.take(), std::mem::take(&mut self.section));
        self.flush(target, section);
        (self.out, self.bare_default)
    }

    /// This parser's lines followed by `later`'s, which parsed the rest of the file from a
    /// section header on: the same result as one parser fed both.
    pub fn join(self, later: Parser) -> ParsedFile {
        let by = self.lines;
        let mut first = self;
        let (target, section) = (first.target.take(), std::mem::take(&mut first.section));
        first.flush(target, section);
        let (rest, bare) = later.finish_parts();
        let shift = |mut section: Section| {
            for loc in section.locs.iter_mut() {
                loc.line += by;
            }
            for (_, prop) in section.props.0.iter_mut() {
                prop.loc.line += by;
            }
            section
        };
        for (name, section) in rest.profiles {
            let slot = first.out.profiles.entry(name).or_default();
            slot.merge(shift(section));
        }
        for (name, section) in rest.sso_sessions {
            let slot = first.out.sso_sessions.entry(name).or_default();
            slot.merge(shift(section));
        }
        if let Some(bare) = bare {
            let slot = first.bare_default.get_or_insert_with(Section::default);
            slot.merge(shift(bare));
        }
        if let Some(d) = rest.cli_default {
            let slot = first.out.cli_default.get_or_insert_with(Section::default);
            slot.merge(shift(d));
        }
        first
            .out
            .cli_headers
            .extend(rest.cli_headers.into_iter().map(|mut h| {
                h.loc.line += by;
                h
            }));
        let out = &mut first.out;
        for (list, more) in [
            (&mut out.warnings, rest.warnings),
            (&mut out.cli_differences, rest.cli_differences),
        ] {
            list.extend(more.into_iter().map(|mut w| {
                w.loc.line += by;
                w
            }));
        }
        out.skipped.extend(rest.skipped);
        first.finish()
    }

    fn loc(&self) -> Loc {
        Loc {
            file: self.file.clone(),
            line: self.lines,
        }
    }

    fn err(&self, message: &str) -> ParseError {
        ParseError {
            loc: self.loc(),
            message: message.to_string(),
        }
    }

    fn flush(&mut self, target: Option<Target>, section: Section) {
        if self.forget
            && matches!(
                target,
                Some(Target::Profile(_) | Target::Session(_) | Target::BareDefault)
            )
        {
            return;
        }
        let slot = match target {
            Some(Target::Profile(n)) => self.out.profiles.entry(n).or_default(),
            Some(Target::Session(n)) => self.out.sso_sessions.entry(n).or_default(),
            Some(Target::BareDefault) => self.bare_default.get_or_insert_with(Section::default),
            Some(Target::Default { profile }) => {
                if profile {
                    let p = self.out.profiles.entry("DEFAULT".into()).or_default();
                    p.merge(section.clone());
                }
                self.out.cli_default.get_or_insert_with(Section::default)
            }
            Some(Target::Ignored | Target::Skipped) | None => return,
        };
        slot.merge(section);
    }

    /// One line, without its `\n`.
    fn line(&mut self, raw: &str) -> Result<(), ParseError> {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with('\u{FEFF}') && self.loc().line == 1 {
            return Err(self.err(BOM));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            return Ok(());
        }
        if line.starts_with('[') {
            return self.header(line);
        }
        if line.starts_with([' ', '\t']) {
            return self.continuation(trimmed);
        }
        self.property(line)
    }

    fn header(&mut self, line: &str) -> Result<(), ParseError> {
        // Comments may follow `]` directly.
        let cut = line.find(['#', ';']).unwrap_or(line.len());
        let head = line[..cut].trim_end();
        let Some(inner) = head.strip_suffix(']') else {
            return Err(self.err("Section definition must end with ']'"));
        };
        let written = &inner[1..];
        let name = written.trim();
        let (target, section) = (self.target.take(), std::mem::take(&mut self.section));
        self.flush(target, section);
        let loc = self.loc();
        self.section.locs.push(loc.clone());
        self.open = Open::Nothing;
        let names = self.skip.names();
        let skipped = |p: String, out: &mut ParsedFile| {
            if names {
                out.skipped.push(p);
            }
            Target::Skipped
        };
        let sdk = section_target(name, self.kind, &loc, &mut self.out);
        // The AWS CLI reads a header written exactly `[NAME]` as the SDKs do, unless the
        // SDKs ignore it or it is `[DEFAULT]`: only the others are worth its rules.
        let exact = head.len() == line.len() && written.len() == name.len();
        let cli = (!exact || matches!(sdk, Target::Ignored) || name == "DEFAULT")
            .then(|| cli::header_name(line))
            .flatten()
            .map(|raw| (raw, cli::named(self.kind, raw)));
        let cli_default = matches!(cli, Some((_, cli::Named::Defaults)));
        if let Some((raw, cli)) = cli {
            let sdk = match &sdk {
                Target::Profile(p) => cli::Named::Profile(p.clone()),
                Target::BareDefault => cli::Named::Profile("default".into()),
                Target::Session(s) => cli::Named::Session(s.clone()),
                _ => cli::Named::Other,
            };
            if sdk != cli {
                self.out.cli_headers.push(CliHeader {
                    loc: loc.clone(),
                    raw: raw.to_string(),
                    sdk,
                    cli,
                });
            }
        }
        let target = match sdk {
            Target::Profile(p) if cli_default => Target::Default {
                profile: (self.keep)(&p),
            },
            _ if cli_default => Target::Default { profile: false },
            Target::Profile(p) if !(self.keep)(&p) => skipped(p, &mut self.out),
            Target::BareDefault if !(self.keep)("default") => {
                skipped("default".into(), &mut self.out)
            }
            t => t,
        };
        if let Target::Default { profile: false } = target
            && self.kind == FileKind::Credentials
            && names
        {
            self.out.skipped.push("DEFAULT".into());
        }
        if let Some(marks) = &mut self.marks {
            let opens = match &target {
                Target::Profile(p) => Opens::Profile(p.clone()),
                Target::BareDefault => Opens::Profile("default".into()),
                Target::Session(s) => Opens::Session(s.clone()),
                _ => Opens::Other,
            };
            marks.push(Mark {
                offset: self.line_at,
                line: loc.line,
                opens,
            });
        }
        self.jumping = !self.skip.checks() && matches!(target, Target::Skipped);
        self.skimming = self.skip.checks() && matches!(target, Target::Skipped);
        self.target = Some(target);
        Ok(())
    }

    /// An indented line: a continuation or a sub-property.
    fn continuation(&mut self, trimmed: &str) -> Result<(), ParseError> {
        let Some(t) = &self.target else {
            return Err(self.err("Expected a section definition"));
        };
        let at = match self.open {
            Open::Nothing => {
                return Err(self.err("Expected a property definition, found continuation"));
            }
            Open::IgnoredProperty | Open::Skipped { sub: false } => return Ok(()),
            Open::Skipped { sub: true } => {
                let Some((k, _)) = trimmed.split_once('=') else {
                    return Err(
                        self.err("Expected an '=' sign defining a property in sub-property")
                    );
                };
                if k.trim().is_empty() {
                    return Err(self.err("Property did not have a name in sub-property"));
                }
                return Ok(());
            }
            Open::Property(i) => i,
        };
        if matches!(t, Target::Ignored) {
            return Ok(());
        }
        let loc = self.loc();
        let prop = &mut self.section.props.0[at].1;
        match &mut prop.value {
            Value::Text(v) if !v.is_empty() => {
                v.push('\n');
                v.push_str(trimmed);
            }
            value => {
                let err = |message: &str| ParseError {
                    loc: loc.clone(),
                    message: message.to_string(),
                };
                let Some((k, v)) = trimmed.split_once('=') else {
                    return Err(err(
                        "Expected an '=' sign defining a property in sub-property",
                    ));
                };
                let k = k.trim();
                if k.is_empty() {
                    return Err(err("Property did not have a name in sub-property"));
                }
                if !matches!(value, Value::Sub(_)) {
                    *value = Value::Sub(BTreeMap::new());
                }
                let Value::Sub(map) = value else {
                    unreachable!()
                };
                if is_valid_name(k) {
                    map.insert(k.to_ascii_lowercase(), v.trim().to_string());
                } else {
                    // Under a secret, every line is part of the secret.
                    let parent = &self.section.props.0[at].0;
                    let message = match quotable(self.kind, k).filter(|_| !looks_secret(parent)) {
                        Some(k) => format!("sub-property `{k}` has an invalid name and is ignored"),
                        None => "a sub-property on this line has an invalid name and is ignored (the line is not shown: it may hold a secret)".into(),
                    };
                    self.out.warnings.push(Warning {
                        loc,
                        kind: WarningKind::InvalidSubPropertyName,
                        message,
                        section: None,
                    });
                }
            }
        }
        Ok(())
    }

    fn property(&mut self, line: &str) -> Result<(), ParseError> {
        let Some(t) = &self.target else {
            return Err(self.err("Expected a section definition"));
        };
        let eq = line.bytes().position(|b| b == b'=');
        let Some((k, v)) = eq.map(|i| (&line[..i], &line[i + 1..])) else {
            if line.contains(':') {
                self.out.cli_differences.push(Warning {
                    loc: self.loc(),
                    kind: WarningKind::ColonSeparator,
                    message:
                        "`key: value` is accepted by the AWS CLI but rejected by the SDKs; use `=`"
                            .into(),
                    section: None,
                });
            }
            return Err(self.err("Expected an '=' sign defining a property"));
        };
        let key = k.trim();
        if key.is_empty() {
            return Err(self.err("Property did not have a name"));
        }
        if matches!(t, Target::Skipped) {
            // Checked, not kept: only whether the value is empty matters (a comment is cut
            // only after a first character, so it never empties one).
            self.open = match is_valid_name(key) {
                true => Open::Skipped {
                    sub: v.trim().is_empty(),
                },
                false => Open::IgnoredProperty,
            };
            return Ok(());
        }
        let ignored = matches!(t, Target::Ignored);
        if !ignored && key.contains(':') {
            // Python's parser splits a line at its first `=` or `:`.
            self.out.cli_differences.push(Warning {
                loc: self.loc(),
                kind: WarningKind::ColonInKey,
                message: match quotable(self.kind, key) {
                    Some(key) => format!(
                        "the SDKs read a key `{key}`, but the AWS CLI splits the line at the first `:` and reads key `{}`",
                        key.split(':').next().unwrap_or("").trim()
                    ),
                    None => "the SDKs read this line's key up to `=`, but the AWS CLI splits it at the first `:`".into(),
                },
                section: None,
            });
        }
        let (value, had_comment) = strip_value_comment(v.trim());
        if had_comment {
            self.out.cli_differences.push(Warning {
                loc: self.loc(),
                kind: WarningKind::InlineComment,
                message: match quotable(self.kind, key) {
                    Some(key) => format!(
                        "the AWS CLI keeps the comment as part of `{key}`'s value; the SDKs strip it"
                    ),
                    None => "the AWS CLI keeps the comment as part of this line's value; the SDKs strip it".into(),
                },
                section: None,
            });
        }
        if ignored {
            self.open = Open::IgnoredProperty;
            return Ok(());
        }
        if !is_valid_name(key) {
            self.out.warnings.push(Warning {
                loc: self.loc(),
                kind: WarningKind::InvalidPropertyName,
                message: match quotable(self.kind, key) {
                    Some(key) => format!("property `{key}` has an invalid name and is ignored"),
                    None => "a property on this line has an invalid name and is ignored (the line is not shown: it may hold a secret)".into(),
                },
                section: None,
            });
            self.open = Open::IgnoredProperty;
            return Ok(());
        }
        let prop = Property {
            value: Value::Text(value.to_string()),
            loc: self.loc(),
        };
        let (at, replaced) = self.section.props.insert(intern(key), prop);
        if replaced.is_some() {
            let key = &self.section.props.0[at].0;
            self.out.cli_differences.push(Warning {
                loc: self.loc(),
                kind: WarningKind::DuplicateKey,
                message: format!("`{key}` is set twice in one section: the SDKs keep the last one, the AWS CLI fails"),
                section: None,
            });
        }
        self.open = Open::Property(at);
        Ok(())
    }
}

fn section_target(name: &str, kind: FileKind, loc: &Loc, out: &mut ParsedFile) -> Target {
    classify(name, kind).unwrap_or_else(|why| {
        out.warnings.push(Warning {
            loc: loc.clone(),
            kind: WarningKind::IgnoredSection,
            message: why,
            section: Some(name.to_string()),
        });
        Target::Ignored
    })
}

/// What the SDKs make of a section named `name` (trimmed); `Err` says why they ignore it.
fn classify(name: &str, kind: FileKind) -> std::result::Result<Target, String> {
    let (target, bare): (fn(String) -> Target, &str) = match kind {
        FileKind::Credentials => (Target::Profile, name),
        FileKind::Config => {
            if name == "default" {
                return Ok(Target::BareDefault);
            }
            // `[DEFAULT]` is no profile to the SDKs either; what the AWS CLI makes of it is
            // recorded by the caller.
            if name == "DEFAULT" {
                return Ok(Target::Ignored);
            }
            let split = |prefix: &str| {
                name.strip_prefix(prefix)
                    .filter(|rest| rest.starts_with([' ', '\t']))
                    .map(str::trim)
            };
            if let Some(rest) = split("profile") {
                (Target::Profile, rest)
            } else if let Some(rest) = split("sso-session") {
                (Target::Session, rest)
            } else if name == "profile" || name == "sso-session" {
                return Err(format!("section `[{name}]` has no name and is ignored"));
            } else if let Some(m) = meant(kind, name) {
                return Err(format!(
                    "section `[{name}]` is ignored: did you mean `{}`?",
                    m.header
                ));
            } else {
                return Err(format!(
                    "section `[{name}]` is ignored: a config-file profile is written `[profile NAME]`"
                ));
            }
        }
    };
    if is_valid_name(bare) {
        Ok(target(bare.to_string()))
    } else {
        let hint = if kind == FileKind::Credentials && name.starts_with("profile ") {
            " (the credentials file uses bare `[NAME]`, without `profile`)"
        } else {
            " (allowed: A-Z a-z 0-9 _ - / . % @ : +)"
        };
        Err(format!(
            "section `[{name}]` has an invalid name and is ignored{hint}"
        ))
    }
}

/// What the SDKs read from a line that opens a section: a profile, an sso-session, or
/// [`cli::Named::Other`] for a section they ignore; `None` when the line is no header they
/// accept.
pub fn sdk_reading(kind: FileKind, line: &str) -> Option<cli::Named> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if !line.starts_with('[') {
        return None;
    }
    let cut = line.find(['#', ';']).unwrap_or(line.len());
    let inner = line[..cut].trim_end().strip_suffix(']')?;
    Some(match classify(inner[1..].trim(), kind) {
        Ok(Target::Profile(p)) => cli::Named::Profile(p),
        Ok(Target::BareDefault) => cli::Named::Profile("default".into()),
        Ok(Target::Session(s)) => cli::Named::Session(s),
        _ => cli::Named::Other,
    })
}

/// The header a section the SDKs ignore was most likely meant to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meant {
    /// E.g. `[profile x]`.
    pub header: String,
    /// The profile (or sso-session) it would open.
    pub name: String,
    pub session: bool,
}

/// For a section the SDKs ignore (its name trimmed): the header it was most likely meant
/// to be. `[profle x]` or `[Profile x]` → `[profile x]`, `[sso-sesion s]` →
/// `[sso-session s]`, `[x]` in the config file → `[profile x]`, `[profile "x"]` →
/// `[profile x]`, `[profile x]` in the credentials file → `[x]`.
pub fn meant(kind: FileKind, name: &str) -> Option<Meant> {
    let unquote = |s: &str| {
        let words = cli::shlex_split(s)?;
        match words.as_slice() {
            [one] if is_valid_name(one) => Some(one.clone()),
            _ => None,
        }
    };
    let (word, rest) = match name.split_once([' ', '\t']) {
        Some((w, r)) => (w, r.trim()),
        None => (name, ""),
    };
    if kind == FileKind::Credentials {
        let rest = if word == "profile" {
            unquote(rest)?
        } else {
            unquote(name)?
        };
        return (rest != name).then(|| Meant {
            header: format!("[{rest}]"),
            name: rest,
            session: false,
        });
    }
    if rest.is_empty() {
        // `[x]`: a profile without its prefix (but not a prefix without a name).
        let near_prefix =
            !crate::suggest::closest(word, ["profile", "sso-session"].into_iter()).is_empty();
        return (is_valid_name(word) && word != "DEFAULT" && !near_prefix).then(|| Meant {
            header: format!("[profile {word}]"),
            name: word.to_string(),
            session: false,
        });
    }
    let rest = unquote(rest)?;
    let prefix = match word {
        "profile" | "sso-session" => word,
        _ => {
            let near = crate::suggest::closest(word, ["profile", "sso-session"].into_iter());
            near.first().map(|p| {
                if p == "profile" {
                    "profile"
                } else {
                    "sso-session"
                }
            })?
        }
    };
    Some(Meant {
        header: format!("[{prefix} {rest}]"),
        name: rest,
        session: prefix == "sso-session",
    })
}

/// The offset of the next line that opens a section (`[` in column 0), or the end. `[` is
/// rare elsewhere, so searching for it is the fast way.
fn next_header(rest: &str) -> usize {
    if rest.starts_with('[') {
        return 0;
    }
    let bytes = rest.as_bytes();
    let mut from = 0;
    loop {
        // The memchr crate's search is vectorised; core's goes a word at a time: a
        // quarter of `awsp prompt`'s instructions at 1,000 profiles.
        match memchr::memchr(b'[', &bytes[from..]) {
            Some(i) if bytes[from + i - 1] == b'\n' => return from + i,
            Some(i) => from += i + 1,
            None => return rest.len(),
        }
    }
}

/// A header at `pos` of exactly the form `[profile NAME]` (`[NAME]` in the credentials
/// file) with a valid name, which the full header rules read the same way: the name and
/// where the next line starts. Anything else (`[default]`, sessions, comments, spaces)
/// is left to those rules.
fn plain_profile_header(text: &str, pos: usize, kind: FileKind) -> Option<(&str, usize)> {
    let rest = text.get(pos..)?;
    let len = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
    let line = &rest[..len];
    let name = plain_header_name(line.strip_suffix('\r').unwrap_or(line), kind)?;
    Some((name, pos + len + 1))
}

/// [`plain_profile_header`] for one line, without its line break.
fn plain_header_name(line: &str, kind: FileKind) -> Option<&str> {
    let inner = line.strip_prefix('[')?.strip_suffix(']')?;
    let name = match kind {
        FileKind::Config => inner.strip_prefix("profile ")?,
        // `[DEFAULT]` is also the AWS CLI's defaults, kept whoever asks.
        FileKind::Credentials if inner == "DEFAULT" => return None,
        FileKind::Credentials => inner,
    };
    is_valid_name(name).then_some(name)
}

/// Counts in `u8` lanes over blocks of 255 bytes, which the compiler turns into wide
/// compares: skipping 10,000 sections must not cost a byte-by-byte loop.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|c| c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')) as usize)
        .sum()
}

/// `#` and `;` start a comment in a value only after whitespace.
fn strip_value_comment(v: &str) -> (&str, bool) {
    let bytes = v.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b'#' || bytes[i] == b';') && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t')
        {
            return (v[..i].trim_end(), true);
        }
    }
    (v, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> ParsedFile {
        parse(text, FileKind::Config, Arc::new("cfg".into())).unwrap()
    }

    #[test]
    fn keeps_line_numbers() {
        let f = p("# c\n[profile a]\n\nregion = eu-west-1\n");
        assert_eq!(f.profiles["a"].props["region"].loc.line, 4);
        assert_eq!(f.profiles["a"].locs[0].line, 2);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse("[profile a]\nx\n", FileKind::Config, Arc::new("cfg".into())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cfg:2: Expected an '=' sign defining a property"
        );
    }

    #[test]
    fn records_cli_differences() {
        let f = p("[profile a]\nregion = us-east-1 # note\n");
        assert_eq!(f.profiles["a"].get("region"), Some("us-east-1"));
        assert_eq!(f.cli_differences.len(), 1);
    }

    #[test]
    fn parse_only_skips_other_profiles_and_keeps_line_numbers() {
        let text = "[profile a]\nregion = x\n  broken continuation? = no\n[sso-session s]\nsso_region = r\n\
                    [profile b]\nregion = eu-west-1\n[default]\nnot a property\n[profile b]\noutput = json\n";
        let only_b = |n: &str| n == "b";
        let f = parse_only(
            text,
            FileKind::Config,
            Arc::new("cfg".into()),
            &only_b,
            Skip::Unread,
        )
        .unwrap();
        assert_eq!(f.profiles.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(f.profiles["b"].get("region"), Some("eu-west-1"));
        assert_eq!(f.profiles["b"].get("output"), Some("json"));
        assert_eq!(f.profiles["b"].props["region"].loc.line, 7);
        assert_eq!(f.profiles["b"].props["output"].loc.line, 11);
        assert_eq!(f.sso_sessions["s"].get("sso_region"), Some("r"));
        // The full parse sees the errors the skipped sections hold, and so does a checked skip.
        let full = parse(text, FileKind::Config, Arc::new("cfg".into())).unwrap_err();
        let checked = parse_only(
            text,
            FileKind::Config,
            Arc::new("cfg".into()),
            &only_b,
            Skip::Checked,
        )
        .unwrap_err();
        assert_eq!(full.to_string(), checked.to_string());
        assert_eq!(full.loc.line, 9);
    }

    #[test]
    fn checked_skip_reports_what_parse_reports() {
        let cases = [
            "[profile a]\nx\n",
            "[profile a]\n  indented first\n",
            "[profile a]\ns3 =\n  no equals\n",
            "[profile a]\ns3 =\n  = v\n",
            "[profile a]\n = v\n",
            "[profile a\n",
            "[profile a]\nk = v\n  continued\n  still: fine\n[profile b]\nbad\n",
            "[profile a]\nin valid = x\n  anything goes\n[profile b]\nk=v\n",
            "[default]\ns3 =\n  a = 1\n  b = 2\n",
            "[profile a]\nk = # not a comment\n  continued\n",
            "[profile a]\nk = \x0c\n  x\n",
            "[profile a]\nk =\x0b\n  x = 1\n  y\n",
            "[profile a]\n\x0b# c\nk =\n  x\n",
            "[profile a]\nk = v\r\r\n  x\n",
            "[profile a]\nk = \r\r\n  nope\n",
            "[profile a]\nk = \u{a0}\n  nope\n",
            "[profile a]\n\u{a0}k = v\n",
            "[profile a]\n=\n",
            "[profile a]\nin valid =\n  nope\n",
            "[profile a]\ns3 =\n  a = 1\n# c\n\n  b\n",
            "[profile a]\nregion: us-east-1\n",
        ];
        for text in cases {
            let file = || Arc::new(PathBuf::from("cfg"));
            let full = parse(text, FileKind::Config, file()).map(|_| ());
            let checked = parse_only(text, FileKind::Config, file(), &|_| false, Skip::Checked);
            assert_eq!(
                full.map_err(|e| e.to_string()),
                checked.map(|_| ()).map_err(|e| e.to_string()),
                "{text:?}"
            );
        }
        // Names come from headers alone.
        let text = "[profile b]\nbad\n[default]\n[profile a]\n[sso-session s]\n[profile b]\n";
        let f = parse_only(
            text,
            FileKind::Config,
            Arc::new("cfg".into()),
            &|_| false,
            Skip::Names,
        )
        .unwrap();
        assert_eq!(f.skipped, ["b", "default", "a", "b"]);
    }

    /// Files of random lines, every one of which some rule treats apart: a checked skip
    /// fails exactly where the full parse fails.
    #[test]
    fn checked_skips_fail_where_parse_fails() {
        let pieces = [
            "[profile a]",
            "[profile b]",
            "[default]",
            "k = v",
            "k =",
            "k = \t",
            "k=v\r",
            "  sub = 1",
            "  cont",
            "\tcont",
            "  no equals",
            "",
            "  ",
            "# c",
            "; c",
            "\x0b# c",
            "key",
            "= v",
            "a: b",
            "in valid = 1",
            "in valid =",
            "k = \u{a0}",
            "\u{a0}k = v",
            "k = v # c",
            "k =\r\r",
            "[ x ]",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 33) as usize
        };
        for _ in 0..3000 {
            let n = 1 + next() % 10;
            let mut text = String::from("[profile z]\n");
            for _ in 0..n {
                text.push_str(pieces[next() % pieces.len()]);
                text.push('\n');
            }
            for kind in [FileKind::Config, FileKind::Credentials] {
                let file = || Arc::new(PathBuf::from("cfg"));
                let full = parse(&text, kind, file())
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                for skip in [Skip::Checked, Skip::CheckedNames] {
                    let got = parse_only(&text, kind, file(), &|_| false, skip)
                        .map(|_| ())
                        .map_err(|e| e.to_string());
                    assert_eq!(full, got, "{kind:?} {skip:?} {text:?}");
                }
            }
        }
    }

    /// Every header form, comments, CRLF, blank lines, duplicates, values with `[`.
    fn mixed_text() -> String {
        let mut text = String::new();
        for i in 0..60 {
            let header = match i % 9 {
                0 => format!("[profile p{i}]"),
                1 => format!("[profile p{i}] # note"),
                2 => format!("[profile   p{i}  ]"),
                3 => "[default]".to_string(),
                4 => format!("[sso-session s{i}]"),
                5 => format!("[profile p{}]\r", i - 5),
                6 => "[DEFAULT]".to_string(),
                7 => format!("[ profile p{i} ]"),
                _ => format!("[bad name {i}]"),
            };
            text.push_str(&format!(
                "{header}\n# c\nregion = r{i} [x]\n\ns3 =\n  k = v{i}\n[profile p{}]\nout = {i}\n",
                i / 2
            ));
        }
        text
    }

    #[test]
    fn skipping_keeps_what_the_full_parse_keeps() {
        let text = mixed_text();
        for kind in [FileKind::Config, FileKind::Credentials] {
            let file = || Arc::new(PathBuf::from("cfg"));
            let full = parse(&text, kind, file()).unwrap();
            for wanted in [&["p0"][..], &["p7", "default", "p28"], &["nope"]] {
                let keep = |n: &str| wanted.contains(&n);
                let got = parse_only(&text, kind, file(), &keep, Skip::Unread).unwrap();
                let kept: Vec<_> = full.profiles.keys().filter(|n| keep(n)).collect();
                assert_eq!(got.profiles.keys().collect::<Vec<_>>(), kept, "{kind:?}");
                for name in kept {
                    let (a, b) = (&full.profiles[name], &got.profiles[name]);
                    assert_eq!(a.props.len(), b.props.len(), "{name}");
                    for (k, p) in a.props.iter() {
                        assert_eq!(p.value, b.props[k].value, "{name}.{k}");
                        assert_eq!(p.loc, b.props[k].loc, "{name}.{k}");
                    }
                    assert_eq!(a.locs, b.locs, "{name}");
                }
                assert_eq!(got.sso_sessions.len(), full.sso_sessions.len());
            }
            for skip in [Skip::Names, Skip::CheckedNames] {
                let mut names = parse_only(&text, kind, file(), &|_| false, skip)
                    .unwrap()
                    .skipped;
                names.sort();
                names.dedup();
                assert_eq!(
                    names,
                    full.profiles.keys().cloned().collect::<Vec<_>>(),
                    "{kind:?} {skip:?}"
                );
            }
        }
    }

    #[test]
    fn feeding_in_blocks_parses_as_one_feed_does() {
        let text = mixed_text() + "[profile last]\nregion = x\n  cont\nbad line";
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let modes: [(Keep, Skip); 5] = [
            (&|_| true, Skip::Checked),
            (&|n| n == "p7" || n == "last", Skip::Checked),
            (&|n| n == "p7" || n == "default", Skip::Unread),
            (&|_| false, Skip::Names),
            (&|n| n == "p7", Skip::CheckedNames),
        ];
        for kind in [FileKind::Config, FileKind::Credentials] {
            for (keep, skip) in modes {
                let file = || Arc::new(PathBuf::from("cfg"));
                let whole = format!("{:?}", parse_only(&text, kind, file(), keep, skip));
                for block in [1, 2, 3, 7, 50] {
                    let mut p = Parser::new(kind, file(), keep, skip);
                    let fed = lines
                        .chunks(block)
                        .try_for_each(|c| p.feed(&c.concat()))
                        .map(|()| p.finish());
                    assert_eq!(format!("{fed:?}"), whole, "{kind:?} {skip:?} {block}");
                }
            }
        }
    }

    #[test]
    fn two_halves_joined_parse_as_one_pass() {
        // Both kinds of `[default]`, duplicates across the cut, warnings on both sides.
        let text = mixed_text() + "[profile default]\nregion = d\n[default]\nx = 1\n";
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let keep_some = |n: &str| n.ends_with('7') || n == "default";
        for kind in [FileKind::Config, FileKind::Credentials] {
            let all = |_: &str| true;
            let none = |_: &str| false;
            let modes: [(Keep, Skip); 3] = [
                (&all, Skip::Checked),
                (&keep_some, Skip::Checked),
                (&none, Skip::CheckedNames),
            ];
            for (keep, skip) in modes {
                let file = || Arc::new(PathBuf::from("cfg"));
                let whole = format!("{:?}", parse_only(&text, kind, file(), keep, skip).unwrap());
                for cut in (1..lines.len()).filter(|&i| lines[i].starts_with('[')) {
                    let mut first = Parser::new(kind, file(), keep, skip);
                    first.feed(&lines[..cut].concat()).unwrap();
                    let mut later = Parser::new(kind, file(), keep, skip);
                    later.feed(&lines[cut..].concat()).unwrap();
                    assert_eq!(
                        format!("{:?}", first.join(later)),
                        whole,
                        "{kind:?} cut {cut}"
                    );
                }
            }
        }
    }

    /// What the AWS CLI reads otherwise is recorded per header, with `[DEFAULT]`'s keys.
    #[test]
    fn records_what_the_cli_reads_otherwise() {
        let f = p(
            "[ profile sp ]\n[profile ok]\n[profile \"a b\"]\n[DEFAULT]\nregion = x\n[profile d] # [c]\n",
        );
        let got: Vec<(usize, &str, &cli::Named, &cli::Named)> = f
            .cli_headers
            .iter()
            .map(|h| (h.loc.line, h.raw.as_str(), &h.sdk, &h.cli))
            .collect();
        let profile = |n: &str| cli::Named::Profile(n.into());
        assert_eq!(
            got,
            [
                (1, " profile sp ", &profile("sp"), &cli::Named::Other),
                (3, "profile \"a b\"", &cli::Named::Other, &profile("a b")),
                (4, "DEFAULT", &cli::Named::Other, &cli::Named::Defaults),
                (6, "profile d] # [c", &profile("d"), &cli::Named::Other),
            ]
        );
        assert_eq!(f.cli_default.unwrap().get("region"), Some("x"));
        assert!(!f.profiles.contains_key("DEFAULT"));
        // In the credentials file `[DEFAULT]` is a profile to the SDKs, even when skipped.
        let creds = "[DEFAULT]\nregion = y\n[a]\n";
        let file = || Arc::new(PathBuf::from("cred"));
        let full = parse(creds, FileKind::Credentials, file()).unwrap();
        assert_eq!(full.profiles["DEFAULT"].get("region"), Some("y"));
        assert_eq!(full.cli_default.unwrap().get("region"), Some("y"));
        for skip in [Skip::Unread, Skip::Names, Skip::Checked] {
            let f = parse_only(creds, FileKind::Credentials, file(), &|n| n == "a", skip).unwrap();
            assert_eq!(f.cli_default.unwrap().get("region"), Some("y"), "{skip:?}");
            assert!(!f.profiles.contains_key("DEFAULT"));
            if skip == Skip::Names {
                assert_eq!(f.skipped, ["DEFAULT"]);
            }
        }
    }

    #[test]
    fn what_a_header_was_meant_to_be() {
        let m = |kind, name: &str| meant(kind, name).map(|m| m.header);
        use FileKind::*;
        assert_eq!(m(Config, "profle x"), Some("[profile x]".into()));
        assert_eq!(m(Config, "Profile x"), Some("[profile x]".into()));
        assert_eq!(m(Config, "sso-sesion s"), Some("[sso-session s]".into()));
        assert_eq!(m(Config, "profile \"x\""), Some("[profile x]".into()));
        assert_eq!(m(Config, "x"), Some("[profile x]".into()));
        assert_eq!(m(Config, "profile a b"), None);
        assert_eq!(m(Config, "role x"), None);
        assert_eq!(m(Config, "DEFAULT"), None);
        assert_eq!(m(Config, "profle"), None);
        assert_eq!(m(Credentials, "profile x"), Some("[x]".into()));
        assert_eq!(m(Credentials, "a b"), None);
        assert_eq!(
            sdk_reading(Config, "[ profile a ] # c"),
            Some(cli::Named::Profile("a".into()))
        );
        assert_eq!(sdk_reading(Config, "[profile a] x"), None);
        assert_eq!(sdk_reading(Config, "[DEFAULT]"), Some(cli::Named::Other));
        assert_eq!(
            sdk_reading(Credentials, "[DEFAULT]"),
            Some(cli::Named::Profile("DEFAULT".into()))
        );
    }

    #[test]
    fn ignored_sections_warn() {
        let f = p("[foo]\nx = 1\n[profile a b]\n");
        assert!(f.profiles.is_empty());
        assert_eq!(f.warnings.len(), 2);
    }
}

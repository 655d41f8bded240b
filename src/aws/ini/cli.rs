//! How the AWS CLI (botocore) reads the same files: Python's `configparser.RawConfigParser`
//! with its default settings, then botocore's mapping of section names to profiles and
//! sso-sessions. The SDKs' grammar is the rest of `ini`; this model exists to say where the
//! two readers part, and is never what awsp itself switches on.
//!
//! What `RawConfigParser` does that the SDKs do not:
//! - A line is a section header when, stripped of whitespace, it starts with `[` and has a
//!   `]` later: the name is everything between the `[` and the *last* `]`, spaces and text
//!   after the `]` included. Indentation does not matter unless a value is open.
//! - A line is a continuation when it is indented deeper than the line that opened the
//!   current value; otherwise it is a header or `key = value` (or `key: value`: the first
//!   `=` or `:` splits), whatever its indentation.
//! - `[DEFAULT]` (exactly that case) is no section: its keys apply to every section of the
//!   file that does not set them, and a file may open it more than once.
//! - A section opened twice in one file (`DuplicateSectionError`), a key set twice in one
//!   section (`DuplicateOptionError`), a line before any header
//!   (`MissingSectionHeaderError`), and a line that is neither a header nor `key = value`
//!   (`ParsingError`) each make the whole file unreadable.
//! - No interpolation (`%(name)s` stays as written), no inline comments (`#` and `;`
//!   start a comment only as the first character of a stripped line), blank lines inside a
//!   value kept, keys lower-cased, values stripped.
//!
//! botocore then takes, in the config file, a section whose name starts with `profile`
//! (or `sso-session`, or `services`) as that kind of section when the name splits like a
//! shell line (`shlex.split`) into exactly two words, the second being its name; a section
//! named exactly `default` is the default profile; every other section is no profile. A
//! later section for the same profile replaces an earlier one whole. In the credentials
//! file every section is a profile named exactly as written between the brackets.

use super::FileKind;

/// A key and its value as the AWS CLI reads them, with the line the key is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliOption {
    /// Lower-cased.
    pub key: String,
    /// Continuation lines joined with `\n`, trailing whitespace stripped.
    pub value: String,
    pub line: usize,
}

/// One section as the AWS CLI reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliSection {
    /// The name exactly as `RawConfigParser` takes it: everything between `[` and `]`.
    pub name: String,
    /// The header line that opened it.
    pub line: usize,
    pub options: Vec<CliOption>,
}

impl CliSection {
    pub fn get(&self, key: &str) -> Option<&CliOption> {
        self.options.iter().find(|o| o.key == key)
    }
}

/// Why the AWS CLI refuses a file (botocore's `ConfigParseError`, "Unable to parse config
/// file").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliErrorKind {
    /// A line before the first section header.
    MissingSectionHeader,
    /// The same section opened a second time.
    DuplicateSection { name: String, first: usize },
    /// The same key twice in one section (counting every `[DEFAULT]` block as one).
    DuplicateOption {
        section: String,
        key: String,
        first: usize,
    },
    /// A line that is neither a section header nor `key = value` (nor `key: value`).
    NoDelimiter,
    /// `= value`, a value without a key.
    EmptyKey,
    /// A line under `key =` (a block of sub-properties) without an `=`.
    Nested { section: String, key: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliError {
    pub line: usize,
    pub kind: CliErrorKind,
}

impl CliError {
    /// Python's own words for it, as the CLI prints them after "Unable to parse config file".
    pub fn describe(&self) -> String {
        match &self.kind {
            CliErrorKind::MissingSectionHeader => {
                "a line before the first section header (MissingSectionHeaderError)".into()
            }
            CliErrorKind::DuplicateSection { name, first } => format!(
                "section `[{name}]` opened again (first at line {first}; DuplicateSectionError)"
            ),
            CliErrorKind::DuplicateOption {
                section,
                key,
                first,
            } => format!(
                "`{key}` set twice in section `[{section}]` (first at line {first}; DuplicateOptionError)"
            ),
            CliErrorKind::NoDelimiter => {
                "a line that is neither a section header nor `key = value` (ParsingError)".into()
            }
            CliErrorKind::EmptyKey => "a value without a key (ParsingError)".into(),
            // The key as the CLI read it may hold a secret written without its `=`
            // (`aws_session_token IQoJ…`): it is named only when it is a plain setting name.
            CliErrorKind::Nested { section, key }
                if super::is_valid_name(key) && key.len() <= 40 && !super::looks_secret(key) =>
            {
                format!(
                    "a line under `{key} =` in `[{section}]` without `=` (botocore's sub-property parser)"
                )
            }
            CliErrorKind::Nested { section, .. } => format!(
                "a line under a key in `[{section}]` without `=` (botocore's sub-property parser)"
            ),
        }
    }
}

/// A file as the AWS CLI reads it. The reading goes on past an error (Python's stops at the
/// first error of most kinds) so that every problem can be reported; with any `errors` the
/// CLI reads nothing from the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliFile {
    /// Every section but `[DEFAULT]`, in the order first opened.
    pub sections: Vec<CliSection>,
    /// `[DEFAULT]`'s keys, which apply to every section that does not set them.
    pub defaults: Vec<CliOption>,
    /// Every line that opened `[DEFAULT]`.
    pub default_lines: Vec<usize>,
    /// Every header line the CLI read, with the name it took from it, in file order.
    pub headers: Vec<(usize, String)>,
    pub errors: Vec<CliError>,
}

/// What botocore makes of a section name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Profile(String),
    Session(String),
    /// A `[services NAME]` block: endpoint settings, no profile.
    Services(String),
    /// `[DEFAULT]`: keys for every other section.
    Defaults,
    /// Read, but neither a profile nor an sso-session (`[preview]`, `[ profile x ]`).
    Other,
}

/// What botocore makes of the section named `name` (as [`header_name`] gives it) in a file
/// of `kind`.
pub fn named(kind: FileKind, name: &str) -> Named {
    if name == "DEFAULT" {
        return Named::Defaults;
    }
    if kind == FileKind::Credentials {
        return Named::Profile(name.to_string());
    }
    let second = |name: &str| match shlex_split(name).as_deref() {
        Some([_, n]) => Some(n.clone()),
        _ => None,
    };
    if name.starts_with("profile") {
        second(name).map_or(Named::Other, Named::Profile)
    } else if name.starts_with("sso-session") {
        second(name).map_or(Named::Other, Named::Session)
    } else if name.starts_with("services") {
        second(name).map_or(Named::Other, Named::Services)
    } else if name == "default" {
        Named::Profile("default".into())
    } else {
        Named::Other
    }
}

/// The section name `RawConfigParser` reads from a line (without its line break), or `None`
/// when it is no header: the stripped line must start with `[`, and the name runs to the
/// last `]` (at least one character).
pub fn header_name(line: &str) -> Option<&str> {
    let value = py_strip(line);
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// Whether `c` is whitespace to Python (`str.isspace`, what `strip()` and `\S` use): the
/// Unicode white space characters plus the four ASCII separators U+001C–U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Python's `shlex.split(s)`: POSIX rules, whitespace is only space, tab, CR and LF, `'…'`
/// literal, `"…"` with `\"` and `\\`, a backslash outside quotes escapes the next
/// character. `None` where Python raises `ValueError` (an open quote, a trailing backslash).
pub fn shlex_split(s: &str) -> Option<Vec<String>> {
    crate::words::split(s, |c| matches!(c, ' ' | '\t' | '\r' | '\n')).ok()
}

/// Reads `text` as `RawConfigParser.read` does, then checks the sub-property blocks as
/// botocore does. Line numbers count `\n` as the SDKs do; a lone `\r`, which Python also
/// takes as a line break, splits a line without counting.
pub fn read(text: &str) -> CliFile {
    let mut r = Reader::default();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        for line in raw.split('\r') {
            r.line(i + 1, line);
        }
    }
    r.finish()
}

/// Where the value being read lives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cur {
    Defaults,
    Section(usize),
}

#[derive(Default)]
struct Reader {
    out: CliFile,
    cur: Option<Cur>,
    /// The option a deeper-indented line continues: its index in the current section.
    open: Option<usize>,
    indent: usize,
    /// Each value's lines, joined at the end; parallel to the options.
    parts: Vec<Vec<Vec<String>>>,
    default_parts: Vec<Vec<String>>,
}

impl Reader {
    fn options(&mut self, cur: Cur) -> (&mut Vec<CliOption>, &mut Vec<Vec<String>>) {
        match cur {
            Cur::Defaults => (&mut self.out.defaults, &mut self.default_parts),
            Cur::Section(i) => (&mut self.out.sections[i].options, &mut self.parts[i]),
        }
    }

    fn section_name(&self, cur: Cur) -> &str {
        match cur {
            Cur::Defaults => "DEFAULT",
            Cur::Section(i) => &self.out.sections[i].name,
        }
    }

    fn error(&mut self, line: usize, kind: CliErrorKind) {
        self.out.errors.push(CliError { line, kind });
    }

    fn line(&mut self, n: usize, line: &str) {
        let value = py_strip(line);
        let comment = value.starts_with('#') || value.starts_with(';');
        if value.is_empty() || comment {
            // A blank line (not a comment) inside a value is kept in it.
            if !comment && let (Some(cur), Some(o)) = (self.cur, self.open) {
                self.options(cur).1[o].push(String::new());
            }
            return;
        }
        let indent = line.chars().take_while(|&c| py_space(c)).count();
        if let (Some(cur), Some(o)) = (self.cur, self.open)
            && indent > self.indent
        {
            self.options(cur).1[o].push(value.to_string());
            return;
        }
        self.indent = indent;
        if let Some(name) = header_name(value) {
            self.out.headers.push((n, name.to_string()));
            self.open = None;
            if name == "DEFAULT" {
                self.out.default_lines.push(n);
                self.cur = Some(Cur::Defaults);
                return;
            }
            if let Some(i) = self.out.sections.iter().position(|s| s.name == name) {
                let first = self.out.sections[i].line;
                self.error(
                    n,
                    CliErrorKind::DuplicateSection {
                        name: name.to_string(),
                        first,
                    },
                );
                self.cur = Some(Cur::Section(i));
                return;
            }
            self.out.sections.push(CliSection {
                name: name.to_string(),
                line: n,
                options: Vec::new(),
            });
            self.parts.push(Vec::new());
            self.cur = Some(Cur::Section(self.out.sections.len() - 1));
            return;
        }
        let Some(cur) = self.cur else {
            self.error(n, CliErrorKind::MissingSectionHeader);
            return;
        };
        // `(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`: the first `=` or `:` splits.
        let Some(at) = value.find(['=', ':']) else {
            self.error(n, CliErrorKind::NoDelimiter);
            return;
        };
        let key = value[..at].trim_end_matches(py_space).to_lowercase();
        if key.is_empty() {
            self.error(n, CliErrorKind::EmptyKey);
        }
        let val = py_strip(&value[at + 1..]).to_string();
        let (options, parts) = self.options(cur);
        if let Some(i) = options.iter().position(|o| o.key == key) {
            let first = options[i].line;
            let section = self.section_name(cur).to_string();
            self.error(
                n,
                CliErrorKind::DuplicateOption {
                    section,
                    key,
                    first,
                },
            );
            // Python stops here; the first value is the one a report quotes.
            self.open = None;
            return;
        }
        options.push(CliOption {
            key,
            value: String::new(),
            line: n,
        });
        parts.push(vec![val]);
        self.open = Some(options.len() - 1);
    }

    fn finish(mut self) -> CliFile {
        let join = |options: &mut Vec<CliOption>, parts: Vec<Vec<String>>| {
            for (o, p) in options.iter_mut().zip(parts) {
                o.value = p.join("\n").trim_end_matches(py_space).to_string();
            }
        };
        let parts = std::mem::take(&mut self.parts);
        for (s, p) in self.out.sections.iter_mut().zip(parts) {
            join(&mut s.options, p);
        }
        let default_parts = std::mem::take(&mut self.default_parts);
        join(&mut self.out.defaults, default_parts);
        // botocore parses a value that starts with a line break as sub-properties, in every
        // section, with `[DEFAULT]`'s values filled in.
        let mut nested = Vec::new();
        for s in &self.out.sections {
            let own = s.options.iter();
            let inherited = self.out.defaults.iter().filter(|d| s.get(&d.key).is_none());
            for o in own.chain(inherited) {
                if o.value.starts_with('\n') && !nested_ok(&o.value) {
                    nested.push(CliError {
                        line: o.line,
                        kind: CliErrorKind::Nested {
                            section: s.name.clone(),
                            key: o.key.clone(),
                        },
                    });
                }
            }
        }
        self.out.errors.extend(nested);
        self.out.errors.sort_by_key(|e| e.line);
        self.out
    }
}

/// botocore's `_parse_nested`: every non-blank line (`str.splitlines`) holds an `=`.
fn nested_ok(value: &str) -> bool {
    value
        .split([
            '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
            '\u{2029}',
        ])
        .map(py_strip)
        .all(|l| l.is_empty() || l.contains('='))
}

impl CliFile {
    /// Whether the AWS CLI reads the file at all.
    pub fn readable(&self) -> bool {
        self.errors.is_empty()
    }

    /// The value of `key` in `section` as the CLI sees it: the section's own, else
    /// `[DEFAULT]`'s.
    pub fn value<'a>(&'a self, section: &'a CliSection, key: &str) -> Option<&'a CliOption> {
        section
            .get(key)
            .or_else(|| self.defaults.iter().find(|d| d.key == key))
    }

    /// The profiles (or, with `sessions`, the sso-sessions) botocore builds from a file of
    /// `kind`: each name with the index of the section it takes (a later section for the
    /// same name replaces an earlier one).
    pub fn map(&self, kind: FileKind, sessions: bool) -> std::collections::BTreeMap<String, usize> {
        let mut out = std::collections::BTreeMap::new();
        for (i, s) in self.sections.iter().enumerate() {
            match (named(kind, &s.name), sessions) {
                (Named::Profile(n), false) | (Named::Session(n), true) => {
                    out.insert(n, i);
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python 3's `shlex.split`, case by case.
    #[test]
    fn splits_like_shlex() {
        let s = |t: &str| shlex_split(t).map(|w| w.join("|"));
        assert_eq!(s("profile a"), Some("profile|a".into()));
        assert_eq!(s("profile \"a b\""), Some("profile|a b".into()));
        assert_eq!(s("profile 'a\\b'"), Some("profile|a\\b".into()));
        assert_eq!(s("profile \"a\\q\""), Some("profile|a\\q".into()));
        assert_eq!(s("profile a\\ b"), Some("profile|a b".into()));
        assert_eq!(s("profile ''"), Some("profile|".into()));
        assert_eq!(s("profile 'open"), None);
        assert_eq!(s("profile a\\"), None);
        // Only ASCII blanks separate: a no-break space is part of a word.
        assert_eq!(s("profile\u{a0}a"), Some("profile\u{a0}a".into()));
    }

    /// `RawConfigParser.SECTCRE` is `\[(?P<header>.+)\]`, matched against the stripped line.
    #[test]
    fn header_names() {
        assert_eq!(header_name("[profile a]"), Some("profile a"));
        assert_eq!(header_name("  [ profile a ]  "), Some(" profile a "));
        assert_eq!(
            header_name("[profile a] # see [x]"),
            Some("profile a] # see [x")
        );
        assert_eq!(header_name("[profile a] trailing"), Some("profile a"));
        assert_eq!(header_name("[]"), None);
        assert_eq!(header_name("[]]"), Some("]"));
        assert_eq!(header_name("[profile a"), None);
        assert_eq!(header_name("x [a]"), None);
    }

    #[test]
    fn names_as_botocore_maps_them() {
        use FileKind::*;
        let p = |s: &str| Named::Profile(s.into());
        assert_eq!(named(Config, "profile a"), p("a"));
        assert_eq!(named(Config, "profile \"a b\""), p("a b"));
        assert_eq!(named(Config, "profiles a"), p("a"));
        assert_eq!(named(Config, " profile a "), Named::Other);
        assert_eq!(named(Config, "profile a b"), Named::Other);
        assert_eq!(named(Config, "profile"), Named::Other);
        assert_eq!(named(Config, "default"), p("default"));
        assert_eq!(named(Config, " default"), Named::Other);
        assert_eq!(named(Config, "Default"), Named::Other);
        assert_eq!(named(Config, "DEFAULT"), Named::Defaults);
        assert_eq!(named(Config, "sso-session s"), Named::Session("s".into()));
        assert_eq!(named(Config, "services s"), Named::Services("s".into()));
        assert_eq!(named(Credentials, " a "), p(" a "));
        assert_eq!(named(Credentials, "profile a"), p("profile a"));
        assert_eq!(named(Credentials, "DEFAULT"), Named::Defaults);
        assert_eq!(named(Credentials, "default"), p("default"));
    }

    fn opts(s: &CliSection) -> Vec<(&str, &str)> {
        s.options
            .iter()
            .map(|o| (o.key.as_str(), o.value.as_str()))
            .collect()
    }

    #[test]
    fn reads_like_raw_config_parser() {
        let f = read(
            "[DEFAULT]\nregion = eu-west-1\n[profile a]\n  [profile b]\n\tRegion : us-east-1 # kept\n  [not a header]\nk = %(region)s\n    more\n\n    after blank\n[profile b] junk\n",
        );
        assert_eq!(f.errors.len(), 1, "{f:?}");
        assert!(matches!(
            f.errors[0].kind,
            CliErrorKind::DuplicateSection { first: 4, .. }
        ));
        assert_eq!(f.default_lines, [1]);
        assert!(f.sections[0].options.is_empty());
        assert_eq!(f.sections[1].name, "profile b");
        assert_eq!(
            opts(&f.sections[1]),
            [
                ("region", "us-east-1 # kept\n[not a header]"),
                ("k", "%(region)s\nmore\n\nafter blank")
            ]
        );
        assert_eq!(
            f.value(&f.sections[0], "region").unwrap().value,
            "eu-west-1"
        );
        assert_eq!(f.value(&f.sections[1], "region").unwrap().line, 5);
    }

    #[test]
    fn refuses_what_python_refuses() {
        let kinds = |t: &str| -> Vec<String> {
            read(t)
                .errors
                .iter()
                .map(|e| format!("{}:{:?}", e.line, e.kind))
                .collect()
        };
        assert!(kinds("k = v\n")[0].starts_with("1:MissingSectionHeader"));
        assert!(kinds("[a]\nk\n")[0].starts_with("2:NoDelimiter"));
        assert!(kinds("[a]\n= v\n")[0].starts_with("2:EmptyKey"));
        assert!(kinds("[a]\n[]\n")[0].starts_with("2:NoDelimiter"));
        assert!(kinds("[a]\nk = 1\nK = 2\n")[0].starts_with("3:DuplicateOption"));
        assert!(kinds("[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n")[0].starts_with("4:DuplicateOption"));
        assert!(kinds("[DEFAULT]\n[DEFAULT]\n").is_empty());
        assert!(kinds("[a]\ns3 =\n  x\n")[0].starts_with("2:Nested"));
        assert!(
            kinds("[DEFAULT]\ns3 =\n  x\n").is_empty(),
            "no section inherits it"
        );
        assert!(kinds("[DEFAULT]\ns3 =\n  x\n[a]\n")[0].starts_with("2:Nested"));
        assert!(kinds("[a]\nk = v\n[a]\n")[0].starts_with("3:DuplicateSection"));
        assert!(kinds("[a]\nk = v\n[ a]\n").is_empty(), "another name");
    }
}

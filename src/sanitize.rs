//! Text from files, token caches and the environment, made safe to show a person.
//!
//! A terminal acts on control characters: `ESC ] 52 ; c ; … BEL` in an account name writes
//! to the clipboard, `ESC ] 0 ; … BEL` retitles the window, `CSI 2 J` clears the screen, a
//! C1 `CSI` (U+009B) does the same on terminals that take 8-bit controls, and `CR` or a
//! bidirectional override (U+202E) makes a line read differently from what it holds. Every
//! human-readable output goes through [`shown`]; every `--json` output through
//! [`write_json`].
//!
//! The spelling of what [`shown`] replaces:
//! - C0 controls (U+0000–U+001F, tab and line feed included) and DEL (U+007F): `\x` and
//!   two lower-case hex digits: `\x1b`, `\x07`, `\x0a`, `\x7f`.
//! - C1 controls (U+0080–U+009F) and the bidirectional controls (U+061C, U+200E, U+200F,
//!   U+202A–U+202E, U+2066–U+2069): `\u{`, lower-case hex without leading zeros, `}`:
//!   `\u{9b}`, `\u{61c}`, `\u{202e}`.
//! - Backslashes stay as they are, unless a run of them is followed by one of the escapes
//!   above, spelled exactly so (`x1b`, `u{202e}`; not `xEF`, `x41`, `u{1b}`), or by a
//!   character that is replaced: then the run is doubled. So `C:\Users\me`, `'\''`,
//!   `a\\b` and `sed 's/^\xEF//'` are shown unchanged; a value holding the four
//!   characters `\x1b` is shown as `\\x1b`, and one holding ESC as `\x1b`.
//!
//! Read back: a run of backslashes before an escape spelled as above stands for half of
//! them, and for the escaped character too when the run is odd; any other backslash is
//! itself. No two texts are shown alike (`invariants::shown` checks it, fuzzed). The
//! price is that [`shown`] changes its own output when that holds an escape, so a value
//! is shown once, where it is written out, and never sanitised in advance.
//!
//! Text with nothing to replace is returned borrowed, without an allocation: this runs on
//! every table cell.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a terminal could act on `c`, or reorder the text around it: a C0 control, DEL,
/// a C1 control, or a bidirectional control.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// The bidirectional formatting characters: ALM, LRM, RLM, the embeddings and overrides
/// (LRE RLE PDF LRO RLO) and the isolates (LRI RLI FSI PDI).
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Bytes that may start something [`shown`] rewrites: C0, `\`, DEL, and the UTF-8 lead
/// bytes of C1 (`C2`), U+061C (`D8`), and U+200E–U+2069 (`E2`). Anything else is passed
/// over with one table lookup.
const MAYBE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'\\' as usize] = true;
    t[0x7F] = true;
    t[0xC2] = true;
    t[0xD8] = true;
    t[0xE2] = true;
    t
};

/// `s`, safe to write to a terminal, spelled as the module documentation says.
pub fn shown(s: &str) -> Cow<'_, str> {
    match first_change(s) {
        None => Cow::Borrowed(s),
        Some(i) => {
            let mut out = String::with_capacity(s.len() + 16);
            out.push_str(&s[..i]);
            escape_into(&s[i..], &mut out);
            Cow::Owned(out)
        }
    }
}

/// Text of several lines, each line [`shown`] and the line breaks kept: for text whose
/// `\n` are awsp's own.
pub fn shown_lines(s: &str) -> Cow<'_, str> {
    if !s.contains('\n') {
        return shown(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&shown(line));
    }
    Cow::Owned(out)
}

/// `eprintln!` for a line that quotes values from files or the environment: the whole
/// formatted line is written [`shown`](crate::sanitize::shown). For one-line messages
/// only: a line break in it is shown as `\x0a`.
#[macro_export]
macro_rules! eprintln_shown {
    ($($arg:tt)*) => {
        ::std::eprintln!("{}", $crate::sanitize::shown(&::std::format!($($arg)*)))
    };
}

/// If `s` starts with an escape as [`shown`] spells it, less its backslash (`x1b`,
/// `u{202e}`), its length in bytes.
pub(crate) fn escape_body(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let hex = |c: &u8| matches!(c, b'0'..=b'9' | b'a'..=b'f');
    match b.first()? {
        b'x' if b.len() >= 3 && hex(&b[1]) && hex(&b[2]) => {
            let v = u32::from_str_radix(&s[1..3], 16).ok()?;
            (v <= 0x1F || v == 0x7F).then_some(3)
        }
        b'u' => {
            let digits = s.strip_prefix("u{")?;
            let end = digits.bytes().take(7).position(|c| c == b'}')?;
            let digits = &digits[..end];
            if digits.is_empty() || digits.starts_with('0') || !digits.as_bytes().iter().all(hex) {
                return None;
            }
            let c = char::from_u32(u32::from_str_radix(digits, 16).ok()?)?;
            (c > '\u{7F}' && is_unsafe(c)).then_some(end + 3)
        }
        _ => None,
    }
}

/// Whether a run of backslashes followed by `after` is doubled.
fn doubles(after: &str) -> bool {
    after.chars().next().is_some_and(is_unsafe) || escape_body(after).is_some()
}

/// The byte offset of the first character [`shown`] changes, if any.
fn first_change(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !MAYBE[b as usize] {
            i += 1;
        } else if b == b'\\' {
            let run = bytes[i..].iter().take_while(|&&c| c == b'\\').count();
            if doubles(&s[i + run..]) {
                return Some(i);
            }
            i += run;
        } else {
            // Every flagged byte is ASCII or a lead byte, so `i` is a char boundary.
            if s[i..].chars().next().is_some_and(is_unsafe) {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

fn escape_into(mut s: &str, out: &mut String) {
    while let Some(c) = s.chars().next() {
        match c {
            '\\' => {
                let run = s.bytes().take_while(|&c| c == b'\\').count();
                s = &s[run..];
                let n = if doubles(s) { 2 * run } else { run };
                out.extend(std::iter::repeat_n('\\', n));
                continue;
            }
            c if c <= '\u{1F}' || c == '\u{7F}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
        s = &s[c.len_utf8()..];
    }
}

/// A JSON formatter that also writes DEL, the C1 controls and the bidirectional controls
/// as `\uXXXX` escapes (serde_json escapes only C0, `"` and `\`). The JSON is the same
/// value: it parses back to the same strings.
pub struct SafeFormatter<F>(pub F);

macro_rules! delegate {
    ($($name:ident),* ; $($with_first:ident),*) => {
        $(
            fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
                self.0.$name(w)
            }
        )*
        $(
            fn $with_first<W: ?Sized + std::io::Write>(
                &mut self,
                w: &mut W,
                first: bool,
            ) -> std::io::Result<()> {
                self.0.$with_first(w, first)
            }
        )*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeFormatter<F> {
    delegate!(
        begin_array, end_array, end_array_value, begin_object, end_object, end_object_key,
        begin_object_value, end_object_value;
        begin_array_value, begin_object_key
    );

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            // C0 never reaches a fragment: serde_json escapes it itself.
            if is_unsafe(c) {
                self.0.write_string_fragment(w, &fragment[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        self.0.write_string_fragment(w, &fragment[start..])
    }
}

/// Writes `value` as JSON (indented when `pretty`, as `serde_json::to_writer_pretty` does)
/// with [`SafeFormatter`]. No newline follows.
pub fn write_json<W, T>(out: W, value: &T, pretty: bool) -> std::io::Result<()>
where
    W: std::io::Write,
    T: serde::Serialize + ?Sized,
{
    let result = if pretty {
        let f = SafeFormatter(serde_json::ser::PrettyFormatter::new());
        value.serialize(&mut serde_json::Serializer::with_formatter(out, f))
    } else {
        let f = SafeFormatter(serde_json::ser::CompactFormatter);
        value.serialize(&mut serde_json::Serializer::with_formatter(out, f))
    };
    result.map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(s: &str) -> bool {
        matches!(shown(s), Cow::Owned(_))
    }

    #[test]
    fn clean_text_is_borrowed() {
        for s in [
            "",
            "dev-admin",
            "111111111111 (Prod Account)",
            "C:\\Users\\me",
            "'x'\\''y'",
            "trailing \\",
            "émoji 🙂 日本語 ‐ – — \u{a0} \u{2028}",
            "\u{200d}\u{2060}",
        ] {
            assert!(!owned(s), "{s:?}");
            assert_eq!(shown(s), s);
        }
    }

    #[test]
    fn controls_are_spelled_out() {
        for (raw, want) in [
            ("a\x1b]52;c;aGk=\x07b", "a\\x1b]52;c;aGk=\\x07b"),
            ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
            ("\x1b[2J", "\\x1b[2J"),
            ("x\u{9b}2J", "x\\u{9b}2J"),
            ("\u{80}\u{9f}", "\\u{80}\\u{9f}"),
            ("evil\u{202e}fdp.exe", "evil\\u{202e}fdp.exe"),
            (
                "\u{61c}\u{200e}\u{200f}\u{202a}\u{2066}\u{2069}",
                "\\u{61c}\\u{200e}\\u{200f}\\u{202a}\\u{2066}\\u{2069}",
            ),
            ("a\tb\nc\rd\0e\x7f", "a\\x09b\\x0ac\\x0dd\\x00e\\x7f"),
        ] {
            assert_eq!(shown(raw), want);
        }
        assert_eq!(shown_lines("a\x1b\nb\u{7f}\n"), "a\\x1b\nb\\x7f\n");
        assert_eq!(shown_lines("a\nb"), "a\nb");
    }

    #[test]
    fn backslashes_stay_unambiguous() {
        // Written as is, unless an escape as `shown` spells it could be read into them.
        for s in [
            "sed -i '1s/^\\xEF\\xBB\\xBF//' f",
            "a\\\\b",
            "\\x41 \\x1 \\x1B \\u{1b} \\u{0202e} \\u{41} \\u{202e \\u",
        ] {
            assert!(!owned(s), "{s:?}");
        }
        for (raw, want) in [
            ("\\x1b", "\\\\x1b"),
            ("\\u{9b}", "\\\\u{9b}"),
            ("\\\\x7f", "\\\\\\\\x7f"),
            ("a\\\\b\x1b", "a\\\\b\\x1b"),
            ("\\\x1b", "\\\\\\x1b"),
            ("\\n\x07", "\\n\\x07"),
        ] {
            assert_eq!(shown(raw), want);
        }
        // The two are told apart, and every case reads back.
        assert_ne!(shown("\\x1b"), shown("\x1b"));
        for s in [
            "\\x1b",
            "\x1b",
            "\\\x1b",
            "\\\\\u{202e}",
            "a\\",
            "\\u{9b}\u{9b}",
        ] {
            crate::invariants::shown(s);
        }
    }

    #[test]
    fn every_short_text_reads_back() {
        // Every text of up to five characters from those that make escapes hard.
        let alphabet = ['\\', 'x', '1', 'b', 'u', '{', '9', '}', '\x1b', '\u{9b}'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().unwrap().chars().count())
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        let mut seen = std::collections::HashSet::new();
        for t in &texts {
            assert!(seen.insert(crate::invariants::shown(t)), "{t:?}");
        }
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        let v = serde_json::json!({"k\u{202e}": ["a\u{7f}\u{9b}\u{202e}z", "\x1b", "plain"]});
        for pretty in [false, true] {
            let mut out = Vec::new();
            write_json(&mut out, &v, pretty).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text:?}");
            assert!(text.contains("a\\u007f\\u009b\\u202ez"), "{text}");
            assert!(text.contains("\"k\\u202e\""), "{text}");
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v);
            // The same layout as serde_json's own writers, the escapes aside.
            let plain = match pretty {
                true => serde_json::to_string_pretty(&v).unwrap(),
                false => serde_json::to_string(&v).unwrap(),
            };
            let expect = plain
                .replace('\u{7f}', "\\u007f")
                .replace('\u{9b}', "\\u009b")
                .replace('\u{202e}', "\\u202e");
            assert_eq!(text, expect);
        }
        for s in [
            "",
            "\u{61c}\u{2069}\u{85}",
            "\"\\\u{7f}",
            "\x1b]52;c;eA==\x07",
        ] {
            crate::invariants::json(s);
        }
    }
}

//! What must hold of any input, asserted: shared by the fuzz targets (`fuzz/`) and the
//! bounded property test in `tests/it/hardening.rs`, which are separate crates, so that the
//! two cannot drift apart. Not part of awsp's behaviour; hidden from the docs.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::aws::Config;
use crate::aws::ini::{self, FileKind, ParsedFile};
use crate::aws::sso::{self, REFRESH_WINDOW, TokenState};
use crate::sanitize;

/// Parses `text` as `kind`: accepted names are valid, keys lower-cased, and every
/// location, warning and error names a real line. An error gives an empty file.
pub fn parse(text: &str, kind: FileKind) -> ParsedFile {
    let lines = 1..=text.split('\n').count();
    match ini::parse(text, kind, Arc::new(PathBuf::from("f"))) {
        Ok(p) => {
            for (name, s) in p.profiles.iter().chain(&p.sso_sessions) {
                assert!(
                    ini::is_valid_name(name),
                    "accepted an invalid name {name:?}"
                );
                assert!(!s.locs.is_empty());
                for (k, prop) in s.props.iter() {
                    assert_eq!(k, k.to_ascii_lowercase(), "keys are lower-cased");
                    assert!(lines.contains(&prop.loc.line));
                }
            }
            for w in p.warnings.iter().chain(&p.cli_differences) {
                assert!(lines.contains(&w.loc.line));
            }
            p
        }
        Err(e) => {
            assert!(lines.contains(&e.loc.line), "{e}");
            let _ = e.to_string();
            ParsedFile::default()
        }
    }
}

/// Merges both files and resolves every profile: each chain starts at its profile, never
/// repeats one, and is no longer than the profiles there are.
pub fn model(config: &str, credentials: &str) -> Config {
    let merged = Config::merge(
        parse(config, FileKind::Config),
        parse(credentials, FileKind::Credentials),
    );
    for p in merged.resolve_all() {
        assert_eq!(p.chain.first(), Some(&p.name));
        assert!(p.chain.len() <= merged.profiles.len());
        let mut seen = std::collections::HashSet::new();
        assert!(
            p.chain.iter().all(|c| seen.insert(c)),
            "chain repeats: {:?}",
            p.chain
        );
    }
    merged
}

/// Judges a token file's bytes: the state agrees with the expiry it carries, and what
/// list, status and the prompt make of it never panics.
pub fn judge(text: &[u8], refreshable: bool, now: DateTime<Utc>) -> TokenState {
    let state = sso::judge(text, refreshable, now);
    match &state {
        TokenState::Valid { expires_at } => assert!(*expires_at > now),
        TokenState::Refreshable { expires_at } => {
            assert!(refreshable);
            assert!(*expires_at - now <= REFRESH_WINDOW);
        }
        TokenState::Expired { expires_at } => assert!(*expires_at <= now),
        TokenState::Missing => panic!("judge never says missing"),
        TokenState::Unreadable { .. } => {}
    }
    let _ = state.describe(now);
    let _ = state.is_usable();
    if let Some(t) = state.expires_at() {
        let _ = t.to_rfc3339();
        let _ = sso::format_left(t - now);
    }
    state
}

/// Shows `s` as a terminal would get it ([`sanitize::shown`]): nothing a terminal acts on
/// is left (no C0 control, DEL, C1 control or bidirectional control), text with nothing
/// to replace comes back borrowed and equal, and the shown text reads back to `s`, so no
/// two texts are shown alike. Text already shown, with no escape in it, is left alone.
/// Every line of [`sanitize::shown_lines`] is its line shown.
pub fn shown(s: &str) -> String {
    let out = sanitize::shown(s);
    if let Some(c) = out.chars().find(|&c| sanitize::is_unsafe(c)) {
        panic!("{:?} left in {out:?}", c);
    }
    match &out {
        Cow::Borrowed(b) => assert_eq!(*b, s),
        Cow::Owned(o) => assert_ne!(o, s, "allocated for nothing"),
    }
    assert_eq!(unshown(&out), s, "shown as {out:?}");
    if !out.contains('\\') {
        assert!(matches!(sanitize::shown(&out), Cow::Borrowed(_)));
    }
    let lines = sanitize::shown_lines(s);
    let each: Vec<String> = s
        .split('\n')
        .map(|l| sanitize::shown(l).into_owned())
        .collect();
    assert_eq!(lines, each.join("\n"));
    out.into_owned()
}

/// Writes `s` as a JSON string and as an object key with [`sanitize::write_json`],
/// compact and pretty: nothing a terminal acts on is written (pretty output's own line
/// breaks aside), and the JSON parses back to `s`.
pub fn json(s: &str) {
    let value = serde_json::json!({ s: [s] });
    for pretty in [false, true] {
        let mut out = Vec::new();
        sanitize::write_json(&mut out, &value, pretty).unwrap();
        let text = String::from_utf8(out).expect("JSON is UTF-8");
        if let Some(c) = text.chars().find(|&c| c != '\n' && sanitize::is_unsafe(c)) {
            panic!("{c:?} left in {text:?}");
        }
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, value);
    }
}

/// Reads shown text back: a run of backslashes before an escape spelled as `shown` spells
/// it stands for half of them, and for the escaped character too when the run is odd.
fn unshown(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c != '\\' {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let run = rest.bytes().take_while(|&b| b == b'\\').count();
        rest = &rest[run..];
        match sanitize::escape_body(rest) {
            Some(len) if run % 2 == 1 => {
                out.extend(std::iter::repeat_n('\\', run / 2));
                let hex = rest[1..len].trim_start_matches('{').trim_end_matches('}');
                let c = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap();
                out.push(c);
                rest = &rest[len..];
            }
            Some(_) => out.extend(std::iter::repeat_n('\\', run / 2)),
            None => out.extend(std::iter::repeat_n('\\', run)),
        }
    }
    out
}

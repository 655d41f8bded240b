//! The config/credentials grammar and the merged model: no panic, no hang, on any text.
//! Input: the config file, then optionally a NUL byte and the credentials file.

#![no_main]

use std::path::PathBuf;
use std::sync::Arc;

use awsp::aws::Config;
use awsp::aws::ini::{self, FileKind, ParsedFile};
use libfuzzer_sys::fuzz_target;

fn parse(text: &str, kind: FileKind) -> ParsedFile {
    match ini::parse(text, kind, Arc::new(PathBuf::from("fuzz"))) {
        Ok(p) => {
            check_file(&p, text);
            p
        }
        Err(e) => {
            // Errors name a real line of the input.
            let lines = text.split('\n').count();
            assert!(e.loc.line >= 1 && e.loc.line <= lines, "{e}");
            let _ = e.to_string();
            ParsedFile::default()
        }
    }
}

fn check_file(p: &ParsedFile, text: &str) {
    let lines = text.split('\n').count();
    for s in p.profiles.values().chain(p.sso_sessions.values()) {
        assert!(!s.locs.is_empty());
        for prop in s.props.values() {
            assert!(prop.loc.line >= 1 && prop.loc.line <= lines);
        }
        for k in s.props.keys() {
            assert_eq!(*k, k.to_ascii_lowercase(), "keys are lower-cased");
        }
    }
    for name in p.profiles.keys().chain(p.sso_sessions.keys()) {
        assert!(
            ini::is_valid_name(name),
            "accepted an invalid name {name:?}"
        );
    }
    for w in p.warnings.iter().chain(&p.cli_differences) {
        assert!(w.loc.line >= 1 && w.loc.line <= lines);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (config_text, creds_text) = text.split_once('\0').unwrap_or((text, ""));
    let config = parse(config_text, FileKind::Config);
    let credentials = parse(creds_text, FileKind::Credentials);
    // The other kind too: any text may be either file.
    let _ = parse(config_text, FileKind::Credentials);

    let merged = Config::merge(config, credentials);
    for p in merged.resolve_all() {
        assert_eq!(p.chain.first(), Some(&p.name));
        assert!(p.chain.len() <= merged.profiles.len());
        let mut seen = std::collections::HashSet::new();
        assert!(
            p.chain.iter().all(|c| seen.insert(c)),
            "chain repeats: {:?}",
            p.chain
        );
        if let Some(arn) = merged.profiles[&p.name].get("role_arn") {
            let _ = awsp::aws::model::parse_role_arn(arn);
        }
    }
});

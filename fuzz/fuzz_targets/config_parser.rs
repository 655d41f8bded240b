//! The config/credentials grammar and the merged model: no panic, no hang, on any text.
//! Input: the config file, then optionally a NUL byte and the credentials file.
//! The assertions are `awsp::invariants`, shared with `tests/it/hardening.rs`.

#![no_main]

use awsp::aws::ini::FileKind;
use awsp::invariants;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (config_text, creds_text) = text.split_once('\0').unwrap_or((text, ""));
    let merged = invariants::model(config_text, creds_text);
    // The other kind too: any text may be either file.
    let _ = invariants::parse(config_text, FileKind::Credentials);
    for raw in merged.profiles.values() {
        if let Some(arn) = raw.get("role_arn") {
            let _ = awsp::aws::model::parse_role_arn(arn);
        }
    }
});

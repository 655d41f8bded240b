//! The SSO token-cache reader: any bytes judge to a state, never a panic.
//! Input: one flag byte (bit 0: a refreshable sso-session token), then the file's bytes.
//! The assertions are `awsp::invariants::judge`, shared with `tests/it/hardening.rs`.

#![no_main]

use awsp::aws::sso;
use awsp::invariants;
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let now: DateTime<Utc> = DateTime::from_timestamp(1_735_689_600, 0).unwrap();
    invariants::judge(text, flags & 1 == 1, now);
    if let Ok(s) = std::str::from_utf8(text) {
        if let Some(t) = sso::parse_time(s) {
            let _ = t - now;
        }
    }
});

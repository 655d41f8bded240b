//! The SSO token-cache reader: any bytes judge to a state, never a panic.
//! Input: one flag byte (bit 0: a refreshable sso-session token), then the file's bytes.

#![no_main]

use awsp::aws::TokenState;
use awsp::aws::sso::{self, REFRESH_WINDOW};
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let now: DateTime<Utc> = DateTime::from_timestamp(1_735_689_600, 0).unwrap();
    let refreshable = flags & 1 == 1;
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
    // What list, status and the prompt do with a state.
    let _ = state.describe(now);
    let _ = state.is_usable();
    if let Some(t) = state.expires_at() {
        let _ = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let _ = t.timestamp();
        let _ = sso::format_left(t - now);
    }
    if let Ok(s) = std::str::from_utf8(text) {
        if let Some(t) = sso::parse_time(s) {
            let _ = t - now;
        }
    }
});

//! The terminal sanitiser: for any text, what `awsp::sanitize::shown` writes holds no
//! character a terminal acts on and reads back to the text, and what the safe JSON writer
//! writes holds none either and parses back to it.
//! Input: the text (bytes that are not UTF-8 are skipped: every value awsp shows is a str).
//! The assertions are `awsp::invariants::{shown, json}`, shared with the unit tests.

#![no_main]

use awsp::invariants;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    invariants::shown(text);
    invariants::json(text);
});

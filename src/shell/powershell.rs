//! PowerShell: single quotes with `''`, `$env:NAME`, raw prompt colours.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, statements};
use crate::error::Result;

pub struct Powershell;

/// PowerShell's language keywords (functions are looked up case-insensitively).
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "begin", "break", "catch", "class", "clean", "continue", "data", "define", "do",
    "dynamicparam", "else", "elseif", "end", "enum", "exit", "filter", "finally", "for",
    "foreach", "from", "function", "hidden", "if", "in", "param", "process", "return",
    "static", "switch", "throw", "trap", "try", "until", "using", "var", "while",
    "workflow", "prompt",
];

/// Single quotes with `''`. PowerShell also ends a single-quoted string at the
/// typographic quotes U+2018..U+201B, so those are doubled too.
pub fn quote(value: &str) -> Result<String> {
    crate::quote::check(value)?;
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

impl Syntax for Powershell {
    fn name(&self) -> &'static str {
        "powershell"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["pwsh", "powershell", "pwsh.exe", "powershell.exe"]
    }
    fn quote(&self, value: &str) -> Result<String> {
        quote(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("$env:{var} = {}", self.quote(value)?))
    }
    /// Assigning `$null` removes the variable, and is silent when it is not set (unlike
    /// `Remove-Item Env:NAME`).
    fn unset(&self, vars: &[&str]) -> String {
        let each: Vec<String> = vars.iter().map(|v| format!("$env:{v} = $null")).collect();
        each.join("; ")
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        statements(self, changes, ";")
    }
    fn word_list(&self, words: &[String]) -> String {
        let each: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        each.join(", ")
    }
    fn prompt_escape(&self, _cache: bool) -> Escape {
        Escape::Raw
    }
    fn completion_sends_line(&self) -> bool {
        true
    }
    fn completion_descriptions(&self) -> bool {
        true
    }
    fn completion_word_breaks(&self) -> &'static [char] {
        &[]
    }
    fn template(&self) -> &'static str {
        include_str!("../../shell/awsp.ps1")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        (
            "Invoke-Expression (& awsp init powershell | Out-String)",
            "$PROFILE",
        )
    }
    fn reserved(&self) -> &'static [&'static str] {
        RESERVED
    }
    fn names_ignore_case(&self) -> bool {
        true
    }
    fn demo_startup(&self) -> Option<(&'static str, String)> {
        None
    }
    fn demo_command(&self, _home: &Path) -> Command {
        let mut c = Command::new("pwsh");
        c.args(["-NoLogo", "-NoExit", "-Command", self.startup().0]);
        c
    }
}

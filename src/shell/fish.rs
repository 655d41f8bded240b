//! fish: single quotes with `\\` and `\'`, `set -gx`/`set -e -g`, raw prompt colours.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, statements};
use crate::error::Result;

pub struct Fish;

/// fish's reserved words and builtins.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "abbr", "and", "argparse", "begin", "bg", "bind", "block", "break", "breakpoint",
    "builtin", "case", "cd", "contains", "continue", "count", "disown", "echo", "else",
    "emit", "end", "exec", "exit", "false", "fg", "for", "function", "history", "if",
    "jobs", "math", "not", "or", "path", "pwd", "random", "read", "realpath", "set_color",
    "status", "switch", "time", "true", "type", "ulimit", "wait", "while",
];

/// fish single quotes, where only `\\` and `\'` are escapes.
pub fn quote(value: &str) -> Result<String> {
    crate::quote::check(value)?;
    Ok(format!(
        "'{}'",
        value.replace('\\', r"\\").replace('\'', r"\'")
    ))
}

impl Syntax for Fish {
    fn name(&self) -> &'static str {
        "fish"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["fish"]
    }
    fn quote(&self, value: &str) -> Result<String> {
        quote(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("set -gx {var} {}", self.quote(value)?))
    }
    fn unset(&self, vars: &[&str]) -> String {
        let each: Vec<String> = vars.iter().map(|v| format!("set -e -g {v}")).collect();
        each.join("; ")
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        statements(self, changes, "")
    }
    fn word_list(&self, words: &[String]) -> String {
        words.join(" ")
    }
    fn prompt_escape(&self, _cache: bool) -> Escape {
        Escape::Raw
    }
    fn completion_sends_line(&self) -> bool {
        false
    }
    fn completion_descriptions(&self) -> bool {
        true
    }
    fn completion_word_breaks(&self) -> &'static [char] {
        &[]
    }
    fn template(&self) -> &'static str {
        include_str!("../../shell/awsp.fish")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        (
            "command -q awsp; and awsp init fish | source",
            "~/.config/fish/config.fish",
        )
    }
    fn reserved(&self) -> &'static [&'static str] {
        RESERVED
    }
    fn names_ignore_case(&self) -> bool {
        false
    }
    fn demo_startup(&self) -> Option<(&'static str, String)> {
        Some((
            ".config/fish/config.fish",
            "command -q awsp; and awsp init fish | source\n\
             function fish_prompt; printf '(awsp demo) %s > ' (prompt_pwd); end\n\
             function fish_right_prompt; awsp_prompt; end\n"
                .into(),
        ))
    }
    fn demo_command(&self, _home: &Path) -> Command {
        let mut c = Command::new("fish");
        c.arg("-i");
        c
    }
}

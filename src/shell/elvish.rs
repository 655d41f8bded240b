//! elvish: single quotes with `''`, `set-env`/`unset-env`, evaluated by the hook with `eval`.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, statements};
use crate::error::Result;

pub struct Elvish;

/// elvish's special commands and the builtins the hook runs.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "and", "break", "coalesce", "continue", "count", "del", "e", "each", "echo", "edit",
    "eval", "exit", "fail", "fn", "for", "from-lines", "has-env", "has-external",
    "has-value", "if", "nop", "not", "ns", "one", "or", "pragma", "print", "put", "return",
    "set", "set-env", "slurp", "str", "tmp", "try", "unset-env", "use", "var", "while",
];

/// Single quotes, where `''` is a quote and nothing else is special.
pub fn quote(value: &str) -> Result<String> {
    crate::quote::check(value)?;
    Ok(format!("'{}'", value.replace('\'', "''")))
}

impl Syntax for Elvish {
    fn name(&self) -> &'static str {
        "elvish"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["elvish", "elvish.exe"]
    }
    fn quote(&self, value: &str) -> Result<String> {
        quote(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("set-env {var} {}", self.quote(value)?))
    }
    fn unset(&self, vars: &[&str]) -> String {
        let each: Vec<String> = vars.iter().map(|v| format!("unset-env {v}")).collect();
        each.join("; ")
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        statements(self, changes, "")
    }
    fn word_list(&self, words: &[String]) -> String {
        let each: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        format!("[{}]", each.join(" "))
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
        include_str!("../../shell/awsp.elv")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        (
            "if (has-external awsp) { eval (awsp init elvish | slurp) }",
            "~/.config/elvish/rc.elv",
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
            ".config/elvish/rc.elv",
            "eval (awsp init elvish | slurp)\nset edit:prompt = { put '(awsp demo) ' (tilde-abbr $pwd) '> ' }\nset edit:rprompt = { awsp_prompt }\n".into(),
        ))
    }
    fn demo_command(&self, home: &Path) -> Command {
        let mut c = Command::new("elvish");
        c.arg("-rc").arg(home.join(".config/elvish/rc.elv"));
        c
    }
}

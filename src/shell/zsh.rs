//! zsh: POSIX quoting, `export`/`unset`, `%{…%}` prompt escapes.

use std::path::Path;
use std::process::Command;

use super::bash::POSIX_RESERVED;
use super::{Change, Escape, Syntax, statements};
use crate::error::Result;

pub struct Zsh;

impl Syntax for Zsh {
    fn name(&self) -> &'static str {
        "zsh"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["zsh"]
    }
    fn quote(&self, value: &str) -> Result<String> {
        crate::quote::posix(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("export {var}={}", self.quote(value)?))
    }
    fn unset(&self, vars: &[&str]) -> String {
        format!("unset {}", vars.join(" "))
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        statements(self, changes, ";")
    }
    fn word_list(&self, words: &[String]) -> String {
        words.join(" | ")
    }
    fn prompt_escape(&self, _cache: bool) -> Escape {
        Escape::Zsh
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
        include_str!("../../shell/awsp.zsh")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        ("eval \"$(awsp init zsh)\"", "~/.zshrc")
    }
    fn reserved(&self) -> &'static [&'static str] {
        POSIX_RESERVED
    }
    fn names_ignore_case(&self) -> bool {
        false
    }
    fn demo_startup(&self) -> Option<(&'static str, String)> {
        Some((
            ".zshrc",
            "setopt prompt_subst\nPS1='(awsp demo) ${AWSP_SEGMENT:+$AWSP_SEGMENT }%~ %# '\nautoload -Uz compinit && compinit -u\neval \"$(awsp init zsh)\"\n"
                .into(),
        ))
    }
    fn demo_command(&self, home: &Path) -> Command {
        let mut c = Command::new("zsh");
        c.arg("-i").env("ZDOTDIR", home);
        c
    }
}

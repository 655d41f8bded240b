//! nushell: no evaluation of foreign code. A switch prints one JSON record of variables to
//! set and unset, which the hook's `def --env` command parses and applies with
//! `load-env`/`hide-env`.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, json_string, record};
use crate::error::Result;

pub struct Nu;

/// nushell's keywords and the commands the hook runs.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "alias", "append", "break", "cd", "collect", "complete", "const", "continue", "date",
    "def", "default", "do", "each", "echo", "empty", "error", "exit", "export", "extern",
    "for", "from", "get", "hide", "hide-env", "if", "into", "is-empty", "is-not-empty",
    "let", "lines", "load-env", "loop", "ls", "match", "mkdir", "module", "mut", "open",
    "overlay", "path", "print", "return", "save", "skip", "source", "split", "str", "to",
    "try", "upsert", "use", "where", "which", "while", "with-env",
];

impl Syntax for Nu {
    fn name(&self) -> &'static str {
        "nu"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["nu", "nu.exe"]
    }
    /// A double-quoted string: JSON's escapes are nushell's, and a plain `"…"` string
    /// interpolates nothing.
    fn quote(&self, value: &str) -> Result<String> {
        json_string(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("$env.{var} = {}", self.quote(value)?))
    }
    fn unset(&self, vars: &[&str]) -> String {
        format!("hide-env -i {}", vars.join(" "))
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        record(changes)
    }
    fn word_list(&self, words: &[String]) -> String {
        let each: Vec<String> = words
            .iter()
            .map(|w| json_string(w).unwrap_or_default())
            .collect();
        format!("[{}]", each.join(" "))
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
        include_str!("../../shell/awsp.nu")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        (
            "if (which awsp | is-not-empty) { mkdir ($nu.data-dir | path join vendor/autoload); ^awsp init nu | save -f ($nu.data-dir | path join vendor/autoload/awsp.nu) }",
            "config.nu (`$nu.config-path`)",
        )
    }
    fn reserved(&self) -> &'static [&'static str] {
        RESERVED
    }
    fn names_ignore_case(&self) -> bool {
        false
    }
    /// The whole hook, then the prompt: nushell's `source` needs a file that exists when
    /// the config is parsed, so the demo's config holds the hook itself.
    fn demo_startup(&self) -> Option<(&'static str, String)> {
        let hook = super::hook(crate::cli::Shell::Nu, "awsp");
        Some((
            ".config/nushell/config.nu",
            format!(
                "{hook}\n$env.PROMPT_COMMAND = {{|| $\"(awsp demo) ($env.PWD | path basename) \" }}\n$env.PROMPT_COMMAND_RIGHT = {{|| awsp_prompt }}\n"
            ),
        ))
    }
    fn demo_command(&self, home: &Path) -> Command {
        let mut c = Command::new("nu");
        c.arg("--config")
            .arg(home.join(".config/nushell/config.nu"));
        c
    }
}

//! bash: POSIX quoting, `export`/`unset`, readline's prompt escapes.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, statements};
use crate::error::Result;

pub struct Bash;

/// Reserved words and builtins of bash and zsh (a function by such a name shadows the
/// builtin, or cannot be defined at all).
#[rustfmt::skip]
pub(super) const POSIX_RESERVED: &[&str] = &[
    "alias", "autoload", "bg", "bind", "bindkey", "break", "builtin", "bye", "caller",
    "case", "cd", "chdir", "compctl", "compgen", "compopt", "continue", "coproc", "dirs",
    "disable", "disown", "do", "done", "echo", "elif", "else", "enable", "end", "esac",
    "exec", "exit", "export", "false", "fc", "fg", "fi", "float", "for", "foreach",
    "function", "getopts", "hash", "help", "history", "if", "in", "integer", "jobs", "kill",
    "let", "limit", "logout", "mapfile", "nocorrect", "noglob", "popd", "pushd", "pwd",
    "read", "readarray", "readonly", "rehash", "repeat", "select", "setopt", "shopt",
    "suspend", "then", "time", "times", "trap", "true", "type", "ulimit", "umask",
    "unalias", "unfunction", "unhash", "unlimit", "unsetopt", "until", "vared", "wait",
    "whence", "where", "which", "while", "zle", "zstyle",
];

impl Syntax for Bash {
    fn name(&self) -> &'static str {
        "bash"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["bash"]
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
    fn prompt_escape(&self, cache: bool) -> Escape {
        if cache { Escape::BashVar } else { Escape::Bash }
    }
    fn completion_sends_line(&self) -> bool {
        true
    }
    fn completion_descriptions(&self) -> bool {
        false
    }
    fn completion_word_breaks(&self) -> &'static [char] {
        &[':', '=']
    }
    fn template(&self) -> &'static str {
        include_str!("../../shell/awsp.bash")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        ("eval \"$(awsp init bash)\"", "~/.bashrc")
    }
    fn reserved(&self) -> &'static [&'static str] {
        POSIX_RESERVED
    }
    fn names_ignore_case(&self) -> bool {
        false
    }
    fn demo_startup(&self) -> Option<(&'static str, String)> {
        Some((
            ".bashrc",
            "PS1='(awsp demo) ${AWSP_SEGMENT:+$AWSP_SEGMENT }\\w \\$ '\neval \"$(awsp init bash)\"\n"
                .into(),
        ))
    }
    fn demo_command(&self, home: &Path) -> Command {
        let mut c = Command::new("bash");
        c.arg("--rcfile").arg(home.join(".bashrc")).arg("-i");
        c
    }
}

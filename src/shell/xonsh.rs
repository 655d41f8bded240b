//! xonsh: a switch prints one JSON record of variables to set and unset, which the hook
//! (Python) parses and applies to `__xonsh__.env`; nothing it prints is evaluated.

use std::path::Path;
use std::process::Command;

use super::{Change, Escape, Syntax, record};
use crate::error::Result;

pub struct Xonsh;

/// Python's keywords (a line starting with one is Python, never a command), xonsh's own
/// aliases and the names the hook relies on.
#[rustfmt::skip]
const RESERVED: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
    "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield",
    "aliases", "cd", "completer", "execx", "exit", "history", "print", "quit", "source",
    "source-bash", "source-zsh", "xonfig", "xonsh", "xontrib",
    // Python's builtins: a bare one is evaluated as Python, not run as the function.
    "abs", "all", "any", "bool", "bytes", "callable", "chr", "dict", "dir", "divmod",
    "enumerate", "eval", "exec", "filter", "float", "format", "getattr", "hasattr", "hash",
    "help", "hex", "id", "input", "int", "isinstance", "iter", "len", "list", "map", "max",
    "min", "next", "object", "oct", "open", "ord", "pow", "range", "repr", "reversed",
    "round", "set", "setattr", "slice", "sorted", "str", "sum", "super", "tuple", "type",
    "vars", "zip",
];

impl Syntax for Xonsh {
    fn name(&self) -> &'static str {
        "xonsh"
    }
    fn shell_names(&self) -> &'static [&'static str] {
        &["xonsh"]
    }
    /// A Python string literal in single quotes: `\\` and `\'` are its only escapes once
    /// every backslash is doubled (the same rule as fish's quotes).
    fn quote(&self, value: &str) -> Result<String> {
        super::fish::quote(value)
    }
    fn set(&self, var: &str, value: &str) -> Result<String> {
        Ok(format!("${var} = {}", self.quote(value)?))
    }
    /// `del` (a person removes what is set; the hook applies its record without this).
    fn unset(&self, vars: &[&str]) -> String {
        let each: Vec<String> = vars.iter().map(|v| format!("del ${v}")).collect();
        each.join("; ")
    }
    fn render(&self, changes: &[Change]) -> Result<String> {
        record(changes)
    }
    fn word_list(&self, words: &[String]) -> String {
        let each: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        format!("({},)", each.join(", "))
    }
    fn prompt_escape(&self, _cache: bool) -> Escape {
        Escape::Xonsh
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
        include_str!("../../shell/awsp.xsh")
    }
    fn startup(&self) -> (&'static str, &'static str) {
        (
            "if __import__('shutil').which('awsp'): execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')",
            "~/.xonshrc",
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
            ".xonshrc",
            "execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')\n$PROMPT = '(awsp demo) {cwd} > '\n$RIGHT_PROMPT = '{awsp}'\n".into(),
        ))
    }
    fn demo_command(&self, home: &Path) -> Command {
        let mut c = Command::new("xonsh");
        c.arg("-i").arg("--rc").arg(home.join(".xonshrc"));
        c
    }
}

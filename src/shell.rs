//! Environment changes, and how each shell spells them. Everything a shell needs lives in
//! one file under `shell/` implementing [`Syntax`]; [`Shell::syntax`] is the only place
//! that lists the shells, so a new `Shell` variant does not compile until its file exists.

mod bash;
mod elvish;
mod fish;
mod nu;
mod powershell;
mod xonsh;
mod zsh;

use std::path::Path;
use std::process::Command;

use crate::cli::Shell;
use crate::error::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Set(&'static str, String),
    Unset(&'static str),
}

/// The first line of every block the binary prints for the hook. The hook applies what
/// `use` and `clear` print only when it starts with this line; anything else that reaches
/// it with exit status 0 (help, a version, a future subcommand's text) is shown as text.
/// So only what was generated for the hook is ever applied, whatever the arguments were.
/// It is a comment in every shell the hooks are written for.
pub const CODE_MARKER: &str = "# awsp: shell code, v1";

/// How the prompt segment writes colour codes and values for the place it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// A string the shell shows as it is (fish, PowerShell, nushell, elvish, xonsh): raw
    /// ANSI.
    Raw,
    /// Spliced into `PS1` itself: `\[…\]`, with `\`, `$` and `` ` `` in values protected
    /// from prompt decoding and expansion.
    Bash,
    /// Held in a variable that `PS1` expands: readline's `\001…\002`.
    BashVar,
    /// `%{…%}`, with `%` in values doubled.
    Zsh,
    /// Raw ANSI, with `{` and `}` in values doubled: xonsh reads `{RED}` in a prompt
    /// field's value as a colour.
    Xonsh,
}

/// One shell: its quoting, its statements, its hook and how a person starts it.
pub trait Syntax: Sync {
    /// The name `awsp init` and `--shell` take.
    fn name(&self) -> &'static str;
    /// Base names of `$SHELL` that mean this shell.
    fn shell_names(&self) -> &'static [&'static str];
    /// `value` as a string literal of the shell's language; refuses what
    /// [`crate::quote::check`] refuses.
    fn quote(&self, value: &str) -> Result<String>;
    /// The statement that exports `var` as `value`.
    fn set(&self, var: &str, value: &str) -> Result<String>;
    /// The statement that removes `vars` from the environment (nothing when one is not set).
    fn unset(&self, vars: &[&str]) -> String;
    /// What `use` and `clear` print for the hook after [`CODE_MARKER`]'s line. Every value
    /// is quoted before anything is returned, so a refused value leaves nothing behind.
    fn render(&self, changes: &[Change]) -> Result<String>;
    /// The words the function passes to the binary as they are, as a list in the shell's
    /// syntax (what `__PASS__` in the template becomes).
    fn word_list(&self, words: &[String]) -> String;
    /// How `awsp prompt --shell NAME` escapes; `cache` is `--cache`.
    fn prompt_escape(&self, cache: bool) -> Escape;
    /// Whether completion requests arrive as one raw line, to be split by the binary.
    fn completion_sends_line(&self) -> bool;
    /// Whether the shell shows a description beside a completion candidate.
    fn completion_descriptions(&self) -> bool;
    /// Characters after which the shell replaces only the rest of the word being
    /// completed (bash's COMP_WORDBREAKS); candidates are cut there.
    fn completion_word_breaks(&self) -> &'static [char];
    /// The hook's template (`shell/awsp.*`).
    fn template(&self) -> &'static str;
    /// The line that loads the hook, and the start-up file it goes in.
    fn startup(&self) -> (&'static str, &'static str);
    /// Names that cannot name the hook's function: the shell's keywords and builtins, and
    /// the commands the hook itself runs.
    fn reserved(&self) -> &'static [&'static str];
    /// Whether the shell looks commands up regardless of case.
    fn names_ignore_case(&self) -> bool;
    /// The demo's start-up file for this shell (relative to the sandbox's HOME) and its
    /// text, if the shell reads one.
    fn demo_startup(&self) -> Option<(&'static str, String)>;
    /// The command that starts the demo's interactive shell in the sandbox `home`.
    fn demo_command(&self, home: &Path) -> Command;
}

impl Shell {
    /// Every part of this shell.
    pub fn syntax(self) -> &'static dyn Syntax {
        match self {
            Shell::Bash => &bash::Bash,
            Shell::Zsh => &zsh::Zsh,
            Shell::Fish => &fish::Fish,
            Shell::Powershell => &powershell::Powershell,
            Shell::Nu => &nu::Nu,
            Shell::Elvish => &elvish::Elvish,
            Shell::Xonsh => &xonsh::Xonsh,
        }
    }

    pub fn name(self) -> &'static str {
        self.syntax().name()
    }

    pub fn quote(self, value: &str) -> Result<String> {
        self.syntax().quote(value)
    }

    /// Every shell, in the order of the `Shell` enum.
    pub fn all() -> &'static [Shell] {
        <Shell as clap::ValueEnum>::value_variants()
    }

    /// The shell `$SHELL` names (its base name), if awsp knows it.
    pub fn from_shell_var(path: &str) -> Option<Shell> {
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
        Shell::all()
            .iter()
            .copied()
            .find(|s| s.syntax().shell_names().contains(&base))
    }
}

/// Renders changes as one block for the hook, starting with [`CODE_MARKER`].
pub fn render(shell: Shell, changes: &[Change]) -> Result<String> {
    Ok(format!(
        "{CODE_MARKER}\n{}",
        shell.syntax().render(changes)?
    ))
}

/// Changes as statements, one a line, each ended by `end`: the block for shells whose
/// hook evaluates code.
fn statements(sh: &dyn Syntax, changes: &[Change], end: &str) -> Result<String> {
    let mut out = String::new();
    for c in changes {
        let line = match c {
            Change::Set(k, v) => sh.set(k, v)?,
            Change::Unset(k) => sh.unset(&[k]),
        };
        out.push_str(&line);
        out.push_str(end);
        out.push('\n');
    }
    Ok(out)
}

/// Changes as one JSON line, `{"set":{NAME:VALUE…},"unset":[NAME…]}`: the block for shells
/// whose hook applies data rather than code. Values pass [`crate::quote::check`] first, as
/// they would for any other shell.
fn record(changes: &[Change]) -> Result<String> {
    let mut set = serde_json::Map::new();
    let mut unset = Vec::new();
    // The last change of a variable wins, as it does when a shell runs them in order.
    for c in changes {
        match c {
            Change::Set(k, v) => {
                crate::quote::check(v)?;
                unset.retain(|u: &serde_json::Value| u != k);
                set.insert(k.to_string(), serde_json::Value::String(v.clone()));
            }
            Change::Unset(k) => {
                set.remove(*k);
                unset.push(serde_json::Value::String(k.to_string()));
            }
        }
    }
    let rec = serde_json::json!({ "set": set, "unset": unset });
    Ok(format!("{rec}\n"))
}

/// `value` as a JSON string (valid as a double-quoted string in nushell too), after the
/// common checks.
fn json_string(value: &str) -> Result<String> {
    crate::quote::check(value)?;
    Ok(serde_json::Value::String(value.to_string()).to_string())
}

/// The hook for `shell`, with the function named `cmd`. Only typed values enter it: the
/// function's name (checked by the caller), the marker and the subcommand list.
pub fn hook(shell: Shell, cmd: &str) -> String {
    let sh = shell.syntax();
    sh.template()
        .replace("__PASS__", &sh.word_list(&pass_through()))
        .replace("__CMD__", cmd)
        .replace("__MARKER__", CODE_MARKER)
}

/// The words every hook's function passes to the binary as they are: each subcommand of
/// the CLI but the two that switch (`use`, `clear`), clap's `help`, and the flags that
/// print help or the version.
pub fn pass_through() -> Vec<String> {
    use clap::CommandFactory;
    let mut words: Vec<String> = crate::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "use" && n != "clear")
        .collect();
    for w in ["help", "-h", "--help", "-V", "--version"] {
        if !words.iter().any(|x| x == w) {
            words.push(w.to_string());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_keeps_the_last_change_of_a_variable() {
        let v = |changes: &[Change]| -> serde_json::Value {
            serde_json::from_str(&record(changes).unwrap()).unwrap()
        };
        let r = v(&[Change::Set("A", "x".into()), Change::Unset("A")]);
        assert_eq!(r, serde_json::json!({"set": {}, "unset": ["A"]}));
        let r = v(&[Change::Unset("A"), Change::Set("A", "y".into())]);
        assert_eq!(r, serde_json::json!({"set": {"A": "y"}, "unset": []}));
    }

    fn both() -> [Change; 2] {
        [
            Change::Set("AWS_PROFILE", "a'b".into()),
            Change::Unset("AWS_REGION"),
        ]
    }

    #[test]
    fn renders_each_shell() {
        let ch = both();
        let want = [
            (
                Shell::Bash,
                "export AWS_PROFILE='a'\\''b';\nunset AWS_REGION;\n",
            ),
            (
                Shell::Zsh,
                "export AWS_PROFILE='a'\\''b';\nunset AWS_REGION;\n",
            ),
            (
                Shell::Fish,
                "set -gx AWS_PROFILE 'a\\'b'\nset -e -g AWS_REGION\n",
            ),
            (
                Shell::Powershell,
                "$env:AWS_PROFILE = 'a''b';\n$env:AWS_REGION = $null;\n",
            ),
            (
                Shell::Nu,
                "{\"set\":{\"AWS_PROFILE\":\"a'b\"},\"unset\":[\"AWS_REGION\"]}\n",
            ),
            (
                Shell::Elvish,
                "set-env AWS_PROFILE 'a''b'\nunset-env AWS_REGION\n",
            ),
            (
                Shell::Xonsh,
                "{\"set\":{\"AWS_PROFILE\":\"a'b\"},\"unset\":[\"AWS_REGION\"]}\n",
            ),
        ];
        assert_eq!(want.len(), Shell::all().len());
        for (shell, body) in want {
            assert_eq!(
                render(shell, &ch).unwrap(),
                format!("# awsp: shell code, v1\n{body}"),
                "{shell:?}"
            );
        }
    }

    #[test]
    fn refusal_emits_nothing() {
        let ch = [
            Change::Set("A", "ok".into()),
            Change::Set("B", "bad\n".into()),
        ];
        for &shell in Shell::all() {
            assert!(render(shell, &ch).is_err(), "{shell:?}");
        }
    }

    /// `awsp --help` and each template's header give the start-up line the module holds.
    #[test]
    fn help_and_templates_give_each_start_up_line() {
        use clap::CommandFactory;
        let help = crate::cli::Cli::command()
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        for &shell in Shell::all() {
            let (line, _) = shell.syntax().startup();
            assert!(help.contains(line), "{shell:?}: {line}");
            assert!(
                shell
                    .syntax()
                    .template()
                    .contains(line.split(" | ").next().unwrap()),
                "{shell:?}"
            );
        }
    }

    #[test]
    fn each_shell_is_found_by_its_names() {
        for &shell in Shell::all() {
            for name in shell.syntax().shell_names() {
                assert_eq!(
                    Shell::from_shell_var(&format!("/usr/bin/{name}")),
                    Some(shell)
                );
            }
            assert_eq!(
                Shell::from_shell_var(shell.name()),
                Some(shell),
                "{shell:?}"
            );
        }
        assert_eq!(Shell::from_shell_var("/bin/tcsh"), None);
        assert_eq!(
            Shell::from_shell_var(r"C:\Program Files\PowerShell\7\pwsh.exe"),
            Some(Shell::Powershell)
        );
    }

    #[test]
    fn set_and_unset_speak_each_shell() {
        let want = [
            (Shell::Bash, "export R='x'\\''y'", "unset A B"),
            (Shell::Zsh, "export R='x'\\''y'", "unset A B"),
            (Shell::Fish, "set -gx R 'x\\'y'", "set -e -g A; set -e -g B"),
            (
                Shell::Powershell,
                "$env:R = 'x''y'",
                "$env:A = $null; $env:B = $null",
            ),
            (Shell::Nu, "$env.R = \"x'y\"", "hide-env -i A B"),
            (
                Shell::Elvish,
                "set-env R 'x''y'",
                "unset-env A; unset-env B",
            ),
            (Shell::Xonsh, "$R = 'x\\'y'", "del $A; del $B"),
        ];
        for (shell, set, unset) in want {
            assert_eq!(shell.syntax().set("R", "x'y").unwrap(), set, "{shell:?}");
            assert_eq!(shell.syntax().unset(&["A", "B"]), unset, "{shell:?}");
        }
    }

    #[test]
    fn every_quoting_refuses_control_characters_and_long_values() {
        let over = "r".repeat(crate::quote::MAX_VALUE + 1);
        for &shell in Shell::all() {
            for bad in ["a\nb", "\x1b[31m", "nul\0", "\r", "tab\t", "\u{85}", &over] {
                assert!(shell.quote(bad).is_err(), "{shell:?} {bad:?}");
            }
            assert!(shell.quote(&"r".repeat(crate::quote::MAX_VALUE)).is_ok());
        }
    }

    /// The words each hook passes through are exactly the CLI's subcommands (but `use`
    /// and `clear`) and the help and version flags: the hooks take the list from the CLI,
    /// so a new subcommand can never be taken for a profile name.
    #[test]
    fn every_hook_passes_exactly_the_cli_subcommands_through() {
        use clap::CommandFactory;
        let mut want: Vec<String> = crate::cli::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .filter(|n| n != "use" && n != "clear")
            .chain(["help", "-h", "--help", "-V", "--version"].map(String::from))
            .collect();
        want.sort();
        want.dedup();
        assert!(
            want.contains(&"__complete".to_string()) && want.len() > 15,
            "{want:?}"
        );
        let mut got = pass_through();
        got.sort();
        assert_eq!(got, want);
        for &shell in Shell::all() {
            let sh = shell.syntax();
            assert_eq!(
                sh.template().matches("__PASS__").count(),
                1,
                "{shell:?}: the template must take the list from the CLI"
            );
            let hook = hook(shell, "awsp");
            assert!(hook.contains(&sh.word_list(&pass_through())), "{shell:?}");
            assert!(!hook.contains("__PASS__") && !hook.contains("__CMD__"));
            assert!(
                hook.contains(CODE_MARKER) && !hook.contains("__MARKER__"),
                "{shell:?}"
            );
        }
    }
}

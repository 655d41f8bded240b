//! `awsp init SHELL`: print the hook. Only typed options enter a template.

use crate::cli::{InitArgs, Shell};
use crate::error::{Error, Result};
use crate::shell::CODE_MARKER;

const BASH: &str = include_str!("../../shell/awsp.bash");
const ZSH: &str = include_str!("../../shell/awsp.zsh");
const FISH: &str = include_str!("../../shell/awsp.fish");
const POWERSHELL: &str = include_str!("../../shell/awsp.ps1");

/// Names the hooks themselves call or define: a function by one of these names would
/// replace what the hook relies on.
#[rustfmt::skip]
const HOOK_USES: &[&str] = &[
    "awsp_prompt", "command", "commandline", "compadd", "compdef", "complete", "declare",
    "emulate", "eval", "functions", "local", "print", "printf", "return", "set", "shift",
    "source", "string", "test", "typeset", "unset", "zmodload",
];

/// Functions a shell runs by their name (at each prompt, on a missing command…): a
/// function by such a name would run the hook at those moments.
#[rustfmt::skip]
const CALLED_BY_THE_SHELL: &[&str] = &[
    "precmd", "preexec", "chpwd", "periodic", "zshexit", "zshaddhistory",
    "command_not_found_handler", "command_not_found_handle", "fish_prompt",
    "fish_right_prompt", "fish_greeting", "fish_title", "fish_command_not_found",
    "fish_mode_prompt", "prompt", "tabexpansion2",
];

/// Reserved words and builtins of bash and zsh (a function by such a name shadows the
/// builtin, or cannot be defined at all).
#[rustfmt::skip]
const POSIX_RESERVED: &[&str] = &[
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

/// fish's reserved words and builtins.
#[rustfmt::skip]
const FISH_RESERVED: &[&str] = &[
    "abbr", "and", "argparse", "begin", "bg", "bind", "block", "break", "breakpoint",
    "builtin", "case", "cd", "contains", "continue", "count", "disown", "echo", "else",
    "emit", "end", "exec", "exit", "false", "fg", "for", "function", "history", "if",
    "jobs", "math", "not", "or", "path", "pwd", "random", "read", "realpath", "set_color",
    "status", "switch", "time", "true", "type", "ulimit", "wait", "while",
];

/// PowerShell's language keywords (functions are looked up case-insensitively).
#[rustfmt::skip]
const POWERSHELL_RESERVED: &[&str] = &[
    "begin", "break", "catch", "class", "clean", "continue", "data", "define", "do",
    "dynamicparam", "else", "elseif", "end", "enum", "exit", "filter", "finally", "for",
    "foreach", "from", "function", "hidden", "if", "in", "param", "process", "return",
    "static", "switch", "throw", "trap", "try", "until", "using", "var", "while",
    "workflow", "prompt",
];

/// Why `cmd` cannot name the hook's function in `shell`, if it cannot.
fn refuse(shell: Shell, cmd: &str) -> Option<String> {
    let valid = cmd
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cmd
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Some(format!(
            "--cmd `{cmd}` is not a valid function name (letters, digits, `_`, `-`; not starting with a digit or `-`)"
        ));
    }
    let reserved = match shell {
        Shell::Bash | Shell::Zsh => POSIX_RESERVED,
        Shell::Fish => FISH_RESERVED,
        Shell::Powershell => POWERSHELL_RESERVED,
    };
    let lower = cmd.to_ascii_lowercase();
    let is = |list: &[&str]| match shell {
        Shell::Powershell => list.contains(&lower.as_str()),
        _ => list.contains(&cmd),
    };
    if is(reserved) {
        return Some(format!(
            "--cmd `{cmd}` is a {} keyword or builtin; choose another name, e.g. `--cmd ap`",
            shell.name()
        ));
    }
    // PowerShell's own commands are Verb-Noun; a dash there would shadow one.
    let shadows_cmdlet = shell == Shell::Powershell && cmd.contains('-');
    if is(CALLED_BY_THE_SHELL) {
        return Some(format!(
            "--cmd `{cmd}` is a function the shell itself calls; choose another name, e.g. `--cmd ap`"
        ));
    }
    if is(HOOK_USES) || lower.starts_with("__awsp") || shadows_cmdlet {
        return Some(format!(
            "--cmd `{cmd}` would replace a command the hook itself runs; choose another name, e.g. `--cmd ap`"
        ));
    }
    None
}

pub fn render(shell: Shell, cmd: &str) -> Result<String> {
    if let Some(why) = refuse(shell, cmd) {
        return Err(Error::usage(why));
    }
    let template = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
        Shell::Powershell => POWERSHELL,
    };
    Ok(template
        .replace("__CMD__", cmd)
        .replace("__MARKER__", CODE_MARKER))
}

pub fn run(args: &InitArgs) -> Result<()> {
    print!("{}", render(args.shell, &args.cmd)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell];

    #[test]
    fn refuses_names_that_break_the_hook() {
        for shell in ALL {
            for bad in [
                "eval", "command", "set", "test", "string", "source", "__awsp_x", "if", "1x",
                "a b", "",
            ] {
                assert!(render(shell, bad).is_err(), "{shell:?} {bad:?}");
            }
            for good in ["awsp", "ap", "aws_p", "sw"] {
                assert!(render(shell, good).is_ok(), "{shell:?} {good:?}");
            }
        }
        assert!(render(Shell::Bash, "local").is_err());
        assert!(render(Shell::Fish, "and").is_err());
        assert!(render(Shell::Powershell, "Foreach").is_err());
        assert!(render(Shell::Powershell, "Get-Item").is_err());
        assert!(render(Shell::Bash, "aws-p").is_ok());
        assert!(render(Shell::Zsh, "precmd").is_err());
        assert!(render(Shell::Fish, "fish_prompt").is_err());
        assert!(render(Shell::Bash, "command_not_found_handle").is_err());
    }

    /// Each template's function routes every subcommand: a new subcommand that a hook
    /// does not know would be taken for a profile name.
    #[test]
    fn every_template_routes_every_subcommand() {
        use clap::CommandFactory;
        let names: Vec<String> = crate::cli::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        assert!(names.len() > 10, "{names:?}");
        for shell in ALL {
            let hook = render(shell, "awsp").unwrap();
            // The function's code: from its definition to the line that closes it, comments
            // left out.
            let start = ["awsp() {", "function awsp ", "function global:awsp {"]
                .iter()
                .find_map(|d| hook.find(d))
                .unwrap();
            let body = &hook[start..];
            let end = body.find("\n}\n").or_else(|| body.find("\nend\n")).unwrap();
            let code: Vec<&str> = body[..end]
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect();
            let code = code.join("\n");
            let words: Vec<&str> = code
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .collect();
            for name in &names {
                assert!(
                    words.contains(&name.as_str()),
                    "{shell:?} does not route `{name}`"
                );
            }
        }
    }

    #[test]
    fn every_template_checks_the_marker() {
        for shell in ALL {
            let hook = render(shell, "awsp").unwrap();
            assert!(hook.contains(CODE_MARKER), "{shell:?}");
            assert!(!hook.contains("__MARKER__") && !hook.contains("__CMD__"));
        }
    }
}

//! `awsp init SHELL`: print the hook. Only typed options enter a template.

use crate::cli::{InitArgs, Shell};
use crate::error::{Error, Result};

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
    let sh = shell.syntax();
    let lower = cmd.to_ascii_lowercase();
    let is = |list: &[&str]| match sh.names_ignore_case() {
        true => list.contains(&lower.as_str()),
        false => list.contains(&cmd),
    };
    if is(sh.reserved()) {
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
    Ok(crate::shell::hook(shell, cmd))
}

pub fn run(args: &InitArgs) -> Result<()> {
    print!("{}", render(args.shell, &args.cmd)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::shell::CODE_MARKER;

    const ALL: &[Shell] = &[
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Powershell,
        Shell::Nu,
        Shell::Elvish,
        Shell::Xonsh,
    ];

    #[test]
    fn refuses_names_that_break_the_hook() {
        for &shell in ALL {
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

    #[test]
    fn every_template_checks_the_marker() {
        for &shell in ALL {
            let hook = render(shell, "awsp").unwrap();
            assert!(hook.contains(CODE_MARKER), "{shell:?}");
            assert!(!hook.contains("__MARKER__") && !hook.contains("__CMD__"));
        }
    }
}

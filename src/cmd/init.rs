//! `awsp init SHELL`: print the hook. Only typed options enter a template.

use crate::cli::{InitArgs, Shell};
use crate::error::{Error, Result};

const BASH: &str = include_str!("../../shell/awsp.bash");
const ZSH: &str = include_str!("../../shell/awsp.zsh");
const FISH: &str = include_str!("../../shell/awsp.fish");
const POWERSHELL: &str = include_str!("../../shell/awsp.ps1");

pub fn render(shell: Shell, cmd: &str) -> Result<String> {
    let valid = cmd
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cmd
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(Error::usage(format!(
            "--cmd `{cmd}` is not a valid function name (letters, digits, `_`, `-`; not starting with a digit or `-`)"
        )));
    }
    let template = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
        Shell::Powershell => POWERSHELL,
    };
    Ok(template.replace("__CMD__", cmd))
}

pub fn run(args: &InitArgs) -> Result<()> {
    print!("{}", render(args.shell, &args.cmd)?);
    Ok(())
}

//! Environment changes, and how each shell spells them.

use crate::cli::Shell;
use crate::error::Result;
use crate::quote;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Set(&'static str, String),
    Unset(&'static str),
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
        }
    }

    pub fn quote(self, value: &str) -> Result<String> {
        match self {
            Shell::Bash | Shell::Zsh => quote::posix(value),
            Shell::Fish => quote::fish(value),
            Shell::Powershell => quote::powershell(value),
        }
    }
}

/// Renders changes as one block of code. Every value is quoted before anything is
/// emitted, so a refused value leaves no partial output behind.
pub fn render(shell: Shell, changes: &[Change]) -> Result<String> {
    let mut out = String::new();
    for c in changes {
        let line = match (shell, c) {
            (Shell::Bash | Shell::Zsh, Change::Set(k, v)) => {
                format!("export {k}={}", shell.quote(v)?)
            }
            (Shell::Bash | Shell::Zsh, Change::Unset(k)) => format!("unset {k}"),
            (Shell::Fish, Change::Set(k, v)) => format!("set -gx {k} {}", shell.quote(v)?),
            (Shell::Fish, Change::Unset(k)) => format!("set -e -g {k}"),
            (Shell::Powershell, Change::Set(k, v)) => format!("$env:{k} = {}", shell.quote(v)?),
            (Shell::Powershell, Change::Unset(k)) => format!("$env:{k} = $null"),
        };
        out.push_str(&line);
        out.push_str(if shell == Shell::Fish { "\n" } else { ";\n" });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_shell() {
        let ch = [
            Change::Set("AWS_PROFILE", "a'b".into()),
            Change::Unset("AWS_REGION"),
        ];
        assert_eq!(
            render(Shell::Bash, &ch).unwrap(),
            "export AWS_PROFILE='a'\\''b';\nunset AWS_REGION;\n"
        );
        assert_eq!(
            render(Shell::Fish, &ch).unwrap(),
            "set -gx AWS_PROFILE 'a\\'b'\nset -e -g AWS_REGION\n"
        );
        assert_eq!(
            render(Shell::Powershell, &ch).unwrap(),
            "$env:AWS_PROFILE = 'a''b';\n$env:AWS_REGION = $null;\n"
        );
    }

    #[test]
    fn refusal_emits_nothing() {
        let ch = [
            Change::Set("A", "ok".into()),
            Change::Set("B", "bad\n".into()),
        ];
        assert!(render(Shell::Zsh, &ch).is_err());
    }
}

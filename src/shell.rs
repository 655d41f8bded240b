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

/// The first line of every block of shell code the binary prints for the hook. The hook
/// evaluates what `use` and `clear` print only when it starts with this line; anything
/// else that reaches it with exit status 0 (help, a version, a future subcommand's text)
/// is shown as text. So only what was generated as code is ever evaluated, whatever the
/// arguments were. It is a comment in every shell the hooks are written for.
pub const CODE_MARKER: &str = "# awsp: shell code, v1";

/// Renders changes as one block of code, starting with [`CODE_MARKER`]. Every value is
/// quoted before anything is emitted, so a refused value leaves no partial output behind.
pub fn render(shell: Shell, changes: &[Change]) -> Result<String> {
    let mut out = format!("{CODE_MARKER}\n");
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
            "# awsp: shell code, v1\nexport AWS_PROFILE='a'\\''b';\nunset AWS_REGION;\n"
        );
        assert_eq!(
            render(Shell::Fish, &ch).unwrap(),
            "# awsp: shell code, v1\nset -gx AWS_PROFILE 'a\\'b'\nset -e -g AWS_REGION\n"
        );
        assert_eq!(
            render(Shell::Powershell, &ch).unwrap(),
            "# awsp: shell code, v1\n$env:AWS_PROFILE = 'a''b';\n$env:AWS_REGION = $null;\n"
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

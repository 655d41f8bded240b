//! The rules every shell's quoting shares (each shell's own quoting is in its file under
//! `src/shell/`), POSIX quoting, and splitting a command line into words the way a shell
//! would. Control characters are refused rather than
//! escaped: no shell has one quoting that survives all of them intact.
//! So are values longer than [`MAX_VALUE`]: an exported variable that large makes every
//! later command of that shell fail with "Argument list too long".

use crate::error::{Error, Result};

/// The longest value awsp puts into a shell's environment, in bytes. Profile names,
/// regions, account names and timestamps are far shorter.
pub const MAX_VALUE: usize = 4096;

/// Whether `value` can be put into shell code: no control character, at most
/// [`MAX_VALUE`] bytes. The error says which rule it breaks.
pub fn check(value: &str) -> Result<()> {
    if value.len() > MAX_VALUE {
        return Err(Error::runtime(format!(
            "refusing a value of {} bytes (the limit is {MAX_VALUE}): {:?}…",
            value.len(),
            value.chars().take(40).collect::<String>()
        )));
    }
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::runtime(format!(
            "refusing a value with a control character (U+{:04X}): {:?}",
            c as u32,
            value.chars().take(40).collect::<String>()
        ))),
        None => Ok(()),
    }
}

/// POSIX sh (bash, zsh, and words a person types): single quotes, each `'` written as `'\''`.
pub fn posix(value: &str) -> Result<String> {
    check(value)?;
    Ok(format!("'{}'", value.replace('\'', r"'\''")))
}

/// A word as a person would type it into a POSIX shell.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+".contains(c));
    if plain {
        w.to_string()
    } else {
        posix(w).unwrap_or_else(|_| format!("{w:?}"))
    }
}

/// Splits a command line into words as a shell would (see [`crate::words`]).
pub fn split_words(s: &str) -> std::result::Result<Vec<String>, String> {
    crate::words::split(s, char::is_whitespace)
}

/// Values the quoting tests (unit and real-shell) run over.
pub const NASTY: &[&str] = &[
    "plain",
    "",
    "x'; touch /tmp/p #",
    "it's",
    "''",
    "\"double\"",
    "back\\slash",
    "trailing\\",
    "\\'",
    "$(touch canary)",
    "`touch canary`",
    "${HOME}",
    "%PATH% %s %%",
    "!! !$ !-1",
    "* ? [a-z]",
    "  spaced  out  ",
    "ünïcödé 😂 日本",
    "‘curly’ ‚low‛",
    "a;b|c&d>e<f",
    "-n",
    "--",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_quotes() {
        assert_eq!(posix("a'b").unwrap(), r"'a'\''b'");
        assert_eq!(posix("").unwrap(), "''");
    }

    use crate::cli::Shell;

    #[test]
    fn each_shell_quotes() {
        assert_eq!(Shell::Fish.quote(r"a'b\").unwrap(), r"'a\'b\\'");
        assert_eq!(Shell::Xonsh.quote(r"a'b\").unwrap(), r"'a\'b\\'");
        assert_eq!(
            Shell::Powershell.quote("a'b\u{2019}").unwrap(),
            "'a''b\u{2019}\u{2019}'"
        );
        assert_eq!(Shell::Elvish.quote(r"a'b\$x").unwrap(), r"'a''b\$x'");
        assert_eq!(Shell::Nu.quote(r#"a"b\'"#).unwrap(), r#""a\"b\\'""#);
    }

    #[test]
    fn refuses_control_characters() {
        for bad in ["a\nb", "\x1b[31m", "nul\0", "\r", "tab\t", "\u{85}"] {
            for &shell in Shell::all() {
                assert!(shell.quote(bad).is_err(), "{shell:?} {bad:?}");
            }
        }
    }

    #[test]
    fn refuses_values_over_the_limit() {
        let at = "r".repeat(MAX_VALUE);
        assert!(Shell::all().iter().all(|s| s.quote(&at).is_ok()));
        let over = "r".repeat(MAX_VALUE + 1);
        for shell in Shell::all() {
            let e = shell.quote(&over).unwrap_err().to_string();
            assert!(e.contains("4097 bytes") && e.len() < 200, "{e}");
        }
    }

    #[test]
    fn long_values_round_trip_in_form() {
        let long = "x'\\".repeat(1300);
        let q = posix(&long).unwrap();
        assert!(q.starts_with('\'') && q.ends_with('\''));
        assert_eq!(Shell::Fish.quote(&long).unwrap().len(), 2 + 1300 * 5);
    }

    #[test]
    fn splits_like_a_shell_without_one() {
        assert_eq!(
            split_words(r#"  my-login --as "{profile}" 'a b' c\ d "x\"y" "#).unwrap(),
            ["my-login", "--as", "{profile}", "a b", "c d", "x\"y"]
        );
        assert_eq!(split_words("''").unwrap(), [""]);
        assert!(split_words("a 'b").is_err());
        assert!(split_words("a \"b").is_err());
        assert!(split_words("a\\").is_err());
        assert!(split_words("   ").unwrap().is_empty());
    }
}

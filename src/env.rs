//! Every read of the process environment goes through `Env`, so tests can inject a fake
//! environment and a fake HOME and nothing ever falls back to the developer's real `~/.aws`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Names of variables that are set to something that is not UTF-8. No AWS tool can use
    /// such a value; awsp reports them as present but invalid rather than as unset.
    not_utf8: Vec<String>,
    /// The language-specific home (getpwuid; the profile folder on Windows), used only
    /// when the variables below name none.
    fallback_home: Option<PathBuf>,
    /// Whether Windows' rules apply: the home from `USERPROFILE` or `HOMEDRIVE`+`HOMEPATH`
    /// when `HOME` is unset, and awsp's state under `LOCALAPPDATA`.
    windows: bool,
    pub now: DateTime<Utc>,
    /// Whether a person is at a terminal (stdin and stderr are both ttys).
    pub interactive: bool,
}

impl Env {
    pub fn from_process() -> Env {
        let mut vars = BTreeMap::new();
        let mut not_utf8 = Vec::new();
        for (k, v) in std::env::vars_os() {
            let Ok(mut k) = k.into_string() else { continue };
            if cfg!(windows) {
                // Windows' variable names are case-insensitive (`Path` is PATH); awsp asks
                // for them in upper case.
                k.make_ascii_uppercase();
            }
            match v.into_string() {
                Ok(v) => {
                    vars.insert(k, v);
                }
                Err(_) => not_utf8.push(k),
            }
        }
        Env {
            vars,
            not_utf8,
            fallback_home: dirs::home_dir(),
            windows: cfg!(windows),
            now: Utc::now(),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    /// A fixed environment for tests: only what is given, no fallback home, and the
    /// home and state rules of unix whatever the build (see [`Env::on_windows`]).
    pub fn fake<I, K, V>(vars: I) -> Env
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_utf8: Vec::new(),
            fallback_home: None,
            windows: false,
            now: Utc::now(),
            interactive: false,
        }
    }

    pub fn with_fallback_home(mut self, home: Option<PathBuf>) -> Env {
        self.fallback_home = home;
        self
    }

    /// The same environment under Windows' rules (for tests of those rules anywhere).
    pub fn on_windows(mut self) -> Env {
        self.windows = true;
        self
    }

    /// A variable's value; an empty value counts as unset, as in the AWS SDKs.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether `key` is set to a value that is not UTF-8 ([`Env::get`] gives `None` for it).
    pub fn is_not_utf8(&self, key: &str) -> bool {
        self.not_utf8.iter().any(|k| k == key)
    }

    /// Every variable set to a value that is not UTF-8, by name.
    pub fn not_utf8_vars(&self) -> &[String] {
        &self.not_utf8
    }

    /// Marks `key` as set to a value that is not UTF-8, as [`Env::from_process`] does.
    pub fn with_not_utf8(mut self, key: &str) -> Env {
        self.vars.remove(key);
        self.not_utf8.push(key.to_string());
        self
    }

    pub fn is_set(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Whether Windows' rules apply (see the field).
    pub fn is_windows(&self) -> bool {
        self.windows
    }

    /// The user's home as the SDKs find it: `HOME` first everywhere; on Windows then
    /// `USERPROFILE`, then `HOMEDRIVE` followed by `HOMEPATH`; then the language's own.
    pub fn home(&self) -> Option<PathBuf> {
        if let Some(home) = self.get("HOME") {
            return Some(PathBuf::from(home));
        }
        if self.windows {
            if let Some(profile) = self.get("USERPROFILE") {
                return Some(PathBuf::from(profile));
            }
            if let (Some(drive), Some(path)) = (self.get("HOMEDRIVE"), self.get("HOMEPATH")) {
                return Some(PathBuf::from(format!("{drive}{path}")));
            }
        }
        self.fallback_home.clone()
    }

    /// `~` and `~/…` (and `~\…` on Windows) expand to the home directory, as the SDKs do
    /// for the file variables.
    pub fn expand_tilde(&self, path: &str) -> PathBuf {
        let rest = if path == "~" {
            Some("")
        } else {
            path.strip_prefix("~/")
                .or_else(|| path.strip_prefix("~\\").filter(|_| self.windows))
        };
        match (rest, self.home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }

    fn aws_file(&self, var: &str, name: &str) -> PathBuf {
        match self.get(var) {
            Some(p) => self.expand_tilde(p),
            None => self.home_or_root().join(".aws").join(name),
        }
    }

    fn home_or_root(&self) -> PathBuf {
        self.home().unwrap_or_else(|| PathBuf::from("/"))
    }

    pub fn config_file(&self) -> PathBuf {
        self.aws_file("AWS_CONFIG_FILE", "config")
    }

    pub fn credentials_file(&self) -> PathBuf {
        self.aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
    }

    /// The SSO token cache is always under HOME; `AWS_CONFIG_FILE` does not move it.
    pub fn sso_cache_dir(&self) -> PathBuf {
        self.home_or_root().join(".aws").join("sso").join("cache")
    }

    /// `$XDG_STATE_HOME/awsp`, default `~/.local/state/awsp`; on Windows `%LOCALAPPDATA%\awsp`,
    /// default `~\AppData\Local\awsp`.
    pub fn state_dir(&self) -> PathBuf {
        if self.windows {
            return match self.get("LOCALAPPDATA") {
                Some(p) => PathBuf::from(p).join("awsp"),
                None => self
                    .home_or_root()
                    .join("AppData")
                    .join("Local")
                    .join("awsp"),
            };
        }
        match self
            .get("XDG_STATE_HOME")
            .filter(|p| Path::new(p).is_absolute())
        {
            Some(p) => PathBuf::from(p).join("awsp"),
            None => self.home_or_root().join(".local/state/awsp"),
        }
    }

    /// The profile the environment selects, and the variable that selected it.
    /// CLI v2 order: `AWS_PROFILE`, then `AWS_DEFAULT_PROFILE`, then `default`.
    pub fn selected_profile(&self) -> (String, Option<&'static str>) {
        for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
            if let Some(p) = self.get(var) {
                return (p.to_string(), Some(var));
            }
        }
        ("default".to_string(), None)
    }

    pub fn no_color(&self) -> bool {
        self.vars.contains_key("NO_COLOR")
    }

    /// Static keys in the environment beat `AWS_PROFILE` in every SDK.
    pub fn static_keys_set(&self) -> bool {
        self.has_value("AWS_ACCESS_KEY_ID") && self.has_value("AWS_SECRET_ACCESS_KEY")
    }

    /// Whether `key` holds something, UTF-8 or not: what the AWS tools see as set.
    pub fn has_value(&self, key: &str) -> bool {
        self.is_set(key) || self.is_not_utf8(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_follow_home_and_overrides() {
        let env = Env::fake([("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg")]);
        assert_eq!(env.config_file(), PathBuf::from("/h/cfg"));
        assert_eq!(env.credentials_file(), PathBuf::from("/h/.aws/credentials"));
        assert_eq!(env.sso_cache_dir(), PathBuf::from("/h/.aws/sso/cache"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Env::fake([
            ("HOME", "/h"),
            ("AWS_PROFILE", ""),
            ("AWS_DEFAULT_PROFILE", "x"),
        ]);
        assert_eq!(
            env.selected_profile(),
            ("x".into(), Some("AWS_DEFAULT_PROFILE"))
        );
    }

    #[test]
    fn state_dir_ignores_relative_xdg() {
        let env = Env::fake([("HOME", "/h"), ("XDG_STATE_HOME", "rel")]);
        assert_eq!(env.state_dir(), PathBuf::from("/h/.local/state/awsp"));
    }
}

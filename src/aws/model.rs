//! The merged view of the config and credentials files, and profiles resolved from it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::ini::{self, FileKind, Loc, ParsedFile, Props, Section, Skip, Warning};
use super::sso::{self, TokenKey, TokenState};
use crate::env::Env;
use crate::error::{Error, Result};

/// Real configs are a few MB even with 10,000 profiles; refuse what cannot be one.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// The longest `source_profile` chain followed (each hop is an AssumeRole call).
pub const MAX_CHAIN: usize = 32;

#[derive(Clone, Debug, Default)]
pub struct RawProfile {
    pub props: Props,
    pub in_config: bool,
    pub in_credentials: bool,
    pub locs: Vec<Loc>,
}

impl RawProfile {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(|p| p.value.as_text())
    }
}

/// Both files, parsed and merged by the cross-SDK rules.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub config_path: PathBuf,
    pub credentials_path: PathBuf,
    pub profiles: BTreeMap<String, RawProfile>,
    pub sso_sessions: BTreeMap<String, Section>,
    pub warnings: Vec<Warning>,
    pub cli_differences: Vec<Warning>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sso,
    SsoLegacy,
    Static,
    AssumeRole,
    Process,
    WebIdentity,
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sso => "sso",
            Kind::SsoLegacy => "sso-legacy",
            Kind::Static => "static",
            Kind::AssumeRole => "assume-role",
            Kind::Process => "process",
            Kind::WebIdentity => "web-identity",
            Kind::Unknown => "unknown",
        }
    }
}

/// A profile with everything awsp shows or needs worked out.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub kind: Kind,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role_name: Option<String>,
    pub region: Option<String>,
    pub sso_session: Option<String>,
    pub sso_start_url: Option<String>,
    pub sso_region: Option<String>,
    pub source_profile: Option<String>,
    /// This profile, then each `source_profile` in turn.
    pub chain: Vec<String>,
    /// A broken chain: a cycle or a missing `source_profile`.
    pub chain_error: Option<String>,
    /// The SSO token this profile (or the end of its chain) depends on.
    pub token_key: Option<TokenKey>,
}

/// Keys profile generators use for a human account name.
const ACCOUNT_NAME_KEYS: [&str; 4] = [
    "sso_account_name",
    "account_name",
    "granted_sso_account_name",
    "aws_account_name",
];

/// Reads and parses one file in blocks of whole lines, never holding all of it: a
/// 1.5 MB file read whole costs more in fresh memory than in parsing. A missing file is an
/// empty one.
fn parse_file(
    path: &Path,
    kind: FileKind,
    keep: &dyn Fn(&str) -> bool,
    skip: Skip,
) -> Result<ParsedFile> {
    let shown = path.display();
    let cannot = |e: std::io::Error| Error::runtime(format!("cannot read {shown}: {e}"));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ParsedFile::default()),
        Err(e) => return Err(cannot(e)),
    };
    if meta.is_dir() {
        bail!("{shown} is a directory, not a file; point the variable at the file");
    }
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "{shown} is {} MB, too large to be an AWS config file (limit {} MB)",
            meta.len() >> 20,
            MAX_FILE_BYTES >> 20
        );
    }
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ParsedFile::default()),
        Err(e) => return Err(cannot(e)),
    };
    let mut parser = ini::Parser::new(kind, Arc::new(path.to_path_buf()), keep, skip);
    let mut buf = vec![0u8; (meta.len() as usize + 1).clamp(4 << 10, 64 << 10)];
    let (mut filled, mut total) = (0, 0u64);
    loop {
        if filled == buf.len() {
            // A line longer than the buffer.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match std::io::Read::read(&mut file, &mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot(e)),
        };
        // Bounded even when the size lies (a device such as /dev/zero, a file still growing).
        total += n as u64;
        if total > MAX_FILE_BYTES {
            bail!(
                "{shown} holds more than {} MB, too large to be an AWS config file",
                MAX_FILE_BYTES >> 20
            );
        }
        filled += n;
        // Whole lines only; at the end of the file, whatever is left.
        let cut = match (n, buf[..filled].iter().rposition(|&b| b == b'\n')) {
            (0, _) => filled,
            (_, Some(i)) => i + 1,
            (_, None) => continue,
        };
        let text = std::str::from_utf8(&buf[..cut]).map_err(|e| {
            let before = &buf[..e.valid_up_to()];
            let line = parser.lines() + before.iter().filter(|&&b| b == b'\n').count() + 1;
            Error::runtime(format!(
                "{shown}:{line}: not valid UTF-8; save the file as UTF-8"
            ))
        })?;
        parser
            .feed(text)
            .map_err(|e| Error::runtime(e.to_string()))?;
        if n == 0 {
            return Ok(parser.finish());
        }
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
}

/// Where the two files are.
struct Files {
    config_path: PathBuf,
    credentials_path: PathBuf,
}

impl Files {
    fn of(env: &Env) -> Files {
        Files {
            config_path: env.config_file(),
            credentials_path: env.credentials_file(),
        }
    }

    /// `name` and its `source_profile` chain: each pass keeps one more link.
    fn parse_chain(&self, name: &str, skip: Skip) -> Result<Config> {
        let mut wanted = vec![name.to_string()];
        loop {
            let config = self.parse(&|n| wanted.iter().any(|w| w == n), skip)?;
            match config.missing_link(name, &wanted) {
                // Past MAX_CHAIN, resolving reports the chain as too long anyway.
                Some(next) if wanted.len() <= MAX_CHAIN => wanted.push(next),
                _ => return Ok(config),
            }
        }
    }

    fn parse(&self, keep: &dyn Fn(&str) -> bool, skip: Skip) -> Result<Config> {
        let config = parse_file(&self.config_path, FileKind::Config, keep, skip)?;
        let credentials = parse_file(&self.credentials_path, FileKind::Credentials, keep, skip)?;
        let mut merged = Config::merge(config, credentials);
        merged.config_path = self.config_path.clone();
        merged.credentials_path = self.credentials_path.clone();
        Ok(merged)
    }
}

impl Config {
    pub fn load(env: &Env) -> Result<Config> {
        Files::of(env).parse(&|_| true, Skip::Checked)
    }

    /// Loads only profile `name` and the profiles its `source_profile` chain reaches (and
    /// every sso-session), jumping over the other profiles' lines unread: the prompt's fast
    /// path. Syntax errors in the skipped sections go unseen; [`Config::load`] reports them.
    pub fn load_profile(env: &Env, name: &str) -> Result<Config> {
        Files::of(env).parse_chain(name, Skip::Unread)
    }

    /// [`Config::load_profile`] that still checks every line, so it fails exactly when
    /// [`Config::load`] fails: for `use NAME`, where the switch must not hide a file the
    /// SDKs cannot read.
    pub fn load_profile_checked(env: &Env, name: &str) -> Result<Config> {
        Files::of(env).parse_chain(name, Skip::Checked)
    }

    /// Every profile name, sorted, from the section headers alone: the fast path for
    /// `list --names` and completion. A malformed header fails it; errors in property lines
    /// are left to `list`, `use` and `doctor`, which read every line.
    pub fn load_names(env: &Env) -> Result<Vec<String>> {
        let files = Files::of(env);
        let mut names = Vec::new();
        for (path, kind) in [
            (&files.config_path, FileKind::Config),
            (&files.credentials_path, FileKind::Credentials),
        ] {
            names.extend(parse_file(path, kind, &|_| false, Skip::Names)?.skipped);
        }
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    /// The first profile on `name`'s `source_profile` chain that was not loaded yet.
    fn missing_link(&self, name: &str, loaded: &[String]) -> Option<String> {
        let mut seen = vec![name];
        let mut current = name;
        loop {
            let raw = self.profiles.get(current)?;
            if raw.get("sso_session").is_some_and(|s| !s.is_empty())
                || raw.get("role_arn").is_none_or(str::is_empty)
            {
                return None;
            }
            let next = raw.get("source_profile").filter(|s| !s.is_empty())?;
            if seen.contains(&next) {
                return None;
            }
            if !self.profiles.contains_key(next) {
                return (!loaded.iter().any(|l| l == next)).then(|| next.to_string());
            }
            seen.push(next);
            current = next;
        }
    }

    /// Config first, then the credentials file wins per key.
    pub fn merge(config: ParsedFile, credentials: ParsedFile) -> Config {
        let mut out = Config {
            sso_sessions: config.sso_sessions,
            ..Config::default()
        };
        // The config file's map is sorted already: built whole, not inserted name by name.
        out.profiles = config
            .profiles
            .into_iter()
            .map(|(name, section)| {
                let raw = RawProfile {
                    props: section.props,
                    locs: section.locs,
                    in_config: true,
                    in_credentials: false,
                };
                (name, raw)
            })
            .collect();
        for (name, section) in credentials.profiles {
            let entry = out.profiles.entry(name).or_default();
            entry.props.extend(section.props);
            entry.locs.extend(section.locs);
            entry.in_credentials = true;
        }
        out.warnings = config.warnings;
        out.warnings.extend(credentials.warnings);
        out.cli_differences = config.cli_differences;
        out.cli_differences.extend(credentials.cli_differences);
        out
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    pub fn resolve_all(&self) -> Vec<Profile> {
        self.profiles
            .keys()
            .filter_map(|n| self.resolve(n))
            .collect()
    }

    /// Resolves one profile, following its `source_profile` chain.
    pub fn resolve(&self, name: &str) -> Option<Profile> {
        let raw = self.profiles.get(name)?;
        let get = |k: &str| raw.get(k).filter(|v| !v.is_empty()).map(str::to_string);
        let role_arn = get("role_arn");
        let sso_session = get("sso_session");
        let kind = if role_arn.is_some() && get("web_identity_token_file").is_some() {
            Kind::WebIdentity
        } else if role_arn.is_some() {
            Kind::AssumeRole
        } else if sso_session.is_some() {
            Kind::Sso
        } else if get("sso_start_url").is_some() || get("sso_account_id").is_some() {
            Kind::SsoLegacy
        } else if get("credential_process").is_some() {
            Kind::Process
        } else if get("aws_access_key_id").is_some() {
            Kind::Static
        } else {
            Kind::Unknown
        };
        let session = sso_session
            .as_deref()
            .and_then(|s| self.sso_sessions.get(s));
        let session_get = |k: &str| {
            session
                .and_then(|s| s.get(k))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (arn_account, arn_role) = role_arn.as_deref().map(parse_role_arn).unwrap_or_default();
        let mut p = Profile {
            name: name.to_string(),
            kind,
            account_id: get("sso_account_id").or(arn_account),
            account_name: ACCOUNT_NAME_KEYS.iter().find_map(|k| get(k)),
            role_name: get("sso_role_name").or(arn_role),
            region: get("region"),
            sso_start_url: session_get("sso_start_url").or_else(|| get("sso_start_url")),
            sso_region: session_get("sso_region").or_else(|| get("sso_region")),
            sso_session,
            source_profile: get("source_profile"),
            chain: vec![name.to_string()],
            chain_error: None,
            token_key: None,
        };
        if kind == Kind::AssumeRole
            && p.source_profile.is_none()
            && get("credential_source").is_none()
        {
            p.chain_error = Some("role_arn needs source_profile or credential_source".into());
        }
        p.token_key = self.follow_chain(&mut p);
        Some(p)
    }

    /// Walks `source_profile` links; returns the token key of the profile the chain ends in.
    fn follow_chain(&self, p: &mut Profile) -> Option<TokenKey> {
        let mut current = p.name.clone();
        loop {
            let raw = &self.profiles[&current];
            if let Some(s) = raw.get("sso_session").filter(|s| !s.is_empty()) {
                return Some(TokenKey::Session(s.to_string()));
            }
            let has_role = raw.get("role_arn").is_some_and(|v| !v.is_empty());
            let source = raw.get("source_profile").filter(|s| !s.is_empty());
            if let (true, Some(next)) = (has_role, source) {
                // A profile may name itself to use its own static keys for the role.
                if next == current && raw.get("aws_access_key_id").is_some() {
                    return None;
                }
                if p.chain.iter().any(|c| c == next) {
                    p.chain_error = Some(format!(
                        "source_profile cycle: {} -> {next}",
                        p.chain.join(" -> ")
                    ));
                    return None;
                }
                if !self.profiles.contains_key(next) {
                    p.chain_error = Some(format!("source_profile `{next}` does not exist"));
                    return None;
                }
                // Real chains are a few hops; a generated one must not make resolving quadratic.
                if p.chain.len() >= MAX_CHAIN {
                    p.chain_error = Some(format!(
                        "source_profile chain is longer than {MAX_CHAIN} profiles"
                    ));
                    return None;
                }
                p.chain.push(next.to_string());
                current = next.to_string();
                continue;
            }
            return raw
                .get("sso_start_url")
                .filter(|u| !u.is_empty())
                .map(|u| TokenKey::StartUrl(u.to_string()));
        }
    }

    /// Where a profile's property was written, for `current` and the preview.
    pub fn loc(&self, profile: &str, key: &str) -> Option<&Loc> {
        self.profiles.get(profile)?.props.get(key).map(|p| &p.loc)
    }
}

/// `arn:aws:iam::123456789012:role/path/Name` → (account, role name).
pub fn parse_role_arn(arn: &str) -> (Option<String>, Option<String>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return (None, None);
    }
    let account = Some(parts[4].to_string()).filter(|a| !a.is_empty());
    let role = parts[5]
        .strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next())
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    (account, role)
}

/// Reads each token file once, however many profiles share it.
pub struct TokenCache {
    dir: PathBuf,
    now: DateTime<Utc>,
    seen: HashMap<TokenKey, TokenState>,
}

impl TokenCache {
    pub fn new(env: &Env) -> TokenCache {
        TokenCache {
            dir: env.sso_cache_dir(),
            now: env.now,
            seen: HashMap::new(),
        }
    }

    pub fn state(&mut self, key: &TokenKey) -> TokenState {
        if let Some(s) = self.seen.get(key) {
            return s.clone();
        }
        let s = sso::read_state(key, &self.dir, self.now);
        self.seen.insert(key.clone(), s.clone());
        s
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(config: &str, credentials: &str) -> Config {
        let f = |t: &str, k| ini::parse(t, k, Arc::new("f".into())).unwrap();
        Config::merge(
            f(config, FileKind::Config),
            f(credentials, FileKind::Credentials),
        )
    }

    #[test]
    fn resolves_kinds() {
        let c = cfg(
            "[sso-session co]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
             [profile a]\nsso_session = co\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\
             [profile old]\nsso_start_url = https://old/start\nsso_account_id = 2\nsso_role_name = R\n\
             [profile role]\nrole_arn = arn:aws:iam::333333333333:role/ops/Deploy\nsource_profile = a\n\
             [profile proc]\ncredential_process = x\n\
             [profile web]\nrole_arn = arn:aws:iam::4:role/W\nweb_identity_token_file = /t\n\
             [profile empty]\n",
            "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        );
        let k = |n: &str| c.resolve(n).unwrap().kind;
        assert_eq!(k("a"), Kind::Sso);
        assert_eq!(k("old"), Kind::SsoLegacy);
        assert_eq!(k("role"), Kind::AssumeRole);
        assert_eq!(k("proc"), Kind::Process);
        assert_eq!(k("web"), Kind::WebIdentity);
        assert_eq!(k("keys"), Kind::Static);
        assert_eq!(k("empty"), Kind::Unknown);
        let a = c.resolve("a").unwrap();
        assert_eq!(a.sso_start_url.as_deref(), Some("https://x/start"));
        assert_eq!(a.token_key, Some(TokenKey::Session("co".into())));
        let role = c.resolve("role").unwrap();
        assert_eq!(role.account_id.as_deref(), Some("333333333333"));
        assert_eq!(role.role_name.as_deref(), Some("Deploy"));
        assert_eq!(role.chain, ["role", "a"]);
        assert_eq!(role.token_key, Some(TokenKey::Session("co".into())));
        let old = c.resolve("old").unwrap();
        assert_eq!(
            old.token_key,
            Some(TokenKey::StartUrl("https://old/start".into()))
        );
    }

    #[test]
    fn detects_broken_chains() {
        let c = cfg(
            "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = y\n\
             [profile y]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n\
             [profile z]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nope\n\
             [profile self]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = self\naws_access_key_id = A\n",
            "",
        );
        assert!(
            c.resolve("x")
                .unwrap()
                .chain_error
                .unwrap()
                .contains("cycle")
        );
        assert!(
            c.resolve("z")
                .unwrap()
                .chain_error
                .unwrap()
                .contains("does not exist")
        );
        assert_eq!(c.resolve("self").unwrap().chain_error, None);
    }

    #[test]
    fn one_profile_loads_follow_the_chain() {
        let dir = std::env::temp_dir().join(format!("awsp-model-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            "[profile top]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = mid\n\
             [profile other]\nregion = x\n\
             [profile mid]\nrole_arn = arn:aws:iam::2:role/r\nsource_profile = base\n\
             [profile base]\nsso_session = s\n[sso-session s]\nsso_region = r\n\
             [profile broken]\nnot a property\n",
        )
        .unwrap();
        std::fs::write(dir.join(".aws/credentials"), "[creds]\nregion = y\n").unwrap();
        let env = Env::fake([("HOME", dir.to_str().unwrap())]);
        let c = Config::load_profile(&env, "top").unwrap();
        assert_eq!(c.names().collect::<Vec<_>>(), ["base", "mid", "top"]);
        let top = c.resolve("top").unwrap();
        assert_eq!(top.chain, ["top", "mid", "base"]);
        assert_eq!(top.token_key, Some(TokenKey::Session("s".into())));
        // The checked loads fail where the full load fails.
        let full = Config::load(&env).unwrap_err().to_string();
        assert!(
            full.ends_with(":14: Expected an '=' sign defining a property"),
            "{full}"
        );
        let checked = Config::load_profile_checked(&env, "top").unwrap_err();
        assert_eq!(checked.to_string(), full);
        // Names need the headers only.
        assert_eq!(
            Config::load_names(&env).unwrap(),
            ["base", "broken", "creds", "mid", "other", "top"]
        );
        std::fs::write(dir.join(".aws/config"), "[profile a]\n[default]\n").unwrap();
        assert_eq!(Config::load_names(&env).unwrap(), ["a", "creds", "default"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn role_arn_parts() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/Name"),
            (Some("123456789012".into()), Some("Name".into()))
        );
        assert_eq!(parse_role_arn("garbage"), (None, None));
    }
}

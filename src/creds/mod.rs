//! A profile's credentials, resolved natively as botocore resolves a named profile:
//!
//! 1. `role_arn`: AssumeRole (SigV4-signed) with the credentials of `credential_source`
//!    (`Environment`: the `AWS_ACCESS_KEY_ID` variables) or of `source_profile`, any
//!    number of links deep. A source profile with static keys uses them even when it
//!    also has a `role_arn`; a profile may name itself as its source to use its own keys.
//!    `role_session_name`, `duration_seconds`, `external_id` and `mfa_serial` (the code is
//!    asked on the terminal, three tries) are honoured.
//! 2. `sso_session` or `sso_start_url`: GetRoleCredentials at the access portal, with the
//!    cached token (logged in first when it will not last, as a switch does).
//! 3. Static keys in the credentials file.
//! 4. `login_session`: the credentials `aws login` keeps.
//! 5. `credential_process`: the command, split as a POSIX shell splits words and run
//!    without a shell; its stdout is the JSON of [`Credentials`].
//! 6. Static keys in the config file.
//!
//! Everything fetched from upstream is cached per profile ([`cache`]) until 15 minutes
//! before it ends, under a lock, so concurrent callers make one call.

pub mod cache;

use std::io::{BufRead, Read, Write};
use std::process::{Command, Stdio};

use crate::aws::{Config, Credentials, RawProfile, TokenKey, login_cache, sso_store};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::login::{self, When};
use crate::net::{Client, Service};
use crate::portal::{self, Portal};
use crate::sso_login;
use crate::sts::{self, AssumeRole};

/// A `credential_process` answer is a few hundred bytes.
const MAX_PROCESS_OUTPUT: u64 = 1 << 20;
/// Tries of an MFA code.
const MFA_TRIES: u32 = 3;

/// Settings that are secrets: never part of a cache file's name.
const SECRETS: [&str; 2] = ["aws_secret_access_key", "aws_session_token"];

/// The profiles whose `credential_process` is running this awsp, joined by [`SEPARATOR`]:
/// a `credential_process` that runs `awsp export` for a profile already being resolved
/// would otherwise start itself again and again.
const RESOLVING_VAR: &str = "AWSP_RESOLVING";
const SEPARATOR: char = '\u{1f}';

/// Resolves profile `name`'s credentials. `when` says whether an SSO or `aws login`
/// session that will not last may be logged in to first.
pub fn resolve(config: &Config, env: &Env, name: &str, when: When) -> Result<Credentials> {
    let outer: Vec<&str> = env
        .get(RESOLVING_VAR)
        .map(|v| v.split(SEPARATOR).collect())
        .unwrap_or_default();
    if outer.contains(&name) {
        bail!(
            "profile `{name}`: its credential_process runs awsp for `{name}` again ({} -> {name}); point it at another profile",
            outer.join(" -> ")
        );
    }
    let mut r = Resolver {
        config,
        env,
        when,
        chain: Vec::new(),
        cache: cache::Cache::open(env),
    };
    r.profile(name, false)
}

struct Resolver<'a> {
    config: &'a Config,
    env: &'a Env,
    when: When,
    /// The profiles being resolved, outermost first: a name met again is a cycle.
    chain: Vec<String>,
    cache: cache::Cache,
}

fn text<'a>(raw: &'a RawProfile, key: &str) -> Option<&'a str> {
    raw.get(key).filter(|v| !v.is_empty())
}

fn has_static_keys(raw: &RawProfile) -> bool {
    text(raw, "aws_access_key_id").is_some() || text(raw, "aws_secret_access_key").is_some()
}

impl Resolver<'_> {
    fn profile(&mut self, name: &str, as_source: bool) -> Result<Credentials> {
        if self.chain.iter().any(|c| c == name) {
            bail!(
                "source_profile cycle: {} -> {name}; fix the profiles' source_profile settings",
                self.chain.join(" -> ")
            );
        }
        let Some(raw) = self.config.profiles.get(name) else {
            match self.chain.last() {
                Some(from) => bail!(
                    "profile `{from}`: source_profile `{name}` does not exist in {}",
                    self.config.config_path.display()
                ),
                None => bail!("there is no profile `{name}`"),
            }
        };
        self.chain.push(name.to_string());
        let result = self.profile_in(name, raw, as_source);
        self.chain.pop();
        result
    }

    fn profile_in(&mut self, name: &str, raw: &RawProfile, as_source: bool) -> Result<Credentials> {
        let in_credentials_file = |key: &str| {
            self.config
                .loc(name, key)
                .is_some_and(|l| *l.file == self.config.credentials_path)
        };
        if text(raw, "role_arn").is_some() && !(as_source && has_static_keys(raw)) {
            if text(raw, "web_identity_token_file").is_some() {
                bail!(
                    "profile `{name}` assumes its role with a web identity token, which awsp does not resolve; use the AWS CLI or an SDK for it"
                );
            }
            return self.cached(name, |r| r.assume_role(name, raw));
        }
        if ["sso_session", "sso_start_url", "sso_account_id"]
            .iter()
            .any(|k| text(raw, k).is_some())
        {
            return self.cached(name, |r| r.sso(name));
        }
        if has_static_keys(raw) && in_credentials_file("aws_access_key_id") {
            return static_keys(name, raw);
        }
        if text(raw, "login_session").is_some() {
            return self.login_session(name);
        }
        if let Some(command) = text(raw, "credential_process") {
            return self.cached(name, |r| run_process(r.env, name, command));
        }
        if has_static_keys(raw) {
            return static_keys(name, raw);
        }
        bail!(
            "profile `{name}` has no credentials of its own (no role_arn, SSO, keys, login_session or credential_process); they would come from the environment or the instance"
        )
    }

    /// The cache key of `name`: its settings and those of everything it depends on.
    fn fingerprint(&self, name: &str) -> String {
        let mut out = String::from("awsp-credentials-v1\n");
        let mut seen: Vec<&str> = Vec::new();
        let mut cur = name;
        while let Some(raw) = self.config.profiles.get(cur) {
            if seen.contains(&cur) {
                break;
            }
            seen.push(cur);
            out.push_str(&format!("[{cur}]\n"));
            for (k, p) in raw.props.iter() {
                if let Some(v) = p.value.as_text().filter(|_| !SECRETS.contains(&k)) {
                    out.push_str(&format!("{k}={v}\n"));
                }
            }
            if let Some(session) =
                text(raw, "sso_session").and_then(|s| self.config.sso_sessions.get(s))
            {
                for (k, p) in session.props.iter() {
                    if let Some(v) = p.value.as_text() {
                        out.push_str(&format!("sso-session.{k}={v}\n"));
                    }
                }
            }
            if text(raw, "credential_source") == Some("Environment") {
                let id = self.env.get("AWS_ACCESS_KEY_ID").unwrap_or("");
                out.push_str(&format!("environment={id}\n"));
            }
            match text(raw, "source_profile") {
                Some(next) if text(raw, "role_arn").is_some() => cur = next,
                _ => break,
            }
        }
        out
    }

    /// Cached credentials for `name`, else `fetch`'s, stored, under the entry's lock.
    fn cached(
        &mut self,
        name: &str,
        fetch: impl FnOnce(&mut Self) -> Result<Credentials>,
    ) -> Result<Credentials> {
        let key = self.fingerprint(name);
        if let Some(c) = self.cache.get(&key, self.env.now) {
            return Ok(c);
        }
        let _held = self.cache.lock(&key, login::lock_wait(self.env))?;
        // Looked at again under the lock: another caller may have fetched them between
        // the first look and the lock, even when the lock was free at once.
        if let Some(c) = self.cache.get(&key, chrono::Utc::now()) {
            return Ok(c);
        }
        let creds = fetch(self)?;
        self.cache.put(&key, &creds);
        Ok(creds)
    }

    fn assume_role(&mut self, name: &str, raw: &RawProfile) -> Result<Credentials> {
        let role_arn = text(raw, "role_arn").unwrap_or_default();
        let source = match (text(raw, "credential_source"), text(raw, "source_profile")) {
            (Some(_), Some(_)) => {
                bail!("profile `{name}` has both source_profile and credential_source; keep one")
            }
            (Some(source), None) => environment_source(self.env, name, source)?,
            (None, Some(source)) if source == name => {
                if !has_static_keys(raw) {
                    bail!(
                        "source_profile cycle: {name} -> {name}; give the profile its own keys or another source"
                    );
                }
                static_keys(name, raw)?
            }
            (None, Some(source)) => self.profile(source, true)?,
            (None, None) => {
                bail!("profile `{name}`: role_arn needs source_profile or credential_source")
            }
        };
        let region = text(raw, "region").unwrap_or_default();
        let endpoint = Service::Sts.endpoint(self.env, region)?;
        let client = Client::new(self.env, endpoint, text(raw, "ca_bundle"))?;
        let signing_region = if region.is_empty() {
            "us-east-1"
        } else {
            region
        };
        let duration_seconds = match text(raw, "duration_seconds") {
            None => None,
            Some(d) => Some(d.trim().parse::<u32>().map_err(|_| {
                Error::runtime(format!(
                    "profile `{name}`: duration_seconds = {d} is not a whole number of seconds"
                ))
            })?),
        };
        let default_session = format!("awsp-{}", self.env.now.timestamp());
        let session_name = text(raw, "role_session_name").unwrap_or(&default_session);
        let mfa_serial = text(raw, "mfa_serial");
        let mut tries = 0;
        loop {
            tries += 1;
            let code = match mfa_serial {
                Some(serial) => Some(ask_mfa_code(name, serial)?),
                None => None,
            };
            let call = AssumeRole {
                role_arn,
                session_name,
                duration_seconds,
                external_id: text(raw, "external_id"),
                mfa: mfa_serial.zip(code.as_deref()),
            };
            match sts::assume_role(&client, signing_region, &source, &call) {
                Ok(c) => return Ok(c),
                Err(e) if e.is_wrong_mfa_code() && tries < MFA_TRIES => {
                    crate::eprintln_shown!("awsp: that MFA code was refused; try again");
                }
                Err(sts::Failure::Other(e)) => return Err(e),
                Err(sts::Failure::Api(e)) => {
                    let fix = match e.code.as_str() {
                        "AccessDenied" => {
                            "; check the role's trust policy and that the source credentials may assume it"
                        }
                        "ExpiredToken" | "InvalidClientTokenId" => {
                            "; the source credentials are expired or invalid: renew them and try again"
                        }
                        "Throttling" => "; STS is throttling: wait a moment and try again",
                        _ => "",
                    };
                    bail!("profile `{name}`: AssumeRole {role_arn}: {e}{fix}");
                }
            }
        }
    }

    fn sso(&mut self, name: &str) -> Result<Credentials> {
        let Some(profile) = self.config.resolve(name) else {
            bail!("there is no profile `{name}`");
        };
        let (Some(account), Some(role)) = (profile.account_id.clone(), profile.role_name.clone())
        else {
            bail!("profile `{name}` lacks sso_account_id or sso_role_name");
        };
        let Some(key) = profile.token_key.clone() else {
            bail!("profile `{name}` has no SSO session to use");
        };
        login::ensure(&profile, self.env, self.when)?;
        let session = sso_login::Session::of(self.config, name, &key)?;
        let token = access_token(self.env, &key)?;
        let portal = Portal::new(session.client(self.env, Service::Portal)?, token.clone());
        let failure = match portal.role_credentials(&account, &role) {
            Ok(c) => return Ok(c),
            Err(portal::Failure::Unauthorized) => {
                // The portal refused a token that looked valid (logged out elsewhere):
                // renewed once, then asked again.
                let renewed = login::session_token(
                    self.env,
                    &session,
                    self.env.interactive && self.when != When::Never,
                    sso_login::Options::from_env(self.env),
                    Some(&token),
                )?;
                portal.set_token(renewed);
                match portal.role_credentials(&account, &role) {
                    Ok(c) => return Ok(c),
                    Err(f) => f,
                }
            }
            Err(f) => f,
        };
        match failure {
            portal::Failure::Unauthorized => bail!(
                "profile `{name}`: the access portal refused the SSO token; run `awsp login {name} --force`"
            ),
            portal::Failure::Api(e) if e.code == "ForbiddenException" => bail!(
                "profile `{name}`: no role {role} in account {account} for this SSO session ({e}); run `awsp sync --dry-run` to see the roles you have"
            ),
            portal::Failure::Api(e) => bail!("profile `{name}`: GetRoleCredentials: {e}"),
            portal::Failure::Other(e) => Err(e),
        }
    }

    fn login_session(&mut self, name: &str) -> Result<Credentials> {
        let Some(profile) = self.config.resolve(name) else {
            bail!("there is no profile `{name}`");
        };
        login::ensure(&profile, self.env, self.when)?;
        let session = login_cache::session_of(self.config, &profile).unwrap_or_default();
        let path = login_cache::cache_file(session, &login_cache::cache_dir(self.env));
        let text =
            crate::fsio::read_file(&path, crate::fsio::Accept::FOREIGN, login_cache::MAX_FILE)?;
        match text.as_deref().and_then(login_cache::credentials) {
            Some(c) => Ok(c),
            None => bail!(
                "profile `{name}`: no usable credentials from `aws login` in {}; run `aws login --profile {name}`",
                path.display()
            ),
        }
    }
}

/// The access token of the SSO session `key`, as cached.
fn access_token(env: &Env, key: &TokenKey) -> Result<String> {
    match sso_store::TokenFile::read(key, &env.sso_cache_dir()) {
        Some(t) => Ok(t.access_token),
        None => bail!(
            "there is no usable token for {}; run `awsp login`",
            key.label()
        ),
    }
}

fn static_keys(name: &str, raw: &RawProfile) -> Result<Credentials> {
    match (
        text(raw, "aws_access_key_id"),
        text(raw, "aws_secret_access_key"),
    ) {
        (Some(id), Some(secret)) => Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: text(raw, "aws_session_token").map(str::to_string),
            expiration: None,
        }),
        (Some(_), None) => {
            bail!("profile `{name}` has aws_access_key_id but no aws_secret_access_key")
        }
        _ => bail!("profile `{name}` has aws_secret_access_key but no aws_access_key_id"),
    }
}

/// The keys `credential_source` names; only `Environment` is read here.
fn environment_source(env: &Env, name: &str, source: &str) -> Result<Credentials> {
    match source {
        "Environment" => {
            let get = |k: &str| env.get(k).filter(|v| !v.is_empty());
            match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
                (Some(id), Some(secret)) => Ok(Credentials {
                    access_key_id: id.to_string(),
                    secret_access_key: secret.to_string(),
                    session_token: get("AWS_SESSION_TOKEN")
                        .or(get("AWS_SECURITY_TOKEN"))
                        .map(str::to_string),
                    expiration: None,
                }),
                _ => bail!(
                    "profile `{name}`: credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"
                ),
            }
        }
        "Ec2InstanceMetadata" | "EcsContainer" => bail!(
            "profile `{name}`: credential_source = {source} needs the instance's metadata service, which awsp does not read; use the AWS CLI on the instance"
        ),
        other => bail!(
            "profile `{name}`: credential_source = {other} is not one of Environment, Ec2InstanceMetadata, EcsContainer"
        ),
    }
}

/// Runs a `credential_process` command and reads its answer.
fn run_process(env: &Env, name: &str, command: &str) -> Result<Credentials> {
    let argv = crate::words::split(command, char::is_whitespace)
        .map_err(|e| Error::runtime(format!("profile `{name}`: credential_process: {e}")))?;
    let Some((program, args)) = argv.split_first() else {
        bail!("profile `{name}`: credential_process is empty");
    };
    let resolving = match env.get(RESOLVING_VAR) {
        Some(outer) => format!("{outer}{SEPARATOR}{name}"),
        None => name.to_string(),
    };
    let mut child = Command::new(program)
        .args(args)
        .env(RESOLVING_VAR, resolving)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            Error::runtime(format!(
                "profile `{name}`: cannot run credential_process `{program}`: {e}"
            ))
        })?;
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout.take(MAX_PROCESS_OUTPUT).read_to_end(&mut out)?;
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "profile `{name}`: credential_process `{program}` failed ({})",
            crate::os::describe_status(status)
        );
    }
    Credentials::from_process_json(&out).map_err(|why| {
        Error::runtime(format!(
            "profile `{name}`: the output of credential_process `{program}` {why}"
        ))
    })
}

/// Asks for a six-digit MFA code on the terminal.
fn ask_mfa_code(name: &str, serial: &str) -> Result<String> {
    let no_terminal = || {
        Error::runtime(format!(
            "profile `{name}` needs an MFA code ({serial}) and there is no terminal to ask on; run `awsp export {name} --format json >/dev/null` at a terminal first, and the credentials are cached"
        ))
    };
    let tty = std::fs::File::open(crate::os::TERMINAL).map_err(|_| no_terminal())?;
    // The question goes to the terminal itself where it can be written (stderr may be a
    // pipe to the program that runs awsp as its credential_process), else to stderr.
    let mut out: Box<dyn Write> = match std::fs::OpenOptions::new()
        .write(true)
        .open(crate::os::TERMINAL)
    {
        Ok(f) => Box::new(f),
        Err(_) => Box::new(std::io::stderr()),
    };
    let mut lines = std::io::BufReader::new(&tty);
    for _ in 0..MFA_TRIES {
        write!(
            out,
            "MFA code for {} ({}): ",
            crate::sanitize::shown(name),
            crate::sanitize::shown(serial)
        )?;
        out.flush()?;
        let mut line = String::new();
        if lines.read_line(&mut line)? == 0 {
            return Err(no_terminal());
        }
        let code = line.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(code.to_string());
        }
        writeln!(out, "awsp: an MFA code is six digits")?;
    }
    bail!("profile `{name}`: no valid MFA code given")
}

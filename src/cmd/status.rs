//! `awsp status`: every SSO session and `aws login` session, and its time left.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::aws::{Config, TokenCache, TokenKey, TokenState, login_cache, sso};
use crate::cli::JsonArg;
use crate::env::Env;
use crate::error::Result;
use crate::login::{LoginCommand, SetupProblem};
use crate::rows::{self, MISCONFIGURED, token_color};
use crate::sanitize::shown;
use crate::style::{self, Style};

/// What a group logs in to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// An `[sso-session]` block, or a legacy start URL.
    Sso(TokenKey),
    /// An `aws login` session, by its ARN.
    Login(String),
}

impl Key {
    fn label(&self) -> String {
        match self {
            Key::Sso(k) => k.label(),
            Key::Login(s) => login_cache::label(s),
        }
    }

    fn name(&self) -> &str {
        match self {
            Key::Sso(TokenKey::Session(s) | TokenKey::StartUrl(s)) | Key::Login(s) => s,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Key::Sso(TokenKey::Session(_)) => "sso-session",
            Key::Sso(TokenKey::StartUrl(_)) => "start-url",
            Key::Login(_) => "login-session",
        }
    }
}

/// One session: an `[sso-session]` block, a legacy start URL or an `aws login` session,
/// and who uses it.
struct Group {
    key: Key,
    start_url: Option<String>,
    sso_region: Option<String>,
    state: TokenState,
    /// Why no login to it can work (a missing block, missing settings).
    problem: Option<String>,
    /// Every profile whose credentials come from this session, directly or through a chain.
    profiles: Vec<String>,
    /// The profile the login command works with (one that holds the session's settings).
    login_profile: Option<String>,
    active: bool,
}

fn groups(config: &Config, env: &Env) -> Vec<Group> {
    let mut tokens = TokenCache::new(env);
    let mut out: Vec<Group> = config
        .sso_sessions
        .iter()
        .map(|(name, section)| {
            let key = TokenKey::Session(name.clone());
            let get = |k: &str| section.get(k).filter(|v| !v.is_empty()).map(String::from);
            let missing: Vec<&str> = ["sso_start_url", "sso_region"]
                .into_iter()
                .filter(|k| get(k).is_none())
                .collect();
            Group {
                state: tokens.state(&key),
                key: Key::Sso(key),
                start_url: get("sso_start_url"),
                sso_region: get("sso_region"),
                problem: (!missing.is_empty()).then(|| format!("lacks {}", missing.join(", "))),
                profiles: Vec::new(),
                login_profile: None,
                active: false,
            }
        })
        .collect();
    let entries = rows::entries(config, env);
    for e in &entries {
        let key = match (&e.profile.token_key, &e.login_session) {
            (Some(k), _) => Key::Sso(k.clone()),
            (None, Some(s)) => Key::Login(s.clone()),
            (None, None) => continue,
        };
        let i = match out.iter().position(|g| g.key == key) {
            Some(i) => i,
            None => {
                // A legacy start URL, an `aws login` session, or an `sso_session` naming a
                // block that does not exist.
                let start_url = match &key {
                    Key::Sso(TokenKey::StartUrl(u)) => Some(u.clone()),
                    _ => None,
                };
                let state = match &key {
                    Key::Sso(k) => e.token.clone().unwrap_or_else(|| tokens.state(k)),
                    Key::Login(_) => e.token.clone().unwrap_or(TokenState::Missing),
                };
                out.push(Group {
                    state,
                    key,
                    start_url,
                    sso_region: None,
                    problem: None,
                    profiles: Vec::new(),
                    login_profile: None,
                    active: false,
                });
                out.len() - 1
            }
        };
        let g = &mut out[i];
        let p = &e.profile;
        if p.chain.len() == 1 {
            g.login_profile.get_or_insert_with(|| p.name.clone());
            if g.sso_region.is_none() {
                g.sso_region = p.sso_region.clone();
            }
        }
        match &e.problem {
            Some(SetupProblem::NoSession { session, .. }) => {
                g.problem = Some(format!("no [sso-session {session}] block"));
            }
            Some(problem @ SetupProblem::LegacyIncomplete { .. }) => {
                g.problem.get_or_insert_with(|| problem.short());
            }
            _ => {}
        }
        g.profiles.push(p.name.clone());
        g.active |= e.active;
    }
    // Chains only: log in with the profile at the end of the first chain.
    for e in &entries {
        let key = match (&e.profile.token_key, &e.login_session) {
            (Some(k), _) => Key::Sso(k.clone()),
            (None, Some(s)) => Key::Login(s.clone()),
            (None, None) => continue,
        };
        if let Some(g) = out
            .iter_mut()
            .find(|g| g.key == key && g.login_profile.is_none())
        {
            g.login_profile = e.profile.chain.last().cloned();
        }
    }
    // sso-sessions first (by name), then legacy start URLs (by URL), then login sessions.
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Group {
    fn state_name(&self) -> &'static str {
        match self.problem {
            Some(_) => MISCONFIGURED,
            None => self.state.name(),
        }
    }

    fn to_json(&self, env: &Env) -> Value {
        let expires = self.state.expires_at().filter(|_| self.problem.is_none());
        let token_file = match &self.key {
            Key::Sso(k) => k.cache_file(&env.sso_cache_dir()),
            Key::Login(s) => login_cache::cache_file(s, &login_cache::cache_dir(env)),
        };
        let unreadable = match (&self.state, &self.problem) {
            (TokenState::Unreadable { reason }, None) => Some(reason),
            _ => None,
        };
        let (renews, started) = self.renewal(env);
        let ends_by = started
            .zip(crate::sessions::length(env))
            .map(|(s, l)| s + l);
        json!({
            "type": self.key.kind(),
            "name": self.key.name(),
            "start_url": self.start_url,
            "sso_region": self.sso_region,
            "token_file": token_file.to_string_lossy(),
            "state": self.state_name(),
            "expires_at": expires.map(time),
            "seconds_left": expires.map(|t| (t - env.now).num_seconds()),
            "renews": renews,
            "session_started_at": started.map(time),
            "session_ends_by": ends_by.map(time),
            "unreadable_reason": unreadable,
            "problem": self.problem,
            "profiles": self.profiles,
            "login_profile": self.login_profile,
            "login_command": self.login_command(env),
            "active": self.active,
        })
    }

    /// The command that logs in to this session; none while its setup is broken.
    fn login_command(&self, env: &Env) -> Option<String> {
        let p = self
            .login_profile
            .as_deref()
            .filter(|_| self.problem.is_none())?;
        match &self.key {
            Key::Sso(_) if crate::login::native_sso(env) => {
                Some(format!("awsp login {}", crate::quote::shell_word(p)))
            }
            Key::Sso(_) => LoginCommand::for_profile(env, p).ok().map(|c| c.shown),
            Key::Login(_) => Some(LoginCommand::aws_login(p).shown),
        }
    }

    /// Whether the session is renewed silently, and when awsp's login began it.
    fn renewal(&self, env: &Env) -> (bool, Option<DateTime<Utc>>) {
        let Key::Sso(key) = &self.key else {
            return (false, None);
        };
        let (_, renews) = sso::read_state_renewing(key, &env.sso_cache_dir(), env.now);
        (
            renews,
            renews.then(|| crate::sessions::started(env, key)).flatten(),
        )
    }

    /// `3h12m`, `2h05m ago`, or `-`; for a session renewed silently, `renews`, with how
    /// long ago awsp's login began it and, with a stated length, the most time left.
    fn left(&self, env: &Env) -> String {
        let now = env.now;
        let (renews, started) = self.renewal(env);
        if renews && matches!(self.state, TokenState::Valid { .. }) {
            let Some(started) = started else {
                return "renews".into();
            };
            let since = sso::format_left(now - started);
            return match crate::sessions::length(env).map(|l| started + l) {
                Some(end) if end > now => {
                    format!("≤{} (began {since} ago)", sso::format_left(end - now))
                }
                _ => format!("renews (began {since} ago)"),
            };
        }
        match self.state.expires_at().filter(|_| self.problem.is_none()) {
            Some(t) if t > now => sso::format_left(t - now),
            Some(t) => format!("{} ago", sso::format_left(now - t)),
            None => "-".into(),
        }
    }
}

pub fn run(args: &JsonArg, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let groups = groups(&config, env);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let arr: Vec<Value> = groups.iter().map(|g| g.to_json(env)).collect();
        crate::sanitize::write_json(&mut out, &arr, true)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    if groups.is_empty() {
        eprintln!(
            "awsp: no SSO or `aws login` sessions in {}; set one up with `aws configure sso` or `aws login`",
            shown(&config.config_path.display().to_string())
        );
        return Ok(());
    }
    let st = Style::stdout(env);
    let rows: Vec<[String; 4]> = groups
        .iter()
        .map(|g| {
            let profiles = if g.profiles.is_empty() {
                "(no profiles)".to_string()
            } else {
                g.profiles.join(", ")
            };
            [
                format!("{} {}", if g.active { "*" } else { " " }, g.key.label()),
                g.problem
                    .clone()
                    .unwrap_or_else(|| g.state.name().to_string()),
                g.left(env),
                profiles,
            ]
        })
        .collect();
    let header = ["  SESSION", "TOKEN", "LEFT", "PROFILES"];
    style::table(&mut out, st, header, &rows, |r, c| match c {
        0 if groups[r].active => style::BOLD,
        1 if groups[r].problem.is_some() => style::RED,
        1 => token_color(Some(&groups[r].state)),
        _ => "",
    })?;
    let stale: Vec<&Group> = groups
        .iter()
        .filter(|g| g.problem.is_some() || (!g.state.is_usable() && g.login_profile.is_some()))
        .collect();
    if !stale.is_empty() {
        writeln!(out)?;
        for g in stale {
            if g.problem.is_some() {
                writeln!(
                    out,
                    "fix {} before logging in to it: `awsp doctor` says how",
                    shown(&g.key.label())
                )?;
                continue;
            }
            writeln!(
                out,
                "log in to {}: awsp login {}",
                shown(&g.key.label()),
                shown(g.login_profile.as_deref().unwrap_or_default())
            )?;
        }
    }
    Ok(out.flush()?)
}

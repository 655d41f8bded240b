//! `awsp status`: every SSO session and its time left.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::aws::{Config, TokenCache, TokenKey, TokenState, sso};
use crate::cli::JsonArg;
use crate::env::Env;
use crate::error::Result;
use crate::login::LoginCommand;
use crate::rows::{self, token_color};
use crate::sanitize::shown;
use crate::style::{self, Style};

/// One token: an `[sso-session]` block, or a legacy start URL, and who uses it.
struct Group {
    key: TokenKey,
    start_url: Option<String>,
    sso_region: Option<String>,
    state: TokenState,
    /// Every profile whose credentials come from this token, directly or through a chain.
    profiles: Vec<String>,
    /// The profile `aws sso login --profile` works with (one that holds the SSO settings).
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
            Group {
                state: tokens.state(&key),
                key,
                start_url: get("sso_start_url"),
                sso_region: get("sso_region"),
                profiles: Vec::new(),
                login_profile: None,
                active: false,
            }
        })
        .collect();
    let entries = rows::entries(config, env);
    for e in &entries {
        let Some(key) = e.profile.token_key.clone() else {
            continue;
        };
        let i = match out.iter().position(|g| g.key == key) {
            Some(i) => i,
            None => {
                // A legacy start URL, or an `sso_session` naming a block that does not exist.
                let start_url = match &key {
                    TokenKey::StartUrl(u) => Some(u.clone()),
                    TokenKey::Session(_) => None,
                };
                out.push(Group {
                    state: e.token.clone().unwrap_or(TokenState::Missing),
                    key,
                    start_url,
                    sso_region: None,
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
        g.profiles.push(p.name.clone());
        g.active |= e.active;
    }
    // Chains only: log in with the profile at the end of the first chain.
    for e in &entries {
        if let Some(g) = out
            .iter_mut()
            .find(|g| e.profile.token_key.as_ref() == Some(&g.key) && g.login_profile.is_none())
        {
            g.login_profile = e.profile.chain.last().cloned();
        }
    }
    // sso-sessions first (by name), then legacy start URLs (by URL).
    out.sort_by(|a, b| {
        let rank = |k: &TokenKey| matches!(k, TokenKey::StartUrl(_));
        (rank(&a.key), &a.key).cmp(&(rank(&b.key), &b.key))
    });
    out
}

fn key_name(key: &TokenKey) -> &str {
    match key {
        TokenKey::Session(s) | TokenKey::StartUrl(s) => s,
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Group {
    fn to_json(&self, env: &Env) -> Value {
        let expires = self.state.expires_at();
        json!({
            "type": match self.key { TokenKey::Session(_) => "sso-session", TokenKey::StartUrl(_) => "start-url" },
            "name": key_name(&self.key),
            "start_url": self.start_url,
            "sso_region": self.sso_region,
            "token_file": self.key.cache_file(&env.sso_cache_dir()).to_string_lossy(),
            "state": self.state.name(),
            "expires_at": expires.map(time),
            "seconds_left": expires.map(|t| (t - env.now).num_seconds()),
            "unreadable_reason": match &self.state { TokenState::Unreadable { reason } => Some(reason), _ => None },
            "profiles": self.profiles,
            "login_profile": self.login_profile,
            "login_command": self.login_command(env),
            "active": self.active,
        })
    }

    fn login_command(&self, env: &Env) -> Option<String> {
        let p = self.login_profile.as_deref()?;
        LoginCommand::for_profile(env, p).ok().map(|c| c.shown)
    }

    /// `3h12m`, `2h05m ago`, or `-`.
    fn left(&self, now: DateTime<Utc>) -> String {
        match self.state.expires_at() {
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
            "awsp: no SSO sessions in {}; set one up with `aws configure sso`",
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
                g.state.name().to_string(),
                g.left(env.now),
                profiles,
            ]
        })
        .collect();
    let header = ["  SESSION", "TOKEN", "LEFT", "PROFILES"];
    style::table(&mut out, st, header, &rows, |r, c| match c {
        0 if groups[r].active => style::BOLD,
        1 => token_color(Some(&groups[r].state)),
        _ => "",
    })?;
    let stale: Vec<&Group> = groups
        .iter()
        .filter(|g| !g.state.is_usable() && g.login_profile.is_some())
        .collect();
    if !stale.is_empty() {
        writeln!(out)?;
        for g in stale {
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

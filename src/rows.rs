//! The row model: a resolved profile with its token state, as `list`, `status` and the
//! picker show it.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::aws::{Config, Kind, Profile, RawProfile, TokenCache, TokenState, login_cache};
use crate::env::Env;
use crate::login::{SetupProblem, setup_problem};
use crate::style;

/// `token_state` of a profile whose SSO setup no login can work with.
pub const MISCONFIGURED: &str = "misconfigured";

/// A resolved profile with its token state, as list, the picker and status show it.
pub struct Entry {
    pub profile: Profile,
    /// The SSO token's state, or for an `aws login` profile (or a role chain ending in
    /// one) the state of its cached credentials (`Missing` when nothing is cached). None
    /// when the profile needs no token, and when `problem` is set.
    pub token: Option<TokenState>,
    /// A setup the login command can only fail on (shown instead of the token).
    pub problem: Option<SetupProblem>,
    /// The `aws login` session the credentials come from.
    pub login_session: Option<String>,
    pub active: bool,
}

impl Entry {
    /// `valid 3h12m`, `expired`, `static keys`, `no session "acme"`, …
    pub fn token_text(&self, now: DateTime<Utc>) -> String {
        if let Some(p) = &self.problem {
            return p.short();
        }
        match (&self.token, self.profile.kind) {
            (Some(t), _) => t.describe(now),
            (None, Kind::Static) => "static keys".into(),
            (None, Kind::Process) => "process".into(),
            (None, _) => "-".into(),
        }
    }

    /// `token_state` in `list --json`.
    pub fn token_state(&self) -> Option<&'static str> {
        match &self.problem {
            Some(_) => Some(MISCONFIGURED),
            None => self.token.as_ref().map(TokenState::name),
        }
    }

    pub fn to_json(&self) -> Value {
        let p = &self.profile;
        json!({
            "name": p.name,
            "kind": p.kind.name(),
            "account_id": p.account_id,
            "account_name": p.account_name,
            "role_name": p.role_name,
            "region": p.region,
            "sso_session": p.sso_session,
            "sso_start_url": p.sso_start_url,
            "source_profile": p.source_profile,
            "token_state": self.token_state(),
            "token_expires_at": self.token.as_ref().and_then(|t| t.expires_at())
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "active": self.active,
        })
    }

    /// `profile` of `config` with its token state; `active` names the profile the
    /// environment selects.
    fn new(config: &Config, mut profile: Profile, tokens: &mut Tokens, active: &str) -> Entry {
        let problem = setup_problem(config, &profile);
        let login_session = login_cache::session_of(config, &profile).map(str::to_string);
        let token = match (&problem, &profile.token_key, &login_session) {
            (Some(_), _, _) => None,
            (None, Some(key), _) => Some(tokens.sso.state(key)),
            (None, None, Some(session)) => Some(tokens.login(session)),
            (None, None, None) => None,
        };
        if profile.kind == Kind::Login
            && let Some(session) = &login_session
        {
            let (account, role) = login_cache::session_account_role(session);
            profile.account_id = profile.account_id.or(account);
            profile.role_name = profile.role_name.or(role);
        }
        Entry {
            token,
            problem,
            login_session,
            active: profile.name == active,
            profile,
        }
    }

    /// Profile `name` of `config`, resolved.
    pub fn of(config: &Config, name: &str, env: &Env) -> Option<Entry> {
        let (name, raw) = config.profiles.get_key_value(name)?;
        let profile = config.resolve_raw(name, raw);
        Some(Entry::new(
            config,
            profile,
            &mut Tokens::new(env),
            &env.selected_profile().0,
        ))
    }
}

/// Reads each SSO token file and each `aws login` cache file once, however many profiles
/// share it.
pub struct Tokens {
    pub sso: TokenCache,
    login_dir: PathBuf,
    now: DateTime<Utc>,
    login: HashMap<String, TokenState>,
}

impl Tokens {
    pub fn new(env: &Env) -> Tokens {
        Tokens {
            sso: TokenCache::new(env),
            login_dir: login_cache::cache_dir(env),
            now: env.now,
            login: HashMap::new(),
        }
    }

    /// The state of login session `session`'s cached credentials.
    pub fn login(&mut self, session: &str) -> TokenState {
        if let Some(s) = self.login.get(session) {
            return s.clone();
        }
        let s = login_cache::read_state(session, &self.login_dir, self.now);
        self.login.insert(session.to_string(), s.clone());
        s
    }
}

/// Every profile of `config`, in name order.
pub fn entries(config: &Config, env: &Env) -> Vec<Entry> {
    let profiles: Vec<_> = config.profiles.iter().collect();
    entries_of(config, &profiles, env)
}

/// How many profiles [`each_entry`] parses at a time.
const BLOCK: usize = 256;

/// Profiles `names`, resolved, in that order, each with a [`Config`] holding it: read a
/// block at a time ([`Config::load_in_blocks`]), so that 10,000 profiles never sit in
/// memory at once. Names the files lack are skipped.
pub fn each_entry(
    env: &Env,
    names: &[&str],
    mut f: impl FnMut(&Config, Entry) -> crate::error::Result<()>,
) -> crate::error::Result<()> {
    let (active, _) = env.selected_profile();
    let mut tokens = Tokens::new(env);
    Config::load_in_blocks(env, names, BLOCK, |config, block| {
        for name in block {
            if let Some((name, raw)) = config.profiles.get_key_value(*name) {
                let profile = config.resolve_raw(name, raw);
                f(config, Entry::new(config, profile, &mut tokens, &active))?;
            }
        }
        Ok(())
    })
}

/// `profiles` of `config`, resolved, in the order given.
pub fn entries_of(config: &Config, profiles: &[(&String, &RawProfile)], env: &Env) -> Vec<Entry> {
    let (active, _) = env.selected_profile();
    // Straight into entries: a Vec<Profile> beside them would be 3 MB more at 10,000.
    let resolve =
        |profiles: &[(&String, &RawProfile)], capacity: usize| {
            let mut tokens = Tokens::new(env);
            let mut out = Vec::with_capacity(capacity);
            out.extend(profiles.iter().map(|(n, raw)| {
                Entry::new(config, config.resolve_raw(n, raw), &mut tokens, &active)
            }));
            out
        };
    if profiles.len() < 2000 {
        return resolve(profiles, profiles.len());
    }
    // Profiles resolve independently: with thousands, a second core halves the wait before
    // the picker's first frame.
    let (first, second) = profiles.split_at(profiles.len() / 2);
    std::thread::scope(|s| {
        let later = s.spawn(|| resolve(second, second.len()));
        let mut out = resolve(first, profiles.len());
        out.extend(
            later
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        );
        out
    })
}

pub fn token_color(t: Option<&TokenState>) -> &'static str {
    match t {
        Some(TokenState::Valid { .. }) => style::GREEN,
        Some(TokenState::Refreshable { .. }) => style::CYAN,
        Some(TokenState::Expired { .. } | TokenState::Missing) => style::YELLOW,
        Some(TokenState::Unreadable { .. }) => style::RED,
        None => style::DIM,
    }
}

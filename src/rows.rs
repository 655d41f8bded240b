//! The row model: a resolved profile with its token state, as `list`, `status` and the
//! picker show it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::aws::{Config, Kind, Profile, RawProfile, TokenCache, TokenState};
use crate::env::Env;
use crate::style;

/// A resolved profile with its token state, as list, the picker and status show it.
pub struct Entry {
    pub profile: Profile,
    pub token: Option<TokenState>,
    pub active: bool,
}

impl Entry {
    /// `valid 3h12m`, `expired`, `static keys`, …
    pub fn token_text(&self, now: DateTime<Utc>) -> String {
        match (&self.token, self.profile.kind) {
            (Some(t), _) => t.describe(now),
            (None, Kind::Static) => "static keys".into(),
            (None, Kind::Process) => "process".into(),
            (None, _) => "-".into(),
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
            "token_state": self.token.as_ref().map(|t| t.name()),
            "token_expires_at": self.token.as_ref().and_then(|t| t.expires_at())
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "active": self.active,
        })
    }

    /// `profile` with its token state; `active` names the profile the environment selects.
    fn new(profile: Profile, tokens: &mut TokenCache, active: &str) -> Entry {
        Entry {
            token: profile.token_key.as_ref().map(|k| tokens.state(k)),
            active: profile.name == active,
            profile,
        }
    }

    /// Profile `name` of `config`, resolved.
    pub fn of(config: &Config, name: &str, env: &Env) -> Option<Entry> {
        let (name, raw) = config.profiles.get_key_value(name)?;
        let profile = config.resolve_raw(name, raw);
        Some(Entry::new(
            profile,
            &mut TokenCache::new(env),
            &env.selected_profile().0,
        ))
    }
}

/// Every profile of `config`, in name order.
pub fn entries(config: &Config, env: &Env) -> Vec<Entry> {
    let profiles: Vec<_> = config.profiles.iter().collect();
    entries_of(config, &profiles, env)
}

/// `profiles` of `config`, resolved, in the order given.
pub fn entries_of(config: &Config, profiles: &[(&String, &RawProfile)], env: &Env) -> Vec<Entry> {
    let (active, _) = env.selected_profile();
    // Straight into entries: a Vec<Profile> beside them would be 3 MB more at 10,000.
    let resolve = |profiles: &[(&String, &RawProfile)], capacity: usize| {
        let mut tokens = TokenCache::new(env);
        let mut out = Vec::with_capacity(capacity);
        out.extend(
            profiles
                .iter()
                .map(|(n, raw)| Entry::new(config.resolve_raw(n, raw), &mut tokens, &active)),
        );
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

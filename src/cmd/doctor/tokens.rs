//! Doctor's SSO token check: each session in use has a cached token that is still good.

use std::collections::BTreeMap;

use super::{Code, Doctor, Severity};
use crate::aws::ini::Loc;
use crate::aws::{Config, Kind, Profile, TokenCache, TokenKey, TokenState};

impl Doctor<'_> {
    pub(super) fn tokens(&mut self, config: &Config, resolved: &[Profile]) {
        let (active, _) = self.env.selected_profile();
        // Each token once, with the SSO profiles that log in through it.
        let mut users: BTreeMap<TokenKey, Vec<String>> = BTreeMap::new();
        for p in resolved {
            if !matches!(p.kind, Kind::Sso | Kind::SsoLegacy) {
                continue;
            }
            let Some(key) = p.token_key.clone() else {
                continue;
            };
            if let TokenKey::Session(s) = &key
                && !config.sso_sessions.contains_key(s)
            {
                continue; // reported as sso-session-missing
            }
            users.entry(key).or_default().push(p.name.clone());
        }
        let mut cache = TokenCache::new(self.env);
        for (key, profiles) in users {
            let state = cache.state(&key);
            let login_as = profiles
                .iter()
                .find(|p| **p == active)
                .unwrap_or(&profiles[0]);
            let location = match &key {
                TokenKey::Session(s) => config
                    .sso_sessions
                    .get(s)
                    .and_then(|s| s.locs.first())
                    .map(Loc::to_string),
                TokenKey::StartUrl(_) => config.loc(login_as, "sso_start_url").map(Loc::to_string),
            };
            let who = if profiles.len() == 1 {
                format!("profile {}", profiles[0])
            } else if profiles.len() <= 4 {
                format!("profiles {}", profiles.join(", "))
            } else {
                format!(
                    "profiles {} and {} more",
                    profiles[..3].join(", "),
                    profiles.len() - 3
                )
            };
            let fix = Some(match crate::login::native_sso(self.env) {
                true => format!("awsp login {login_as}"),
                false => format!("aws sso login --profile {login_as}"),
            });
            let label = key.label();
            let (severity, code, msg) = match &state {
                TokenState::Valid { .. } | TokenState::Refreshable { .. } => continue,
                TokenState::Missing => (
                    Severity::Warning,
                    Code::SsoTokenMissing,
                    format!(
                        "no SSO login for {label} ({who}): {} does not exist",
                        key.cache_file(cache.dir()).display()
                    ),
                ),
                TokenState::Expired { expires_at } => (
                    Severity::Warning,
                    Code::SsoTokenExpired,
                    format!(
                        "the SSO login for {label} ({who}) expired {} ago, at {}",
                        crate::aws::sso::format_left(self.env.now - *expires_at),
                        expires_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                ),
                TokenState::Unreadable { reason } => (
                    Severity::Warning,
                    Code::SsoTokenUnreadable,
                    format!(
                        "the SSO token cache file for {label} ({who}) is unusable: {reason} ({})",
                        key.cache_file(cache.dir()).display()
                    ),
                ),
            };
            self.push(severity, code, msg, location, fix);
        }
    }
}

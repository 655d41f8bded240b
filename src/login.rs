//! Making sure a profile's SSO session is alive before a switch.

use crate::aws::{Config, Profile, TokenCache, TokenState};
use crate::cli::LoginOpts;
use crate::env::Env;
use crate::error::Result;

/// Returns the token state the switch should record (None for profiles without SSO).
pub fn ensure(
    _config: &Config,
    profile: &Profile,
    env: &Env,
    _opts: &LoginOpts,
) -> Result<Option<TokenState>> {
    Ok(profile
        .token_key
        .as_ref()
        .map(|k| TokenCache::new(env).state(k)))
}

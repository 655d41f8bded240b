//! `awsp logout`: end a profile's IAM Identity Center session, so that the next login
//! really starts a new one.

use crate::aws::Config;
use crate::cli::LogoutArgs;
use crate::env::Env;
use crate::error::Result;
use crate::sso_login::{self, Session};

pub fn run(args: &LogoutArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let name = crate::target::named_or_active(&config, args.profile.as_deref(), env, "logout")?;
    let profile = crate::target::profile(&config, &name)?;
    let Some(key) = &profile.token_key else {
        bail!(
            "profile `{name}` has no IAM Identity Center session to log out of ({})",
            profile.kind.name()
        );
    };
    let holder = profile.chain.last().unwrap_or(&profile.name);
    let session = Session::of(&config, holder, key)?;
    if sso_login::logout(env, &session)? {
        crate::eprintln_shown!("awsp: logged out of {}", key.label());
    } else {
        crate::eprintln_shown!("awsp: {} was not logged in; nothing to do", key.label());
    }
    Ok(())
}

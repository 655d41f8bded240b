//! `awsp login`: log in explicitly.

use crate::aws::Config;
use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Result;
use crate::login;

pub fn run(args: &LoginArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let name = crate::target::named_or_active(&config, args.profile.as_deref(), env, "login")?;
    let profile = crate::target::profile(&config, &name)?;
    let mut how = crate::sso_login::Options::from_env(env);
    how.device_code |= args.device_code;
    how.no_browser |= args.no_browser;
    let done = login::login(&config, &profile, env, args.force, how)?;
    let now = chrono::Utc::now();
    if done.refreshed {
        crate::eprintln_shown!(
            "awsp: refreshed {} ({})",
            done.label,
            done.state.describe(now)
        );
    } else if done.logged_in {
        crate::eprintln_shown!(
            "awsp: logged in to {} ({})",
            done.label,
            done.state.describe(now)
        );
    } else {
        crate::eprintln_shown!(
            "awsp: {} is {}; nothing to do (--force logs in anyway)",
            done.label,
            done.state.describe(now)
        );
    }
    Ok(())
}

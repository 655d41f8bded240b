//! `awsp login`: log in explicitly.

use crate::aws::Config;
use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Result;
use crate::login;

pub fn run(args: &LoginArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let name = match args.profile.as_deref() {
        Some(query) => crate::target::resolve(&config, query, env)?,
        None => {
            let (name, var) = env.selected_profile();
            if !config.profiles.contains_key(&name) {
                match var {
                    Some(var) => bail!(
                        "{var} names `{name}`, which is not a profile; name one: `awsp login NAME`"
                    ),
                    None => bail!(
                        "no profile is active and there is no `default`; name one: `awsp login NAME`"
                    ),
                }
            }
            name
        }
    };
    let Some(profile) = config.resolve(&name) else {
        // The files changed between choosing the name and reading them whole.
        bail!(
            "profile `{name}` is no longer in {}",
            config.config_path.display()
        );
    };
    let done = login::login(&config, &profile, env, args.force)?;
    let now = chrono::Utc::now();
    if done.logged_in {
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

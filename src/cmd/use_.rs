//! `awsp use`: resolve a profile, make sure its session is alive, print the switch.

use crate::aws::Config;
use crate::cli::UseArgs;
use crate::env::Env;
use crate::error::Result;
use crate::{history, login, picker, shell, switch, target};

pub fn run(args: &UseArgs, env: &Env) -> Result<()> {
    let query = args.query.as_deref().unwrap_or("").trim();
    let (config, name) = if query.is_empty() && env.interactive {
        // A bare `awsp` at a terminal: the picker draws while the files are parsed.
        let name = picker::pick_streamed(env)?;
        (Config::load_profile_checked(env, &name)?, Ok(name))
    } else {
        let config = load(env, query)?;
        let name = target::resolve(&config, query, env);
        (config, name)
    };
    let result = name.and_then(|name| {
        // A query that named another profile (`dol-prd` for `dol-prod`) says what it meant.
        if !query.is_empty() && query != "-" && name != query {
            crate::eprintln_shown!("awsp: {query} → {name}");
        }
        switch_to(&config, &name, args, env)
    });
    // The process ends next (`crate::exit`); freeing 10,000 parsed profiles first would
    // only delay the switch, or the shell after Esc in the picker.
    std::mem::forget(config);
    result
}

fn switch_to(config: &Config, name: &str, args: &UseArgs, env: &Env) -> Result<()> {
    let Some(profile) = config.resolve(name) else {
        // The files changed between choosing the name and reading them whole.
        bail!(
            "profile `{name}` is no longer in {}",
            config.config_path.display()
        );
    };
    // The SDKs find this profile; say so now if the AWS CLI (and its `sso login`) won't.
    if let Some(view) = config.cli_view(name).filter(|v| v.missing) {
        let why = view.why_missing();
        crate::eprintln_shown!(
            "awsp: warning: the AWS CLI will not find profile `{name}` ({why}); the SDKs will; see `awsp doctor`"
        );
    }
    let token = login::ensure(&profile, env, super::login_when(&args.login))?;
    let keep = switch::keep_region(env, args.keep_region);
    let code = shell::render(
        args.shell.shell,
        &switch::use_changes(&profile, env, keep, token.as_ref()),
    )?;
    if let Some(warning) = switch::unexportable_previous(env) {
        crate::eprintln_shown!("awsp: warning: {warning}");
    }
    history::record(env, name);
    print!("{code}");
    if env.interactive && env.get("AWSP_QUIET").is_none_or(|v| v == "0") {
        crate::eprintln_shown!("{}", switched(&profile, token.as_ref(), env));
    }
    Ok(())
}

/// The line a switch at a terminal ends with: `→ prod-admin 222233334444/Admin eu-west-1
/// 3h12m` (account name, else id; the time left on the SSO token).
fn switched(p: &crate::aws::Profile, token: Option<&crate::aws::TokenState>, env: &Env) -> String {
    let mut line = format!("→ {}", p.name);
    let account = p.account_name.as_deref().or(p.account_id.as_deref());
    match (account, p.role_name.as_deref()) {
        (Some(a), Some(r)) => line.push_str(&format!(" {a}/{r}")),
        (Some(v), None) | (None, Some(v)) => line.push_str(&format!(" {v}")),
        (None, None) => {}
    }
    if let Some(r) = &p.region {
        line.push_str(&format!(" {r}"));
    }
    if let Some(t) = token {
        line.push(' ');
        line.push_str(&match t.expires_at() {
            Some(at) if at > env.now => crate::aws::sso::format_left(at - env.now),
            _ => t.name().to_string(),
        });
    }
    line
}

/// For an exact name (or `-`), only that profile's sections are kept: every line is still
/// checked, so a file the SDKs cannot read fails the switch as a full load would. A query
/// needs every profile to match against.
fn load(env: &Env, query: &str) -> Result<Config> {
    let name = match query {
        "-" => env.get("AWSP_PREVIOUS").unwrap_or(""),
        q => q,
    };
    if !name.is_empty() {
        let config = Config::load_profile_checked(env, name)?;
        if config.profiles.contains_key(name) {
            return Ok(config);
        }
    }
    // Every profile, for the picker or a query.
    Config::load(env)
}

//! `awsp use`: resolve a profile, make sure its session is alive, print the switch.

use crate::aws::Config;
use crate::cli::UseArgs;
use crate::cmd::list;
use crate::env::Env;
use crate::error::Result;
use crate::{history, login, picker, shell, switch};

pub fn run(args: &UseArgs, env: &Env) -> Result<()> {
    let query = args.query.as_deref().unwrap_or("").trim();
    let (config, name) = if query.is_empty() && env.interactive {
        // A bare `awsp` at a terminal: the picker draws while the files are parsed.
        crate::mem::prefer_huge_pages();
        let (name, config) = picker::pick_streamed(env)?;
        (config, Ok(name))
    } else {
        let config = load(env, query)?;
        let name = resolve_target(&config, query, env);
        (config, name)
    };
    let result = name.and_then(|name| switch_to(&config, &name, args, env));
    // The process ends next (`crate::exit`); freeing 10,000 parsed profiles first would
    // only delay the switch, or the shell after Esc in the picker.
    std::mem::forget(config);
    result
}

fn switch_to(config: &Config, name: &str, args: &UseArgs, env: &Env) -> Result<()> {
    let profile = config.resolve(name).expect("resolved names exist");
    let token = login::ensure(config, &profile, env, &args.login)?;
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
    Ok(())
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
    crate::mem::prefer_huge_pages();
    Config::load(env)
}

/// The profile a `use` argument means: `-`, an exact name, a query with one match, or a
/// choice in the picker.
pub fn resolve_target(config: &Config, query: &str, env: &Env) -> Result<String> {
    let query = query.trim();
    if query == "-" {
        return match env.get("AWSP_PREVIOUS") {
            Some(prev) if config.profiles.contains_key(prev) => Ok(prev.to_string()),
            Some(prev) => bail!("the previous profile `{prev}` no longer exists"),
            None => bail!("no previous profile yet; switch with `awsp NAME` first"),
        };
    }
    if config.profiles.contains_key(query) {
        return Ok(query.to_string());
    }
    if config.profiles.is_empty() {
        bail!(
            "no profiles in {} or {}; create one with `aws configure sso`",
            config.config_path.display(),
            config.credentials_path.display()
        );
    }
    let entries = list::entries(config, env);
    // Only a query needs matching; a bare `awsp` goes straight to the picker.
    let lower = query.to_lowercase();
    let matching: Vec<&str> = entries
        .iter()
        .filter(|e| !query.is_empty() && picker::row_text(e, env).to_lowercase().contains(&lower))
        .map(|e| e.profile.name.as_str())
        .collect();
    if !query.is_empty() {
        match matching.as_slice() {
            [one] => return Ok(one.to_string()),
            // At a terminal a fuzzy query (`dvadm`) may still match: the picker decides.
            [] if !env.interactive => {
                let near = crate::suggest::closest(query, config.names());
                if near.is_empty() {
                    bail!("no profile matches `{query}`; see `awsp list`");
                }
                bail!(
                    "no profile matches `{query}`; did you mean: {}?",
                    near.join(", ")
                );
            }
            _ => {}
        }
    }
    if !env.interactive {
        if query.is_empty() {
            bail!(
                "no terminal for the picker; name a profile: `awsp NAME` (see `awsp list --names`)"
            );
        }
        let shown: Vec<&str> = matching.iter().take(8).copied().collect();
        bail!(
            "`{query}` matches {} profiles ({}{}); name one exactly",
            matching.len(),
            shown.join(", "),
            if matching.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    picker::pick(entries, query, config, env)
}

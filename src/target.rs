//! Which profile a command-line argument means: `-`, an exact name, a query that matches
//! one profile, or a choice in the picker.

use crate::aws::Config;
use crate::aws::ini::{self, FileKind, WarningKind};
use crate::env::Env;
use crate::error::Result;
use crate::{picker, rows};

/// The profile a `use` argument means: `-`, an exact name, a query with one match, or a
/// choice in the picker.
/// The profile `query` means, or with none the active one, which must exist. `command`
/// names the subcommand for the error's fix (`awsp login NAME`).
pub fn named_or_active(
    config: &Config,
    query: Option<&str>,
    env: &Env,
    command: &str,
) -> Result<String> {
    if let Some(query) = query {
        return resolve(config, query, env);
    }
    let (name, var) = env.selected_profile();
    if !config.profiles.contains_key(&name) {
        match var {
            Some(var) => bail!(
                "{var} names `{name}`, which is not a profile; name one: `awsp {command} NAME`"
            ),
            None => bail!(
                "no profile is active and there is no `default`; name one: `awsp {command} NAME`"
            ),
        }
    }
    Ok(name)
}

pub fn resolve(config: &Config, query: &str, env: &Env) -> Result<String> {
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
    // A header that almost names it explains at once why there is no such profile, where
    // a picker or a list of near names would not.
    if let Some(why) = almost_named(config, query) {
        bail!("{why}");
    }
    if config.profiles.is_empty() {
        bail!(
            "no profiles in {} or {}; create one with `aws configure sso`",
            config.config_path.display(),
            config.credentials_path.display()
        );
    }
    let entries = rows::entries(config, env);
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
            // At a terminal a fuzzy query (`dvadm`) may still match: the picker decides,
            // unless nothing holds the query's letters in order, when it would open empty.
            [] if !env.interactive
                || !entries
                    .iter()
                    .any(|e| fuzzy(&lower, &picker::row_text(e, env))) =>
            {
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

/// Why there is no profile `query` when a section header the SDKs ignore was meant to
/// open it (`[profle x]`, `[x]` in the config file, `[profile x]` in the credentials file).
fn almost_named(config: &Config, query: &str) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    config.warnings.iter().find_map(|w| {
        let section = w.section.as_deref().filter(|_| w.kind == WarningKind::IgnoredSection)?;
        let kind = if *w.loc.file == config.credentials_path {
            FileKind::Credentials
        } else {
            FileKind::Config
        };
        let meant = ini::meant(kind, section).filter(|m| !m.session && m.name == query)?;
        Some(format!(
            "no profile `{query}`: the section `[{section}]` at {} is not a profile header; did you mean `{}`?",
            w.loc, meant.header
        ))
    })
}

/// Whether `text` holds the characters of `query` (lower case) in order, as a fuzzy
/// match needs at the least.
fn fuzzy(query: &str, text: &str) -> bool {
    let mut want = query.chars().peekable();
    for c in text.chars().flat_map(char::to_lowercase) {
        if want.peek() == Some(&c) {
            want.next();
        }
    }
    want.peek().is_none()
}

/// Profile `name`, chosen a moment ago from `config`'s names, resolved.
pub fn profile(config: &Config, name: &str) -> Result<crate::aws::Profile> {
    match config.resolve(name) {
        Some(p) => Ok(p),
        // The files changed between choosing the name and reading them whole.
        None => bail!(
            "profile `{name}` is no longer in {}",
            config.config_path.display()
        ),
    }
}

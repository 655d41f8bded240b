//! Which profile a command-line argument means: `-`, an exact name, a query that matches
//! one profile, or a choice in the picker.

use crate::aws::Config;
use crate::env::Env;
use crate::error::Result;
use crate::{picker, rows};

/// The profile a `use` argument means: `-`, an exact name, a query with one match, or a
/// choice in the picker.
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

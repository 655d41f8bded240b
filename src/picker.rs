//! The fuzzy picker (skim), drawn on the terminal, never on stdout.

use crate::cmd::list::Entry;
use crate::env::Env;
use crate::error::Result;

/// The text a row shows and matches on: name, account, role, region, token state.
pub fn row_text(e: &Entry, env: &Env) -> String {
    let p = &e.profile;
    let account = match (&p.account_id, &p.account_name) {
        (Some(id), Some(n)) => format!("{id} {n}"),
        (Some(id), None) => id.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    };
    format!(
        "{} {} {} {} {}",
        p.name,
        account,
        p.role_name.as_deref().unwrap_or(""),
        p.region.as_deref().unwrap_or(""),
        e.token_text(env)
    )
}

pub fn pick(_entries: Vec<Entry>, _query: &str, _env: &Env) -> Result<String> {
    bail!("the picker is not built yet; name a profile: `awsp NAME`")
}

//! `awsp list`: every profile, as a table, JSON, or names.

use std::io::Write;

use crate::aws::Config;
use crate::cli::ListArgs;
use crate::env::Env;
use crate::error::Result;
use crate::rows::{Entry, entries, token_color};
use crate::sanitize::shown;
use crate::style::{self, Style};

pub fn run(args: &ListArgs, env: &Env) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.names {
        // The completion and hot path: section headers only, no resolving, no token files.
        for name in Config::load_names(env)? {
            writeln!(out, "{name}")?;
        }
        return Ok(out.flush()?);
    }
    crate::mem::prefer_huge_pages();
    let config = Config::load(env)?;
    let entries = entries(&config, env);
    let files = (config.config_path.clone(), config.credentials_path.clone());
    // The parsed files are the bulk of the memory; the rows below can reuse it.
    drop(config);
    if args.json {
        // One entry's JSON at a time: a Vec<Value> of 10,000 profiles is 20 MB.
        struct Seq<'a>(&'a [Entry]);
        impl serde::Serialize for Seq<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(Entry::to_json))
            }
        }
        crate::sanitize::write_json(&mut out, &Seq(&entries), true)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    if entries.is_empty() {
        eprintln!(
            "awsp: no profiles in {} or {}; create one with `aws configure sso`",
            shown(&files.0.display().to_string()),
            shown(&files.1.display().to_string())
        );
        return Ok(());
    }
    let st = Style::stdout(env);
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<[String; 7]> = entries
        .iter()
        .map(|e| {
            let p = &e.profile;
            let account = match (&p.account_id, &p.account_name) {
                (Some(id), Some(n)) => format!("{id} ({n})"),
                (id, n) => dash(if id.is_some() { id } else { n }),
            };
            [
                format!("{} {}", if e.active { "*" } else { " " }, p.name),
                p.kind.name().into(),
                account,
                dash(&p.role_name),
                dash(&p.region),
                dash(&p.sso_session),
                e.token_text(env.now),
            ]
        })
        .collect();
    let header = [
        "  NAME",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
        "TOKEN",
    ];
    style::table(&mut out, st, header, &rows, |r, c| match c {
        0 if entries[r].active => style::BOLD,
        6 => token_color(entries[r].token.as_ref()),
        _ => "",
    })?;
    Ok(out.flush()?)
}

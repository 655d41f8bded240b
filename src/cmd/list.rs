//! `awsp list`: every profile, as a table, JSON, or names.

use std::io::Write;

use crate::aws::Config;
use crate::aws::model::CliView;
use crate::cli::ListArgs;
use crate::env::Env;
use crate::error::Result;
use crate::rows::{Entry, entries, token_color};
use crate::sanitize::shown;
use crate::style::{self, Style};

pub fn run(args: &ListArgs, env: &Env) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.names {
        // The hot path: every line checked, only names kept, no resolving, no token files.
        for name in Config::load_names(env)? {
            writeln!(out, "{name}")?;
        }
        return Ok(out.flush()?);
    }
    crate::mem::prefer_huge_pages();
    let config = Config::load(env)?;
    let entries = entries(&config, env);
    // Where the AWS CLI reads a profile otherwise (none, in the usual file).
    let cli: Vec<Option<CliView>> = entries
        .iter()
        .map(|e| config.cli_view(&e.profile.name))
        .collect();
    let files = (config.config_path.clone(), config.credentials_path.clone());
    // The parsed files are the bulk of the memory; the rows below can reuse it.
    drop(config);
    if args.json {
        // One entry's JSON at a time: a Vec<Value> of 10,000 profiles is 20 MB.
        struct Seq<'a>(&'a [Entry], &'a [Option<CliView>]);
        impl serde::Serialize for Seq<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().zip(self.1).map(|(e, cli)| {
                    let mut v = e.to_json();
                    v["aws_cli"] = cli
                        .as_ref()
                        .map_or(serde_json::Value::Null, CliView::to_json);
                    v
                }))
            }
        }
        crate::sanitize::write_json(&mut out, &Seq(&entries, &cli), true)?;
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
        .zip(&cli)
        .map(|(e, cli)| {
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
                match cli {
                    // The region the AWS CLI uses, where it is not the profile's own.
                    Some(v) if v.region != p.region && !v.missing => {
                        format!("{} (aws cli: {})", dash(&p.region), dash(&v.region))
                    }
                    _ => dash(&p.region),
                },
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
    out.flush()?;
    // What the AWS CLI will not find, on stderr: the table stays the table.
    let missing: Vec<(&str, &CliView)> = entries
        .iter()
        .zip(&cli)
        .filter_map(|(e, v)| {
            v.as_ref()
                .filter(|v| v.missing)
                .map(|v| (e.profile.name.as_str(), v))
        })
        .collect();
    for (name, v) in missing.iter().take(5) {
        let why = v.why_missing();
        crate::eprintln_shown!(
            "awsp: the AWS CLI will not find profile `{name}`: {why}; see `awsp doctor`"
        );
    }
    if missing.len() > 5 {
        eprintln!(
            "awsp: … and {} more profiles the AWS CLI will not find; see `awsp doctor`",
            missing.len() - 5
        );
    }
    Ok(())
}

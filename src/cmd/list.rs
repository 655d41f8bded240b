//! `awsp list`: every profile, as a table, JSON, or names.

use std::io::Write;

use serde::ser::{SerializeSeq, Serializer};

use crate::aws::Config;
use crate::cli::ListArgs;
use crate::env::Env;
use crate::error::Result;
use crate::rows::{each_entry, token_color};
use crate::sanitize::{SafeFormatter, shown};
use crate::style::{self, Style, Table};

pub fn run(args: &ListArgs, env: &Env) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.names {
        // Every line checked, only names kept, no resolving, no token files.
        for name in &Config::load_names(env)? {
            writeln!(out, "{name}")?;
        }
        return Ok(out.flush()?);
    }
    if args.json {
        return match json(env, &mut out) {
            Ok(()) => Ok(out.flush()?),
            Err(e) => {
                // Not even the `[`: a file the SDKs reject leaves stdout empty.
                let _ = out.into_parts();
                Err(e)
            }
        };
    }
    let mut table = Table::new([
        "  NAME",
        "KIND",
        "ACCOUNT",
        "ROLE",
        "REGION",
        "SSO-SESSION",
        "TOKEN",
    ]);
    // Per row: whether it is the active profile, and its token's colour.
    let mut marks: Vec<(bool, &'static str)> = Vec::new();
    // Profiles the AWS CLI will not find, and why (the first few).
    let (mut missing, mut why_missing) = (0, Vec::new());
    // The cells made of parts, rewritten for each row.
    let (mut name, mut account, mut region) = (String::new(), String::new(), String::new());
    fn dash(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("-")
    }
    each_entry(env, None, |e| {
        let p = &e.profile;
        let cli = e.cli.as_ref();
        name.clear();
        name.push_str(if e.active { "* " } else { "  " });
        name.push_str(&p.name);
        account.clear();
        match (&p.account_id, &p.account_name) {
            (Some(id), Some(n)) => account.extend([id, " (", n, ")"]),
            (id, n) => account.push_str(dash(if id.is_some() { id } else { n })),
        }
        region.clear();
        region.push_str(dash(&p.region));
        // The region the AWS CLI uses, where it is not the profile's own.
        if let Some(v) = cli.filter(|v| v.region != p.region && !v.missing) {
            region.extend([" (aws cli: ", dash(&v.region), ")"]);
        }
        table.push([
            &name,
            p.kind.name(),
            &account,
            p.role_name.as_deref().unwrap_or("-"),
            &region,
            p.sso_session.as_deref().unwrap_or("-"),
            &e.token_text(env.now),
        ]);
        marks.push((e.active, token_color(e.token.as_ref())));
        if let Some(v) = cli.filter(|v| v.missing) {
            missing += 1;
            if why_missing.len() < 5 {
                why_missing.push((p.name.clone(), v.why_missing()));
            }
        }
        Ok(())
    })?;
    if marks.is_empty() {
        eprintln!(
            "awsp: no profiles in {} or {}; create one with `aws configure sso`",
            shown(&env.config_file().display().to_string()),
            shown(&env.credentials_file().display().to_string())
        );
        return Ok(());
    }
    let st = Style::stdout(env);
    table.write(&mut out, st, |r, c| match c {
        0 if marks[r].0 => style::BOLD,
        6 => marks[r].1,
        _ => "",
    })?;
    out.flush()?;
    // What the AWS CLI will not find, on stderr: the table stays the table.
    for (name, why) in &why_missing {
        crate::eprintln_shown!(
            "awsp: the AWS CLI will not find profile `{name}`: {why}; see `awsp doctor`"
        );
    }
    if missing > 5 {
        eprintln!(
            "awsp: … and {} more profiles the AWS CLI will not find; see `awsp doctor`",
            missing - 5
        );
    }
    Ok(())
}

/// Every profile as a JSON array, one entry at a time as its rows are read.
fn json(env: &Env, out: &mut impl Write) -> Result<()> {
    let f = SafeFormatter(serde_json::ser::PrettyFormatter::new());
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, f);
    let mut seq = ser.serialize_seq(None).map_err(std::io::Error::from)?;
    each_entry(env, None, |e| {
        let mut v = e.to_json();
        v["aws_cli"] = e
            .cli
            .as_ref()
            .map_or(serde_json::Value::Null, |cli| cli.to_json());
        Ok(seq.serialize_element(&v).map_err(std::io::Error::from)?)
    })?;
    seq.end().map_err(std::io::Error::from)?;
    Ok(writeln!(out)?)
}

//! `awsp current`: what the environment points at now, and why.

use std::io::Write;

use serde_json::json;

use crate::aws::{Config, TokenCache};
use crate::cli::JsonArg;
use crate::env::Env;
use crate::error::Result;
use crate::sanitize::shown;

pub fn run(args: &JsonArg, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    // A variable that is set to bytes no profile name can match selects nothing, and the
    // CLI fails on it: say so rather than report it unset.
    for v in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        if env.is_set(v) {
            break;
        }
        if env.is_not_utf8(v) {
            bail!(
                "{v} is set, but not to valid UTF-8, so it names no profile and AWS tools will fail; switch with `awsp NAME`, or unset {v}"
            );
        }
    }
    let (name, var) = env.selected_profile();
    let reason = match var {
        Some(v) => format!("{v} is set"),
        None => "neither AWS_PROFILE nor AWS_DEFAULT_PROFILE is set".into(),
    };
    let profile = config.resolve(&name);
    let token = profile
        .as_ref()
        .and_then(|p| p.token_key.as_ref())
        .map(|k| TokenCache::new(env).state(k));
    let overridden = env.static_keys_set();
    // Where the AWS CLI reads this profile otherwise than the SDKs.
    let cli = config.cli_view(&name);
    let settings: Vec<(String, String, String)> = config
        .profiles
        .get(&name)
        .map(|raw| {
            raw.props
                .iter()
                .map(|(k, p)| {
                    let v = match &p.value {
                        crate::aws::ini::Value::Text(t) => crate::aws::ini::redact(k, t),
                        crate::aws::ini::Value::Sub(m) => format!("({} sub-properties)", m.len()),
                    };
                    (k.to_string(), v, p.loc.to_string())
                })
                .collect()
        })
        .unwrap_or_default();

    if args.json {
        let v = json!({
            "profile": name,
            "selected_by": var,
            "exists": profile.is_some(),
            "kind": profile.as_ref().map(|p| p.kind.name()),
            "account_id": profile.as_ref().and_then(|p| p.account_id.clone()),
            "role_name": profile.as_ref().and_then(|p| p.role_name.clone()),
            "region": profile.as_ref().and_then(|p| p.region.clone()),
            "token_state": token.as_ref().map(|t| t.name()),
            "token_expires_at": token.as_ref().and_then(|t| t.expires_at())
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "static_keys_override": overridden,
            "aws_cli": cli.as_ref().map(|v| v.to_json()),
            "settings": settings.iter().map(|(k, v, l)| json!({"key": k, "value": v, "location": l})).collect::<Vec<_>>(),
        });
        let mut out = std::io::stdout().lock();
        crate::sanitize::write_json(&mut out, &v, true)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    // Below, every value from a file or the environment is shown through `shown`, once.
    let name = shown(&name);
    println!("profile: {name} ({reason})");
    match &profile {
        None if var.is_some() => println!(
            "warning: no profile `{name}` in {} or {}",
            shown(&config.config_path.display().to_string()),
            shown(&config.credentials_path.display().to_string())
        ),
        None => println!("no `default` profile exists; pick one with `awsp`"),
        Some(p) => {
            println!("kind:    {}", p.kind.name());
            if p.chain.len() > 1 {
                println!("chain:   {}", shown(&p.chain.join(" -> ")));
            }
            if let Some(e) = &p.chain_error {
                println!("problem: {}", shown(e));
            }
            if let Some(t) = &token {
                println!("token:   {}", shown(&t.describe(env.now)));
            }
            let from_default = cli.iter().flat_map(|v| &v.from_default);
            let w = settings
                .iter()
                .map(|(k, _, _)| k.len())
                .chain(from_default.clone().map(|(k, _, _)| k.len()))
                .max()
                .unwrap_or(0);
            // Values as wide as the widest, up to a cap: a longer one is cut (`…`), so
            // every `file:line` starts in the same column.
            let vw = settings
                .iter()
                .map(|(_, v, _)| shown(v).chars().count())
                .chain(
                    from_default
                        .clone()
                        .map(|(_, v, _)| shown(v).chars().count()),
                )
                .max()
                .unwrap_or(0)
                .min(VALUE_WIDTH);
            for (k, v, l) in &settings {
                let (k, v, l) = (shown(k), crate::style::cut(&shown(v), vw), shown(l));
                println!("  {k:w$} = {v:vw$}  {l}");
            }
            for (k, v, l) in from_default {
                let l = l.to_string();
                let (k, v, l) = (shown(k), crate::style::cut(&shown(v), vw), shown(&l));
                println!("  {k:w$} = {v:vw$}  {l}  (AWS CLI: from [DEFAULT])");
            }
            if let Some(v) = &cli {
                if v.missing {
                    let why = v.why_missing();
                    let why = shown(&why);
                    println!(
                        "warning: the AWS CLI will not find this profile: {why}; `aws` fails with \"The config profile ({name}) could not be found\" (see `awsp doctor`)"
                    );
                } else if v.region != p.region {
                    let dash = |r: &Option<String>| shown(r.as_deref().unwrap_or("-")).into_owned();
                    println!(
                        "aws cli: region {} (the SDKs use {}; see `awsp doctor`)",
                        dash(&v.region),
                        dash(&p.region)
                    );
                }
            }
        }
    }
    if overridden {
        println!(
            "warning: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set and override the profile; run `awsp {name}` to clear them"
        );
    }
    Ok(())
}

/// The widest a value is shown in the settings list.
const VALUE_WIDTH: usize = 40;

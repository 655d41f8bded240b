//! `awsp setup` and `awsp sync`: a profile for every account and role an IAM Identity
//! Center session can reach, written into the config file without touching anything else
//! in it (see `aws::config_edit`).
//!
//! The config file is written only here, and only as a whole: the new text is checked by
//! the parser first, the file is re-read under a lock and left alone if another program
//! changed it meanwhile, the previous version is kept as `<config>.awsp-backup`, and the
//! new one is a temp file renamed over it, with the old file's permissions. A symbolic
//! link in the config file's place is refused, not replaced. The credentials file is never
//! written.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::aws::config_edit::{self, Plan, Text, Wanted};
use crate::aws::{Config, TokenKey, ini};
use crate::cli::{SetupArgs, SyncArgs, SyncOpts};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::fsio;
use crate::net::{Client, Service};
use crate::portal::{Failure, Portal};
use crate::sso_login::{Options, Session};

/// The most of the config file read.
const MAX_CONFIG: u64 = 64 << 20;
/// How long a write waits for another awsp writing the config file.
const LOCK_WAIT: Duration = Duration::from_secs(30);

pub fn run(args: &SyncArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let names: Vec<String> = if args.sessions.is_empty() {
        config.sso_sessions.keys().cloned().collect()
    } else {
        args.sessions.clone()
    };
    if names.is_empty() {
        bail!(
            "{} has no [sso-session] block to sync; start with `awsp setup START_URL`",
            config.config_path.display()
        );
    }
    let path = config.config_path.clone();
    let original = read_config(&path)?;
    let mut text = original.clone();
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for name in &names {
        let key = TokenKey::Session(name.clone());
        let planned = Session::of(&config, "", &key).and_then(|session| {
            sync_session(env, &config, &text, &session, &args.sync, env.interactive)
        });
        match planned {
            Ok(plan) => {
                text = config_edit::apply(&Text::new(&text), &plan);
                plans.push((name.clone(), plan));
            }
            // Named sessions must all sync; of all sessions, the others still do.
            Err(e) if args.sessions.is_empty() => {
                crate::eprintln_shown!("awsp: skipped sso-session {name}: {e}");
                skipped.push(name.clone());
            }
            Err(e) => return Err(e),
        }
    }
    if plans.is_empty() {
        bail!("no session could be synced; nothing changed");
    }
    finish(env, &path, &original, &text, &plans, &args.sync)?;
    if !skipped.is_empty() {
        bail!(
            "{} of {} sessions skipped ({}); the others are written",
            skipped.len(),
            names.len(),
            skipped.join(", ")
        );
    }
    Ok(())
}

pub fn setup(args: &SetupArgs, env: &Env) -> Result<()> {
    let url = args.start_url.trim().trim_end_matches('#').to_string();
    let host = url
        .strip_prefix("https://")
        .and_then(|r| r.split('/').next())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        .ok_or_else(|| {
            Error::usage(format!(
                "`{}` is not an https:// start URL, such as https://my-org.awsapps.com/start",
                args.start_url
            ))
        })?;
    let name = match &args.session {
        Some(n) => n.clone(),
        None => host.split('.').next().unwrap_or(host).to_string(),
    };
    if !ini::is_valid_name(&name) {
        bail!(
            "`{name}` cannot be an sso-session name (letters, digits and _-/.%@:+ only); choose one with --session"
        );
    }
    let region = match &args.region {
        Some(r) => r.clone(),
        None => ask_region(env)?,
    };
    let path = env.config_file();
    let original = read_config(&path)?;
    let text = Text::new(&original);
    let block =
        config_edit::add_sso_session(&text, &name, &url, &region).map_err(Error::runtime)?;
    let with_block = match &block {
        Some(plan) => config_edit::apply(&text, plan),
        None => original.clone(),
    };
    let session = Session {
        key: TokenKey::Session(name.clone()),
        start_url: url,
        region,
        scopes: Some(vec!["sso:account:access".into()]),
        ca_bundle: None,
    };
    let how = Options {
        device_code: args.device_code,
        no_browser: args.no_browser,
    };
    crate::login::session_token(env, &session, true, how, None)?;
    let config = Config::load(env)?;
    let plan = sync_session(env, &config, &with_block, &session, &args.sync, true)?;
    let after = config_edit::apply(&Text::new(&with_block), &plan);
    let mut plans = Vec::new();
    if let Some(b) = block {
        plans.push((format!("sso-session {name}"), b));
    }
    plans.push((name, plan));
    finish(env, &path, &original, &after, &plans, &args.sync)
}

/// Asks for the region at a terminal; without one, says which flag to pass.
fn ask_region(env: &Env) -> Result<String> {
    if !env.interactive {
        return Err(Error::usage(
            "which region is IAM Identity Center in? pass --region (e.g. --region eu-west-1)",
        ));
    }
    eprint!("awsp: IAM Identity Center region (e.g. us-east-1): ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let region = line.trim().to_string();
    if region.is_empty()
        || !region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        bail!("`{region}` is not a region name; pass --region");
    }
    Ok(region)
}

/// The config file's text; a missing file is empty.
fn read_config(path: &Path) -> Result<String> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!(
            "{} is a symbolic link; awsp does not replace it. Point AWS_CONFIG_FILE at the file it links to, then run this again",
            path.display()
        );
    }
    let bytes = match fsio::read_file(path, fsio::Accept::FOREIGN, MAX_CONFIG) {
        Ok(b) => b.unwrap_or_default(),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    String::from_utf8(bytes).map_err(|_| {
        Error::runtime(format!(
            "{} is not UTF-8 text; awsp does not edit it",
            path.display()
        ))
    })
}

/// Lists the session's accounts and roles and plans its profiles in `text`.
fn sync_session(
    env: &Env,
    config: &Config,
    text: &str,
    session: &Session,
    opts: &SyncOpts,
    may_log_in: bool,
) -> Result<Plan> {
    let template = opts
        .template
        .as_deref()
        .unwrap_or(config_edit::DEFAULT_TEMPLATE);
    if !config_edit::template_is_usable(template) {
        return Err(Error::usage(format!(
            "the template `{template}` names no account or role, so every profile would get the same name; use {{account_name}}, {{account_id}} or {{role_name}}"
        )));
    }
    let label = session.key.label();
    let how = Options::from_env(env);
    let token = crate::login::session_token(env, session, may_log_in, how, None)?;
    let client = Client::new(
        env,
        Service::Portal.endpoint(env, &session.region)?,
        session.ca_bundle.as_deref(),
    )?;
    let portal = Portal::new(client, token.clone());
    let progress = Progressing::start(env, &portal, &label);
    let mut renewed = false;
    let mut renew = |stale: &str| -> Result<()> {
        if renewed {
            bail!(
                "the access portal refused {label}'s token again after it was renewed; nothing changed"
            );
        }
        renewed = true;
        let fresh = crate::login::session_token(env, session, may_log_in, how, Some(stale))?;
        portal.set_token(fresh);
        Ok(())
    };
    let failed = |f: Failure| -> Error {
        match f {
            Failure::Api(e) => Error::runtime(format!(
                "the access portal refused the listing for {label}: {e}; nothing changed"
            )),
            Failure::Other(e) => e,
            Failure::Unauthorized => Error::runtime(format!(
                "the access portal refused {label}'s token; nothing changed"
            )),
        }
    };
    let mut stale = token;
    let accounts = loop {
        match portal.accounts() {
            Ok(a) => break a,
            Err(Failure::Unauthorized) => {
                renew(&stale)?;
                stale = String::new();
            }
            Err(f) => return Err(failed(f)),
        }
    };
    let mut roles = Vec::new();
    loop {
        match portal.all_roles(&accounts, &mut roles) {
            Ok(()) => break,
            Err(Failure::Unauthorized) => {
                let current =
                    crate::aws::sso_store::TokenFile::read(&session.key, &env.sso_cache_dir())
                        .map(|t| t.access_token)
                        .unwrap_or_default();
                renew(&current)?;
            }
            Err(f) => return Err(failed(f)),
        }
    }
    progress.stop();
    let wanted: Vec<Wanted> = accounts
        .iter()
        .zip(&roles)
        .flat_map(|(a, rs)| {
            rs.iter().flatten().map(move |r| Wanted {
                account_name: if a.name.is_empty() {
                    a.id.clone()
                } else {
                    a.name.clone()
                },
                account_id: a.id.clone(),
                role_name: r.clone(),
            })
        })
        .collect();
    let name = match &session.key {
        TokenKey::Session(n) | TokenKey::StartUrl(n) => n.clone(),
    };
    let taken: BTreeSet<String> = config
        .profiles
        .iter()
        .filter(|(_, p)| p.in_credentials && !p.in_config)
        .map(|(n, _)| n.clone())
        .collect();
    Ok(config_edit::plan(
        &Text::new(text),
        &name,
        &session.region,
        template,
        &wanted,
        opts.prune,
        &taken,
    ))
}

/// Reports the plans, then shows the diff (`--dry-run`) or writes the file.
fn finish(
    env: &Env,
    path: &Path,
    original: &str,
    after: &str,
    plans: &[(String, Plan)],
    opts: &SyncOpts,
) -> Result<()> {
    for (name, p) in plans {
        for (wanted, used) in &p.collisions {
            crate::eprintln_shown!(
                "awsp: {name}: profile `{wanted}` exists already; named this one `{used}`"
            );
        }
        let kept = match p.stale.len() {
            0 => String::new(),
            n => format!("; {n} gone upstream kept (--prune removes them)"),
        };
        crate::eprintln_shown!(
            "awsp: {name}: {} added, {} updated, {} removed, {} unchanged{kept}",
            p.added.len(),
            p.updated.len(),
            p.removed.len(),
            p.unchanged
        );
    }
    if after == original {
        crate::eprintln_shown!("awsp: {} is up to date", path.display());
        return Ok(());
    }
    // The new text must read as a config file before it replaces the old one.
    if let Err(e) = ini::parse(
        after,
        ini::FileKind::Config,
        std::sync::Arc::new(path.to_path_buf()),
    ) {
        bail!("the edited config would not parse ({e}); nothing changed");
    }
    if opts.dry_run {
        let color = std::io::stdout().is_terminal() && !env.no_color();
        let mut out = std::io::stdout().lock();
        let shown = path.display().to_string();
        let text = Text::new(original);
        // One plan is a diff of its own; several, planned on each other's results, are
        // shown as the one range of lines they change together.
        let whole;
        let plan = match plans {
            [(_, only)] => only,
            _ => {
                whole = config_edit::replace_middle(original, after);
                &whole
            }
        };
        for line in config_edit::diff(&text, plan, &shown).lines() {
            // Shown safely first, then coloured by its kind.
            let line = crate::sanitize::shown(line);
            let code = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => "32",
                Some(b'-') if !line.starts_with("---") => "31",
                Some(b'@') => "36",
                _ => "",
            };
            match color && !code.is_empty() {
                true => writeln!(out, "\x1b[{code}m{line}\x1b[0m")?,
                false => writeln!(out, "{line}")?,
            }
        }
        out.flush()?;
        crate::eprintln_shown!("awsp: dry run: {} not changed", path.display());
        return Ok(());
    }
    write_config(env, path, original, after)?;
    crate::eprintln_shown!(
        "awsp: wrote {} (the previous version is {}.awsp-backup)",
        path.display(),
        path.display()
    );
    Ok(())
}

/// Writes the new config: under the lock, only if the file is still what was read, the
/// old one kept as a backup, the new one renamed over it with the old permissions.
fn write_config(env: &Env, path: &Path, original: &str, after: &str) -> Result<()> {
    let dir = env.state_dir();
    fsio::private_dir(&dir)
        .map_err(|e| Error::runtime(format!("cannot lock the config file: {e}")))?;
    let lock = fsio::open_private(&dir.join("config.lock"), false)?;
    fsio::lock_within(&lock, LOCK_WAIT, || {
        crate::eprintln_shown!("awsp: waiting for another awsp writing the config file…")
    })?;
    if read_config(path)? != original {
        bail!(
            "{} changed while awsp was syncing (another program wrote it); nothing changed. Run this again",
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && !parent.is_dir() {
            crate::os::private_dir_builder()
                .recursive(true)
                .create(parent)?;
        }
    }
    // The new file keeps the old one's permissions; a new file is 0600.
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    if !original.is_empty() {
        let backup = path.with_file_name(format!(
            "{}.awsp-backup",
            path.file_name()
                .map_or("config".into(), |n| n.to_string_lossy())
        ));
        crate::aws::sso_store::write_file(&backup, original).map_err(|e| {
            Error::runtime(format!("cannot keep a backup in {}: {e}", backup.display()))
        })?;
    }
    fsio::replace_file(path, after.as_bytes(), permissions, true).map_err(|e| {
        Error::runtime(format!(
            "cannot write {}: {e}; nothing changed",
            path.display()
        ))
    })
}

/// The progress line on a terminal: accounts listed of all, and retries.
struct Progressing {
    stop: Option<(std::sync::Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Progressing {
    fn start(env: &Env, portal: &Portal, label: &str) -> Progressing {
        if !env.interactive || !std::io::stderr().is_terminal() {
            return Progressing { stop: None };
        }
        let progress = std::sync::Arc::clone(&portal.progress);
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let done = flag.clone();
        let label = crate::sanitize::shown(label).into_owned();
        let handle = std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let p = &progress;
                let total = p.accounts_total.load(Ordering::Relaxed);
                let n = p.accounts_done.load(Ordering::Relaxed);
                let retries = p.retries.load(Ordering::Relaxed);
                let bar = if total > 0 {
                    let filled = n * 20 / total;
                    format!(
                        "[{}{}] {n}/{total} accounts",
                        "#".repeat(filled),
                        " ".repeat(20 - filled)
                    )
                } else {
                    "listing accounts".into()
                };
                let retried = if retries > 0 {
                    format!(", {retries} retries")
                } else {
                    String::new()
                };
                eprint!("\r\x1b[2Kawsp: {label}: {bar}{retried}");
                std::thread::sleep(Duration::from_millis(150));
            }
            eprint!("\r\x1b[2K");
        });
        Progressing {
            stop: Some((flag, handle)),
        }
    }

    fn stop(mut self) {
        if let Some((flag, handle)) = self.stop.take() {
            flag.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

impl Drop for Progressing {
    fn drop(&mut self) {
        if let Some((flag, handle)) = self.stop.take() {
            flag.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

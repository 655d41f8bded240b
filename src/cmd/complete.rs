//! Completion for the shell hooks: the hook sends the words up to the cursor, the binary
//! answers with candidates, one per line. Subcommands and flags come from the clap
//! definitions (clap_complete's engine); profile names from the config files.

use std::ffi::OsString;

use clap::CommandFactory;

use std::io::Write;

use crate::aws::Config;
use crate::cli::{Cli, CompleteArgs};
use crate::env::Env;
use crate::error::Result;
use crate::sanitize::shown;

/// Up to this many profile candidates are described from their own sections; more, from
/// one parse of the whole files.
const FEW: usize = 200;

/// Words the shell function itself understands besides the binary's subcommands.
const FUNCTION_WORDS: [&str; 2] = ["off", "-"];

/// `__complete SHELL -- WORDS…`, exactly as the hooks send it, read without clap: a
/// completion builds clap's command tree once (for the subcommands it offers), not twice.
/// Anything else (a word that is not UTF-8, an unknown shell) gives `None`, and clap
/// parses it as usual.
pub fn args(mut args: impl Iterator<Item = OsString>) -> Option<CompleteArgs> {
    if args.next()? != "__complete" {
        return None;
    }
    let shell = args.next()?.into_string().ok()?;
    let shell = <crate::cli::Shell as clap::ValueEnum>::from_str(&shell, false).ok()?;
    if args.next()? != "--" {
        return None;
    }
    let words = args
        .map(|a| a.into_string().ok())
        .collect::<Option<Vec<String>>>()?;
    Some(CompleteArgs { shell, words })
}

pub fn run(args: &CompleteArgs, env: &Env) -> Result<()> {
    let mut words = args.words.clone();
    let sh = args.shell.syntax();
    // Some shells send the raw line; split it here.
    if sh.completion_sends_line() && words.len() == 1 {
        let line = words.pop().unwrap_or_default();
        words = line.split_whitespace().map(str::to_string).collect();
        if line.is_empty() || line.ends_with(char::is_whitespace) {
            words.push(String::new());
        }
    }
    if words.len() < 2 {
        return Ok(());
    }
    let current = words.last().cloned().unwrap_or_default();
    // Every candidate starts with the word being completed, so only those names are read:
    // sorted, and none from a file the SDKs reject. Through the profile index, no profile
    // is parsed for the names alone.
    let names: Vec<String> = Config::load_names_starting(env, &current).unwrap_or_default();
    let is_name = |c: &str| names.binary_search_by(|n| n.as_str().cmp(c)).is_ok();
    let mut out: Vec<String> = if words.len() == 2 {
        let mut cands: Vec<String> = names
            .iter()
            .filter(|n| n.starts_with(&current))
            .cloned()
            .collect();
        cands.extend(FUNCTION_WORDS.iter().map(|s| s.to_string()));
        cands.extend(
            Cli::command()
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name().to_string()),
        );
        cands
            .into_iter()
            .filter(|c| c.starts_with(&current))
            .collect()
    } else if let Some(dashes) = words[..words.len() - 1].iter().position(|w| w == "--") {
        // After `exec P --` comes a command line of its own: its first word is a command
        // on PATH, and what follows belongs to that command, not to awsp.
        if dashes == words.len() - 2 {
            commands_on_path(env, &current)
        } else {
            Vec::new()
        }
    } else {
        // A flag already given is not offered again.
        engine(&words, names.clone())
            .into_iter()
            .filter(|c| !c.starts_with('-') || !words[..words.len() - 1].contains(c))
            .collect()
    };
    // With no break characters, `rfind` finds nothing.
    if let Some(cut) = current.rfind(sh.completion_word_breaks()) {
        out = out
            .into_iter()
            .filter_map(|c| c.get(cut + 1..).map(str::to_string))
            .collect();
    }
    // Most shells show a description beside each candidate: a profile's account and role,
    // read for the candidates only while they are few.
    let described = sh.completion_descriptions();
    let profiles: Vec<&str> = match described {
        true => out
            .iter()
            .map(String::as_str)
            .filter(|c| is_name(c))
            .collect(),
        false => Vec::new(),
    };
    let config = match profiles.len() {
        0 => None,
        n if n <= FEW => Config::load_profiles(env, &profiles).ok(),
        _ => Config::load(env).ok(),
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for c in out {
        let about = match &config {
            Some(config) if described && is_name(&c) => describe(config, &c),
            _ => None,
        };
        match about {
            Some(about) => writeln!(stdout, "{c}\t{}", shown(&about))?,
            None => writeln!(stdout, "{c}")?,
        }
    }
    Ok(stdout.flush()?)
}

/// `account-name/Role`, `111122223333/Role`, `static keys`…: what tells a profile apart in
/// a list of names.
fn describe(config: &Config, name: &str) -> Option<String> {
    let p = config.resolve(name)?;
    let account = p.account_name.as_deref().or(p.account_id.as_deref());
    Some(match (account, p.role_name.as_deref()) {
        (Some(a), Some(r)) => format!("{a}/{r}"),
        (Some(a), None) => a.to_string(),
        (None, Some(r)) => r.to_string(),
        (None, None) => p.kind.name().to_string(),
    })
}

/// Executable files on PATH whose names start with `prefix`, sorted, each once.
fn commands_on_path(env: &Env, prefix: &str) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    for dir in crate::os::path_dirs(env.get("PATH").unwrap_or("")) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // A name holding a control character would reach the terminal, or break the
            // one-candidate-a-line answer.
            let odd = name.chars().any(crate::sanitize::is_unsafe);
            if odd || !name.starts_with(prefix) || found.contains(&name) {
                continue;
            }
            let path = e.path();
            let executable =
                std::fs::metadata(&path).is_ok_and(|m| crate::os::is_executable(&path, &m));
            if executable {
                found.insert(name);
            }
        }
    }
    found.into_iter().collect()
}
/// Later words: rewrite the function's routing (`awsp NAME …` means `awsp use NAME …`), ask
/// clap_complete for subcommand flags, and offer profile names where a profile goes.
fn engine(words: &[String], names: Vec<String>) -> Vec<String> {
    let mut cmd = Cli::command();
    let is_sub = |w: &str| cmd.get_subcommands().any(|c| c.get_name() == w);
    let mut args: Vec<OsString> = vec!["awsp".into()];
    match words[1].as_str() {
        "off" => args.push("clear".into()),
        w if is_sub(w) => args.push(w.into()),
        _ => {
            args.push("use".into());
            args.push(words[1].clone().into());
        }
    }
    args.extend(words[2..].iter().map(OsString::from));
    let current = words.last().map(String::as_str).unwrap_or("");
    // The first positional of these subcommands is a profile name.
    let wants_profile = matches!(
        args[1].to_str(),
        Some("use" | "login" | "logout" | "exec" | "export" | "console")
    ) && !current.starts_with('-')
        && args[2..args.len() - 1]
            .iter()
            .all(|a| a.to_string_lossy().starts_with('-'));
    let mut out: Vec<String> = if wants_profile {
        names
            .into_iter()
            .filter(|n| n.starts_with(current))
            .collect()
    } else {
        Vec::new()
    };
    let index = args.len() - 1;
    let flags = clap_complete::engine::complete(&mut cmd, args, index, None).unwrap_or_default();
    out.extend(
        flags
            .into_iter()
            .map(|c| c.get_value().to_string_lossy().into_owned()),
    );
    out
}

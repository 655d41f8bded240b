//! Completion for the shell hooks: the hook sends the words up to the cursor, the binary
//! answers with candidates, one per line. Subcommands and flags come from the clap
//! definitions (clap_complete's engine); profile names from the config files.

use std::ffi::OsString;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::aws::Config;
use crate::cli::{Cli, CompleteArgs, Shell};
use crate::env::Env;
use crate::error::Result;

/// Words the shell function itself understands besides the binary's subcommands.
const FUNCTION_WORDS: [&str; 2] = ["off", "-"];

pub fn run(args: &CompleteArgs, env: &Env) -> Result<()> {
    let mut words = args.words.clone();
    // bash and PowerShell send the raw line; split it here.
    if matches!(args.shell, Shell::Bash | Shell::Powershell) && words.len() == 1 {
        let line = words.pop().unwrap_or_default();
        words = line.split_whitespace().map(str::to_string).collect();
        if line.is_empty() || line.ends_with(char::is_whitespace) {
            words.push(String::new());
        }
    }
    if words.len() < 2 {
        return Ok(());
    }
    let names: Vec<String> = Config::load(env)
        .map(|c| c.names().map(str::to_string).collect())
        .unwrap_or_default();
    let current = words.last().cloned().unwrap_or_default();
    let mut out: Vec<String> = if words.len() == 2 {
        let mut cands: Vec<String> = names.clone();
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
    } else {
        engine(&words, names)
    };
    if args.shell == Shell::Bash {
        // bash replaces only the part of the word after its last `:` or `=`.
        if let Some(cut) = current.rfind([':', '=']) {
            out = out
                .into_iter()
                .filter_map(|c| c.get(cut + 1..).map(str::to_string))
                .collect();
        }
    }
    for c in out {
        println!("{c}");
    }
    Ok(())
}

/// Later words: rewrite the function's routing (`awsp NAME …` means `awsp use NAME …`) and
/// ask clap_complete.
fn engine(words: &[String], names: Vec<String>) -> Vec<String> {
    let mut cmd = Cli::command();
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let mut args: Vec<OsString> = vec!["awsp".into()];
    match words[1].as_str() {
        "off" => args.push("clear".into()),
        w if subcommands.iter().any(|s| s == w) => args.push(w.into()),
        _ => {
            args.push("use".into());
            args.push(words[1].clone().into());
        }
    }
    args.extend(words[2..].iter().map(OsString::from));
    let candidates = move || {
        names
            .iter()
            .map(CompletionCandidate::new)
            .collect::<Vec<_>>()
    };
    let profiles = ArgValueCandidates::new(candidates);
    for (sub, arg) in [("use", "query"), ("login", "profile"), ("exec", "profile")] {
        let p = profiles.clone();
        cmd = cmd.mut_subcommand(sub, |c| c.mut_arg(arg, |a| a.add(p)));
    }
    let index = args.len() - 1;
    clap_complete::engine::complete(&mut cmd, args, index, None)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.get_value().to_string_lossy().into_owned())
        .collect()
}

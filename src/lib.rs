//! awsp: a fast AWS profile switcher. The binary (`main.rs`) only calls [`main`].

#[macro_use]
pub mod error;
pub mod aws;
pub mod awscli;
pub mod browser;
pub mod cli;
pub mod cmd;
pub mod creds;
pub mod env;
pub mod fsio;
pub mod history;
#[doc(hidden)]
pub mod invariants;
pub mod login;
pub mod net;
pub mod oidc;
pub mod os;
pub mod picker;
pub mod portal;
pub mod quote;
pub mod rows;
pub mod sanitize;
pub mod sessions;
pub mod shell;
pub mod sso_login;
pub mod sts;
pub mod style;
pub mod suggest;
pub mod switch;
pub mod target;
pub mod words;

use std::io::Write;

use clap::Parser;

/// Ends the process at once with `code`, after flushing stdout and stderr. Skipping the
/// usual exit path matters: the allocator's clean-up (handing every page back to the
/// kernel) costs more than a prompt or a switch does, and the calling shell waits for it.
/// Nothing else needs it: files are closed by the kernel, and temp files and the terminal
/// are put back before a command returns.
pub fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    os::exit_now(code)
}

/// Parses the command line, runs it, and returns the process exit code.
pub fn main() -> i32 {
    os::default_sigpipe();
    // A panic must never print a backtrace at a user; report it as one line instead.
    std::panic::set_hook(Box::new(|info| {
        // `print!` panics when stdout cannot be written (`awsp current >/dev/full`): an
        // I/O condition, not a bug, so it ends awsp with a plain message.
        let msg = info.payload_as_str().unwrap_or("");
        if msg.starts_with("failed printing to std") {
            eprintln!(
                "awsp: cannot write output: {}",
                msg.rsplit(": ").next().unwrap_or(msg)
            );
            exit(1);
        }
        // The message may quote a value from a file or the environment.
        let info = sanitize::shown(&info.to_string().replace('\n', ": ")).into_owned();
        eprintln!("awsp: internal error: {info}; please report it");
    }));
    let argv = || std::env::args_os().skip(1);
    let command = match cli::prompt_args(argv()) {
        Some(args) => cli::Command::Prompt(args),
        None if let Some(args) = cli::use_args(argv()) => cli::Command::Use(args),
        None => match cmd::complete::args(argv()) {
            Some(args) => cli::Command::Complete(args),
            None => match cli::Cli::try_parse() {
                Ok(cli) => cli.command,
                Err(e) => return usage_error(e),
            },
        },
    };
    match cmd::run(command) {
        Ok(()) => 0,
        Err(e) => {
            let msg = e.to_string();
            if !msg.is_empty() {
                // Messages quote file content and environment values: shown safe.
                eprintln!("awsp: {}", sanitize::shown(&msg));
            }
            e.code()
        }
    }
}

/// Reports what clap could not parse (or prints the help it was asked for).
fn usage_error(e: clap::Error) -> i32 {
    if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
        // `awsp prod` reached the binary: the shell function is not loaded.
        let word = std::env::args().nth(1).unwrap_or_default();
        let word = sanitize::shown(&word);
        eprintln!(
            "awsp: `{word}` is not a subcommand; to switch profiles load the shell hook \
             (eval \"$(awsp init bash)\", see `awsp init --help`), or run `awsp use {word} --shell bash`"
        );
        return 2;
    }
    // clap prints help/version on stdout and usage errors on stderr.
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
        _ => 2,
    }
}

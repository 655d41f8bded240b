//! `awsp exec`: run one command under a profile.

use std::process::Command;

use crate::aws::Config;
use crate::cli::ExecArgs;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::shell::Change;
use crate::{creds, login, switch};

pub fn run(args: &ExecArgs, env: &Env) -> Result<()> {
    let config = Config::load(env)?;
    let name = crate::target::resolve(&config, &args.profile, env)?;
    let profile = crate::target::profile(&config, &name)?;
    let when = super::login_when(&args.login);
    let keep = switch::keep_region(env, false);
    let changes = if args.credentials {
        let creds = creds::resolve(&config, env, &name, when)?;
        switch::credential_changes(&profile, &creds, env, keep)
    } else {
        let token = login::ensure(&profile, env, when)?;
        // Exactly what `use` would do to the shell, done to the child's environment instead.
        switch::use_changes(&profile, env, keep, token.as_ref())
    };
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Error::usage(
            "no command to run; usage: awsp exec PROFILE -- CMD ARGS…",
        ));
    };
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for change in changes {
        match change {
            Change::Set(k, v) => cmd.env(k, v),
            Change::Unset(k) => cmd.env_remove(k),
        };
    }
    // Replacing this process passes the command's exit status and signals straight through.
    let err = crate::os::replace_process(&mut cmd);
    let code = match err.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    let why = match code {
        127 => "command not found".to_string(),
        _ => err.to_string(),
    };
    Err(Error::Msg {
        code,
        msg: format!("cannot run `{}`: {why}", program.to_string_lossy()),
    })
}

//! `awsp clear` (`awsp off` in the shell function): undo every switch.

use crate::cli::ShellArg;
use crate::env::Env;
use crate::error::Result;
use crate::{shell, switch};

pub fn run(args: &ShellArg, env: &Env) -> Result<()> {
    print!(
        "{}",
        shell::render(args.shell, &switch::clear_changes(env))?
    );
    Ok(())
}

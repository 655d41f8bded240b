//! `awsp exec`: run one command under a profile.

use crate::cli::ExecArgs;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &ExecArgs, _env: &Env) -> Result<()> {
    bail!("`awsp exec` is not built yet")
}

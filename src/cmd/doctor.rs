//! `awsp doctor`: explain what is wrong with the setup.

use crate::cli::JsonArg;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &JsonArg, _env: &Env) -> Result<()> {
    bail!("`awsp doctor` is not built yet")
}

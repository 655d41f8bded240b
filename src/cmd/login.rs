//! `awsp login`: log in explicitly.

use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &LoginArgs, _env: &Env) -> Result<()> {
    bail!("`awsp login` is not built yet")
}

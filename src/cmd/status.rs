//! `awsp status`: every SSO session and its time left.

use crate::cli::JsonArg;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &JsonArg, _env: &Env) -> Result<()> {
    bail!("`awsp status` is not built yet")
}

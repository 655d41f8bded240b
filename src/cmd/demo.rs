//! `awsp demo`: a sandbox shell with example profiles.

use crate::cli::DemoArgs;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &DemoArgs, _env: &Env) -> Result<()> {
    bail!("`awsp demo` is not built yet")
}

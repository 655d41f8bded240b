//! `awsp prompt`: the prompt segment.

use crate::cli::PromptArgs;
use crate::env::Env;
use crate::error::Result;

pub fn run(_args: &PromptArgs, _env: &Env) -> Result<()> {
    Ok(())
}

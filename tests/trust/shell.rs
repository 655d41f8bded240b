//! Hostile input: shell.
#[allow(unused_imports)] use crate::common::*;

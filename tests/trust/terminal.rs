//! Hostile input: terminal.
#[allow(unused_imports)] use crate::common::*;

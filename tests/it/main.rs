//! The integration tests: one binary, one module per area. Each runs the built `awsp`
//! (and real shells, tmux, AWS's spec data) in a temporary HOME with a cleared
//! environment; nothing reads or writes the developer's `~/.aws`.
//!
//! Unix only: they drive bash, zsh, fish and tmux, and make FIFOs, modes and signals. On
//! Windows the library's unit tests run instead, with a smoke test of the binary (see
//! `.ci/windows`).
#![cfg(unix)]

#[macro_use]
mod common;

mod botocore;
mod cli;
mod divergence;
mod doctor;
mod export;
mod hardening;
mod index;
mod login;
mod native_login;
mod picker;
mod prompt;
mod shells;
mod spec;
mod starship;
mod sync;
mod trust;

//! The hostile-input suite: each module builds one class of hostile or odd input (files,
//! terminals, shells, secrets) and asserts that awsp neither hangs, nor leaks, nor writes
//! outside its state directory, nor evaluates what it did not generate as code.

mod files;
mod shell;
mod terminal;

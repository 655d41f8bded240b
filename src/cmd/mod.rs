//! One file per subcommand.

pub mod clear;
pub mod complete;
pub mod console;
pub mod current;
pub mod demo;
pub mod doctor;
pub mod exec;
pub mod export;
pub mod init;
pub mod list;
pub mod login;
pub mod logout;
pub mod prompt;
pub mod status;
pub mod sync;
pub mod use_;

use crate::cli::{Command, LoginOpts};
use crate::env::Env;
use crate::error::Result;
use crate::login::When;

pub fn run(command: Command) -> Result<()> {
    let env = Env::from_process();
    match command {
        Command::Init(a) => init::run(&a),
        Command::Use(a) => use_::run(&a, &env),
        Command::Clear(a) => clear::run(&a, &env),
        Command::List(a) => list::run(&a, &env),
        Command::Current(a) => current::run(&a, &env),
        Command::Prompt(a) => prompt::run(&a, &env),
        Command::Login(a) => login::run(&a, &env),
        Command::Logout(a) => logout::run(&a, &env),
        Command::Setup(a) => sync::setup(&a, &env),
        Command::Sync(a) => sync::run(&a, &env),
        Command::Status(a) => status::run(&a, &env),
        Command::Exec(a) => exec::run(&a, &env),
        Command::Export(a) => export::run(&a, &env),
        Command::Console(a) => console::run(&a, &env),
        Command::Doctor(a) => doctor::run(&a, &env),
        Command::Demo(a) => demo::run(&a, &env),
        Command::Complete(a) => complete::run(&a, &env),
    }
}

/// When a switch may log in, as `--login` and `--no-login` ask.
fn login_when(o: &LoginOpts) -> When {
    match (o.no_login, o.login) {
        (true, _) => When::Never,
        (false, true) => When::NeededAnywhere,
        (false, false) => When::Needed,
    }
}

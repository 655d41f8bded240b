//! One error type: a one-line message and an exit code.

use std::fmt;

#[derive(Debug)]
pub enum Error {
    /// Printed as `awsp: MESSAGE` on stderr.
    Msg { code: i32, msg: String },
    /// Exit with this code and print nothing more (the message was already shown, or none is due).
    Silent(i32),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn runtime(msg: impl Into<String>) -> Error {
        Error::Msg {
            code: 1,
            msg: msg.into(),
        }
    }
    pub fn usage(msg: impl Into<String>) -> Error {
        Error::Msg {
            code: 2,
            msg: msg.into(),
        }
    }
    pub fn code(&self) -> i32 {
        match self {
            Error::Msg { code, .. } | Error::Silent(code) => *code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Msg { msg, .. } => f.write_str(msg),
            Error::Silent(_) => Ok(()),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // A closed pipe (`awsp list | head`) is not a failure.
            return Error::Silent(0);
        }
        Error::runtime(e.to_string())
    }
}

/// `bail!(…)`: return a runtime error (exit 1) with a formatted message.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::Error::runtime(format!($($arg)*))) };
}

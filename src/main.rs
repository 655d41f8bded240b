//! The binary. Entered from the C runtime's `main`, not through std's start-up code: on
//! Linux that code asks the C library for the main thread's stack (which reads and parses
//! `/proc/self/maps`) and installs a signal stack and handlers to report a stack overflow,
//! some fifteen system calls that every command, the prompt included, would pay for.
//! Without them a stack overflow ends awsp by SIGSEGV instead of a message. What else that
//! code does is done here: the standard descriptors are made valid, a panic is caught
//! (exit code 101); SIGPIPE is set by `awsp::main` itself.
#![no_main]

#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    awsp::os::standard_fds();
    let code = std::panic::catch_unwind(awsp::main).unwrap_or(101);
    awsp::exit(code)
}

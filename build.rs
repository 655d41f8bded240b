//! Links the `awsp` executable without position independence on x86_64 Linux (glibc).
//!
//! A position-independent executable is relocated by the dynamic loader at every start:
//! some 12,900 relocations for awsp, about a quarter of a millisecond, paid by every
//! prompt in the shells that run `awsp prompt` each time. `-no-pie` reaches only the
//! binary (`rustc-link-arg-bins`): proc-macros and the test harness stay as they are, so
//! a plain `cargo build --release` or `cargo install` gets it. The executable then loads at
//! a fixed address (shared libraries are still placed at random). `AWSP_PIE=1` keeps the
//! default; a `+crt-static` build (static-pie, or static with `relocation-model=static`)
//! is left to its own flags.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AWSP_PIE");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let x86_64_gnu_linux = var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let static_crt = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if x86_64_gnu_linux && !static_crt && var("AWSP_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

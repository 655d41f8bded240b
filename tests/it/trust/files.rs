//! Hostile input: files. A FIFO, a socket, a device, a /proc file whose size says 0, a
//! symbolic link or hard link planted in the state directory, a state directory others
//! can write to, a lock someone else holds: none of them may hang awsp, make it take
//! unbounded memory, or make it write anywhere but its own state directory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Every run is killed, and the test failed, past this.
const LIMIT: Duration = Duration::from_secs(10);
/// Memory allowed to one run: the largest cap is the config's 32 MB, read in blocks.
const MAX_DATA: libc::rlim_t = 256 << 20;

/// A finished run, with how long it took.
struct Bounded {
    run: Run,
    took: Duration,
}

/// Runs `cmd`, polling for its end; one that outlives `limit` is killed and fails the test
/// as hung. Output is read while it runs, so a large one cannot stall it. Its memory is
/// bounded by `RLIMIT_DATA` ([`MAX_DATA`]): an allocation past it fails, and awsp aborts
/// (the exit status [`assert_sane`] rejects). The peak that `wait4` reports cannot serve:
/// on exec the kernel records the old address space's peak as the new program's, and a
/// spawned child's old address space is this test process's, grown by the other tests.
#[allow(clippy::zombie_processes)]
fn bounded(mut cmd: Command, what: &str, limit: Duration) -> Bounded {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: MAX_DATA,
                rlim_max: MAX_DATA,
            };
            match libc::setrlimit(libc::RLIMIT_DATA, &cap) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    }
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let status = loop {
        let mut status = 0;
        // SAFETY: a non-blocking wait for the child started above, with a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break status;
        }
        assert_eq!(r, 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` hung: killed after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = start.elapsed();
    let text = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap()).into_owned()
    };
    let run = Run {
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
        stdout: text(out),
        stderr: text(err),
    };
    Bounded { run, took }
}

/// `awsp ARGS` in `h`, bounded by [`LIMIT`].
fn awsp(h: &Home, args: &[&str], vars: &[(&str, &str)]) -> Bounded {
    bounded(
        h.cmd(args, vars),
        &format!("awsp {}", args.join(" ")),
        LIMIT,
    )
}

/// No panic, exit 0 or 1 (not the abort of an allocation past [`MAX_DATA`]), and any
/// error one `awsp:` line.
fn assert_sane(b: &Bounded, what: &str) {
    let r = &b.run;
    assert!(
        !r.stderr.contains("panicked")
            && !r.stderr.contains("internal error")
            && !r.stderr.contains("memory allocation"),
        "{what}: {}",
        r.stderr
    );
    assert!(
        r.code == 0 || r.code == 1,
        "{what}: exit {}\n{}",
        r.code,
        r.stderr
    );
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {p:?}"
    );
}

/// The kinds of file planted where awsp expects a regular one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hostile {
    /// A FIFO no process writes to.
    Fifo,
    /// A Unix socket with a listener.
    Socket,
    /// A link to /dev/zero: a character device that never ends.
    Zero,
    /// A link to /dev/urandom.
    Urandom,
    /// A link to /proc/self/pagemap: a "regular" file whose size says 0 and whose content
    /// runs to gigabytes.
    Proc,
    Directory,
}

const HOSTILE: [Hostile; 6] = [
    Hostile::Fifo,
    Hostile::Socket,
    Hostile::Zero,
    Hostile::Urandom,
    Hostile::Proc,
    Hostile::Directory,
];

/// Puts a `kind` at `at`; the listener keeps a socket alive.
fn plant(kind: Hostile, at: &Path) -> Option<UnixListener> {
    let _ = std::fs::remove_file(at);
    let link = |target: &str| std::os::unix::fs::symlink(target, at).unwrap();
    match kind {
        Hostile::Fifo => mkfifo(at),
        Hostile::Socket => return Some(UnixListener::bind(at).unwrap()),
        Hostile::Zero => link("/dev/zero"),
        Hostile::Urandom => link("/dev/urandom"),
        Hostile::Proc => link("/proc/self/pagemap"),
        Hostile::Directory => std::fs::create_dir(at).unwrap(),
    }
    None
}

fn unplant(at: &Path) {
    if std::fs::symlink_metadata(at).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir(at).unwrap();
    } else {
        let _ = std::fs::remove_file(at);
    }
}

/// Every command that reads the config, the credentials or the token cache.
const READERS: [&[&str]; 7] = [
    &["list"],
    &["list", "--names"],
    &["use", "dev-admin", "--shell", "bash", "--no-login"],
    &["prompt"],
    &["status"],
    &["doctor"],
    &["current"],
];

/// What the prompt may print for `dev-admin` when the files cannot be trusted: the name
/// from the environment, with at most what awsp itself concluded.
fn assert_prompt_vouched(b: &Bounded, what: &str) {
    assert_eq!(b.run.code, 0, "{what}: the prompt never fails");
    assert_eq!(
        b.run.stderr, "",
        "{what}: the prompt never writes to stderr"
    );
    assert!(
        ["", "dev-admin\n", "dev-admin unknown profile\n"].contains(&b.run.stdout.as_str()),
        "{what}: {:?}",
        b.run.stdout
    );
}

#[test]
fn hostile_config_and_credentials_files_never_hang() {
    let h = Home::new();
    h.credentials(STATIC_CREDENTIALS);
    h.config(SSO_CONFIG);
    let at = h.path("hostile");
    for kind in HOSTILE {
        let _keep = plant(kind, &at);
        for var in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
            let vars = [
                (var, at.to_str().unwrap()),
                ("AWS_PROFILE", "dev-admin"),
                ("NO_COLOR", "1"),
            ];
            for args in READERS {
                let what = format!("{var}={kind:?} awsp {}", args.join(" "));
                let b = awsp(&h, args, &vars);
                assert_sane(&b, &what);
                if args[0] == "prompt" {
                    if var == "AWS_CONFIG_FILE" {
                        assert_prompt_vouched(&b, &what);
                    } else {
                        assert_eq!(b.run.code, 0, "{what}");
                    }
                }
            }
            let r = awsp(&h, &["list"], &vars).run;
            // A FIFO without a writer reads as an empty file; the rest are refused, by name.
            let named = match kind {
                Hostile::Fifo => continue,
                Hostile::Socket => "socket",
                Hostile::Zero | Hostile::Urandom => "character device",
                Hostile::Proc => "more than 32 MB",
                Hostile::Directory => "is a directory",
            };
            assert_eq!(r.code, 1, "{var}={kind:?}: {}", r.stderr);
            // A non-PIE binary's pages sit early in /proc/self/pagemap: the read may stop
            // at the first byte that is not UTF-8 instead of at the size cap.
            let named_or_bytes = r.stderr.contains(named)
                || (kind == Hostile::Proc && r.stderr.contains("not valid UTF-8"));
            assert!(
                r.stderr.contains("hostile") && named_or_bytes,
                "{var}={kind:?}: {}",
                r.stderr
            );
        }
        unplant(&at);
    }
}

#[test]
fn hostile_token_files_are_unreadable_tokens() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let at = h.path(&format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex(b"acme")
    ));
    for kind in HOSTILE {
        let _keep = plant(kind, &at);
        let vars = [("AWS_PROFILE", "dev-admin"), ("NO_COLOR", "1")];
        for args in READERS {
            let what = format!("token {kind:?}: awsp {}", args.join(" "));
            let b = awsp(&h, args, &vars);
            assert_sane(&b, &what);
            match args[0] {
                "prompt" => {
                    assert_eq!(b.run.code, 0, "{what}");
                    assert_eq!(b.run.stderr, "", "{what}");
                    assert!(
                        b.run.stdout.contains("bad token"),
                        "{what}: {}",
                        b.run.stdout
                    );
                }
                "use" | "list" | "current" => assert_eq!(b.run.code, 0, "{what}: {}", b.run.stderr),
                _ => {}
            }
        }
        let r = awsp(&h, &["list", "--json"], &vars).run;
        assert!(
            r.stdout.contains("\"unreadable\""),
            "{kind:?}: {}",
            r.stdout
        );
        unplant(&at);
    }
}

#[test]
fn a_config_pipe_is_read_and_bounded_in_time() {
    let h = Home::new();
    h.write("cfg", SSO_CONFIG);
    // Process substitution, the documented use of a pipe as the config.
    let mut c = Command::new("bash");
    c.args([
        "--norc",
        "-c",
        "AWS_CONFIG_FILE=<(cat \"$HOME/cfg\") awsp list --names",
    ])
    .env_clear()
    .envs(h.base_env())
    .stdin(Stdio::null());
    let r = bounded(c, "AWS_CONFIG_FILE=<(…) awsp list --names", LIMIT).run;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.lines().any(|l| l == "dev-admin"), "{}", r.stdout);
    // A FIFO whose writer holds it open and never writes: given up on, not waited for.
    let fifo = h.path("fifo");
    mkfifo(&fifo);
    let _writer = File::options().read(true).write(true).open(&fifo).unwrap();
    let vars = [("AWS_CONFIG_FILE", fifo.to_str().unwrap())];
    let b = bounded(
        h.cmd(&["list", "--names"], &vars),
        "a FIFO that never ends",
        Duration::from_secs(25),
    );
    assert_sane(&b, "a FIFO that never ends");
    assert_eq!(b.run.code, 1);
    assert!(
        b.run.stderr.contains("fifo") && b.run.stderr.contains("pipe"),
        "{}",
        b.run.stderr
    );
    let b = bounded(
        h.cmd(
            &["prompt"],
            &[vars[0], ("AWS_PROFILE", "dev-admin"), ("NO_COLOR", "1")],
        ),
        "prompt on a FIFO that never ends",
        // The prompt gives a pipe 100 ms, not the 10 s other commands do.
        Duration::from_secs(3),
    );
    assert_prompt_vouched(&b, "prompt on a FIFO that never ends");
}

// ---- the state directory ------------------------------------------------------------------

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn state(h: &Home) -> PathBuf {
    h.path(".local/state/awsp")
}

/// The state directory, made as awsp makes it (0700).
fn private_state(h: &Home) -> PathBuf {
    let dir = state(h);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .unwrap();
    dir
}

/// A HOME with a static-key profile `keys`, which switches without any login.
fn keys_home() -> Home {
    let h = Home::new();
    h.config(SSO_CONFIG).credentials(STATIC_CREDENTIALS);
    h
}

fn switch(h: &Home) -> Bounded {
    let b = awsp(h, &["use", "keys", "--shell", "bash"], &[]);
    assert_sane(&b, "use keys");
    assert_eq!(b.run.code, 0, "a switch succeeds: {}", b.run.stderr);
    b
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_state_directory_is_created_private() {
    let h = keys_home();
    let b = switch(&h);
    assert_eq!(b.run.stderr, "");
    let dir = state(&h);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(listing(&dir), ["history", "history.lock"]);
    assert_eq!(mode(&dir.join("history")), 0o600);
    assert_eq!(mode(&dir.join("history.lock")), 0o600);
    assert_eq!(history(&dir.join("history")), [("keys".to_string(), 1.0)]);
}

#[test]
fn links_in_the_state_directory_are_never_written_through() {
    let h = keys_home();
    let dir = private_state(&h);
    let outside = h.path("outside");
    h.write("outside", "keep me\n");
    let before = std::fs::metadata(&outside).unwrap();
    let history_file = dir.join("history");
    let check_outside = |what: &str| {
        let now = std::fs::metadata(&outside).unwrap();
        assert_eq!(
            std::fs::read_to_string(&outside).unwrap(),
            "keep me\n",
            "{what}"
        );
        assert_eq!(
            (now.len(), now.mtime(), now.mtime_nsec()),
            (before.len(), before.mtime(), before.mtime_nsec()),
            "{what}"
        );
    };
    // A symbolic link to a file outside.
    std::os::unix::fs::symlink(&outside, &history_file).unwrap();
    switch(&h);
    check_outside("symlinked history");
    // Read as no history at all: the picker's order ignores it.
    assert!(
        std::fs::symlink_metadata(&history_file)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A dangling link: its target is not created.
    std::fs::remove_file(&history_file).unwrap();
    let target = h.path("created-through-a-link");
    std::os::unix::fs::symlink(&target, &history_file).unwrap();
    switch(&h);
    assert!(!target.exists(), "a write followed the link");
    // A hard link to the file outside.
    std::fs::remove_file(&history_file).unwrap();
    std::fs::hard_link(&outside, &history_file).unwrap();
    switch(&h);
    check_outside("hard-linked history");
    // The lock file as a link.
    std::fs::remove_file(&history_file).unwrap();
    std::fs::remove_file(dir.join("history.lock")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("history.lock")).unwrap();
    switch(&h);
    check_outside("symlinked lock");
    assert!(
        !history_file.exists(),
        "no history written without the lock"
    );
}

#[test]
fn an_untrusted_state_directory_is_skipped_with_one_warning() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let cases: &[(&str, &str)] = &[
        ("group-writable", "chmod 700"),
        ("world-writable", "chmod 700"),
        ("symlink", "mkdir -m 700"),
        ("another user", "chmod 700"),
    ];
    for &(case, fix) in cases {
        if case == "another user" && !root {
            eprintln!("SKIP: giving a directory to another user needs root");
            continue;
        }
        let h = keys_home();
        let dir = state(&h);
        let real = match case {
            "symlink" => h.path("elsewhere"),
            _ => dir.clone(),
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&real)
            .unwrap();
        match case {
            "group-writable" => {
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap()
            }
            "world-writable" => {
                std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o703)).unwrap()
            }
            "symlink" => {
                std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(&real, &dir).unwrap()
            }
            _ => std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap(),
        }
        let b = switch(&h);
        let lines: Vec<&str> = b.run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{case}: {}", b.run.stderr);
        assert!(
            lines[0].starts_with("awsp: ")
                && lines[0].contains(dir.to_str().unwrap())
                && lines[0].contains(fix),
            "{case}: {}",
            lines[0]
        );
        assert!(listing(&real).is_empty(), "{case}: {:?}", listing(&real));
        // The picker's order and `list` read no history from it either, and say nothing.
        let r = awsp(&h, &["list", "--names"], &[]).run;
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{case}");
    }
}

#[test]
fn a_held_or_hostile_history_lock_does_not_block_a_switch() {
    let h = keys_home();
    let dir = private_state(&h);
    let lock_path = dir.join("history.lock");
    let lock = File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let b = switch(&h);
    assert!(b.took < Duration::from_secs(6), "{:?}", b.took);
    assert_eq!(b.run.stderr, "", "history is best effort: nothing said");
    drop(lock);
    std::fs::remove_file(&lock_path).unwrap();
    for kind in [Hostile::Fifo, Hostile::Socket, Hostile::Directory] {
        let _keep = plant(kind, &lock_path);
        let b = switch(&h);
        assert!(b.took < Duration::from_secs(3), "{kind:?}: {:?}", b.took);
        unplant(&lock_path);
    }
    // And a history file that is a FIFO, or a socket.
    for kind in [Hostile::Fifo, Hostile::Socket] {
        let _keep = plant(kind, &dir.join("history"));
        let b = switch(&h);
        assert!(b.took < Duration::from_secs(3), "{kind:?}: {:?}", b.took);
        let r = awsp(&h, &["list", "--names"], &[]).run;
        assert_eq!(r.code, 0, "{kind:?}: {}", r.stderr);
        unplant(&dir.join("history"));
    }
}

// ---- the login lock -----------------------------------------------------------------------

/// A login command that records that it ran and writes a fresh token for `acme`.
const LOGIN: &str = r#"#!/bin/sh
touch "$HOME/login-ran"
file="$HOME/.aws/sso/cache/$(printf %s acme | sha1sum | cut -d' ' -f1).json"
printf '{"accessToken":"fresh","expiresAt":"2999-01-01T00:00:00Z"}' > "$file"
"#;

fn login_home() -> (Home, String, PathBuf) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", -30, false);
    let script = h.bin.join("fake-login");
    std::fs::write(&script, LOGIN).unwrap();
    make_executable(&script);
    let lock = state(&h).join(format!("login-{}.lock", awsp::aws::sha1::hex(b"acme")));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state(&h))
        .unwrap();
    (h, script.to_string_lossy().into_owned(), lock)
}

#[test]
fn a_held_login_lock_is_waited_for_then_given_up_on() {
    let (h, script, lock_path) = login_home();
    let vars = [
        ("AWSP_LOGIN_COMMAND", script.as_str()),
        ("AWSP_LOGIN_LOCK_WAIT", "2"),
    ];
    let lock = File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let b = awsp(&h, &["login", "dev-admin"], &vars);
    assert_sane(&b, "login with the lock held");
    assert_eq!(b.run.code, 1, "{}", b.run.stderr);
    assert!(
        b.took >= Duration::from_secs(2) && b.took < Duration::from_secs(8),
        "{:?}",
        b.took
    );
    let shown = lock_path.to_str().unwrap();
    assert!(
        b.run
            .stderr
            .contains("waiting for another login to sso-session acme"),
        "{}",
        b.run.stderr
    );
    let last = b.run.stderr.lines().last().unwrap();
    assert!(
        last.contains("gave up") && last.contains(shown) && last.contains("awsp login dev-admin"),
        "{last}"
    );
    assert!(!h.path("login-ran").exists(), "no login ran");
    // Released while it waits: the login goes ahead.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        drop(lock);
    });
    let b = awsp(&h, &["login", "dev-admin"], &vars);
    releaser.join().unwrap();
    assert_eq!(b.run.code, 0, "{}", b.run.stderr);
    assert!(b.run.stderr.contains("waiting for another login"));
    assert!(h.path("login-ran").exists());
}

#[test]
fn ctrl_c_ends_a_login_lock_wait() {
    use std::os::unix::process::ExitStatusExt;
    let (h, script, lock_path) = login_home();
    let lock = File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let mut child = h
        .cmd(
            &["login", "dev-admin"],
            &[("AWSP_LOGIN_COMMAND", script.as_str())],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "waiting for the lock");
    // SAFETY: signals the child started above, which has not been reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("Ctrl-C did not end the wait");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(!h.path("login-ran").exists());
}

#[test]
fn a_hostile_login_lock_is_a_warning_not_a_hang() {
    for kind in [Hostile::Fifo, Hostile::Socket, Hostile::Directory] {
        let (h, script, lock_path) = login_home();
        let _keep = plant(kind, &lock_path);
        let b = awsp(
            &h,
            &["login", "dev-admin"],
            &[("AWSP_LOGIN_COMMAND", script.as_str())],
        );
        assert_sane(&b, &format!("{kind:?}"));
        assert_eq!(b.run.code, 0, "{kind:?}: {}", b.run.stderr);
        assert!(
            b.run.stderr.contains("cannot use the login lock")
                && b.run.stderr.contains(lock_path.to_str().unwrap()),
            "{kind:?}: {}",
            b.run.stderr
        );
        assert!(h.path("login-ran").exists(), "{kind:?}: logged in anyway");
    }
    // A link to a file outside, and a dangling one: never written through.
    let (h, script, lock_path) = login_home();
    let target = h.path("not-created");
    std::os::unix::fs::symlink(&target, &lock_path).unwrap();
    let b = awsp(
        &h,
        &["login", "dev-admin"],
        &[("AWSP_LOGIN_COMMAND", script.as_str())],
    );
    assert_eq!(b.run.code, 0, "{}", b.run.stderr);
    assert!(b.run.stderr.contains("symbolic link"), "{}", b.run.stderr);
    assert!(!target.exists());
    // A state directory others can write to: no lock, said once, and the login runs.
    let (h, script, _) = login_home();
    std::fs::set_permissions(state(&h), std::fs::Permissions::from_mode(0o777)).unwrap();
    let b = awsp(
        &h,
        &["login", "dev-admin"],
        &[("AWSP_LOGIN_COMMAND", script.as_str())],
    );
    assert_eq!(b.run.code, 0, "{}", b.run.stderr);
    assert!(
        b.run.stderr.contains("not using a login lock") && b.run.stderr.contains("chmod 700"),
        "{}",
        b.run.stderr
    );
    assert!(listing(&state(&h)).is_empty());
}

// ---- nothing written elsewhere ------------------------------------------------------------

/// Every file, link and directory under `root` but `skip` and `skip`'s ancestors (which
/// awsp may create): size, modification time and mode.
fn snapshot(root: &Path, skip: &Path) -> BTreeMap<PathBuf, (u64, i64, i64, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.starts_with(skip) {
            continue;
        }
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
        if !skip.starts_with(&p) {
            let len = if m.is_dir() { 0 } else { m.len() };
            out.insert(p, (len, m.mtime(), m.mtime_nsec(), m.mode()));
        }
    }
    out
}

#[test]
fn no_byte_is_written_outside_the_state_directory() {
    for xdg in [false, true] {
        let h = keys_home();
        h.token("acme", 60, true);
        let dir = if xdg { h.path("xdg/awsp") } else { state(&h) };
        let xdg_value = h.path("xdg").to_string_lossy().into_owned();
        let mut vars = vec![("AWS_PROFILE", "dev-admin")];
        if xdg {
            vars.push(("XDG_STATE_HOME", xdg_value.as_str()));
        }
        let before = snapshot(&h.dir, &dir);
        let runs: [&[&str]; 11] = [
            &["list"],
            &["list", "--json"],
            &["list", "--names"],
            &["current"],
            &["status"],
            &["doctor"],
            &["prompt"],
            &["use", "dev-admin", "--shell", "bash"],
            &["use", "keys", "--shell", "fish"],
            &["use", "nope", "--shell", "zsh"],
            &["clear", "--shell", "bash"],
        ];
        for args in runs {
            assert_sane(&awsp(&h, args, &vars), &args.join(" "));
        }
        // One switch past the compaction bound: the rewrite goes through a temp file.
        let history_file = dir.join("history");
        let mut big = String::from("# awsp history\n");
        while big.len() < 70 << 10 {
            big.push_str("keys\t1\t1700000000\n");
        }
        std::fs::write(&history_file, big).unwrap();
        assert_sane(
            &awsp(&h, &["use", "keys", "--shell", "bash"], &vars),
            "compaction",
        );
        assert_eq!(snapshot(&h.dir, &dir), before, "xdg={xdg}");
        assert_eq!(
            listing(&dir),
            ["history", "history.lock"],
            "no temp file left"
        );
        assert_eq!(mode(&history_file), 0o600, "the rewrite is private");
        assert!(std::fs::metadata(&history_file).unwrap().len() < 1 << 10);
    }
}

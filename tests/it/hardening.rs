//! Hostile input: random files for the parser and the token judge, files that change or
//! vanish mid-read, loops, huge files, secrets in every output, and random values through
//! the quoting of real shells. Each test is bounded in time; the whole file takes seconds.
//!
//! The random tests print their seed; rerun one with `AWSP_SEED=<seed> cargo test --test
//! it hardening`.

use crate::common::*;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use awsp::aws::ini::{self, FileKind};
use awsp::aws::sso;
use awsp::invariants;

// ---- a tiny deterministic RNG (no proptest dependency) ------------------------------------

struct Rng(u64);

impl Rng {
    fn seeded(test: &str) -> Rng {
        let seed = std::env::var("AWSP_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: AWSP_SEED={seed}");
        Rng(seed | 1)
    }

    /// xorshift64*
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

// ---- parser and token judge: random input, no panic, invariants hold -------------------

const NAMES: [&str; 7] = ["a", "b", "default", "dev", "x y", "prod-admin", "c"];
const KEYS: [&str; 14] = [
    "region",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "role_arn",
    "source_profile",
    "credential_source",
    "aws_access_key_id",
    "web_identity_token_file",
    "s3",
    "Region",
    "bad key",
];

fn random_text(r: &mut Rng, pool: &[char]) -> String {
    (0..r.below(12))
        .map(|_| pool[r.below(pool.len())])
        .collect()
}

/// A config-like file: mostly well-formed lines with the awkward cases mixed in.
fn random_config(r: &mut Rng) -> String {
    let junk: Vec<char> = " \t=#;:[]\"'\\\r\n\0abcz09-_/.%@+é日😂\u{85}\u{2028}\u{feff}"
        .chars()
        .collect();
    let mut out = String::new();
    for _ in 0..r.below(40) {
        let name = r.pick(&NAMES);
        let key = r.pick(&KEYS);
        let value = match key {
            "sso_session" | "source_profile" => r.pick(&NAMES).to_string(),
            "role_arn" => format!("arn:aws:iam::{}:role/{}", r.below(1000), r.pick(&NAMES)),
            "s3" if r.chance(50) => String::new(),
            _ => random_text(r, &junk),
        };
        let line = match r.below(16) {
            0 => format!("[profile {name}]"),
            1 => format!("[{name}]"),
            2 => format!("[sso-session {name}]"),
            3 => format!("[ profile  {name} ] # c"),
            4 => format!("[profile {name}"),
            5 => format!("  {key} = {value}"),
            6 => format!("\t{value}"),
            7 => format!("{key}: {value}"),
            8 => format!("# {value}"),
            9 => String::new(),
            10 => format!("{key}={value} ;c"),
            11 => random_text(r, &junk),
            _ => format!("{key} = {value}"),
        };
        out.push_str(&line);
        out.push(if r.chance(10) { '\r' } else { '\n' });
        if r.chance(3) {
            out.push('\n');
        }
    }
    // Random damage on top.
    let mut chars: Vec<char> = out.chars().collect();
    for _ in 0..r.below(4) {
        if chars.is_empty() {
            break;
        }
        let i = r.below(chars.len());
        match r.below(3) {
            0 => {
                chars.remove(i);
            }
            1 => chars.insert(i, junk[r.below(junk.len())]),
            _ => {
                let j = r.below(chars.len());
                chars.swap(i, j)
            }
        }
    }
    chars.into_iter().collect()
}

fn random_token(r: &mut Rng) -> Vec<u8> {
    let times = [
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00UTC",
        "2024-12-31T23:59:59.999999999Z",
        "2025-01-01T05:30:00+05:30",
        "2025-01-01T00:10:00-00:00",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00+23:59",
        "2025-02-30T00:00:00Z",
        "2025-01-01T00:00:60Z",
        "UTC",
        "",
        "1735689600",
        "2025-01-01 00:00:00Z",
        "2025-01-01T00:00:00.Z",
        "２０２５-01-01T00:00:00Z",
    ];
    let fields = [
        "accessToken",
        "expiresAt",
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "startUrl",
        "region",
    ];
    let mut parts = Vec::new();
    for f in fields {
        if r.chance(25) {
            continue;
        }
        let v = match r.below(8) {
            0 => "null".to_string(),
            1 => r.below(1 << 20).to_string(),
            2 => "[1,{}]".into(),
            3 => "\"\"".into(),
            4 => "\"x\"".into(),
            _ => format!("\"{}\"", r.pick(&times)),
        };
        parts.push(format!("\"{f}\":{v}"));
    }
    let mut text = format!("{{{}}}", parts.join(",")).into_bytes();
    for _ in 0..r.below(3) {
        if text.is_empty() {
            break;
        }
        let i = r.below(text.len());
        text[i] = r.next() as u8;
    }
    text
}

#[test]
fn parser_and_judge_survive_random_input() {
    let mut r = Rng::seeded("parser_and_judge_survive_random_input");
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut n = 0;
    while Instant::now() < deadline {
        let config = random_config(&mut r);
        let credentials = random_config(&mut r);
        let token = random_token(&mut r);
        let refreshable = r.chance(50);
        let ok = catch_unwind(AssertUnwindSafe(|| {
            let now = sso::parse_time("2025-01-01T00:00:00Z").unwrap();
            invariants::model(&config, &credentials);
            invariants::judge(&token, refreshable, now);
            invariants::judge(config.as_bytes(), refreshable, now);
        }));
        assert!(
            ok.is_ok(),
            "panicked on\n--- config\n{config:?}\n--- credentials\n{credentials:?}\n--- token\n{:?}",
            String::from_utf8_lossy(&token)
        );
        n += 1;
    }
    eprintln!("{n} random config pairs and tokens checked");
    assert!(n > 100, "too slow: only {n} inputs in the time box");
}

#[test]
fn pathological_inputs_stay_fast() {
    let chain: String = (0..3000)
        .map(|i| {
            format!(
                "[profile p{i}]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = p{}\n",
                (i + 1) % 3000
            )
        })
        .collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "continuation lines",
            format!("[profile a]\nk = v\n{}", "  more\n".repeat(30_000)),
        ),
        (
            "sub-properties",
            format!("[profile a]\ns3 =\n{}", "  k = v\n".repeat(30_000)),
        ),
        (
            "one long value",
            format!("[profile a]\nk = {}\n", "a#;".repeat(200_000)),
        ),
        ("repeated header", "[profile a]\nk = v\n".repeat(20_000)),
        ("a 3,000-profile source_profile cycle", chain.clone()),
    ];
    for (what, text) in &cases {
        let t = Instant::now();
        invariants::model(text, "");
        invariants::model("", text);
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{what}: {:?}",
            t.elapsed()
        );
    }
    // The same cycle through the binary: list and doctor answer promptly.
    let h = Home::new();
    h.config(&chain);
    for args in [&["list", "--json"][..], &["doctor", "--json"], &["current"]] {
        let t = Instant::now();
        let r = run_bounded(&h, args, &[("AWS_PROFILE", "p0")], Duration::from_secs(20));
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{args:?}: {:?}",
            t.elapsed()
        );
    }
    let r = h.run(&["doctor", "--json"], &[]).expect(1);
    assert_eq!(r.stdout.matches("source-profile-cycle").count(), 1);
}

/// Runs the binary, killing it (and failing) when it outlives `limit`.
fn run_bounded(h: &Home, args: &[&str], vars: &[(&str, &str)], limit: Duration) -> Run {
    let child = h
        .cmd(args, vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    // Output is read while waiting, so a large one cannot block the child.
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => Run::from(out.unwrap()),
        Err(_) => {
            // SAFETY: signals the child started above, which has not been reaped.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("`awsp {}` hung for {limit:?}", args.join(" "));
        }
    }
}

// ---- the file system misbehaving --------------------------------------------------------

/// A failure is fine; a panic, or an error that is not one `awsp:` line, is not.
fn assert_clean_failure(r: &Run, what: &str) {
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
        "{what}: {}",
        r.stderr
    );
    assert!(r.code == 0 || r.code == 1, "{what}: exit {}", r.code);
    if r.code == 1 && !r.stderr.is_empty() {
        assert!(
            r.stderr.starts_with("awsp: ") && r.stderr.lines().count() == 1,
            "{what}: {}",
            r.stderr
        );
    }
}

#[test]
fn files_that_vanish_or_change_during_reads() {
    let h = Home::new();
    let small = "[profile keys]\nregion = eu-west-1\n";
    let big = format!(
        "{SSO_CONFIG}{small}{}",
        "# padding line for a slower read\n".repeat(20_000)
    );
    h.config(small);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let dir = h.dir.clone();
        let big = big.clone();
        std::thread::spawn(move || {
            let config = dir.join(".aws/config");
            let tmp = dir.join(".aws/config.tmp");
            let token = dir.join(format!(
                ".aws/sso/cache/{}.json",
                awsp::aws::sha1::hex(b"acme")
            ));
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                match i % 5 {
                    // In-place rewrites (a reader may see half a file) and atomic swaps.
                    0 => drop(std::fs::write(&config, &big)),
                    1 => drop(std::fs::remove_file(&config)),
                    2 => {
                        let _ = std::fs::write(&tmp, small);
                        let _ = std::fs::rename(&tmp, &config);
                    }
                    3 => drop(std::fs::write(&token, "{\"accessToken\":\"t\",\"expi")),
                    _ => drop(std::fs::remove_file(&token)),
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_millis(1500);
    let commands: [&[&str]; 4] = [
        &["list", "--json"],
        &["current", "--json"],
        &["doctor", "--json"],
        &["use", "keys", "--shell", "bash", "--no-login"],
    ];
    let mut runs = 0;
    while Instant::now() < deadline {
        for args in commands {
            let r = run_bounded(&h, args, &[], Duration::from_secs(10));
            assert_clean_failure(&r, &args.join(" "));
            if args[0] == "list" && r.code == 0 {
                serde_json::from_str::<serde_json::Value>(&r.stdout)
                    .unwrap_or_else(|e| panic!("half-written JSON ({e}): {}", r.stdout));
            }
            runs += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    eprintln!("{runs} runs against a changing ~/.aws");
}

#[test]
fn unreadable_directories() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // Root reads through chmod 000, so as root the binary runs as `nobody` here.
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", 60, false);
    let set = |rel: &str, mode| {
        std::fs::set_permissions(h.path(rel), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let run = |args: &[&str]| {
        let mut c = h.cmd(args, &[]);
        if root {
            c.uid(65534).gid(65534);
        }
        Run::from(c.output().unwrap())
    };
    set(".aws/sso/cache", 0o000);
    let r = run(&["list", "--json"]).expect(0);
    assert!(r.stdout.contains("\"unreadable\""), "{}", r.stdout);
    set(".aws/sso/cache", 0o755);
    set(".aws", 0o000);
    for args in [
        &["list"][..],
        &["current"],
        &["use", "dev-admin", "--shell", "bash"],
    ] {
        let r = run(args).expect(1);
        assert_clean_failure(&r, &args.join(" "));
        assert!(r.stderr.contains("Permission denied"), "{}", r.stderr);
    }
    run(&["doctor", "--json"]).expect(1);
    set(".aws", 0o755);
}

#[test]
fn symlink_loops_are_clear_errors() {
    let h = Home::new();
    let config = h.path(".aws/config");
    std::os::unix::fs::symlink(&config, &config).unwrap();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["current"],
        &["use", "x", "--shell", "bash"],
    ] {
        let r = run_bounded(&h, args, &[], Duration::from_secs(10)).expect(1);
        assert_clean_failure(&r, &args.join(" "));
        assert!(
            r.stderr.contains(".aws/config") && r.stderr.contains("symbolic links"),
            "{}",
            r.stderr
        );
    }
    let r = h.run(&["doctor", "--json"], &[]).expect(1);
    assert!(r.stdout.contains("file-unreadable"), "{}", r.stdout);
    // Two links pointing at each other, via the variable.
    std::fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink(h.path("b"), h.path("a")).unwrap();
    std::os::unix::fs::symlink(h.path("a"), h.path("b")).unwrap();
    let a = h.path("a");
    let r = h.run(
        &["list"],
        &[("AWS_SHARED_CREDENTIALS_FILE", a.to_str().unwrap())],
    );
    let r = r.expect(1);
    assert_clean_failure(&r, "credentials loop");
    // A looping token cache file is a token state, not a failure.
    h.config(SSO_CONFIG);
    let tok = h.path(&format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex(b"acme")
    ));
    std::os::unix::fs::symlink(&tok, &tok).unwrap();
    let r = h.run(&["list", "--json"], &[]).expect(0);
    assert!(r.stdout.contains("\"unreadable\""), "{}", r.stdout);
}

#[test]
fn huge_config_is_refused_quickly() {
    let h = Home::new();
    // 100 MB without writing 100 MB: a sparse file has the size awsp checks.
    let f = std::fs::File::create(h.path(".aws/config")).unwrap();
    f.set_len(100 << 20).unwrap();
    drop(f);
    for args in [
        &["list", "--names"][..],
        &["current"],
        &["use", "x", "--shell", "zsh"],
    ] {
        let t = Instant::now();
        let r = run_bounded(&h, args, &[], Duration::from_secs(10)).expect(1);
        assert!(r.stderr.contains("too large"), "{}", r.stderr);
        assert_clean_failure(&r, &args.join(" "));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    let r = h.run(&["doctor", "--json"], &[]).expect(1);
    assert!(r.stdout.contains("file-too-large"));
    // A file whose size says 0 but whose content runs to gigabytes: bounded, not read
    // forever. A device: refused before anything is read from it.
    for (file, said) in [
        ("/proc/self/pagemap", "more than 32 MB"),
        ("/dev/zero", "character device"),
    ] {
        let t = Instant::now();
        let r = run_bounded(
            &h,
            &["list"],
            &[("AWS_CONFIG_FILE", file)],
            Duration::from_secs(20),
        )
        .expect(1);
        // pagemap's first blocks hold the pages of a binary loaded at a low, fixed address
        // (a non-PIE build): the read can stop at its first byte that is not UTF-8.
        assert!(
            r.stderr.contains(said)
                || (file == "/proc/self/pagemap" && r.stderr.contains("not valid UTF-8")),
            "{file}: {}",
            r.stderr
        );
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{file}: {:?}",
            t.elapsed()
        );
    }
}

#[test]
fn concurrent_switches_lose_no_history() {
    let h = Home::new();
    let names: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
    h.config(
        &names
            .iter()
            .map(|n| format!("[profile {n}]\nregion = us-east-1\n"))
            .collect::<String>(),
    );
    let state = h.path("state");
    let vars = [("XDG_STATE_HOME", state.to_str().unwrap())];
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            h.cmd(&["use", n, "--shell", "bash"], &vars)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let got: Vec<String> = history(&state.join("awsp/history"))
        .into_iter()
        .map(|(n, c)| {
            assert_eq!(c, 1.0, "{n} counted once");
            n
        })
        .collect();
    assert_eq!(got, names, "every concurrent switch is recorded");
}

// ---- secrets ------------------------------------------------------------------------------

/// Every secret the fixtures hold, and none of them may ever be printed.
const SECRETS: [&str; 11] = [
    "S3KR1T",              // marks every secret value written below
    "AKIAS3KR1T",          // access key ids (only their first 4 characters may show)
    "SECRET-ACCESS-TOKEN", // the harness's SSO token fields
    "SECRET-REFRESH",
    "SECRET-CLIENT",
    "ENVSECRETKEY",
    "ENVSESSIONTOKEN",
    "ENVSECURITYTOKEN",
    "CFGSECRET",
    "BROKENSECRET",
    "JSONSECRET",
];

fn assert_no_secret(r: &Run, what: &str) {
    for s in SECRETS {
        for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text.contains(s),
                "`{what}` printed the secret {s} on {stream}:\n{text}"
            );
        }
    }
}

#[test]
fn secrets_never_printed() {
    let h = Home::new();
    h.config(&format!(
        "{SSO_CONFIG}\n[profile cfgkeys]\naws_access_key_id = AKIAS3KR1TCONFIG0000\naws_secret_access_key = CFGSECRET-S3KR1T\naws_session_token = CFGSECRET-token\n"
    ));
    h.credentials(
        "[keys]\naws_access_key_id = AKIAS3KR1TKEYID00000\naws_secret_access_key = S3KR1T-secret-key\naws_session_token = S3KR1T-session\n\
         [old]\naws_access_key_id = AKIAS3KR1TOLD0000000\naws_secret_access_key = S3KR1T-old\naws_security_token = S3KR1T-security\n",
    );
    h.token("acme", 120, true);
    h.token("https://legacy.awsapps.com/start", -10, true);
    let env_secrets = [
        ("AWS_ACCESS_KEY_ID", "AKIAS3KR1TENV0000000"),
        ("AWS_SECRET_ACCESS_KEY", "ENVSECRETKEY"),
        ("AWS_SESSION_TOKEN", "ENVSESSIONTOKEN"),
        ("AWS_SECURITY_TOKEN", "ENVSECURITYTOKEN"),
    ];
    let commands: [&[&str]; 20] = [
        &["list"],
        &["list", "--json"],
        &["list", "--names"],
        &["current"],
        &["current", "--json"],
        &["doctor"],
        &["doctor", "--json"],
        &["status"],
        &["status", "--json"],
        &["prompt"],
        &[
            "prompt",
            "--format",
            "{profile} {account} {account_id} {account_name} {role} {region} {left} {state}",
        ],
        &["prompt", "--shell", "zsh", "--cache"],
        &["use", "keys", "--shell", "bash"],
        &["use", "old", "--shell", "fish"],
        &["use", "cfgkeys", "--shell", "powershell"],
        &["use", "dev-admin", "--shell", "zsh"],
        &["use", "legacy", "--shell", "bash"],
        &["clear", "--shell", "bash"],
        &["login", "keys"],
        &["exec", "keys", "--", "true"],
    ];
    // The fixtures load: the checks below see real output, not early failures.
    let r = h.run(&["list", "--json"], &[]).expect(0);
    assert!(r.stdout.contains("\"cfgkeys\"") && r.stdout.contains("\"old\""));
    let r = h.run(&["current"], &[("AWS_PROFILE", "keys")]).expect(0);
    assert!(
        r.stdout.contains("AKIA…") && r.stdout.contains("(hidden)"),
        "{}",
        r.stdout
    );
    for profile in ["keys", "old", "cfgkeys", "dev-admin", "legacy", "missing"] {
        let mut vars = vec![("AWS_PROFILE", profile), ("AWSP_PROFILE", profile)];
        vars.extend(env_secrets);
        for args in commands {
            let r = h.run(args, &vars);
            assert_no_secret(
                &r,
                &format!("AWS_PROFILE={profile} awsp {}", args.join(" ")),
            );
        }
    }
    // Error paths: broken files with a secret on (or right before) the bad line.
    let broken = [
        "[keys]\naws_secret_access_key BROKENSECRET-no-equals\n",
        "[keys]\naws_secret_access_key: BROKENSECRET-colon\n",
        "aws_secret_access_key = BROKENSECRET-before-any-section\n",
        "[keys\naws_secret_access_key = BROKENSECRET\n",
        "[keys]\n  aws_secret_access_key = BROKENSECRET-continuation\n",
    ];
    for text in broken {
        h.credentials(text);
        for args in [
            &["list"][..],
            &["current"],
            &["doctor"],
            &["doctor", "--json"],
        ] {
            let r = h.run(args, &[("AWS_PROFILE", "keys")]);
            assert_no_secret(&r, &format!("{text:?} awsp {}", args.join(" ")));
        }
    }
    std::fs::write(
        h.path(".aws/credentials"),
        b"[keys]\naws_secret_access_key = BROKENSECRET\xff\n",
    )
    .unwrap();
    let r = h.run(&["list"], &[]).expect(1);
    assert_no_secret(&r, "non-UTF-8 credentials");
    // Token files that are not valid JSON, or not a valid token, around a secret.
    h.credentials("");
    let tok = h.token("acme", 120, true);
    for text in [
        "{\"accessToken\": \"JSONSECRET-half",
        "{\"accessToken\": \"JSONSECRET\", \"expiresAt\": \"JSONSECRET\"}",
        "{\"accessToken\": [\"JSONSECRET\"], \"expiresAt\": \"2030-01-01T00:00:00Z\"}",
    ] {
        std::fs::write(&tok, text).unwrap();
        for args in [
            &["list", "--json"][..],
            &["status"],
            &["doctor", "--json"],
            &["current"],
            &["use", "dev-admin", "--shell", "bash"],
        ] {
            let r = h.run(args, &[("AWS_PROFILE", "dev-admin")]);
            assert_no_secret(&r, &format!("token {text:?}: awsp {}", args.join(" ")));
        }
    }
}

// ---- quoting through real shells ----------------------------------------------------------

/// A value the config grammar keeps exactly as written, or None.
fn accepted(value: &str) -> bool {
    if value.is_empty() || value.chars().any(char::is_control) {
        return false;
    }
    let text = format!("[profile p]\nregion = {value}\n");
    ini::parse(&text, FileKind::Config, Arc::new(PathBuf::from("f")))
        .ok()
        .and_then(|f| {
            f.profiles
                .get("p")
                .and_then(|s| s.get("region"))
                .map(String::from)
        })
        .as_deref()
        == Some(value)
}

fn random_value(r: &mut Rng) -> String {
    // Fragments that would run something if a shell ever evaluated the value unquoted.
    let payloads = [
        "$(touch canary)",
        "`touch canary`",
        "'; touch canary; '",
        "\"; touch canary; \"",
        "(touch canary)",
        "'\\''",
        "\\'",
        "\\",
        "\\\\",
        "$HOME",
        "${PATH}",
        "%s%n",
        "!!",
        "*",
        "~",
        "{a,b}",
        "$(",
        "';",
        "\"",
        "'",
        "--",
        "-e",
        "@(x)",
        "$env:HOME",
    ];
    let unicode = [
        "é", "ü", "ß", "日本", "😂", "‘", "’", "‚", "‛", "\u{a0}", "\u{200b}", "İ", "ﬀ", "\u{2028}",
    ];
    loop {
        let mut v = String::new();
        for _ in 0..1 + r.below(6) {
            match r.below(4) {
                0 => v.push_str(r.pick(&payloads)),
                1 => v.push_str(r.pick(&unicode)),
                _ => {
                    for _ in 0..1 + r.below(6) {
                        v.push((0x20 + r.below(0x5f) as u8) as char);
                    }
                }
            }
        }
        if accepted(&v) {
            return v;
        }
    }
}

#[test]
fn random_values_survive_quoting_in_real_shells() {
    let mut r = Rng::seeded("random_values_survive_quoting_in_real_shells");
    const N: usize = 24;
    let name_chars: Vec<char> = "abcXYZ019_-/.%@:+".chars().collect();
    for shell in SHELLS {
        if !have_shell(shell) {
            continue;
        }
        let h = Home::new();
        let mut config = String::new();
        let mut script = String::new();
        let mut want = String::new();
        for i in 0..N {
            let name = format!("p{i}-{}", random_text(&mut r, &name_chars));
            let region = random_value(&mut r);
            let account = random_value(&mut r);
            config.push_str(&format!(
                "[profile {name}]\nregion = {region}\nsso_account_name = {account}\n\n"
            ));
            script.push_str(&run_status(shell, &format!("awsp '{name}'"), "switched"));
            for var in [
                "AWS_PROFILE",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "AWSP_ACCOUNT_NAME",
            ] {
                script.push_str(&match shell {
                    "nu" => format!("print $\"<($env.{var}? | default '')>\"\n"),
                    "elvish" => format!(
                        "echo '<'(if (has-env {var}) {{ get-env {var} }} else {{ put '' }})'>'\n"
                    ),
                    "xonsh" => format!("print('<' + ${{...}}.get('{var}', '') + '>')\n"),
                    _ => format!("printf '<%s>\\n' \"${var}\"\n"),
                });
            }
            want.push_str(&format!(
                "switched=0\n<{name}>\n<{region}>\n<{region}>\n<{account}>\n"
            ));
        }
        h.config(&config);
        let out = h.shell(shell, &script, &[]);
        assert!(
            !h.path("canary").exists(),
            "{shell} ran a command from a value"
        );
        if out.stdout != want {
            let got: Vec<&str> = out.stdout.lines().collect();
            let exp: Vec<&str> = want.lines().collect();
            let i = (0..got.len().max(exp.len()))
                .find(|&i| got.get(i) != exp.get(i))
                .unwrap_or(0);
            let from = i - i % 5;
            let diff = format!(
                "profile {} (line {i}):\ngot  {:?}\nwant {:?}\n--- config\n{config}",
                i / 5,
                got.get(from..(from + 5).min(got.len())),
                exp.get(from..from + 5)
            );
            panic!(
                "{shell}: values changed in the round trip\n{diff}\n--- stderr\n{}",
                out.stderr
            );
        }
        assert!(out.stderr.is_empty(), "{shell}: {}", out.stderr);
    }
}

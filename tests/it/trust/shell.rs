//! Hostile input: what reaches the shell. Only code the binary generated as code is ever
//! evaluated; names and values that would break the hook are refused; a stale
//! `AWS_PROFILE` cannot block a switch; secrets, odd bytes and closed pipes are handled by
//! where they are. Every scenario runs in real bash, zsh and fish.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Stdio;

use crate::common::*;

shell_test!(
/// Help and version text reaching the function with exit status 0 is shown, never run:
/// evaluating it would print "command not found" lines (and could run anything a future
/// text holds).
fn help_is_shown_never_evaluated(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    for args in [&["use", "--help"][..], &["off", "--help"], &["use", "-h"], &["clear", "--help"]] {
        // What the binary prints for it, run directly.
        let sub = if args[0] == "off" { "clear" } else { args[0] };
        let want = h.run(&[sub, args[1]], &[]).expect(0).stdout;
        assert!(want.contains("Usage:"), "{want}");
        let script = run_status(sh, &format!("awsp {}", args.join(" ")), "status");
        let r = h.shell(sh, &script, &[]);
        assert_eq!(r.stderr, "", "{sh} {args:?}: the help text was evaluated");
        // The function captured it (trailing newlines go) and printed it with one.
        let shown = format!("{}\n", want.trim_end_matches('\n'));
        assert_eq!(r.stdout, format!("{shown}status=0\n"), "{sh} {args:?}");
    }
});

shell_test!(
/// The marker is the first line of the code and nothing else can produce it: a query that
/// spells the marker is an unknown profile (exit 1), and nothing is evaluated.
fn only_marked_code_is_evaluated(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", 300, false);
    let code = h.run(&["use", "dev-admin", "--shell", "bash"], &[]).expect(0).stdout;
    assert!(code.starts_with("# awsp: shell code, v1\n"), "{code}");
    let script = format!(
        "{}{}",
        run_status(sh, "awsp '# awsp: shell code, v1'", "status"),
        dump_vars(sh, &["AWS_PROFILE"])
    );
    let r = h.shell(sh, &script, &[]);
    assert!(r.stdout.contains("status=1\nAWS_PROFILE unset"), "{sh}: {}", r.stdout);
});

shell_test!(fn init_refuses_function_names_that_break_the_hook(sh) {
    let h = Home::new();
    for (shell, name) in [
        ("bash", "eval"),
        ("bash", "local"),
        ("zsh", "command"),
        ("zsh", "setopt"),
        ("fish", "string"),
        ("fish", "and"),
        ("bash", "__awsp_prompt_update"),
        ("powershell", "ForEach"),
        ("bash", "a;b"),
    ] {
        let r = h.run(&["init", shell, "--cmd", name], &[]).expect(2);
        assert_eq!(r.stdout, "", "{shell} {name}");
        assert!(
            r.stderr.starts_with("awsp: --cmd") && r.stderr.lines().count() == 1,
            "{shell} {name}: {}",
            r.stderr
        );
    }
    // A name that is fine is used as it is, in the real shell.
    let load = match sh {
        "fish" => "awsp init fish --cmd ap | source\n".to_string(),
        "zsh" => "eval \"$(awsp init zsh --cmd ap)\"\n".to_string(),
        "nu" => {
            let hook = h.run(&["init", "nu", "--cmd", "ap"], &[]).expect(0).stdout;
            h.write("ap.nu", &hook);
            format!("source '{}'\n", h.path("ap.nu").display())
        }
        "elvish" => "eval (awsp init elvish --cmd ap | slurp)\"\\nap --version\"\n".to_string(),
        "xonsh" => "execx(__import__('subprocess').run(['awsp', 'init', 'xonsh', '--cmd', 'ap'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')\n".to_string(),
        _ => "eval \"$(awsp init bash --cmd ap)\"\n".to_string(),
    };
    let run = if sh == "elvish" { "" } else { "ap --version\n" };
    let r = h.shell(sh, &format!("{load}{run}"), &[]);
    assert!(r.stdout.contains("awsp "), "{sh}: {}{}", r.stdout, r.stderr);
});

shell_test!(
/// A 128 KiB region is refused like a control character: one line, nothing evaluated, and
/// the shell's later commands still run (an exported value that large makes every one of
/// them fail with "Argument list too long").
fn over_long_values_are_refused(sh) {
    let h = Home::new();
    h.config(&format!(
        "[profile big]\nregion = {}\n[profile fine]\nregion = eu-west-1\n",
        "r".repeat(128 << 10)
    ));
    let script = format!(
        "awsp fine\n{}{}/bin/echo still-runs\n",
        run_status(sh, "awsp big", "status"),
        dump_vars(sh, &["AWS_PROFILE", "AWS_REGION"])
    );
    let r = h.shell(sh, &script, &[]);
    assert!(
        r.stdout.contains("status=1\nAWS_PROFILE=fine|\nAWS_REGION=eu-west-1|\nstill-runs"),
        "{sh}: {}",
        r.stdout
    );
    assert_eq!(r.stderr.lines().count(), 1, "{sh}: {}", r.stderr);
    assert!(r.stderr.contains("131072 bytes"), "{sh}: {}", r.stderr);
    assert!(r.stderr.len() < 300, "{sh}: the error repeats the value");
});

shell_test!(
/// An `AWS_PROFILE` holding a `\r` (from a CRLF `.env` file), too long, or not UTF-8 cannot
/// be exported back as `AWSP_PREVIOUS`; the switch away from it still happens, with one
/// warning line.
fn a_stale_profile_does_not_block_switching_away(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", 300, false);
    let long = "p".repeat(5000);
    let values: [&[u8]; 3] = [b"dev-admin\r", long.as_bytes(), b"caf\xe9"];
    for stale in values {
        if sh == "nu" && std::str::from_utf8(stale).is_err() {
            // nushell itself cannot start with such a variable in its environment (it
            // panics before reading any script), so no hook can run there: that is what
            // is checked for it.
            let mut c = h.shell_command(sh, "print started");
            c.env("AWS_PROFILE", OsStr::from_bytes(stale));
            let r = Run::from(c.output().unwrap());
            assert!(r.code != 0 && !r.stdout.contains("started"), "nu: {}{}", r.stdout, r.stderr);
            continue;
        }
        let script = format!(
            "{}{}",
            run_status(sh, "awsp prod-readonly", "status"),
            dump_vars(sh, &["AWS_PROFILE", "AWSP_PREVIOUS"])
        );
        let mut c = h.shell_command(sh, &script);
        c.env("AWS_PROFILE", OsStr::from_bytes(stale));
        let r = Run::from(c.output().unwrap());
        assert!(
            r.stdout.contains("status=0\nAWS_PROFILE=prod-readonly|\nAWSP_PREVIOUS unset"),
            "{sh} {:?}: {}{}",
            &stale[..stale.len().min(12)],
            r.stdout,
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{sh}: {}", r.stderr);
        assert!(r.stderr.starts_with("awsp: warning: the current AWS_PROFILE"), "{sh}: {}", r.stderr);
    }
});

/// A reader that goes away ends awsp quietly, as it ends coreutils: no panic message, no
/// exit 101.
#[test]
fn a_closed_pipe_ends_quietly() {
    let h = Home::new();
    let mut cfg = String::new();
    for i in 0..3000 {
        cfg.push_str(&format!("[profile p{i}]\nregion = us-east-1\nsso_account_name = a rather long account name {i}\n"));
    }
    h.config(&cfg);
    for cmd in [
        "awsp list",
        "awsp list --names",
        "awsp list --json",
        "awsp current",
        "awsp doctor",
        "awsp __complete bash -- 'awsp p'",
        "awsp --help",
    ] {
        let script = format!("{cmd} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"");
        let r = h.shell("bash", &script, &[("AWS_PROFILE", "p1")]);
        assert!(
            !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
            "{cmd}: {}",
            r.stderr
        );
        let code: i32 = r.stdout.trim().parse().unwrap();
        assert!(code == 0 || code == 141, "{cmd}: exit {code}");
    }
    // A full disk is an error, said in one line.
    let r = h.shell(
        "bash",
        "awsp current >/dev/full; echo \"status=$?\"",
        &[("AWS_PROFILE", "p1")],
    );
    assert!(r.stdout.contains("status=1"), "{}", r.stdout);
    assert!(
        !r.stderr.contains("panicked") && r.stderr.lines().count() == 1,
        "{}",
        r.stderr
    );
}

#[test]
fn exec_passes_arguments_byte_exact() {
    let h = Home::new();
    h.credentials(STATIC_CREDENTIALS);
    let odd: &[u8] = b"\xff\xfe caf\xe9 \x01 'quoted' $HOME";
    let out = h
        .cmd(&["exec", "keys", "--", "printf", "%s"], &[])
        .arg(OsStr::from_bytes(odd))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, odd);
}

#[test]
fn variables_that_are_not_utf8_are_reported_not_ignored() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let bad = OsStr::from_bytes(b"dev\xff");
    let out = h
        .cmd(&["current"], &[])
        .env("AWS_PROFILE", bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("AWS_PROFILE is set, but not to valid UTF-8"),
        "{err}"
    );
    let out = h
        .cmd(&["doctor", "--json"], &[])
        .env("AWS_REGION", bad)
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "env-not-utf8")
        .expect("a finding for the variable");
    assert_eq!(f["location"], "AWS_REGION");
    assert_eq!(f["severity"], "error");
}

#[test]
fn a_byte_order_mark_is_named() {
    let h = Home::new();
    h.config("\u{feff}[profile a]\nregion = us-east-1\n");
    let r = h.run(&["list"], &[]).expect(1);
    assert!(
        r.stderr
            .contains(":1: the file starts with a UTF-8 byte-order mark"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("AWS CLI"), "{}", r.stderr);
    let r = h.run(&["doctor"], &[]).expect(1);
    assert!(
        r.stdout.contains("byte-order mark") && r.stdout.contains("sed -i"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("section definition"), "{}", r.stdout);
}

/// Secrets written wrongly (no `=`, on a continuation line, under a sub-property block, in
/// a line of the credentials file that does not parse) never appear in any output; only
/// where they are does.
#[test]
fn secrets_are_hidden_by_where_they_are() {
    let h = Home::new();
    h.config(
        "[profile cont]\nregion = us-east-1\naws_session_token = first\n  MARKER-CONTINUED\n\
         [profile sub]\naws_session_token =\n  part = MARKER-SUB\n  bad key = MARKER-SUBNAME\n\
         [profile nokey]\naws_secret_access_key MARKER-NOEQ==\n",
    );
    let readable =
        "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_session_token IQoJMARKER-CREDS==\n";
    let commands: [&[&str]; 9] = [
        &["list"],
        &["list", "--json"],
        &["current"],
        &["current", "--json"],
        &["status"],
        &["doctor"],
        &["doctor", "--json"],
        &["use", "sub", "--shell", "bash"],
        &["use", "cont", "--shell", "bash"],
    ];
    // Once with a credentials file that parses, once with a line the parser rejects.
    for creds in [
        readable.to_string(),
        format!("{readable}MARKER-CRED-LINE: value\n"),
    ] {
        h.credentials(&creds);
        for profile in ["cont", "sub", "nokey", "keys"] {
            for args in commands {
                let r = h.run(args, &[("AWS_PROFILE", profile)]);
                for out in [&r.stdout, &r.stderr] {
                    assert!(!out.contains("MARKER"), "{args:?} with {profile}:\n{out}");
                }
            }
        }
    }
    // Where they are is still said.
    let r = h.run(&["doctor"], &[]);
    assert!(
        r.stdout.contains("credentials:2") || r.stdout.contains("credentials:3"),
        "{}",
        r.stdout
    );
}

/// Found by review: a config whose last line is a skipped profile's header with no line
/// break after it; a secret written without its `=` above an indented line, which the AWS
/// CLI's sub-property parser names; a prompt format nested 100,000 deep.
#[test]
fn review_findings_stay_fixed() {
    let h = Home::new();
    h.config(
        "[profile a]\naws_access_key_id = x\naws_secret_access_key = y\n\
         [profile r]\nrole_arn = arn:aws:iam::111111111111:role/X\nsource_profile = a\n\
         [profile b]\nk = v\n[profile c]",
    );
    let r = h.run(&["use", "r", "--shell", "bash"], &[]).expect(0);
    assert!(r.stdout.contains("export AWS_PROFILE='r'"), "{}", r.stdout);
    let r = h
        .run(&["prompt"], &[("AWS_PROFILE", "a"), ("NO_COLOR", "1")])
        .expect(0);
    assert!(r.stdout.starts_with('a'), "{:?}", r.stdout);

    h.credentials("[k]\naws_session_token IQoJMARKERSECRET= \n  x\n");
    for args in [&["doctor"][..], &["doctor", "--json"]] {
        let r = h.run(args, &[]);
        assert!(
            !r.stdout.contains("MARKER") && !r.stderr.contains("MARKER"),
            "{}",
            r.stdout
        );
    }

    let deep = format!("{}{{profile}}", "(".repeat(100_000));
    let r = h
        .run(&["prompt", "--format", &deep], &[("AWS_PROFILE", "a")])
        .expect(0);
    assert_eq!(r.stderr, "");
    assert!(
        r.stdout.contains('a'),
        "{:?}",
        &r.stdout[..r.stdout.len().min(80)]
    );
}

//! `list`, `current`, and bad input, through the real binary.

use crate::common::*;

#[test]
fn list_json_has_exactly_the_profiles() {
    let h = Home::new();
    h.config(SSO_CONFIG).credentials(STATIC_CREDENTIALS);
    h.token("acme", 120, false);
    h.token("https://legacy.awsapps.com/start", -5, false);
    let v = h.json(&["list", "--json"], &[("AWS_PROFILE", "prod-readonly")]);
    let arr = v.as_array().unwrap();
    let names = json_names(&v);
    assert_eq!(
        names,
        [
            "default",
            "deploy",
            "dev-admin",
            "keys",
            "legacy",
            "prod-readonly"
        ]
    );
    let by = |n: &str| arr.iter().find(|p| p["name"] == n).unwrap();
    let keys: Vec<&String> = by("dev-admin").as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 13);
    assert_eq!(by("dev-admin")["aws_cli"], serde_json::Value::Null);
    assert_eq!(by("dev-admin")["kind"], "sso");
    assert_eq!(by("dev-admin")["account_id"], "111111111111");
    assert_eq!(by("dev-admin")["role_name"], "AdministratorAccess");
    assert_eq!(by("dev-admin")["region"], "eu-west-1");
    assert_eq!(by("dev-admin")["sso_session"], "acme");
    assert_eq!(by("dev-admin")["token_state"], "valid");
    assert_eq!(by("prod-readonly")["active"], true);
    assert_eq!(by("dev-admin")["active"], false);
    assert_eq!(by("legacy")["kind"], "sso-legacy");
    assert_eq!(by("legacy")["token_state"], "expired");
    assert_eq!(by("deploy")["kind"], "assume-role");
    assert_eq!(by("deploy")["account_id"], "444444444444");
    assert_eq!(
        by("deploy")["token_state"],
        "valid",
        "the chain ends in dev-admin's session"
    );
    assert_eq!(by("keys")["kind"], "static");
    assert_eq!(by("keys")["token_state"], serde_json::Value::Null);
    assert!(!v.to_string().contains("SECRET"));
}

#[test]
fn list_table_and_names() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let r = h.run(&["list"], &[("AWS_PROFILE", "legacy")]).expect(0);
    assert!(r.stdout.lines().next().unwrap().contains("NAME"));
    assert!(
        r.stdout.lines().any(|l| l.starts_with("* legacy")),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\x1b'), "no colour when not a terminal");
    let r = h.run(&["list", "--names"], &[]).expect(0);
    assert_eq!(
        r.stdout,
        "default\ndeploy\ndev-admin\nlegacy\nprod-readonly\n"
    );
}

#[test]
fn files_move_with_variables() {
    let h = Home::new();
    h.write("elsewhere/cfg", "[profile moved]\n")
        .write("elsewhere/creds", "[fromcreds]\n");
    let cfg = h.path("elsewhere/cfg");
    let creds = h.path("elsewhere/creds");
    let r = h
        .run(
            &["list", "--names"],
            &[
                ("AWS_CONFIG_FILE", cfg.to_str().unwrap()),
                ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ],
        )
        .expect(0);
    assert_eq!(r.stdout, "fromcreds\nmoved\n");
    // `~` expands to HOME.
    let r = h
        .run(
            &["list", "--names"],
            &[("AWS_CONFIG_FILE", "~/elsewhere/cfg")],
        )
        .expect(0);
    assert_eq!(r.stdout, "moved\n");
}

#[test]
fn current_says_why() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let r = h
        .run(&["current", "--json"], &[("AWS_DEFAULT_PROFILE", "legacy")])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["profile"], "legacy");
    assert_eq!(v["selected_by"], "AWS_DEFAULT_PROFILE");
    assert_eq!(v["static_keys_override"], false);
    let region = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "region")
        .unwrap();
    assert!(
        region["location"]
            .as_str()
            .unwrap()
            .ends_with(".aws/config:27"),
        "{region}"
    );
    let r = h
        .run(
            &["current"],
            &[
                ("AWS_PROFILE", "dev-admin"),
                ("AWS_ACCESS_KEY_ID", "A"),
                ("AWS_SECRET_ACCESS_KEY", "B"),
            ],
        )
        .expect(0);
    assert!(r.stdout.contains("override"), "{}", r.stdout);
}

/// `current` keeps its `file:line` column aligned however long a value is, and writes
/// times in JSON as `…Z`, like `list` and `status`.
#[test]
fn current_aligns_locations_and_writes_utc_times() {
    let h = Home::new();
    let long = format!(
        "/usr/local/bin/fetch-credentials --profile {}",
        "x".repeat(60)
    );
    h.config(&format!(
        "[profile p]\nregion = eu-west-1\ncredential_process = {long}\noutput = json\n\
         [profile s]\nsso_session = acme\nsso_account_id = 1\nsso_role_name = r\n\
         [sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n"
    ));
    h.token("acme", 90, false);
    let r = h.run(&["current"], &[("AWS_PROFILE", "p")]).expect(0);
    let columns: Vec<usize> = r
        .stdout
        .lines()
        .filter_map(|l| l.find("config:").map(|at| l[..at].chars().count()))
        .collect();
    assert_eq!(columns.len(), 3, "{}", r.stdout);
    assert!(
        columns.iter().all(|c| *c == columns[0]),
        "{columns:?}\n{}",
        r.stdout
    );
    assert!(r.stdout.contains('…'), "{}", r.stdout);
    let v = h.json(&["current", "--json"], &[("AWS_PROFILE", "s")]);
    let at = v["token_expires_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == 20, "{at}");
}

/// A `[default]` with only a region and an output format is shown as what it is: settings,
/// with credentials from elsewhere.
#[test]
fn a_default_with_only_settings_is_not_unknown() {
    let h = Home::new();
    h.config("[default]\nregion = eu-west-1\noutput = json\n[profile empty]\n");
    let v = h.json(&["list", "--json"], &[]);
    let kind = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()["kind"]
            .clone()
    };
    assert_eq!(kind("default"), "settings");
    assert_eq!(kind("empty"), "unknown");
    let r = h.run(&["current"], &[]).expect(0);
    assert!(r.stdout.contains("kind:    settings"), "{}", r.stdout);
}

#[test]
fn bad_input_is_one_line_and_exit_1() {
    let h = Home::new();
    let check = |r: Run, want: &str| {
        let r = r.expect(1);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.starts_with("awsp: ") && r.stderr.contains(want),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"));
    };
    h.config("region = x\n");
    check(
        h.run(&["list"], &[]),
        ".aws/config:1: Expected a section definition",
    );
    std::fs::write(h.path(".aws/config"), b"[profile ok]\nregion = a\n\xff\n").unwrap();
    check(h.run(&["list"], &[]), ".aws/config:3: not valid UTF-8");
    // Files are read in 16 KB blocks: line numbers, and profiles written across a block
    // boundary, come out as from one read.
    let mut long = String::new();
    let mut i = 0;
    while long.len() < 300 << 10 {
        long.push_str(&format!("[profile p{i}]\nregion = r{i}\n  ; c\n\n"));
        i += 1;
    }
    let lines = long.lines().count();
    h.config(&format!("{long}[profile tail]\nregion = t\n"));
    let r = h
        .run(&["current", "--json"], &[("AWS_PROFILE", "tail")])
        .expect(0);
    assert!(
        r.stdout.contains(&format!(":{}", lines + 2)),
        "{}",
        r.stdout
    );
    let names = h.run(&["list", "--names"], &[]).expect(0).stdout;
    assert_eq!(names.lines().count(), i + 1);
    std::fs::write(
        h.path(".aws/config"),
        [long.as_bytes(), b"[profile tail]\nregion = \xe9\n"].concat(),
    )
    .unwrap();
    check(
        h.run(&["use", "p3", "--shell", "bash"], &[]),
        &format!(".aws/config:{}: not valid UTF-8", lines + 2),
    );
    std::fs::remove_file(h.path(".aws/config")).unwrap();
    std::fs::create_dir(h.path(".aws/config")).unwrap();
    check(h.run(&["list"], &[]), "is a directory");
    std::fs::remove_dir(h.path(".aws/config")).unwrap();
    let big = "# padding\n".repeat(5 * 1024 * 1024 + 1);
    h.config(&big);
    check(h.run(&["list"], &[]), "too large");
    h.config(SSO_CONFIG);
    h.write(".aws/sso/cache/x", "");
    // A cache file that is a directory, or not JSON, is a token state, not a failure.
    std::fs::create_dir(h.path(&format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex(b"acme")
    )))
    .unwrap();
    std::fs::write(
        h.path(&format!(
            ".aws/sso/cache/{}.json",
            awsp::aws::sha1::hex(b"https://legacy.awsapps.com/start")
        )),
        "{nope",
    )
    .unwrap();
    let r = h.run(&["list", "--json"], &[]).expect(0);
    assert_eq!(
        r.stdout.matches("\"unreadable\"").count(),
        4,
        "{}",
        r.stdout
    );
}

#[test]
fn missing_files_are_normal() {
    let h = Home::new();
    let r = h.run(&["list", "--json"], &[]).expect(0);
    assert_eq!(r.stdout.trim(), "[]");
}

/// The demo's fish prompt carries the `(awsp demo)` marker, as bash's and zsh's do.
#[test]
fn demo_fish_prompt_says_it_is_the_demo() {
    if !have_shell("fish") {
        return;
    }
    let h = Home::new();
    let home = h.run(&["demo", "--print-home"], &[]).expect(0).stdout;
    let home = home.trim();
    let out = std::process::Command::new("fish")
        .args(["-c", "fish_prompt"])
        .env_clear()
        .env("HOME", home)
        .env("PATH", format!("{home}/bin:/usr/bin:/bin"))
        .output()
        .unwrap();
    // `--print-home` leaves the sandbox for the caller to remove: the printed directory.
    assert!(home.contains("awsp-demo-"), "{home}");
    let _ = std::fs::remove_dir_all(home);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.starts_with("(awsp demo) "),
        "{shown:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn demo_runs_a_sandbox_shell_and_removes_it() {
    if !have_shell("bash") {
        return;
    }
    let h = Home::new();
    let mut c = h.cmd(&["demo"], &[("SHELL", "/bin/bash")]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo \"HOME=$HOME\"\nawsp dev-admin\necho \"P=$AWS_PROFILE R=$AWS_REGION\"\nawsp legacy-ops --login\necho \"L=$AWS_PROFILE\"\necho K=$(awsp exec deploy --credentials -- printenv AWS_ACCESS_KEY_ID)\necho C=$(awsp console deploy --print)\nawsp list --json\nexit\n")
        .unwrap();
    let r = Run::from(child.wait_with_output().unwrap()).expect(0);
    assert!(
        r.stderr.contains("awsp demo:"),
        "the tour is printed: {}",
        r.stderr
    );
    assert!(
        r.stdout.contains("P=dev-admin R=eu-west-1"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    // Credentials and the console come from the demo's own services.
    assert!(
        r.stdout.contains("K=ASIADEMO"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stdout.contains("C=http://127.0.0.1:") && r.stdout.contains("Action=login"),
        "{}",
        r.stdout
    );
    let home = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("HOME="))
        .unwrap()
        .to_string();
    assert!(home.contains("awsp-demo-"));
    assert!(
        !std::path::Path::new(&home).exists(),
        "the sandbox is removed"
    );
    let json_start = r.stdout.find('[').unwrap();
    let json_end = r.stdout.rfind(']').unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.stdout[json_start..=json_end]).unwrap();
    let names = json_names(&v);
    assert!(
        names.contains(&"prod-admin")
            && names.contains(&"sandbox-keys")
            && names.contains(&"deploy")
    );
    assert!(!names.contains(&"acme"), "an sso-session is not a profile");
    let state = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()["token_state"]
            .clone()
    };
    assert_eq!(state("dev-admin"), "valid");
    // The expired legacy session was renewed by a native device-code login against the
    // demo's own Identity Center, approved by its browser, then switched to.
    assert!(r.stderr.contains("confirm the code DEMO-"), "{}", r.stderr);
    assert!(
        r.stdout.contains("L=legacy-ops"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(state("legacy-ops"), "valid");
}

/// A header that almost names the profile asked for: at a terminal as off one, awsp says
/// which header and what it should be, instead of a picker with nothing in it.
#[test]
fn a_header_typo_explains_the_missing_profile() {
    let h = Home::new();
    h.config("[profle typo]\nregion = us-east-1\n[profile ok]\n[ci]\n");
    h.credentials("[profile keys]\naws_access_key_id = AKIAEXAMPLE\n");
    for (name, header, line) in [
        ("typo", "[profile typo]", ".aws/config:1"),
        ("ci", "[profile ci]", ".aws/config:4"),
        ("keys", "[keys]", ".aws/credentials:1"),
    ] {
        let r = h.run(&["use", name, "--shell", "bash"], &[]).expect(1);
        assert!(
            r.stderr.contains(&format!("did you mean `{header}`?")) && r.stderr.contains(line),
            "{}",
            r.stderr
        );
    }
    if !have_tmux() {
        return;
    }
    let t = Term::start(&h, &[], (250, 20), "bash --norc --noprofile");
    t.line("awsp use typo --shell bash; echo rc=$?");
    let screen = t.wait_for("the refusal", |s| s.lines().any(|l| l.starts_with("rc=")));
    assert!(screen.contains("rc=1"), "{screen}");
    assert!(
        screen.contains("the section `[profle typo]` at ")
            && screen.contains("did you mean `[profile typo]`?"),
        "{screen}"
    );
}

/// A file the SDKs reject gets one verdict from every command, the fast ones included:
/// the same error, naming the same line.
#[test]
fn one_verdict_per_file() {
    let h = Home::new();
    for (text, line) in [
        (
            "[profile a]\nregion = x\n[profile b]\nregion: us-east-1\n[profile c]\n",
            4,
        ),
        ("[profile a]\n[profile b]\nkey\n", 3),
        ("[profile a]\n[profile b]\ns3 =\n  no equals\n", 4),
        ("[profile a]\n[profile b]\n  [profile c]\n", 3),
    ] {
        h.config(text);
        let mut errors = Vec::new();
        for args in [
            &["list"][..],
            &["list", "--names"],
            &["list", "--json"],
            &["use", "a", "--shell", "bash", "--no-login"],
            &["current"],
        ] {
            let r = h.run(args, &[("AWS_PROFILE", "a")]).expect(1);
            assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
            errors.push(r.stderr);
        }
        assert!(
            errors[0].contains(&format!(".aws/config:{line}: ")),
            "{text:?}: {}",
            errors[0]
        );
        assert!(
            errors.iter().all(|e| *e == errors[0]),
            "{text:?}: {errors:#?}"
        );
    }
}

/// On x86_64 Linux the default build links awsp without position independence (an ELF
/// `ET_EXEC`, not `ET_DYN`): no relocations for the loader at each start.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[test]
fn the_default_build_is_not_position_independent() {
    if std::env::var("AWSP_PIE").is_ok_and(|v| v == "1") {
        skip("AWSP_PIE=1 asked for a position-independent build");
        return;
    }
    let bytes = std::fs::read(BIN).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert_eq!(e_type, 2, "ET_EXEC expected, found {e_type} (3 is a PIE)");
}

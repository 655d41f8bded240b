//! The shell integration in real bash, zsh and fish (and pwsh where it exists): switching,
//! `-`, `off`, quoting of hostile values, strict sourcing, completion.

use crate::common::*;

/// Variables a switch sets and `awsp off` unsets (`AWSP_PREVIOUS` aside: `off` keeps the
/// profile it cleared there, for `awsp -`).
const SET_BY_A_SWITCH: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWSP_PROFILE",
    "AWSP_ACCOUNT",
    "AWSP_ROLE",
    "AWSP_REGION",
    "AWSP_EXPIRES",
];

const VARS: [&str; 12] = [
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_PROFILE",
    "AWSP_PREVIOUS",
    "AWSP_ACCOUNT",
    "AWSP_ROLE",
];

/// Live SSO sessions for SSO_CONFIG, so switches need no login.
fn valid_tokens(h: &Home) {
    h.token("acme", 300, false);
    h.token("https://legacy.awsapps.com/start", 300, false);
}

/// The stale state a user's shell often has before a switch.
fn stale() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIASTALE"),
        ("AWS_SECRET_ACCESS_KEY", "stale-secret"),
        ("AWS_SESSION_TOKEN", "stale-token"),
        ("AWS_SECURITY_TOKEN", "stale-token"),
        ("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z"),
        ("AWS_DEFAULT_PROFILE", "old"),
        ("AWS_REGION", "sa-east-1"),
        ("AWS_DEFAULT_REGION", "sa-east-1"),
    ]
}

shell_test!(pwsh fn switch_sets_and_unsets_exactly(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", 300, false);
    let script = format!(
        "{}{}",
        run_status(sh, "awsp dev-admin", "status"),
        dump_vars(sh, &VARS)
    );
    let r = h.shell(sh, &script, &stale()).expect(0);
    let out = &r.stdout;
    for want in [
        "status=0",
        "AWS_PROFILE=dev-admin|",
        "AWS_REGION=eu-west-1|",
        "AWS_DEFAULT_REGION=eu-west-1|",
        "AWS_ACCESS_KEY_ID unset",
        "AWS_SECRET_ACCESS_KEY unset",
        "AWS_SESSION_TOKEN unset",
        "AWS_SECURITY_TOKEN unset",
        "AWS_CREDENTIAL_EXPIRATION unset",
        "AWS_DEFAULT_PROFILE unset",
        "AWSP_ACCOUNT=111111111111|",
        "AWSP_ROLE=AdministratorAccess|",
    ] {
        assert!(
            out.contains(want),
            "{sh}: missing {want}\n{out}\n{}",
            r.stderr
        );
    }
});

shell_test!(pwsh fn region_follows_the_profile_unless_kept(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG).credentials(STATIC_CREDENTIALS);
    valid_tokens(&h);
    // (commands, extra variable, what must be printed afterwards)
    type Case<'a> = (&'a str, Option<(&'a str, &'a str)>, [&'a str; 2]);
    let cases: [Case; 4] = [
        // `keys` has no region: the previous one must not leak.
        (
            "awsp keys",
            None,
            ["AWS_REGION unset", "AWS_DEFAULT_REGION unset"],
        ),
        // The opt-out keeps the user's own region, by variable and by flag.
        (
            "awsp dev-admin",
            Some(("AWSP_KEEP_REGION", "1")),
            ["AWS_REGION=sa-east-1|", "AWS_PROFILE=dev-admin|"],
        ),
        (
            "awsp use dev-admin --keep-region",
            None,
            ["AWS_REGION=sa-east-1|", "AWS_PROFILE=dev-admin|"],
        ),
        // After a kept region, `off` leaves the user's region alone.
        (
            "awsp use dev-admin --keep-region\nawsp off",
            None,
            ["AWS_REGION=sa-east-1|", "AWS_PROFILE unset"],
        ),
    ];
    for (commands, extra, wants) in cases {
        let mut vars = stale();
        vars.extend(extra);
        let script = format!(
            "{commands}\n{}",
            dump_vars(sh, &["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"])
        );
        let r = h.shell(sh, &script, &vars).expect(0);
        for want in wants {
            assert!(
                r.stdout.contains(want),
                "{sh}: `{commands}`: missing {want}\n{}",
                r.stdout
            );
        }
    }
});

shell_test!(pwsh fn previous_and_off(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    valid_tokens(&h);
    let p = |tag: &str| say_var(sh, tag, "AWS_PROFILE");
    let script = format!(
        "awsp dev-admin\nawsp legacy\n{}awsp -\n{}awsp -\n{}awsp -\n{}{}{}awsp -\n{}",
        p("a"),
        p("b"),
        p("c"),
        p("d"),
        run_status(sh, "awsp off", "status"),
        dump_vars(sh, &[&SET_BY_A_SWITCH[..], &["AWSP_ACCOUNT_NAME", "AWSP_PREVIOUS"]].concat()),
        // `awsp -` after `off` goes back to the profile `off` cleared, like `cd -`.
        p("e"),
    );
    let r = h.shell(sh, &script, &[]).expect(0);
    let o = &r.stdout;
    for want in [
        "a=legacy",
        "b=dev-admin",
        "c=legacy",
        "d=dev-admin",
        "status=0",
    ] {
        assert!(o.contains(want), "{sh}: missing {want}\n{o}{}", r.stderr);
    }
    for v in SET_BY_A_SWITCH {
        assert!(
            o.contains(&format!("{v} unset")),
            "{sh}: {v} survived off\n{o}"
        );
    }
    assert!(o.contains("AWSP_PREVIOUS=dev-admin|"), "{sh}: off forgot the profile\n{o}");
    assert!(o.contains("e=dev-admin"), "{sh}: `awsp -` after off\n{o}");
});

shell_test!(pwsh fn unknown_profile_changes_nothing(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let script = format!(
        "{}{}",
        run_status(sh, "awsp dev-admn", "status"),
        dump_vars(sh, &VARS)
    );
    let r = h.shell(sh, &script, &stale()).expect(0);
    assert!(r.stdout.contains("status=1"), "{sh}: {}", r.stdout);
    assert!(
        r.stderr.contains("did you mean: dev-admin"),
        "{sh}: {}",
        r.stderr
    );
    for (k, v) in stale() {
        assert!(
            r.stdout.contains(&format!("{k}={v}|")),
            "{sh}: {k} changed\n{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("AWS_PROFILE unset"));
});

shell_test!(pwsh fn exit_status_passes_through_for_subcommands(sh) {
    let h = Home::new();
    h.config("[profile a]\n");
    let script = run_status(sh, "awsp list --bogus", "status");
    let r = h.shell(sh, &script, &[]).expect(0);
    assert!(r.stdout.contains("status=2"), "{sh}: {}", r.stdout);
});

shell_test!(
/// Hostile values from config files arrive byte-exact and run nothing.
pwsh fn nasty_values_arrive_exactly(sh) {
    let h = Home::new();
    let mut values: Vec<String> = awsp::quote::NASTY.iter().map(|s| s.to_string()).collect();
    // The longest value a switch exports (4 KiB; longer ones are refused).
    values.push("z".repeat(awsp::quote::MAX_VALUE));
    values.push("q'\\".repeat(1365));
    let canary = h.path("canary");
    let mut cfg = String::new();
    for (i, v) in values.iter().enumerate() {
        let v = v
            .replace("canary", &canary.to_string_lossy())
            .replace("/tmp/p", &canary.to_string_lossy());
        // Leading/trailing blanks are trimmed by the config grammar itself.
        cfg.push_str(&format!(
            "[profile n{i}]\nregion = {v}\nsso_account_name = {v}\nsso_account_id = 1\n"
        ));
    }
    h.config(&cfg);
    let parsed = awsp::aws::ini::parse(
        &cfg,
        awsp::aws::ini::FileKind::Config,
        std::sync::Arc::new("c".into()),
    )
    .unwrap();
    let mut script = String::new();
    for i in 0..values.len() {
        script.push_str(&format!("awsp n{i}\n"));
        script.push_str(match sh {
            "pwsh" => "[Console]::Out.Write($env:AWS_REGION + [char]0x1f + $env:AWSP_ACCOUNT_NAME + [char]0x1e)\n",
            "nu" => "print -n (($env.AWS_REGION? | default '') + \"\\u{1f}\" + ($env.AWSP_ACCOUNT_NAME? | default '') + \"\\u{1e}\")\n",
            "elvish" => "print $E:AWS_REGION\"\\x1f\"$E:AWSP_ACCOUNT_NAME\"\\x1e\"\n",
            "xonsh" => "print(${...}.get('AWS_REGION', '') + '\\x1f' + ${...}.get('AWSP_ACCOUNT_NAME', '') + '\\x1e', end='')\n",
            _ => "printf '%s\\x1f%s\\x1e' \"$AWS_REGION\" \"$AWSP_ACCOUNT_NAME\"\n",
        });
    }
    let r = h.shell(sh, &script, &[]).expect(0);
    let got: Vec<&str> = r.stdout.split('\x1e').filter(|s| !s.is_empty()).collect();
    assert_eq!(got.len(), values.len(), "{sh}: {}", r.stderr);
    for (i, g) in got.iter().enumerate() {
        let want = parsed.profiles[&format!("n{i}")].get("region").unwrap();
        assert_eq!(*g, format!("{want}\x1f{want}"), "{sh}: value #{i}");
    }
    assert!(!canary.exists(), "{sh}: a value ran code");
});

shell_test!(pwsh fn control_characters_are_refused(sh) {
    let h = Home::new();
    h.config("[profile esc]\nregion = a\x1b[31mb\n");
    let script = format!(
        "{}{}",
        run_status(sh, "awsp esc", "status"),
        dump_vars(sh, &["AWS_PROFILE"])
    );
    let r = h.shell(sh, &script, &[]).expect(0);
    assert!(
        r.stdout.contains("status=1") && r.stdout.contains("AWS_PROFILE unset"),
        "{sh}: {}",
        r.stdout
    );
    assert!(r.stderr.contains("control character"), "{sh}: {}", r.stderr);
});

shell_test!(pwsh fn sourcing_under_strict_settings_prints_nothing(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    valid_tokens(&h);
    let strict = match sh {
        "bash" => "set -euo pipefail\n",
        "zsh" => "setopt no_unset warn_create_global err_exit pipe_fail\n",
        "pwsh" => "Set-StrictMode -Version Latest\n",
        "xonsh" => "$RAISE_SUBPROC_ERROR = True\n",
        _ => "",
    };
    // Load the hook again under strict settings (as the shell's start-up line does), then
    // use it under them too; a renamed function works the same.
    let load = |name: &str| -> String {
        let cmd = if name == "awsp" { String::new() } else { format!(" --cmd {name}") };
        match sh {
            "fish" => format!("awsp init fish{cmd} | source\n"),
            "pwsh" => format!("Invoke-Expression (& awsp init powershell{cmd} | Out-String)\n"),
            "nu" => {
                let hook = h.run(&["init", "nu", "--cmd", name], &[]).expect(0).stdout;
                h.write(&format!("{name}.nu"), &hook);
                format!("source '{}'\n", h.path(&format!("{name}.nu")).display())
            }
            // The rest of the script runs in the hook's own `eval`, which defines the function.
            "elvish" => format!("eval (awsp init elvish{cmd} | slurp)\"\\n\"(slurp < ~/rest-{name}.elv)\n"),
            "xonsh" => {
                let args = if name == "awsp" { String::new() } else { format!(", '--cmd', '{name}'") };
                format!("execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'{args}], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')\n")
            }
            _ => format!("eval \"$(awsp init {sh}{cmd})\"\n"),
        }
    };
    let done = if sh == "nu" { "print done\n" } else { "echo done\n" };
    let rest = format!("awsp dev-admin\nawsp off\n{done}");
    h.write("rest-awsp.elv", &rest);
    let script = match sh {
        "elvish" => format!("{strict}{}", load("awsp")),
        _ => format!("{strict}{}{rest}", load("awsp")),
    };
    let r = h.shell(sh, &script, &[]).expect(0);
    assert_eq!(
        r.stdout, "done\n",
        "{sh}: sourcing or using printed something"
    );
    assert_eq!(r.stderr, "", "{sh}");
    let rest = format!("ap dev-admin\n{}", say_var(sh, "p", "AWS_PROFILE"));
    h.write("rest-ap.elv", &rest);
    let script = match sh {
        "elvish" => format!("{strict}{}", load("ap")),
        _ => format!("{strict}{}{rest}", load("ap")),
    };
    let r = h.shell(sh, &script, &[]).expect(0);
    assert!(r.stdout.ends_with("p=dev-admin\n"), "{sh}: {}{}", r.stdout, r.stderr);
});

/// How a test starts `sh` on a script without its own start-up files, and how it prints.
fn bare(sh: &str) -> (&'static [&'static str], &'static str) {
    match sh {
        "bash" => (&["--norc", "-c"], "echo"),
        "zsh" => (&["-f", "-c"], "echo"),
        "fish" => (&["--no-config", "-c"], "echo"),
        "nu" => (&["--no-config-file", "-c"], "print"),
        "elvish" => (&["-norc", "-c"], "echo"),
        "xonsh" => (&["--no-rc", "-c"], "echo"),
        _ => panic!("unknown shell {sh}"),
    }
}

shell_test!(
    /// The start-up line the README gives (the shell's module holds it), with no `awsp` on
    /// PATH: the shell starts, and says so in one line at most (fish, nushell, elvish: none).
    fn startup_line_is_quiet_without_the_binary(sh) {
    let h = Home::new();
    let shell: awsp::cli::Shell = clap::ValueEnum::from_str(sh, false).unwrap();
    let (args, print) = bare(sh);
    let line = format!("{}\n{print} started\n", shell.syntax().startup().0);
    let mut c = std::process::Command::new(shell_path(sh));
    c.args(args).arg(line).env_clear().envs(h.base_env()).env("PATH", "/usr/bin:/bin").current_dir(&h.dir);
    let r = Run::from(c.output().unwrap());
    assert_eq!(r.stdout, "started\n", "{sh}: {}", r.stderr);
    let most = if matches!(sh, "fish" | "nu" | "elvish") { 0 } else { 1 };
    assert!(r.stderr.lines().count() <= most, "{sh}: {}", r.stderr);
});

shell_test!(fn hook_survives_a_missing_binary(sh) {
    let h = Home::new();
    // Render the hook, then remove the binary from PATH: start-up must still succeed.
    let init = h
        .run(&["init", sh], &[])
        .expect(0)
        .stdout;
    h.write("hook", &init);
    h.write("hook.xsh", &init);
    let hook = h.path("hook");
    let script = match sh {
        "fish" => "source ~/hook; set PATH /usr/bin /bin; echo loaded\n".to_string(),
        "nu" => format!("source '{}'\n$env.PATH = ['/usr/bin' '/bin']\nprint loaded\n", hook.display()),
        "elvish" => "eval (slurp < ~/hook)\nset E:PATH = /usr/bin:/bin\necho loaded\n".to_string(),
        "xonsh" => "source ~/hook.xsh\n$PATH = ['/usr/bin', '/bin']\necho loaded\n".to_string(),
        _ => "source ~/hook; PATH=/usr/bin:/bin; echo loaded\n".to_string(),
    };
    let mut c = std::process::Command::new(sh);
    c.args(bare(sh).0).arg(&script).env_clear().envs(h.base_env()).current_dir(&h.dir);
    let r = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(r.stdout, "loaded\n", "{sh}: {}", r.stderr);
});

#[test]
fn bash_hook_passes_shellcheck() {
    let h = Home::new();
    if !have_shell("shellcheck") {
        return;
    }
    let init = h.run(&["init", "bash"], &[]).expect(0).stdout;
    h.write("hook.bash", &init);
    let r = Run::from(
        std::process::Command::new("shellcheck")
            .args(["--shell=bash", "--severity=style"])
            .arg(h.path("hook.bash"))
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "shellcheck:\n{}", r.stdout);
}

/// macOS ships bash 3.2. The hook uses nothing newer, except behind a version check:
/// `printf '%(%s)T'` (4.2) and `complete -o nosort` (4.4, retried without it). Debian has
/// no bash 3.2 to run, so this reads the hook for what 3.2 lacks.
#[test]
fn bash_hook_needs_only_bash_3_2() {
    let h = Home::new();
    let init = h.run(&["init", "bash"], &[]).expect(0).stdout;
    let newer = [
        ("mapfile", "4.0"),
        ("readarray", "4.0"),
        ("declare -A", "4.0"),
        ("local -A", "4.0"),
        ("coproc", "4.0"),
        (";;&", "4.0"),
        ("|&", "4.0"),
        ("&>>", "4.0"),
        ("${!", "unsafe indirection"),
        (",,}", "4.0"),
        ("^^}", "4.0"),
        ("local -n", "4.3"),
        ("declare -n", "4.3"),
        ("[[ -v", "4.2"),
        ("wait -n", "4.3"),
        ("${EPOCHREALTIME", "5.0"),
        ("@Q}", "4.4"),
    ];
    for (line_no, line) in init.lines().enumerate() {
        let code = line.split(" # ").next().unwrap_or(line).trim_start();
        if code.starts_with('#') {
            continue;
        }
        for (construct, version) in newer {
            assert!(
                !code.contains(construct),
                "line {}: `{construct}` needs bash {version}: {line}",
                line_no + 1
            );
        }
        if code.contains("%(%s)T") {
            let guarded = init.contains("BASH_VERSINFO[1] >= 402)) || __awsp_epoch=");
            assert!(guarded, "printf %(…)T must sit behind the 4.2 check");
        }
    }
}

/// The clock bash 3.2 uses (the time at load plus SECONDS), run in this bash with
/// EPOCHSECONDS unset: the next refresh is about a minute from the real time.
#[test]
fn bash_hook_clock_without_epochseconds() {
    let Some(h) = sso_home_for("bash") else {
        return;
    };
    let script = r#"
unset EPOCHSECONDS
__awsp_epoch=$(($(date +%s) - SECONDS))
__awsp_prompt_update
echo "$__awsp_prompt_next $(date +%s)"
"#;
    let r = h
        .shell("bash", script, &[("AWS_PROFILE", "dev-admin")])
        .expect(0);
    let nums: Vec<i64> = r
        .stdout
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let ahead = nums[0] - nums[1];
    assert!(
        (55..=61).contains(&ahead),
        "next refresh {ahead} s ahead: {}",
        r.stdout
    );
}

#[test]
fn init_rejects_bad_function_names() {
    let h = Home::new();
    for bad in ["", "1x", "a b", "x;rm", "-x", "$(x)"] {
        let r = h.run(&["init", "bash", "--cmd", bad], &[]);
        assert_eq!(r.code, 2, "{bad:?}");
        assert_eq!(r.stdout, "", "{bad:?}");
    }
}

/// A HOME with [`SSO_CONFIG`], when `shell` can be run here.
fn sso_home_for(shell: &str) -> Option<Home> {
    have_shell(shell).then(|| {
        let h = Home::new();
        h.config(SSO_CONFIG);
        h
    })
}

#[test]
fn bash_completion_offers_profiles_and_flags() {
    let Some(h) = sso_home_for("bash") else {
        return;
    };
    let script = r#"
complete -p awsp >/dev/null && echo registered
__complete_line() { COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<<"$1"; [[ "$1" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); __awsp_complete awsp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; echo "${COMPREPLY[*]}"; }
__complete_line "awsp d"
__complete_line "awsp "
__complete_line "awsp dev-admin --n"
__complete_line "awsp login p"
__complete_line "awsp list --"
"#;
    let r = h.shell("bash", script, &[]).expect(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "registered");
    assert_eq!(lines[1], "default deploy dev-admin doctor demo");
    assert!(
        lines[2].contains("prod-readonly") && lines[2].contains("off") && lines[2].contains("list"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "--no-login");
    assert_eq!(lines[4], "prod-readonly");
    assert!(
        lines[5].contains("--json") && lines[5].contains("--names"),
        "{}",
        lines[5]
    );
}

#[test]
fn fish_completion_offers_profiles_and_flags() {
    let Some(h) = sso_home_for("fish") else {
        return;
    };
    let script = [
        "complete -C 'awsp pro'",
        "complete -C 'awsp exec '",
        "complete -C 'awsp use legacy --k'",
        "complete -C 'awsp use legacy --keep-region --'",
        "complete -C 'awsp exec dev-admin -- ech'",
        "complete -C 'awsp exec dev-admin -- echo --'",
    ]
    .join("\necho ---\n");
    let r = h.shell("fish", &script, &[]).expect(0);
    let parts: Vec<&str> = r.stdout.split("---\n").collect();
    let has = |part: usize, want: &str| parts[part].lines().any(|l| l.starts_with(want));
    for (part, want) in [
        (0, "prod-readonly\t222222222222/ReadOnly"),
        (0, "prompt"),
        (1, "legacy\t333333333333/PowerUser"),
        (1, "deploy\t444444444444/Deploy"),
        (2, "--keep-region"),
        (3, "--no-login"),
        // After `--`, a command on PATH, and nothing of awsp's.
        (4, "echo"),
    ] {
        assert!(has(part, want), "{want:?}: {}", parts[part]);
    }
    assert!(
        !has(3, "--keep-region"),
        "a flag given is not offered again: {}",
        parts[3]
    );
    assert!(!has(4, "--"), "{}", parts[4]);
    assert!(!has(5, "--login") && !has(5, "--no-login"), "{}", parts[5]);
}

/// bash shows no descriptions: names only.
#[test]
fn bash_completion_has_no_descriptions() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let r = h
        .run(&["__complete", "bash", "--", "awsp dev"], &[])
        .expect(0);
    assert_eq!(r.stdout, "dev-admin\n");
    let r = h
        .run(&["__complete", "zsh", "--", "awsp", "dev"], &[])
        .expect(0);
    assert_eq!(r.stdout, "dev-admin\t111111111111/AdministratorAccess\n");
}

/// zsh completion through its own machinery: an interactive zsh in tmux, compinit, TAB;
/// with compinit run before the hook, and after it (the registration waits for it).
#[test]
fn zsh_completion_offers_profiles() {
    if !have_shell("zsh") || !have_tmux() {
        return;
    }
    let compinit = "autoload -Uz compinit && compinit -u -d ~/.zcompdump\n";
    let hook = "eval \"$(awsp init zsh)\"\n";
    for zshrc in [format!("{compinit}{hook}"), format!("{hook}{compinit}")] {
        let h = Home::new();
        h.config(SSO_CONFIG);
        h.write(".zshrc", &format!("{zshrc}PS1='> '\n"));
        let t = Term::start(&h, &[], (120, 30), "zsh -i");
        t.wait_for("the prompt", |s| s.lines().any(|l| l.starts_with('>')));
        t.type_text("awsp prod-r");
        t.key("Tab");
        t.wait_for("the completed name", |s| s.contains("awsp prod-readonly"));
        // Several candidates are listed with their account and role.
        t.key("C-u");
        t.type_text("awsp d");
        t.key("Tab");
        t.wait_for("the described list", |s| {
            s.contains("dev-admin  -- 111111111111/AdministratorAccess")
        });
    }
}

/// PowerShell without pwsh: the exact code `use` and `clear` print, against golden files.
#[test]
fn powershell_code_matches_golden_files() {
    let h = Home::new();
    h.config("[profile its-ok]\nregion = x'; touch /tmp/p #\nsso_account_id = 1\nsso_account_name = ‘curly’ $(x) `y`\n");
    let vars = [("AWS_PROFILE", "before")];
    let used = h
        .run(&["use", "its-ok", "--shell", "powershell"], &vars)
        .expect(0)
        .stdout;
    let cleared = h
        .run(&["clear", "--shell", "powershell"], &[("AWSP_REGION", "x")])
        .expect(0)
        .stdout;
    let golden = |name: &str, got: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var("AWSP_BLESS").is_ok() {
            std::fs::write(&path, got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            got, want,
            "{name} differs (AWSP_BLESS=1 rewrites it after review)"
        );
    };
    golden("use.ps1", &used);
    golden("clear.ps1", &cleared);
    let init = h
        .run(&["init", "powershell", "--cmd", "ap"], &[])
        .expect(0)
        .stdout;
    assert!(init.contains("function global:ap {"));
    assert!(init.contains("Register-ArgumentCompleter -Native -CommandName 'ap'"));
    assert!(!init.contains("__CMD__"));
}

/// Completion in nushell, elvish and xonsh, through each hook's completer: profile names
/// with their account and role, subcommands, flags after a profile.
#[test]
fn new_shells_complete_profiles_and_flags() {
    for sh in ["nu", "elvish", "xonsh"] {
        let Some(h) = sso_home_for(sh) else {
            continue;
        };
        let ask = |line: &str| match sh {
            "nu" => format!(
                "__awsp_complete '{line}' | each {{|c| print $\"($c.value)\\t($c.description)\" }} | ignore\n"
            ),
            "elvish" => {
                let mut words: Vec<String> = line.split(' ').map(|w| format!("'{w}'")).collect();
                if line.ends_with(' ') {
                    words.pop();
                    words.push("''".into());
                }
                format!(
                    "__awsp_complete {} | each {{|c| echo $c[0]\"\\t\"$c[1] }}\n",
                    words.join(" ")
                )
            }
            _ => format!(
                "for c in sorted(_awsp_completer('{}', '{line}', 0, {}, None) or [], key=str): print(str(c) + '\\t' + (getattr(c, 'description', '') or ''))\n",
                line.rsplit(' ').next().unwrap(),
                line.len()
            ),
        };
        let script = ["awsp pro", "awsp exec ", "awsp use legacy --k"]
            .map(ask)
            .join(&say_var(sh, "sep", "NOPE"));
        let r = h.shell(sh, &script, &[]).expect(0);
        let parts: Vec<&str> = r.stdout.split("sep=\n").collect();
        assert_eq!(parts.len(), 3, "{sh}: {}{}", r.stdout, r.stderr);
        let has = |part: usize, want: &str| parts[part].lines().any(|l| l.starts_with(want));
        for (part, want) in [
            (0, "prod-readonly\t222222222222/ReadOnly"),
            (0, "prompt"),
            (1, "legacy\t333333333333/PowerUser"),
            (1, "deploy\t444444444444/Deploy"),
            (2, "--keep-region"),
        ] {
            assert!(has(part, want), "{sh}: {want:?}: {}", parts[part]);
        }
    }
}

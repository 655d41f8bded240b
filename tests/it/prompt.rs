//! `awsp prompt` through the real binary, and the prompt hooks in real bash, zsh and fish.

use crate::common::*;

/// Runs `awsp prompt ARGS` with `vars`; it must exit 0 and say nothing on stderr.
fn prompt(h: &Home, args: &[&str], vars: &[(&str, &str)]) -> String {
    let mut all = vec!["prompt"];
    all.extend_from_slice(args);
    let r = h.run(&all, vars).expect(0);
    assert_eq!(r.stderr, "", "the prompt wrote to stderr");
    r.stdout
}

/// The segment without colour.
fn plain(h: &Home, profile: &str, extra: &[(&str, &str)]) -> String {
    let mut vars = vec![("AWS_PROFILE", profile), ("NO_COLOR", "1")];
    vars.extend_from_slice(extra);
    prompt(h, &[], &vars)
}

fn sso_home() -> Home {
    let h = Home::new();
    h.config(SSO_CONFIG).credentials(STATIC_CREDENTIALS);
    h
}

#[test]
fn segment_for_each_profile_kind() {
    let h = sso_home();
    h.token("acme", 192, false);
    h.token("https://legacy.awsapps.com/start", 30, false);
    assert_eq!(
        plain(&h, "dev-admin", &[]),
        "dev-admin 111111111111/AdministratorAccess eu-west-1 3h11m\n"
    );
    assert_eq!(
        plain(&h, "legacy", &[]),
        "legacy 333333333333/PowerUser ap-southeast-2 29m\n"
    );
    // A role chain: account and role from role_arn, time from the session it ends in.
    assert_eq!(
        plain(&h, "deploy", &[]),
        "deploy 444444444444/Deploy 3h11m\n"
    );
    // Static keys: nothing expires that awsp knows of…
    assert_eq!(plain(&h, "keys", &[]), "keys\n");
    // …unless the environment says when the credentials end.
    let exp = (chrono::Utc::now() + chrono::Duration::minutes(45))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        plain(&h, "keys", &[("AWS_CREDENTIAL_EXPIRATION", &exp)]),
        "keys 44m\n"
    );
    // The environment's region is the one the SDKs use.
    assert_eq!(
        plain(&h, "keys", &[("AWS_REGION", "sa-east-1")]),
        "keys sa-east-1\n"
    );
    assert_eq!(plain(&h, "nope", &[]), "nope unknown profile\n");
    // AWS_DEFAULT_PROFILE selects a profile too.
    let r = prompt(
        &h,
        &[],
        &[("AWS_DEFAULT_PROFILE", "keys"), ("NO_COLOR", "")],
    );
    assert_eq!(r, "keys\n");
}

#[test]
fn account_name_wins_and_format_variables() {
    let h = Home::new();
    h.config(
        "[profile named]\nsso_session = s\nsso_account_id = 555555555555\nsso_account_name = payments-prod\n\
         sso_role_name = Admin\n[sso-session s]\nsso_start_url = https://s/start\nsso_region = us-east-1\n",
    );
    h.token("s", 90, false);
    assert_eq!(plain(&h, "named", &[]), "named payments-prod/Admin 1h29m\n");
    let f = "{profile}|{account}|{account_id}|{account_name}|{role}|{region}|{left}|{state}";
    let r = prompt(
        &h,
        &["--format", f],
        &[("AWS_PROFILE", "named"), ("NO_COLOR", "1")],
    );
    assert_eq!(
        r,
        "named|payments-prod|555555555555|payments-prod|Admin||1h29m|valid\n"
    );
    // The format may also come from the environment; empty groups vanish.
    let r = prompt(
        &h,
        &[],
        &[
            ("AWS_PROFILE", "named"),
            ("NO_COLOR", "1"),
            ("AWSP_PROMPT_FORMAT", "aws:{profile}( @{region})( [{left}])"),
        ],
    );
    assert_eq!(r, "aws:named [1h29m]\n");
}

#[test]
fn token_states() {
    let h = sso_home();
    let left = |minutes: i64, refreshable: bool| {
        h.token("acme", minutes, refreshable);
        plain(
            &h,
            "prod-readonly",
            &[("AWSP_PROMPT_FORMAT", "{left}|{state}")],
        )
    };
    assert_eq!(left(300, false), "4h59m|valid\n");
    assert_eq!(
        left(300, true),
        "renews|valid\n",
        "a renewing session's end is not its access token's"
    );
    assert_eq!(left(5, true), "refreshable|refreshable\n");
    assert_eq!(left(-5, true), "refreshable|refreshable\n");
    assert_eq!(left(-5, false), "expired|expired\n");
    std::fs::remove_file(h.token("acme", 1, false)).unwrap();
    assert_eq!(
        plain(
            &h,
            "prod-readonly",
            &[("AWSP_PROMPT_FORMAT", "{left}|{state}")]
        ),
        "logged out|missing\n"
    );
}

#[test]
fn corrupt_or_missing_cache_and_config_exit_zero_quietly() {
    let h = sso_home();
    let path = h.token("acme", 60, false);
    for junk in [
        "",
        "{",
        "not json",
        "{\"accessToken\":\"a\",\"expiresAt\":\"soon\"}",
    ] {
        std::fs::write(&path, junk).unwrap();
        assert_eq!(
            plain(&h, "dev-admin", &[]),
            "dev-admin 111111111111/AdministratorAccess eu-west-1 bad token\n",
            "{junk:?}"
        );
    }
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    assert!(plain(&h, "dev-admin", &[]).ends_with(" bad token\n"));
    std::fs::remove_dir_all(h.path(".aws/sso")).unwrap();
    assert!(plain(&h, "dev-admin", &[]).ends_with(" logged out\n"));

    // A config that cannot be parsed: the prompt shows what the switch recorded.
    h.config("[profile dev-admin]\nthis line is not a property\n");
    let switched = [
        ("AWSP_PROFILE", "dev-admin"),
        ("AWSP_ACCOUNT", "111111111111"),
        ("AWSP_ROLE", "AdministratorAccess"),
        ("AWSP_REGION", "eu-west-1"),
    ];
    assert_eq!(
        plain(&h, "dev-admin", &switched),
        "dev-admin 111111111111/AdministratorAccess eu-west-1\n"
    );
    // A config that is a directory, or a file that is not UTF-8.
    std::fs::remove_file(h.path(".aws/config")).unwrap();
    std::fs::create_dir(h.path(".aws/config")).unwrap();
    assert_eq!(plain(&h, "dev-admin", &[]), "dev-admin\n");
    std::fs::remove_dir(h.path(".aws/config")).unwrap();
    std::fs::write(
        h.path(".aws/config"),
        b"[profile dev-admin]\nregion = \xff\n",
    )
    .unwrap();
    assert_eq!(plain(&h, "dev-admin", &[]), "dev-admin\n");
    // Nothing at all: no files.
    std::fs::remove_dir_all(h.path(".aws")).unwrap();
    assert_eq!(plain(&h, "dev-admin", &[]), "dev-admin unknown profile\n");
    // Odd arguments for --cache still give two lines.
    let r = prompt(&h, &["--cache", "--shell", "zsh"], &[]);
    assert_eq!(r, "\n0\n");
}

#[test]
fn errors_elsewhere_in_the_config_do_not_matter() {
    let h = Home::new();
    let mut cfg = String::from(SSO_CONFIG);
    cfg.push_str("[profile broken]\nthis is not a property\n");
    h.config(&cfg);
    h.token("acme", 120, false);
    assert!(plain(&h, "dev-admin", &[]).starts_with("dev-admin 111111111111/"));
}

#[test]
fn nothing_without_a_profile() {
    let h = sso_home();
    h.token("acme", 120, false);
    assert_eq!(prompt(&h, &[], &[]), "");
    assert_eq!(prompt(&h, &["--shell", "bash"], &[("AWS_PROFILE", "")]), "");
    assert_eq!(prompt(&h, &["--shell", "zsh", "--cache"], &[]), "\n0\n");
}

#[test]
fn colours_follow_thresholds_and_no_color() {
    let h = sso_home();
    let seg = |minutes: i64, vars: &[(&str, &str)]| {
        h.token("acme", minutes, false);
        let mut all = vec![
            ("AWS_PROFILE", "dev-admin"),
            ("AWSP_PROMPT_FORMAT", "{left}"),
        ];
        all.extend_from_slice(vars);
        prompt(&h, &[], &all)
    };
    assert_eq!(seg(180, &[]), "\x1b[32m2h59m\x1b[0m\n");
    assert_eq!(seg(45, &[]), "\x1b[33m44m\x1b[0m\n");
    assert_eq!(seg(5, &[]), "\x1b[1;31m4m\x1b[0m\n");
    assert_eq!(seg(-5, &[]), "\x1b[1;31mexpired\x1b[0m\n");
    assert_eq!(seg(5, &[("NO_COLOR", "1")]), "4m\n");
    // Thresholds and colours can be moved.
    let custom = [
        ("AWSP_PROMPT_WARN", "240"),
        ("AWSP_PROMPT_COLORS", "36:35:41"),
    ];
    assert_eq!(seg(180, &custom), "\x1b[35m2h59m\x1b[0m\n");
    assert_eq!(seg(5, &custom), "\x1b[41m4m\x1b[0m\n");
}

#[test]
fn escape_style_per_shell() {
    let h = sso_home();
    h.token("acme", 180, false);
    let vars = [("AWS_PROFILE", "keys"), ("AWSP_PROMPT_FORMAT", "{profile}")];
    let with = |shell: &str| prompt(&h, &["--shell", shell], &vars);
    assert_eq!(with("bash"), "\\[\x1b[32m\\]keys\\[\x1b[0m\\]\n");
    assert_eq!(with("zsh"), "%{\x1b[32m%}keys%{\x1b[0m%}\n");
    assert_eq!(with("fish"), "\x1b[32mkeys\x1b[0m\n");
    assert_eq!(with("powershell"), "\x1b[32mkeys\x1b[0m\n");
    // The bash hook keeps the segment in a variable: readline's markers work there.
    let r = prompt(&h, &["--shell", "bash", "--cache"], &vars);
    assert!(
        r.starts_with("\x01\x1b[32m\x02keys\x01\x1b[0m\x02\n"),
        "{r:?}"
    );
    let mut no_color = vars.to_vec();
    no_color.push(("NO_COLOR", ""));
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert_eq!(
            prompt(&h, &["--shell", shell], &no_color),
            "keys\n",
            "{shell}"
        );
    }
}

#[test]
fn cache_line_says_when_the_time_shown_changes() {
    let h = sso_home();
    h.token("acme", 180, false);
    let now = chrono::Utc::now().timestamp();
    let r = prompt(
        &h,
        &["--shell", "zsh", "--cache"],
        &[("AWS_PROFILE", "dev-admin")],
    );
    let lines: Vec<&str> = r.lines().collect();
    assert_eq!(lines.len(), 2, "{r:?}");
    assert!(lines[0].contains("2h59m"));
    let next: i64 = lines[1].parse().unwrap();
    assert!(next > now && next <= now + 61, "next {next}, now {now}");
    // Nothing changes by itself for static keys.
    let r = prompt(
        &h,
        &["--shell", "bash", "--cache"],
        &[("AWS_PROFILE", "keys")],
    );
    assert!(r.ends_with("\n0\n"), "{r:?}");
}

/// A hostile account name: shown as text in every shell, never run.
const HOSTILE: &str = "[profile evil]\naws_access_key_id = A\naws_secret_access_key = B\n\
                       account_name = 100% $(touch pwned) `touch pwned2` \\w\n";

#[test]
fn hostile_values_are_text_in_real_prompts() {
    let h = Home::new();
    h.config(HOSTILE);
    let vars = [("AWS_PROFILE", "evil"), ("NO_COLOR", "1")];
    let want = "evil 100% $(touch pwned) `touch pwned2` \\w";
    if have_shell("bash") {
        // Spliced into PS1 itself, and through the hook's variable.
        let script = "PS1=\"[$(awsp prompt --shell bash)]\"; printf '%s\\n' \"${PS1@P}\"\n\
                      __awsp_prompt_update; PS1='<${AWSP_SEGMENT}>'; printf '%s\\n' \"${PS1@P}\"\n";
        let r = h.shell("bash", script, &vars).expect(0);
        assert_eq!(r.stdout, format!("[{want}]\n<{want}>\n"));
    }
    if have_shell("zsh") {
        let script = "setopt prompt_subst; __awsp_prompt_update; PROMPT='<${AWSP_SEGMENT}>'\n\
                      print -r -- \"${(%%)PROMPT}\"\n";
        let r = h.shell("zsh", script, &vars).expect(0);
        assert_eq!(r.stdout, format!("<{want}>\n"));
    }
    if have_shell("fish") {
        let r = h
            .shell("fish", "echo \"<\"(awsp_prompt)\">\"\n", &vars)
            .expect(0);
        assert_eq!(r.stdout, format!("<{want}>\n"));
    }
    assert!(!h.path("pwned").exists() && !h.path("pwned2").exists());
}

/// Replaces `awsp` on PATH with a wrapper that counts the `prompt` calls.
fn count_prompt_calls(h: &Home) {
    let link = h.bin.join("awsp");
    std::fs::remove_file(&link).unwrap();
    h.write(
        "bin/awsp",
        &format!(
            "#!/bin/sh\n[ \"$1\" = prompt ] && echo x >> \"$HOME/prompt-calls\"\nexec '{BIN}' \"$@\"\n"
        ),
    );
    make_executable(&link);
}

fn prompt_calls(h: &Home) -> usize {
    std::fs::read_to_string(h.path("prompt-calls")).map_or(0, |s| s.lines().count())
}

/// One prompt, rendered as the shell would draw it: `<segment>`.
fn draw(shell: &str) -> &'static str {
    match shell {
        "bash" => "__awsp_prompt_update; printf '<%s>\\n' \"${PS1@P}\"\n",
        "zsh" => "__awsp_prompt_update; print -r -- \"<${(%%)PROMPT}>\"\n",
        // nushell runs the pre_prompt hook before each prompt; a script calls it.
        "nu" => "__awsp_prompt_update\nprint $\"<(awsp_prompt)>\"\n",
        "elvish" => "echo '<'(awsp_prompt | slurp)'>'\n",
        // xonsh calls the {awsp} field for each prompt.
        "xonsh" => "print('<' + $PROMPT_FIELDS['awsp']() + '>')\n",
        "fish" => "printf '<%s>\\n' (awsp_prompt)\n",
        _ => panic!("unknown shell {shell}"),
    }
}

fn setup(shell: &str) -> &'static str {
    match shell {
        "bash" => "PS1='${AWSP_SEGMENT}'\n",
        "zsh" => "setopt prompt_subst; PROMPT='${AWSP_SEGMENT}'\n",
        _ => "",
    }
}

shell_test!(fn hooks_follow_switch_login_and_off(sh) {
    let h = sso_home();
    let token = h.token("acme", 30, false);
    let fresh = (chrono::Utc::now() + chrono::Duration::minutes(480))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let login_elsewhere = match sh {
        "nu" => format!(
            "'{{\"accessToken\":\"t\",\"expiresAt\":\"{fresh}\"}}' | save -f '{}'\n",
            token.display()
        ),
        _ => format!(
            "printf '%s' '{{\"accessToken\":\"t\",\"expiresAt\":\"{fresh}\"}}' > '{}'\n",
            token.display()
        ),
    };
    let sleep = if sh == "nu" { "sleep 2200ms\n" } else { "sleep 2.2\n" };
    let script = [
        setup(sh),
        draw(sh),
        "awsp dev-admin\n",
        draw(sh),
        &login_elsewhere,
        sleep,
        draw(sh),
        "awsp off\n",
        draw(sh),
    ]
    .concat();
    let r = h
        .shell(
            sh,
            &script,
            &[("NO_COLOR", "1"), ("AWSP_PROMPT_INTERVAL", "2")],
        )
        .expect(0);
    assert_eq!(r.stderr, "", "{sh}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "<>",
            "<dev-admin 111111111111/AdministratorAccess eu-west-1 29m>",
            "<dev-admin 111111111111/AdministratorAccess eu-west-1 7h59m>",
            "<>",
        ],
        "{sh}"
    );
});

#[test]
fn hooks_spawn_nothing_on_most_prompts() {
    for sh in ["bash", "zsh"] {
        if !have_shell(sh) {
            continue;
        }
        let h = sso_home();
        h.token("acme", 240, false);
        count_prompt_calls(&h);
        // Ten prompts with nothing changing, then a region change, then a switch.
        let script = [
            setup(sh),
            "awsp dev-admin\n",
            &draw(sh).repeat(10),
            "export AWS_REGION=sa-east-1\n",
            draw(sh),
            draw(sh),
            "awsp prod-readonly\n",
            draw(sh),
        ]
        .concat();
        let r = h.shell(sh, &script, &[("NO_COLOR", "1")]).expect(0);
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines.len(), 13, "{sh}: {}", r.stdout);
        assert!(lines[..10].iter().all(|l| *l == lines[0]), "{sh}");
        assert!(lines[0].contains("eu-west-1 3h59m"), "{sh}: {}", lines[0]);
        assert!(lines[10].contains("sa-east-1"), "{sh}: {}", lines[10]);
        assert!(lines[12].starts_with("<prod-readonly 222222222222"), "{sh}");
        // One call after the switch, one after the region change, one after the second
        // switch (unless a minute of the time shown ran out in between).
        let calls = prompt_calls(&h);
        assert!((3..=4).contains(&calls), "{sh}: {calls} calls");
    }
}

#[test]
fn bash_hook_keeps_prompt_command_status_and_strict_mode() {
    if !have_shell("bash") {
        return;
    }
    let h = sso_home();
    // Loaded twice under set -u, after the user's own PROMPT_COMMAND (a string, then an
    // array), it adds itself once, keeps theirs, and leaves $? alone.
    let script = "set -u\nPROMPT_COMMAND='echo mine'\neval \"$(awsp init bash)\"\n\
                  printf '%s\\n' \"$PROMPT_COMMAND\"\n\
                  false; __awsp_prompt_update; echo \"status=$?\"\n";
    let r = h.shell("bash", script, &[]).expect(0);
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout, "echo mine\n__awsp_prompt_update\nstatus=1\n");
    let script = "set -u\nPROMPT_COMMAND=('echo one' 'echo two')\neval \"$(awsp init bash)\"\n\
                  printf '[%s]' \"${PROMPT_COMMAND[@]}\"; echo\n";
    let r = h.shell("bash", script, &[]).expect(0);
    let modern = r
        .stdout
        .starts_with("[echo one][echo two][__awsp_prompt_update]");
    let old = r
        .stdout
        .starts_with("[echo one\n__awsp_prompt_update][echo two]");
    assert!(modern || old, "{}", r.stdout);
}

#[test]
fn zsh_hook_registers_once_under_nounset() {
    if !have_shell("zsh") {
        return;
    }
    let h = sso_home();
    let script = "setopt nounset\neval \"$(awsp init zsh)\"\nprint -r -- ${precmd_functions}\n\
                  false; __awsp_prompt_update; print -r -- \"[$AWSP_SEGMENT]\"\n";
    let r = h.shell("zsh", script, &[]).expect(0);
    assert_eq!(r.stderr, "");
    // Loaded twice (the harness loads it too), each hook is registered once; without
    // compinit, completion waits for it in `__awsp_compdef`.
    assert_eq!(r.stdout, "__awsp_compdef __awsp_prompt_update\n[]\n");
}

#[test]
fn fish_helper_keeps_status() {
    if !have_shell("fish") {
        return;
    }
    let h = sso_home();
    h.token("acme", 240, false);
    let script =
        "set -gx AWS_PROFILE dev-admin\nfalse\nset -l seg (awsp_prompt)\necho \"$status $seg\"\n";
    let r = h.shell("fish", script, &[("NO_COLOR", "1")]).expect(0);
    assert_eq!(
        r.stdout,
        "1 dev-admin 111111111111/AdministratorAccess eu-west-1 3h59m\n"
    );
}

#[test]
fn hooks_work_under_strict_settings() {
    let h = sso_home();
    h.token("acme", 240, false);
    for (sh, strict) in [
        ("bash", "set -euo pipefail\n"),
        (
            "zsh",
            "setopt no_unset warn_create_global err_exit pipe_fail\n",
        ),
    ] {
        if !have_shell(sh) {
            continue;
        }
        let script = [
            strict,
            &format!("eval \"$(awsp init {sh})\"\n"),
            setup(sh),
            draw(sh),
            "awsp dev-admin\n",
            draw(sh),
            draw(sh),
            "awsp off\n",
            draw(sh),
        ]
        .concat();
        let r = h.shell(sh, &script, &[("NO_COLOR", "1")]).expect(0);
        assert_eq!(r.stderr, "", "{sh}");
        let want = "<dev-admin 111111111111/AdministratorAccess eu-west-1 3h59m>";
        assert_eq!(r.stdout, format!("<>\n{want}\n{want}\n<>\n"), "{sh}");
    }
}

/// Sets (`Some`) or removes (`None`) an environment variable in `shell`'s syntax.
fn set(shell: &str, name: &str, value: Option<&str>) -> String {
    match (shell, value) {
        ("fish", Some(v)) => format!("set -gx {name} '{v}'\n"),
        ("fish", None) => format!("set -e {name}\n"),
        ("nu", Some(v)) => format!("$env.{name} = '{v}'\n"),
        ("nu", None) => format!("hide-env -i {name}\n"),
        ("elvish", Some(v)) => format!("set-env {name} '{v}'\n"),
        ("elvish", None) => format!("unset-env {name}\n"),
        ("xonsh", Some(v)) => format!("${name} = '{v}'\n"),
        ("xonsh", None) => format!("del ${name}\n"),
        ("pwsh", Some(v)) => format!("$env:{name} = '{v}'\n"),
        ("pwsh", None) => format!("Remove-Item Env:{name}\n"),
        (_, Some(v)) => format!("export {name}='{v}'\n"),
        (_, None) => format!("unset {name}\n"),
    }
}

/// [`draw`], PowerShell included.
fn draw_any(shell: &str) -> &'static str {
    match shell {
        "pwsh" => "Write-Output \"<$(awsp_prompt)>\"\n",
        _ => draw(shell),
    }
}

shell_test!(pwsh fn exported_keys_and_another_default_profile_show_in_every_shell(sh) {
    let h = sso_home();
    h.token("acme", 240, false);
    // The keys change under an unchanged AWS_PROFILE: the bash and zsh hooks notice at once,
    // without waiting for their interval.
    let script = [
        setup(sh),
        &set(sh, "AWS_PROFILE", Some("dev-admin")),
        draw_any(sh),
        &set(sh, "AWS_ACCESS_KEY_ID", Some("AKIAEXAMPLE")),
        draw_any(sh),
        &set(sh, "AWS_SECRET_ACCESS_KEY", Some("SECRET-EXPORTED")),
        draw_any(sh),
        &set(sh, "AWS_ACCESS_KEY_ID", None),
        &set(sh, "AWS_SECRET_ACCESS_KEY", None),
        draw_any(sh),
        &set(sh, "AWS_DEFAULT_PROFILE", Some("prod-readonly")),
        draw_any(sh),
    ]
    .concat();
    let r = h
        .shell(sh, &script, &[("NO_COLOR", "1"), ("AWSP_PROMPT_INTERVAL", "3600")])
        .expect(0);
    assert_eq!(r.stderr, "", "{sh}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "<dev-admin 111111111111/AdministratorAccess eu-west-1 3h59m>",
            "<half-keys! dev-admin eu-west-1>",
            "<keys! dev-admin eu-west-1>",
            "<dev-admin 111111111111/AdministratorAccess eu-west-1 3h59m>",
            "<dev-admin 111111111111/AdministratorAccess eu-west-1 3h59m (boto3/CLI v1: prod-readonly)>",
        ],
        "{sh}"
    );
    assert!(!r.stdout.contains("SECRET"), "{sh}");
});

#[test]
fn exported_keys_in_every_format_and_state() {
    let h = sso_home();
    h.token("acme", 240, false);
    let keys = [
        ("AWS_PROFILE", "dev-admin"),
        ("NO_COLOR", "1"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "SECRET-EXPORTED"),
    ];
    let with = |format: &str, extra: &[(&str, &str)]| {
        let mut vars = keys.to_vec();
        vars.extend_from_slice(extra);
        prompt(&h, &["--format", format], &vars)
    };
    assert_eq!(with("{state}", &[]), "keys! keys-override\n");
    assert_eq!(with("{account}( {left})", &[]), "keys!\n");
    // The keys' own end, when the environment says it.
    let exp = (chrono::Utc::now() + chrono::Duration::minutes(45))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        with("{profile}( {left})", &[("AWS_CREDENTIAL_EXPIRATION", &exp)]),
        "keys! dev-admin 44m\n"
    );
    // A session token alone changes nothing: without an access key id the CLI uses the
    // profile.
    assert_eq!(
        prompt(
            &h,
            &["--format", "{profile} {state}"],
            &[
                ("AWS_PROFILE", "dev-admin"),
                ("NO_COLOR", "1"),
                ("AWS_SESSION_TOKEN", "T")
            ]
        ),
        "dev-admin valid\n"
    );
    // An override is at least a warning.
    let r = prompt(&h, &["--format", "{profile}"], &[keys[0], keys[2], keys[3]]);
    assert_eq!(r, "\x1b[33mkeys! dev-admin\x1b[0m\n");
    // AWS_DEFAULT_PROFILE alone, or equal to AWS_PROFILE, is no disagreement.
    assert!(!plain(&h, "dev-admin", &[("AWS_DEFAULT_PROFILE", "dev-admin")]).contains("boto3"));
    assert_eq!(
        prompt(
            &h,
            &["--format", "{profile}"],
            &[("AWS_DEFAULT_PROFILE", "prod-readonly"), ("NO_COLOR", "1")]
        ),
        "prod-readonly\n"
    );
}

#[test]
fn a_broken_sso_setup_is_shown_instead_of_the_token() {
    let h = Home::new();
    h.config(&format!(
        "{SSO_CONFIG}\n[profile typo]\nsso_session = acmee\nsso_account_id = 5\nsso_role_name = R\n"
    ));
    h.token("acmee", 60, false);
    assert_eq!(
        plain(
            &h,
            "typo",
            &[("AWSP_PROMPT_FORMAT", "{profile} {left}|{state}")]
        ),
        "typo no session \"acmee\"|misconfigured\n"
    );
}

#[test]
fn aws_login_profile_segment() {
    let h = Home::new();
    h.config(crate::login::LOGIN_CONFIG);
    crate::login::login_cache(&h, crate::login::LOGIN_SESSION, 45);
    // The CLI renews these credentials itself: their end is not the session's.
    assert_eq!(
        plain(&h, "console", &[]),
        "console 012345678910/Admin eu-central-1 renews\n"
    );
    assert_eq!(
        plain(
            &h,
            "console-role",
            &[(
                "AWSP_PROMPT_FORMAT",
                "{profile} {account}/{role} {left} {state}"
            )]
        ),
        "console-role 888888888888/Deploy renews valid\n"
    );
    crate::login::login_cache(&h, crate::login::LOGIN_SESSION, -60);
    assert_eq!(
        plain(&h, "console", &[("AWSP_PROMPT_FORMAT", "{left}|{state}")]),
        "refreshable|refreshable\n"
    );
    std::fs::remove_dir_all(h.path(".aws/login")).unwrap();
    assert_eq!(
        plain(&h, "console", &[("AWSP_PROMPT_FORMAT", "{left}|{state}")]),
        "logged out|missing\n"
    );
}

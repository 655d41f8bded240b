//! SSO login on demand, `awsp login`, `awsp status` and `awsp exec`, through the real shell
//! function in bash, zsh and fish, with a stand-in `aws` on PATH.

use crate::common::*;

use std::time::{Duration, Instant};

/// `expiresAt` of the stand-in's fresh token, as `AWSP_EXPIRES` holds it.
const FRESH_EXPIRES: &str = "32472144000";

/// Every `aws` call the stand-in recorded.
fn calls(h: &Home) -> Vec<String> {
    std::fs::read_to_string(h.path("aws-calls"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

fn logins(h: &Home) -> Vec<String> {
    calls(h)
        .into_iter()
        .filter(|c| c.starts_with("sso login"))
        .collect()
}

/// A script for `shell`: `body`, where `CMD; echo TAG=RC` (or `echo TAG=RC` on the line
/// after `CMD`) runs CMD and prints its exit status as `TAG=N` in that shell's way, then a
/// dump of `vars`.
fn script(shell: &str, body: &str, vars: &[&str]) -> String {
    let mut cmds: Vec<(String, Option<String>)> = Vec::new();
    for line in body.lines() {
        let (cmd, tag) = match line.rsplit_once("echo ") {
            Some((cmd, tag)) if tag.ends_with("=RC") => (
                cmd.trim_end().trim_end_matches(';').trim_end(),
                Some(tag.trim_end_matches("=RC")),
            ),
            _ => (line, None),
        };
        match (cmd.is_empty(), tag, cmds.last_mut()) {
            (true, Some(tag), Some(last)) => last.1 = Some(tag.to_string()),
            _ => cmds.push((cmd.to_string(), tag.map(str::to_string))),
        }
    }
    let mut out = String::new();
    for (cmd, tag) in cmds {
        match tag {
            Some(tag) => out.push_str(&run_status(shell, &cmd, &tag)),
            None => out.push_str(&format!("{cmd}\n")),
        }
    }
    format!("{out}{}", dump_vars(shell, vars))
}

fn home() -> Home {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.fake_aws(None);
    h
}

/// Runs `body` (see [`script`]) in `sh` with `vars` set, then dumps `dump`.
fn run(h: &Home, sh: &str, body: &str, dump: &[&str], vars: &[(&str, &str)]) -> Run {
    h.shell(sh, &script(sh, body, dump), vars)
}

/// The scenario's command exited 0 (its script echoes `rc=RC`).
fn succeeded(r: &Run, sh: &str) {
    assert!(has(&r.stdout, "rc=0"), "{sh}: {}\n{}", r.stdout, r.stderr);
}

/// awsp said `text` on stderr.
fn said(r: &Run, sh: &str, text: &str) {
    assert!(r.stderr.contains(text), "{sh}: {}", r.stderr);
}

fn has(out: &str, line: &str) -> bool {
    out.lines().any(|l| l == line)
}

/// Variables a failed switch must leave exactly as they were.
const BEFORE: [(&str, &str); 4] = [
    ("AWS_PROFILE", "before"),
    ("AWS_ACCESS_KEY_ID", "AKIAOLD"),
    ("AWS_REGION", "sa-east-1"),
    ("AWSP_EXPIRES", "1"),
];

fn assert_unchanged(r: &Run, shell: &str) {
    for (k, v) in BEFORE {
        assert!(
            has(&r.stdout, &format!("{k}={v}|")),
            "{shell}: {k} changed\n{}\n{}",
            r.stdout,
            r.stderr
        );
    }
    assert!(
        !r.stdout.contains("export") && !r.stdout.contains("set -gx"),
        "{shell}: shell code leaked to stdout: {}",
        r.stdout
    );
}

shell_test!(fn expired_token_logs_in_once_then_switches(sh) {
    let h = home();
    h.token("acme", -30, false);
    let r = run(&h, sh, "awsp dev-admin --login; echo rc=RC", &["AWS_PROFILE", "AWS_REGION", "AWSP_EXPIRES"], &[]);
    succeeded(&r, sh);
    assert!(
        has(&r.stdout, "AWS_PROFILE=dev-admin|"),
        "{sh}: {}",
        r.stdout
    );
    assert!(
        has(&r.stdout, "AWS_REGION=eu-west-1|"),
        "{sh}: {}",
        r.stdout
    );
    assert!(
        has(&r.stdout, &format!("AWSP_EXPIRES={FRESH_EXPIRES}|")),
        "{sh}: the switch records the new token: {}",
        r.stdout
    );
    assert_eq!(logins(&h), ["sso login --profile dev-admin"], "{sh}");
    assert!(
        r.stderr.contains(
            "awsp: sso-session acme expired; running `aws sso login --profile dev-admin`"
        ),
        "{sh}: {}",
        r.stderr
    );
});

shell_test!(fn valid_token_needs_no_login_and_no_terminal(sh) {
    let h = home();
    h.token("acme", 120, false);
    let r = run(&h, sh, "awsp prod-readonly; echo rc=RC", &["AWS_PROFILE"], &[]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=prod-readonly|"), "{sh}");
    assert!(calls(&h).is_empty(), "{sh}: {:?}", calls(&h));
    assert_eq!(r.stderr, "", "{sh}");
});

shell_test!(fn refreshable_token_needs_no_login(sh) {
    let h = home();
    // Expired five minutes ago, but the CLI refreshes it silently.
    h.token("acme", -5, true);
    let r = run(&h, sh, "awsp dev-admin; echo rc=RC", &["AWS_PROFILE"], &[]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=dev-admin|"), "{sh}");
    assert!(calls(&h).is_empty(), "{sh}: {:?}", calls(&h));
});

shell_test!(fn token_inside_the_margin_is_renewed_unless_the_margin_is_smaller(sh) {
    let h = home();
    h.token("acme", 5, false);
    let r = run(&h, sh, "awsp dev-admin --login; echo rc=RC", &["AWS_PROFILE"], &[]);
    succeeded(&r, sh);
    assert_eq!(logins(&h).len(), 1, "{sh}: 5 minutes left is inside 10");
    said(&r, sh, "sso-session acme expires in");

    let h = home();
    h.token("acme", 5, false);
    let r = run(&h, sh, "awsp dev-admin; echo rc=RC", &["AWS_PROFILE"], &[("AWSP_LOGIN_MARGIN", "2")]);
    succeeded(&r, sh);
    assert!(
        logins(&h).is_empty(),
        "{sh}: a 2-minute margin needs no login"
    );
});

/// `awsp dev-admin --login` on an expired session with the stand-in in `mode`: the switch
/// must fail with exit 1 and leave every variable as it was. Returns the run for more checks.
fn failing_login(h: &Home, sh: &str, mode: &str) -> Run {
    h.token("acme", -30, false);
    let names: Vec<&str> = BEFORE.iter().map(|(k, _)| *k).collect();
    let r = run(
        h,
        sh,
        "awsp dev-admin --login; echo rc=RC",
        &names,
        &[BEFORE.as_slice(), &[("FAKE_AWS", mode)]].concat(),
    );
    assert!(has(&r.stdout, "rc=1"), "{sh}: {}\n{}", r.stdout, r.stderr);
    assert_unchanged(&r, sh);
    r
}

shell_test!(fn failed_login_exits_1_and_changes_nothing(sh) {
    let h = home();
    let r = failing_login(&h, sh, "fail");
    assert_eq!(logins(&h).len(), 1, "{sh}");
    said(&r, sh, "awsp: login failed (exit status 255)");
    said(&r, sh, "`aws sso login --profile dev-admin`");
    assert!(
        r.stderr.contains("stand-in aws: Error"),
        "{sh}: child stderr shown"
    );
});

shell_test!(fn interrupted_login_exits_1_and_changes_nothing(sh) {
    let h = home();
    let r = failing_login(&h, sh, "interrupt");
    said(&r, sh, "awsp: login interrupted");
});

shell_test!(fn still_expired_after_login_exits_1(sh) {
    let h = home();
    let r = failing_login(&h, sh, "expired");
    assert_eq!(logins(&h).len(), 1, "{sh}");
    assert!(
        r.stderr
            .contains("`aws sso login --profile dev-admin` finished, but sso-session acme is still expired"),
        "{sh}: {}",
        r.stderr
    );
});

shell_test!(fn profiles_of_one_session_share_one_login(sh) {
    let h = home();
    h.token("acme", -30, false);
    let r = run(&h, sh, "awsp dev-admin --login; echo a=RC\nawsp prod-readonly --login; echo b=RC\nawsp deploy --login; echo c=RC", &["AWS_PROFILE"], &[]);
    for l in ["a=0", "b=0", "c=0", "AWS_PROFILE=deploy|"] {
        assert!(has(&r.stdout, l), "{sh}: {l}\n{}\n{}", r.stdout, r.stderr);
    }
    assert_eq!(logins(&h), ["sso login --profile dev-admin"], "{sh}");
});

shell_test!(fn role_chain_logs_in_with_the_profile_that_holds_the_session(sh) {
    let h = home();
    let r = run(&h, sh, "awsp deploy --login; echo rc=RC", &["AWS_PROFILE"], &[]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=deploy|"), "{sh}");
    // `aws sso login --profile deploy` fails: deploy has no SSO settings of its own.
    assert_eq!(logins(&h), ["sso login --profile dev-admin"], "{sh}");
    said(&r, sh, "sso-session acme has no token yet");
});

shell_test!(fn legacy_profile_logs_in_to_its_start_url(sh) {
    let h = home();
    h.token("https://legacy.awsapps.com/start", -1, false);
    let r = run(&h, sh, "awsp legacy --login; echo rc=RC", &["AWS_PROFILE", "AWSP_EXPIRES"], &[("FAKE_AWS_KEY", "https://legacy.awsapps.com/start")]);
    succeeded(&r, sh);
    assert!(
        has(&r.stdout, &format!("AWSP_EXPIRES={FRESH_EXPIRES}|")),
        "{sh}"
    );
    assert_eq!(logins(&h), ["sso login --profile legacy"], "{sh}");
});

shell_test!(fn login_stdout_never_reaches_the_evaluated_code(sh) {
    let h = home();
    h.token("acme", -30, false);
    let r = run(&h, sh, "awsp dev-admin --login; echo rc=RC", &["AWS_PROFILE", "AWSP_PWNED"], &[("FAKE_AWS_NOISE", "1")]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=dev-admin|"), "{sh}");
    assert!(
        has(&r.stdout, "AWSP_PWNED unset"),
        "{sh}: the noise was evaluated"
    );
    assert!(!r.stdout.contains("PWNED-STDOUT"), "{sh}: {}", r.stdout);
    // The person still sees what the login printed, on stderr.
    said(&r, sh, "export AWSP_PWNED=1");
});

shell_test!(fn concurrent_switches_start_one_login(sh) {
    let h = home();
    h.token("acme", -30, false);
    // fish cannot background a function, so each switch runs in its own fish; nushell
    // and elvish run the two in parallel with par-each and peach, xonsh in two threads.
    let body = match sh {
        "nu" => "[dev-admin prod-readonly] | par-each {|p| try { awsp $p --login; print $\"($p)=0\" } catch { print $\"($p)=1\" } } | ignore".to_string(),
        "elvish" => "peach {|p| try { awsp $p --login; echo $p=0 } catch e { echo $p=$e[reason][exit-status] } } [dev-admin prod-readonly]".to_string(),
        "xonsh" => "import threading\n\
                    def _go(p):\n    print(p + '=' + str(_awsp_alias([p, '--login'])), flush=True)\n\n\
                    _ts = [threading.Thread(target=_go, args=(p,)) for p in ['dev-admin', 'prod-readonly']]\n\
                    for _t in _ts: _t.start()\n\n\
                    for _t in _ts: _t.join()\n\n"
            .to_string(),
        _ => String::new(),
    };
    let body = if !body.is_empty() {
        body
    } else if sh == "fish" {
        "for p in dev-admin prod-readonly\n\
             fish --no-config -c \"awsp init fish | source; awsp $p --login; echo $p=\\$status\" &\n\
         end\n\
         wait"
            .to_string()
    } else {
        "(awsp dev-admin --login; echo dev-admin=$?) &\n\
         (awsp prod-readonly --login; echo prod-readonly=$?) &\n\
         wait"
            .to_string()
    };
    let r = h.shell(sh, &body, &[("FAKE_AWS_SLEEP", "2")]);
    assert!(
        has(&r.stdout, "dev-admin=0"),
        "{sh}: {}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(
        has(&r.stdout, "prod-readonly=0"),
        "{sh}: {}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(logins(&h).len(), 1, "{sh}: {:?}\n{}", logins(&h), r.stderr);
});

shell_test!(fn no_terminal_fails_fast_naming_the_command(sh) {
    let h = home();
    h.token("acme", -30, false);
    let names: Vec<&str> = BEFORE.iter().map(|(k, _)| *k).collect();
    let start = Instant::now();
    let r = run(&h, sh, "awsp dev-admin; echo rc=RC", &names, &[BEFORE.as_slice(), &[("FAKE_AWS_SLEEP", "30")]].concat());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{sh}: took {:?}",
        start.elapsed()
    );
    assert!(has(&r.stdout, "rc=1"), "{sh}: {}\n{}", r.stdout, r.stderr);
    assert_unchanged(&r, sh);
    assert!(
        calls(&h).is_empty(),
        "{sh}: nothing may run: {:?}",
        calls(&h)
    );
    said(&r, sh, "no terminal");
    said(&r, sh, "run `aws sso login --profile dev-admin`");
    said(&r, sh, "--login");
});

shell_test!(fn no_login_flag_switches_without_logging_in(sh) {
    let h = home();
    h.token("acme", -30, false);
    let r = run(&h, sh, "awsp dev-admin --no-login; echo rc=RC", &["AWS_PROFILE"], &[("FAKE_AWS", "fail")]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=dev-admin|"), "{sh}");
    assert!(calls(&h).is_empty(), "{sh}: {:?}", calls(&h));
});

shell_test!(fn login_command_can_be_replaced(sh) {
    let h = Home::new();
    h.config(SSO_CONFIG);
    // No `aws` at all: a replaced command must not need it.
    let tool = h.bin.join("my-login");
    std::fs::write(
        &tool,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>' \"$a\"; done >> \"$HOME/my-login-args\"\n\
             printf '{{\"accessToken\":\"t\",\"expiresAt\":\"2999-01-01T00:00:00Z\"}}' > \"$HOME/.aws/sso/cache/{}.json\"\n",
            awsp::aws::sha1::hex(b"acme")
        ),
    )
    .unwrap();
    make_executable(&tool);
    let r = run(&h, sh, "awsp prod-readonly --login; echo rc=RC", &["AWS_PROFILE"], &[(
            "AWSP_LOGIN_COMMAND",
            "my-login --as {profile} 'two words' --x={profile}",
        )]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=prod-readonly|"), "{sh}");
    assert_eq!(
        std::fs::read_to_string(h.path("my-login-args")).unwrap(),
        "<--as><prod-readonly><two words><--x=prod-readonly>",
        "{sh}"
    );
});

#[test]
fn missing_aws_cli_or_v1_names_the_fix() {
    let h = Home::new();
    h.config(SSO_CONFIG);
    let only_bin = h.bin.to_string_lossy().into_owned();
    let r = h
        .run(
            &["use", "dev-admin", "--shell", "bash", "--login"],
            &[("PATH", &only_bin), ("AWSP_LOGIN_WITH", "aws-cli")],
        )
        .expect(1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("`aws`) is not on PATH") && r.stderr.contains("install AWS CLI v2"),
        "{}",
        r.stderr
    );

    h.fake_aws(None);
    let r = h
        .run(
            &["use", "dev-admin", "--shell", "bash", "--login"],
            &[(
                "FAKE_AWS_VERSION",
                "aws-cli/1.29.0 Python/3.8 Linux/6 botocore/1.31.0",
            )],
        )
        .expect(1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("AWS CLI v1") && r.stderr.contains("install AWS CLI v2"),
        "{}",
        r.stderr
    );
    assert!(logins(&h).is_empty(), "v1 must not be asked to log in");
}

shell_test!(fn exec_passes_status_and_environment_through(sh) {
    let h = home();
    h.token("acme", 120, false);
    // xonsh expands `$NAME` even inside quotes unless told not to.
    let literal = if sh == "xonsh" { "$EXPAND_ENV_VARS = False\n" } else { "" };
    let r = run(&h, sh, &(literal.to_string() + "awsp exec dev-admin -- sh -c 'echo \"in: P=$AWS_PROFILE K=${AWS_ACCESS_KEY_ID-unset} S=${AWS_SECRET_ACCESS_KEY-unset} R=$AWS_REGION\"; exit 7'\necho rc=RC"), &["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION"], &[
            ("AWS_PROFILE", "before"),
            ("AWS_ACCESS_KEY_ID", "AKIAOLD"),
            ("AWS_SECRET_ACCESS_KEY", "old-secret"),
            ("AWS_REGION", "sa-east-1"),
        ]);
    assert!(
        has(&r.stdout, "in: P=dev-admin K=unset S=unset R=eu-west-1"),
        "{sh}: {}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(has(&r.stdout, "rc=7"), "{sh}: {}", r.stdout);
    // The calling shell is untouched.
    assert!(has(&r.stdout, "AWS_PROFILE=before|"), "{sh}: {}", r.stdout);
    assert!(has(&r.stdout, "AWS_ACCESS_KEY_ID=AKIAOLD|"), "{sh}");
    assert!(has(&r.stdout, "AWS_REGION=sa-east-1|"), "{sh}");
});

shell_test!(fn exec_logs_in_first_and_reports_a_missing_command(sh) {
    let h = home();
    h.token("acme", -30, false);
    let r = run(&h, sh, "awsp exec prod-readonly --login -- sh -c 'echo in=$AWS_PROFILE'; echo rc=RC\n\
             awsp exec prod-readonly -- no-such-command-xyz; echo missing=RC", &[], &[]);
    assert!(
        has(&r.stdout, "in=prod-readonly"),
        "{sh}: {}\n{}",
        r.stdout,
        r.stderr
    );
    assert!(has(&r.stdout, "rc=0"), "{sh}: {}", r.stdout);
    assert_eq!(logins(&h), ["sso login --profile prod-readonly"], "{sh}");
    assert!(has(&r.stdout, "missing=127"), "{sh}: {}", r.stdout);
    assert!(
        r.stderr
            .contains("awsp: cannot run `no-such-command-xyz`: command not found"),
        "{sh}: {}",
        r.stderr
    );
});

#[test]
fn exec_without_terminal_fails_before_running_anything() {
    let h = home();
    h.token("acme", -30, false);
    let r = h.run(&["exec", "dev-admin", "--", "sh", "-c", "echo RAN"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains("RAN"));
    assert!(
        r.stderr.contains("aws sso login --profile dev-admin"),
        "{}",
        r.stderr
    );
    assert!(calls(&h).is_empty());
}

shell_test!(fn explicit_login_respects_valid_tokens_unless_forced(sh) {
    let h = home();
    h.token("acme", 120, false);
    let r = h.shell(
        sh,
        &script(sh, "awsp login dev-admin; echo a=RC\nawsp login dev-admin --force; echo b=RC", &[]),
        &[],
    );
    assert!(
        has(&r.stdout, "a=0") && has(&r.stdout, "b=0"),
        "{sh}: {}\n{}",
        r.stdout,
        r.stderr
    );
    said(&r, sh, "nothing to do");
    said(&r, sh, "awsp: logged in to sso-session acme");
    assert_eq!(
        logins(&h),
        ["sso login --profile dev-admin"],
        "{sh}: only --force logs in"
    );
});

#[test]
fn explicit_login_defaults_to_the_active_profile() {
    let h = home();
    h.credentials(STATIC_CREDENTIALS);
    h.token("https://legacy.awsapps.com/start", -1, false);
    let r = h
        .run(
            &["login"],
            &[
                ("AWS_PROFILE", "legacy"),
                ("FAKE_AWS_KEY", "https://legacy.awsapps.com/start"),
            ],
        )
        .expect(0);
    assert_eq!(r.stdout, "", "login output goes to stderr");
    assert_eq!(logins(&h), ["sso login --profile legacy"]);

    let r = h.run(&["login"], &[("AWS_PROFILE", "keys")]).expect(1);
    assert!(
        r.stderr
            .contains("uses neither SSO nor `aws login` (static)"),
        "{}",
        r.stderr
    );
    let r = h.run(&["login"], &[("AWS_PROFILE", "ghost")]).expect(1);
    assert!(
        r.stderr.contains("`ghost`, which is not a profile"),
        "{}",
        r.stderr
    );
    assert_eq!(logins(&h).len(), 1);
}

#[test]
fn status_json_lists_sessions_with_their_profiles() {
    let h = home();
    h.config(&format!(
        "{SSO_CONFIG}\n[sso-session unused]\nsso_start_url = https://unused.awsapps.com/start\n"
    ));
    h.token("acme", 120, false);
    h.token("https://legacy.awsapps.com/start", -5, false);
    let v = h.json(&["status", "--json"], &[("AWS_PROFILE", "deploy")]);
    let arr = v.as_array().unwrap();
    let names = json_names(&v);
    assert_eq!(
        names,
        ["acme", "unused", "https://legacy.awsapps.com/start"]
    );
    let acme = &arr[0];
    assert_eq!(acme.as_object().unwrap().len(), 17);
    assert_eq!(acme["renews"], false);
    assert_eq!(acme["session_started_at"], serde_json::Value::Null);
    assert_eq!(acme["problem"], serde_json::Value::Null);
    assert_eq!(acme["type"], "sso-session");
    assert_eq!(acme["start_url"], "https://acme.awsapps.com/start");
    assert_eq!(acme["sso_region"], "us-east-1");
    assert_eq!(acme["state"], "valid");
    let left = acme["seconds_left"].as_i64().unwrap();
    assert!((7100..=7200).contains(&left), "{left}");
    assert_eq!(
        acme["profiles"],
        serde_json::json!(["deploy", "dev-admin", "prod-readonly"])
    );
    assert_eq!(acme["login_profile"], "dev-admin");
    assert_eq!(acme["login_command"], "aws sso login --profile dev-admin");
    assert_eq!(acme["active"], true, "deploy's chain ends in acme");
    let token_file = h.path(&format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex(b"acme")
    ));
    assert_eq!(acme["token_file"], token_file.to_string_lossy().as_ref());
    // A session without sso_region: no login to it can work.
    let unused = &arr[1];
    assert_eq!(unused["state"], "misconfigured");
    assert_eq!(unused["problem"], "lacks sso_region");
    assert_eq!(unused["profiles"], serde_json::json!([]));
    assert_eq!(unused["login_command"], serde_json::Value::Null);
    assert_eq!(unused["seconds_left"], serde_json::Value::Null);
    let legacy = &arr[2];
    assert_eq!(legacy["type"], "start-url");
    assert_eq!(legacy["state"], "expired");
    assert!(legacy["seconds_left"].as_i64().unwrap() < 0);
    assert_eq!(legacy["profiles"], serde_json::json!(["legacy"]));
    assert_eq!(legacy["active"], false);
    assert!(!v.to_string().contains("SECRET"));
    assert!(calls(&h).is_empty(), "status never logs in");
}

#[test]
fn status_table_shows_time_left_and_what_to_run() {
    let h = home();
    h.token("acme", 125, false);
    let r = h
        .run(&["status"], &[("AWS_PROFILE", "dev-admin")])
        .expect(0);
    let acme = r
        .stdout
        .lines()
        .find(|l| l.contains("sso-session acme"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(acme.starts_with("* "), "{acme}");
    assert!(acme.contains("valid") && acme.contains("2h0"), "{acme}");
    assert!(acme.contains("deploy, dev-admin, prod-readonly"), "{acme}");
    assert!(
        has(
            &r.stdout,
            "log in to start URL https://legacy.awsapps.com/start: awsp login legacy"
        ),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("awsp login dev-admin"),
        "acme needs no login"
    );
}

// A setup `aws sso login` can only fail on is refused before anything runs.

/// SSO_CONFIG plus profiles whose SSO setup no login can work with.
fn broken_home() -> Home {
    let h = home();
    h.config(&format!(
        "{SSO_CONFIG}\n\
         [profile typo]\nsso_session = acmee\nsso_account_id = 555555555555\nsso_role_name = Admin\n\n\
         [profile nowhere]\nsso_session = zzzzzzzz\nsso_account_id = 555555555555\nsso_role_name = Admin\n\n\
         [profile half]\nsso_session = half\nsso_account_id = 555555555555\nsso_role_name = Admin\n\n\
         [sso-session half]\nsso_start_url = https://half.awsapps.com/start\n\n\
         [profile old-half]\nsso_start_url = https://old.awsapps.com/start\nsso_account_id = 6\nsso_role_name = R\n\n\
         [profile via-typo]\nrole_arn = arn:aws:iam::777777777777:role/Deploy\nsource_profile = typo\n"
    ));
    h
}

shell_test!(fn a_missing_sso_session_is_refused_before_any_login(sh) {
    let h = broken_home();
    let names: Vec<&str> = BEFORE.iter().map(|(k, _)| *k).collect();
    let r = run(&h, sh, "awsp typo --login; echo rc=RC", &names, BEFORE.as_slice());
    assert!(has(&r.stdout, "rc=1"), "{sh}: {}\n{}", r.stdout, r.stderr);
    assert_unchanged(&r, sh);
    assert!(calls(&h).is_empty(), "{sh}: aws must not run: {:?}", calls(&h));
    let cfg = h.path(".aws/config");
    assert_eq!(
        r.stderr,
        format!(
            "awsp: profile `typo` uses sso_session `acmee`, but there is no [sso-session acmee] block, so `aws sso login` would fail (\"The specified sso-session does not exist: \\\"acmee\\\"\"); change it to `sso_session = acme` ({}:34)\n",
            cfg.display()
        ),
        "{sh}"
    );
});

#[test]
fn every_broken_setup_is_refused_in_one_line_without_running_aws() {
    let h = broken_home();
    let refused = |args: &[&str]| {
        let r = h.run(args, &[]).expect(1);
        assert_eq!(r.stdout, "", "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        r.stderr
    };
    let e = refused(&["use", "nowhere", "--shell", "bash", "--login"]);
    assert!(
        e.contains("no [sso-session zzzzzzzz] block") && e.contains("`aws configure sso-session`"),
        "{e}"
    );
    let e = refused(&["use", "half", "--shell", "zsh", "--login"]);
    assert!(
        e.starts_with("awsp: [sso-session half] lacks sso_region, so `aws sso login` would fail (\"Missing the following required SSO configuration values: sso_region\"); add `sso_region = REGION-OF-IDENTITY-CENTER` under [sso-session half]"),
        "{e}"
    );
    let e = refused(&["use", "old-half", "--shell", "fish", "--login"]);
    assert!(
        e.contains("profile `old-half` has sso_start_url but lacks sso_region"),
        "{e}"
    );
    // Through a role chain, the profile holding the session is named.
    let e = refused(&["use", "via-typo", "--shell", "bash", "--login"]);
    assert!(
        e.contains(
            "profile `via-typo` gets its credentials from `typo`, which uses sso_session `acmee`"
        ),
        "{e}"
    );
    // `awsp login`, even --force, and `awsp exec` refuse the same way; so does a switch
    // without a terminal, before saying there is none.
    for args in [
        &["login", "typo"][..],
        &["login", "typo", "--force"],
        &["exec", "typo", "--login", "--", "true"],
        &["use", "typo", "--shell", "bash"],
    ] {
        let e = refused(args);
        assert!(
            e.contains("change it to `sso_session = acme`"),
            "{args:?}: {e}"
        );
    }
    assert!(calls(&h).is_empty(), "aws must not run: {:?}", calls(&h));
    // --no-login switches without judging anything.
    h.run(&["use", "typo", "--shell", "bash", "--no-login"], &[])
        .expect(0);
}

#[test]
fn list_shows_the_problem_instead_of_a_token_state() {
    let h = broken_home();
    h.token("acme", 120, false);
    // A token cached under the missing session's name changes nothing: the CLI fails first.
    h.token("acmee", 120, false);
    let v = h.json(&["list", "--json"], &[]);
    let state = |name: &str| {
        let e = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap();
        (e["token_state"].clone(), e["token_expires_at"].clone())
    };
    let bad = (serde_json::json!("misconfigured"), serde_json::Value::Null);
    for name in ["typo", "nowhere", "half", "old-half", "via-typo"] {
        assert_eq!(state(name), bad, "{name}");
    }
    assert_eq!(state("dev-admin").0, "valid");
    let r = h.run(&["list"], &[("NO_COLOR", "1")]).expect(0);
    let row = |name: &str| {
        r.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name}: {}", r.stdout))
            .to_string()
    };
    for (name, problem) in [
        ("typo", "no session \"acmee\""),
        ("via-typo", "no session \"acmee\""),
        ("half", "session \"half\" lacks sso_region"),
        ("old-half", "lacks sso_region"),
    ] {
        assert!(row(name).ends_with(problem), "{}", row(name));
    }
    // status groups them the same way and names no login command for them.
    let v = h.json(&["status", "--json"], &[]);
    let acmee = v
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "acmee")
        .unwrap();
    assert_eq!(acmee["state"], "misconfigured");
    assert_eq!(acmee["problem"], "no [sso-session acmee] block");
    assert_eq!(acmee["login_command"], serde_json::Value::Null);
    assert_eq!(acmee["profiles"], serde_json::json!(["typo", "via-typo"]));
}

// `aws login` profiles: `login_session = ARN`, credentials cached under
// ~/.aws/login/cache/<sha256 of the ARN>.json, renewed by the CLI, logged in with `aws login`.

/// The session ARN of the `console` profile.
pub const LOGIN_SESSION: &str = "arn:aws:sts::012345678910:assumed-role/Admin/admin";

pub const LOGIN_CONFIG: &str = "\
[profile console]
login_session = arn:aws:sts::012345678910:assumed-role/Admin/admin
region = eu-central-1

[profile console-role]
role_arn = arn:aws:iam::888888888888:role/Deploy
source_profile = console
";

/// Writes the cache file of login session `session` as `aws login` writes it (Python's
/// `json.dumps`), its credentials ending `minutes` from now; returns its path.
pub fn login_cache(h: &Home, session: &str, minutes: i64) -> std::path::PathBuf {
    let exp =
        (chrono::Utc::now() + chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%SZ");
    let text = format!(
        "{{\"accessToken\": {{\"accessKeyId\": \"ASIAEXAMPLE\", \"secretAccessKey\": \"SECRET-LOGIN-KEY\", \
         \"sessionToken\": \"SECRET-LOGIN-SESSION\", \"accountId\": \"012345678910\", \"expiresAt\": \"{exp}\"}}, \
         \"tokenType\": \"urn:aws:params:oauth:token-type:access_token_sigv4\", \
         \"clientId\": \"arn:aws:signin:::devtools/same-device\", \"refreshToken\": \"SECRET-LOGIN-REFRESH\", \
         \"idToken\": \"e30.e30.sig\", \"dpopKey\": \"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIA==\\n-----END EC PRIVATE KEY-----\\n\"}}"
    );
    let path = h.path(&format!(
        ".aws/login/cache/{}.json",
        awsp::aws::sha256::hex(session.as_bytes())
    ));
    h.write(
        &format!(
            ".aws/login/cache/{}.json",
            awsp::aws::sha256::hex(session.as_bytes())
        ),
        &text,
    );
    path
}

/// A stand-in `aws` for `aws login --profile P`: records its arguments, then (unless
/// `FAKE_AWS=fail`) writes fresh credentials for session `$FAKE_LOGIN_SESSION` where the
/// CLI does.
const FAKE_AWS_LOGIN: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$HOME/aws-calls"
if [ "$1" = --version ]; then
    echo "aws-cli/2.32.0 Python/3.13.7 Linux/6.1 exe/x86_64"
    exit 0
fi
if [ "$1" != login ]; then
    echo "stand-in aws: unexpected arguments: $*" >&2
    exit 99
fi
if [ "${FAKE_AWS-ok}" = fail ]; then
    echo "stand-in aws: sign-in failed" >&2
    exit 255
fi
# The CLI expands variables in the directory's name.
eval "dir=\"${AWS_LOGIN_CACHE_DIRECTORY:-$HOME/.aws/login/cache}\""
mkdir -p "$dir"
file="$dir/$(printf %s "$FAKE_LOGIN_SESSION" | sha256sum | cut -d' ' -f1).json"
printf '{"accessToken": {"accessKeyId": "ASIAFRESH", "secretAccessKey": "SECRET-FRESH", "sessionToken": "SECRET-FRESH-SESSION", "accountId": "012345678910", "expiresAt": "2999-01-01T00:00:00Z"}, "tokenType": "urn:aws:params:oauth:token-type:access_token_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "SECRET-FRESH-REFRESH", "idToken": "e30.e30.sig", "dpopKey": "k"}' > "$file"
"#;

fn login_home() -> Home {
    let h = Home::new();
    h.config(&format!("{SSO_CONFIG}\n{LOGIN_CONFIG}"));
    let aws = h.bin.join("aws");
    std::fs::write(&aws, FAKE_AWS_LOGIN).unwrap();
    make_executable(&aws);
    h
}

const SESSION_VAR: (&str, &str) = ("FAKE_LOGIN_SESSION", LOGIN_SESSION);

#[test]
fn aws_login_profiles_in_list_and_status() {
    let h = login_home();
    let cache = login_cache(&h, LOGIN_SESSION, 45);
    let v = h.json(&["list", "--json"], &[("AWS_PROFILE", "console")]);
    let get = |name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()
            .clone()
    };
    let console = get("console");
    assert_eq!(console["kind"], "login");
    assert_eq!(console["account_id"], "012345678910");
    assert_eq!(console["role_name"], "Admin");
    assert_eq!(console["region"], "eu-central-1");
    assert_eq!(console["token_state"], "valid");
    assert!(console["token_expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(console["active"], true);
    // A role assumed with the session's credentials depends on them too.
    let role = get("console-role");
    assert_eq!(role["kind"], "assume-role");
    assert_eq!(role["account_id"], "888888888888");
    assert_eq!(role["token_state"], "valid");
    // Within 15 minutes of their end, and after it, the CLI renews them itself.
    login_cache(&h, LOGIN_SESSION, 5);
    let v = h.json(&["list", "--json"], &[]);
    assert_eq!(json_names(&v).len(), 7);
    let state = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "console")
            .unwrap()["token_state"]
            .clone()
    };
    assert_eq!(state(&v), "refreshable");
    login_cache(&h, LOGIN_SESSION, -600);
    assert_eq!(state(&h.json(&["list", "--json"], &[])), "refreshable");
    std::fs::write(&cache, "{\"accessToken\": {}}").unwrap();
    assert_eq!(state(&h.json(&["list", "--json"], &[])), "unreadable");
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(state(&h.json(&["list", "--json"], &[])), "missing");

    login_cache(&h, LOGIN_SESSION, 45);
    let v = h.json(&["status", "--json"], &[("AWS_PROFILE", "console-role")]);
    let g = v
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "login-session")
        .unwrap();
    assert_eq!(g["name"], LOGIN_SESSION);
    assert_eq!(g["state"], "valid");
    assert_eq!(g["token_file"], cache.to_string_lossy().as_ref());
    assert_eq!(
        g["profiles"],
        serde_json::json!(["console", "console-role"])
    );
    assert_eq!(g["login_profile"], "console");
    assert_eq!(g["login_command"], "aws login --profile console");
    assert_eq!(g["active"], true);
    let r = h.run(&["status"], &[("NO_COLOR", "1")]).expect(0);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains(&format!("login session {LOGIN_SESSION}")) && l.contains("valid")),
        "{}",
        r.stdout
    );
    let r = h.run(&["current"], &[("AWS_PROFILE", "console")]).expect(0);
    assert!(r.stdout.contains("kind:    login"), "{}", r.stdout);
    assert!(!format!("{v}{}", r.stdout).contains("SECRET"));
    assert!(calls(&h).is_empty());
}

shell_test!(fn aws_login_profile_logs_in_with_aws_login(sh) {
    let h = login_home();
    let r = run(&h, sh, "awsp use console --login; echo rc=RC", &["AWS_PROFILE", "AWS_REGION", "AWSP_EXPIRES"], &[SESSION_VAR]);
    succeeded(&r, sh);
    assert!(has(&r.stdout, "AWS_PROFILE=console|"), "{sh}: {}", r.stdout);
    assert!(has(&r.stdout, "AWS_REGION=eu-central-1|"), "{sh}: {}", r.stdout);
    // The CLI renews these credentials: the switch records no end for them.
    assert!(has(&r.stdout, "AWSP_EXPIRES unset"), "{sh}: {}", r.stdout);
    assert_eq!(calls(&h), ["--version", "login --profile console"], "{sh}");
    assert!(
        r.stderr.contains(&format!(
            "awsp: login session {LOGIN_SESSION} has no cached credentials (signed out, or never signed in); running `aws login --profile console`"
        )),
        "{sh}: {}",
        r.stderr
    );
    // Now cached: the next switch, to a role assumed with them, runs nothing.
    let r = run(&h, sh, "awsp console-role; echo rc=RC", &["AWS_PROFILE"], &[SESSION_VAR]);
    assert!(has(&r.stdout, "rc=0") && has(&r.stdout, "AWS_PROFILE=console-role|"), "{sh}: {}\n{}", r.stdout, r.stderr);
    assert_eq!(calls(&h).len(), 2, "{sh}: {:?}", calls(&h));
});

#[test]
fn aws_login_is_needed_only_when_nothing_usable_is_cached() {
    let h = login_home();
    // Past their end, the cached credentials are still renewed by the CLI: no login.
    login_cache(&h, LOGIN_SESSION, -30);
    h.run(&["use", "console", "--shell", "bash"], &[]).expect(0);
    h.run(&["use", "console-role", "--shell", "bash"], &[])
        .expect(0);
    assert!(calls(&h).is_empty(), "{:?}", calls(&h));
    // Nothing cached, no terminal: fail at once, naming the command.
    std::fs::remove_dir_all(h.path(".aws/login")).unwrap();
    let r = h
        .run(&["use", "console-role", "--shell", "bash"], &[])
        .expect(1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("and there is no terminal to log in from; run `aws login --profile console`"),
        "{}",
        r.stderr
    );
    assert!(calls(&h).is_empty(), "{:?}", calls(&h));
    // `awsp login`: through the chain to the profile holding the session; then nothing to
    // do unless forced.
    let r = h.run(&["login", "console-role"], &[SESSION_VAR]).expect(0);
    assert!(
        r.stderr.contains(&format!(
            "awsp: logged in to login session {LOGIN_SESSION} (valid"
        )),
        "{}",
        r.stderr
    );
    let r = h.run(&["login", "console"], &[SESSION_VAR]).expect(0);
    assert!(r.stderr.contains("nothing to do"), "{}", r.stderr);
    h.run(&["login", "console", "--force"], &[SESSION_VAR])
        .expect(0);
    let logins: Vec<String> = calls(&h).into_iter().filter(|c| c != "--version").collect();
    assert_eq!(
        logins,
        ["login --profile console", "login --profile console"]
    );
    // A failed sign-in changes nothing and says what to run.
    std::fs::remove_dir_all(h.path(".aws/login")).unwrap();
    let r = h
        .run(
            &["use", "console", "--shell", "bash", "--login"],
            &[SESSION_VAR, ("FAKE_AWS", "fail")],
        )
        .expect(1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("login failed (exit status 255); nothing changed. Run `aws login --profile console` to see why (`aws login` needs AWS CLI 2.32.0 or later)"),
        "{}",
        r.stderr
    );
    // AWSP_LOGIN_COMMAND replaces `aws sso login` only.
    let r = h
        .run(
            &["use", "console", "--shell", "bash", "--login"],
            &[SESSION_VAR, ("AWSP_LOGIN_COMMAND", "false {profile}")],
        )
        .expect(0);
    assert!(r.stdout.contains("AWS_PROFILE"), "{}", r.stderr);
    assert_eq!(calls(&h).last().unwrap(), "login --profile console");
}

#[test]
fn aws_login_cache_directory_can_move() {
    let h = login_home();
    let elsewhere = h.path("login-cache");
    let vars = [
        SESSION_VAR,
        ("AWS_LOGIN_CACHE_DIRECTORY", "$HOME/login-cache"),
    ];
    h.run(&["use", "console", "--shell", "bash", "--login"], &vars)
        .expect(0);
    assert!(
        elsewhere
            .join(format!(
                "{}.json",
                awsp::aws::sha256::hex(LOGIN_SESSION.as_bytes())
            ))
            .exists()
    );
    let v = h.json(&["list", "--json"], &vars);
    let console = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "console")
        .unwrap();
    assert_eq!(console["token_state"], "valid");
    // Under the default directory nothing is cached.
    let v = h.json(&["list", "--json"], &[]);
    let console = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "console")
        .unwrap();
    assert_eq!(console["token_state"], "missing");
}

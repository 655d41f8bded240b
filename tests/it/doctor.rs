//! `awsp doctor`: each broken setup built in a temp HOME, and the finding it must produce.

use crate::common::*;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

/// A healthy setup: the standard config, live tokens, AWS CLI v2, and a shell that awsp
/// switched to `dev-admin`.
fn healthy() -> Home {
    let h = Home::new();
    h.config(SSO_CONFIG);
    h.token("acme", 120, true);
    h.token("https://legacy.awsapps.com/start", 120, false);
    h.fake_aws(Some("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64"));
    h
}

const SWITCHED: [(&str, &str); 2] = [("AWS_PROFILE", "dev-admin"), ("AWSP_PROFILE", "dev-admin")];

struct Report {
    code: i32,
    findings: Vec<Value>,
    raw: String,
}

impl Report {
    fn codes(&self) -> Vec<&str> {
        self.findings
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect()
    }

    /// The one finding with this code (panics with the whole report otherwise).
    fn one(&self, code: &str) -> &Value {
        let all: Vec<&Value> = self.findings.iter().filter(|f| f["code"] == code).collect();
        assert_eq!(all.len(), 1, "want one `{code}` in:\n{}", self.raw);
        all[0]
    }

    fn all(&self, code: &str) -> Vec<&Value> {
        self.findings.iter().filter(|f| f["code"] == code).collect()
    }

    fn lacks(&self, code: &str) {
        assert!(
            !self.codes().contains(&code),
            "unexpected `{code}` in:\n{}",
            self.raw
        );
    }
}

fn doctor(h: &Home, vars: &[(&str, &str)]) -> Report {
    let r = h.run(&["doctor", "--json"], vars);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    let v: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout));
    let findings = v.as_array().expect("an array").clone();
    for f in &findings {
        let keys: Vec<&String> = f.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["code", "fix", "location", "message", "severity"],
            "{f}"
        );
        assert!(
            ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()),
            "{f}"
        );
        let code = f["code"].as_str().unwrap();
        assert!(
            !code.is_empty()
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "not kebab-case: {code}"
        );
    }
    // Exit 1 exactly when some finding is an error.
    let any_error = findings.iter().any(|f| f["severity"] == "error");
    assert_eq!(r.code, i32::from(any_error), "exit code vs\n{}", r.stdout);
    Report {
        code: r.code,
        findings,
        raw: r.stdout,
    }
}

fn loc_ends(f: &Value, suffix: &str) {
    let l = f["location"].as_str().unwrap_or("");
    assert!(
        l.ends_with(suffix),
        "location `{l}` should end with `{suffix}`: {f}"
    );
}

fn fix_has(f: &Value, part: &str) {
    let x = f["fix"].as_str().unwrap_or("");
    assert!(x.contains(part), "fix `{x}` should contain `{part}`");
}

#[test]
fn healthy_setup_has_no_findings() {
    let h = healthy();
    let r = doctor(&h, &SWITCHED);
    assert_eq!(r.code, 0);
    assert!(r.findings.is_empty(), "{}", r.raw);
    let human = h.run(&["doctor"], &SWITCHED).expect(0);
    assert_eq!(human.stdout, "No problems found.\n");
    // A fresh shell: only the honest note that the hook cannot be seen from here.
    let r = doctor(&h, &[]);
    assert_eq!(r.codes(), ["hook-unverified"]);
    assert_eq!(r.one("hook-unverified")["severity"], "info");
    fix_has(r.one("hook-unverified"), "eval \"$(awsp init bash)\"");
    let r = doctor(&h, &[("SHELL", "/usr/bin/fish")]);
    fix_has(r.one("hook-unverified"), "awsp init fish | source");
}

#[test]
fn human_output_is_plain_off_a_terminal() {
    let h = healthy();
    h.credentials(STATIC_CREDENTIALS);
    std::fs::set_permissions(
        h.path(".aws/credentials"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let r = h.run(&["doctor"], &SWITCHED).expect(1);
    assert!(!r.stdout.contains('\x1b'), "{}", r.stdout);
    assert!(
        r.stdout.starts_with("error[credentials-permissions] "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\n  fix: chmod 600 "), "{}", r.stdout);
    assert!(
        r.stdout.ends_with("1 error, 0 warnings, 0 infos\n"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty());
}

#[test]
fn sso_session_naming_no_block() {
    let h = healthy();
    h.config(
        "[profile a]\nsso_session = acme-corp\nsso_account_id = 1\nsso_role_name = R\n\n\
         [sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile b]\nsso_session = other\nsso_account_id = 1\nsso_role_name = R\n",
    );
    let r = doctor(&h, &[]);
    let all = r.all("sso-session-missing");
    assert_eq!(all.len(), 2, "{}", r.raw);
    assert_eq!(all[0]["severity"], "error");
    loc_ends(all[0], ".aws/config:2");
    // The AWS CLI's own words for it (botocore and `aws sso login` alike).
    assert!(
        all[0]["message"]
            .as_str()
            .unwrap()
            .contains("\"The specified sso-session does not exist: \"acme-corp\"\""),
        "{}",
        r.raw
    );
    // A near miss names the block that exists; otherwise the block to add.
    fix_has(all[0], "sso_session = acme");
    loc_ends(all[1], ".aws/config:11");
    fix_has(all[1], "[sso-session other]");
    // No token noise for a session that does not exist.
    assert!(r.all("sso-token-missing").is_empty(), "{}", r.raw);
}

#[test]
fn incomplete_and_mixed_sso() {
    let h = healthy();
    h.config(
        "[sso-session s]\nsso_start_url = https://s.awsapps.com/start\n\n\
         [profile legacy]\nsso_start_url = https://l.awsapps.com/start\nsso_account_id = 1\nsso_role_name = R\n\n\
         [profile mixed]\nsso_session = t\nsso_start_url = https://other.awsapps.com/start\nsso_account_id = 1\nsso_role_name = R\n\n\
         [profile same]\nsso_session = t\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n\n\
         [sso-session t]\nsso_start_url = https://t.awsapps.com/start\nsso_region = eu-west-1\n",
    );
    let r = doctor(&h, &[]);
    let f = r.one("sso-session-incomplete");
    assert_eq!(f["severity"], "error");
    loc_ends(f, ".aws/config:1");
    assert!(f["message"].as_str().unwrap().contains("sso_region"));
    fix_has(f, "sso_region = ");
    let f = r.one("sso-incomplete");
    assert_eq!(f["severity"], "error");
    loc_ends(f, ".aws/config:4");
    assert!(f["message"].as_str().unwrap().contains("legacy"));
    fix_has(f, "sso_region = ");
    let mixed = r.all("sso-mixed-styles");
    assert_eq!(mixed.len(), 2, "{}", r.raw);
    // Conflicting values: the AWS CLI refuses the profile.
    assert_eq!(mixed[0]["severity"], "error");
    loc_ends(mixed[0], ".aws/config:11");
    fix_has(mixed[0], "delete the sso_start_url line");
    // The same value twice works, but is a trap.
    assert_eq!(mixed[1]["severity"], "warning");
    loc_ends(mixed[1], ".aws/config:17");
}

#[test]
fn environment_variables_that_fight_the_profile() {
    let h = healthy();
    let r = doctor(
        &h,
        &[
            ("AWS_PROFILE", "dev-admin"),
            ("AWSP_PROFILE", "dev-admin"),
            ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000000"),
            ("AWS_SECRET_ACCESS_KEY", "SECRET-ENV-VALUE"),
            ("AWS_SESSION_TOKEN", "SECRET-ENV-TOKEN"),
            ("AWS_DEFAULT_PROFILE", "prod-readonly"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ],
    );
    assert!(!r.raw.contains("SECRET-ENV") && !r.raw.contains("AKIAENV"));
    let f = r.one("env-keys-override");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["location"],
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN"
    );
    fix_has(f, "awsp dev-admin");
    fix_has(
        f,
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
    );
    let f = r.one("default-profile-mismatch");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"], "AWS_PROFILE, AWS_DEFAULT_PROFILE");
    fix_has(f, "unset AWS_DEFAULT_PROFILE");
    let f = r.one("region-mismatch");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["location"], "AWS_REGION, AWS_DEFAULT_REGION");
    fix_has(f, "export AWS_DEFAULT_REGION='eu-west-1'");
    r.lacks("profile-not-found");

    // Keys alone (no profile selected) are a warning; half a pair breaks botocore.
    let r = doctor(
        &h,
        &[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "B")],
    );
    assert_eq!(r.one("env-keys-override")["severity"], "warning");
    let r = doctor(&h, &[("AWS_ACCESS_KEY_ID", "A")]);
    let f = r.one("env-keys-partial");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"], "AWS_ACCESS_KEY_ID");
    // The same variables agreeing are fine.
    let r = doctor(
        &h,
        &[
            ("AWS_PROFILE", "dev-admin"),
            ("AWSP_PROFILE", "dev-admin"),
            ("AWS_DEFAULT_PROFILE", "dev-admin"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ],
    );
    assert!(r.findings.is_empty(), "{}", r.raw);
}

#[test]
fn aws_profile_naming_no_profile() {
    let h = healthy();
    let r = doctor(
        &h,
        &[("AWS_PROFILE", "dev-admn"), ("AWSP_PROFILE", "dev-admn")],
    );
    let f = r.one("profile-not-found");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"], "AWS_PROFILE");
    fix_has(f, "awsp dev-admin");
    let r = doctor(&h, &[("AWS_DEFAULT_PROFILE", "nothing-like-it")]);
    let f = r.one("profile-not-found");
    assert_eq!(f["location"], "AWS_DEFAULT_PROFILE");
    fix_has(f, "unset AWS_DEFAULT_PROFILE");
}

#[test]
fn expired_and_missing_sso_logins() {
    let h = healthy();
    h.token("acme", -30, false);
    std::fs::remove_file(h.path(&format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex(b"https://legacy.awsapps.com/start")
    )))
    .unwrap();
    let r = doctor(
        &h,
        &[
            ("AWS_PROFILE", "prod-readonly"),
            ("AWSP_PROFILE", "prod-readonly"),
        ],
    );
    assert_eq!(r.code, 0, "expired logins are routine: warnings");
    let f = r.one("sso-token-expired");
    assert_eq!(f["severity"], "warning");
    // Where the session is defined; the login command for the active profile.
    loc_ends(f, ".aws/config:17");
    assert_eq!(f["fix"], "aws sso login --profile prod-readonly");
    assert!(f["message"].as_str().unwrap().contains("sso-session acme"));
    let f = r.one("sso-token-missing");
    loc_ends(f, ".aws/config:23");
    assert_eq!(f["fix"], "aws sso login --profile legacy");
    // A refreshable token is not a problem, nor is a garbage one hidden.
    h.token("acme", -30, true);
    h.write(
        &format!(
            ".aws/sso/cache/{}.json",
            awsp::aws::sha1::hex(b"https://legacy.awsapps.com/start")
        ),
        "{\"accessToken\": \"SECRET-GARBAGE\", \"expiresAt\": \"whenever\"}",
    );
    let r = doctor(&h, &SWITCHED);
    r.lacks("sso-token-expired");
    let f = r.one("sso-token-unreadable");
    assert!(!r.raw.contains("SECRET-GARBAGE"));
    assert_eq!(f["fix"], "aws sso login --profile legacy");
}

#[test]
fn where_the_cli_and_the_sdks_disagree() {
    let h = healthy();
    h.config(
        "[default]\nregion = us-east-1\n\
         [profile default]\nregion = eu-west-1 # Ireland\n\
         [profile dup]\nregion = a\nregion = b\n\
         [profile \"a b\"]\nregion = x\n\
         [profiles typo]\nregion = x\n\
         [foo]\nregion = x\n\
         [profile dup]\noutput = json\n\
         [profile bad name!]\n",
    );
    h.credentials("[profile keys]\naws_access_key_id = AKIAEXAMPLEKEY123456\n");
    let r = doctor(&h, &[]);
    let f = r.one("default-twice");
    assert_eq!(f["severity"], "warning");
    loc_ends(f, ".aws/config:1");
    let f = r.one("cli-inline-comment");
    loc_ends(f, ".aws/config:4");
    let f = r.one("duplicate-key");
    assert_eq!(f["severity"], "error", "the AWS CLI cannot read the file");
    loc_ends(f, ".aws/config:7");
    let f = r.one("duplicate-section");
    assert_eq!(f["severity"], "error");
    loc_ends(f, ".aws/config:14");
    assert!(f["message"].as_str().unwrap().contains("line 5"));
    let cli = r.all("cli-reads-ignored-section");
    assert_eq!(cli.len(), 3, "{}", r.raw);
    loc_ends(cli[0], ".aws/config:8");
    assert!(cli[0]["message"].as_str().unwrap().contains("named `a b`"));
    loc_ends(cli[1], ".aws/config:10");
    assert!(cli[1]["message"].as_str().unwrap().contains("named `typo`"));
    fix_has(cli[1], "[profile typo]");
    loc_ends(cli[2], ".aws/credentials:1");
    assert!(
        cli[2]["message"]
            .as_str()
            .unwrap()
            .contains("named `profile keys`")
    );
    fix_has(cli[2], "write `[keys]`");
    // `[profile bad name!]` splits into three words: the AWS CLI ignores it too.
    let ignored = r.all("ignored-section");
    assert_eq!(ignored.len(), 2, "{}", r.raw);
    loc_ends(ignored[0], ".aws/config:12");
    loc_ends(ignored[1], ".aws/config:16");
    fix_has(ignored[0], "[profile foo]");
}

#[test]
fn parse_errors_are_findings_and_the_rest_is_checked() {
    let h = healthy();
    h.config(
        "[profile a]\nregion = us-east-1\nsso_session = nowhere\n[profile b]\nregion: eu-west-1\n[profile c]\n",
    );
    h.credentials(STATIC_CREDENTIALS);
    std::fs::set_permissions(
        h.path(".aws/credentials"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let r = doctor(&h, &[("AWS_PROFILE", "c"), ("AWSP_PROFILE", "c")]);
    let f = r.one("colon-separator");
    assert_eq!(f["severity"], "error");
    loc_ends(f, ".aws/config:5");
    fix_has(f, "region = ");
    // The other file is still checked; absence checks are off, since `c` may be further down.
    let f = r.one("credentials-permissions");
    assert_eq!(f["severity"], "error");
    fix_has(f, "chmod 600 ");
    loc_ends(f, ".aws/credentials");
    r.lacks("profile-not-found");
    r.lacks("sso-session-missing");

    h.config("region = x\n[profile ok]\n");
    let r = doctor(&h, &[]);
    let f = r.one("parse-error");
    loc_ends(f, ".aws/config:1");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Expected a section definition")
    );
    h.config("[profile a\n");
    let f = doctor(&h, &[]).one("parse-error").clone();
    fix_has(&f, "`]`");
}

#[test]
fn unreadable_files_are_findings() {
    let h = healthy();
    std::fs::remove_file(h.path(".aws/config")).unwrap();
    std::fs::create_dir(h.path(".aws/config")).unwrap();
    let r = doctor(&h, &[]);
    loc_ends(r.one("file-unreadable"), ".aws/config");
    std::fs::remove_dir(h.path(".aws/config")).unwrap();
    std::os::unix::fs::symlink(h.path(".aws/config"), h.path(".aws/config")).unwrap();
    let r = doctor(&h, &[]);
    let f = r.one("file-unreadable");
    assert!(
        f["message"].as_str().unwrap().contains("symbolic links"),
        "{f}"
    );
    std::fs::remove_file(h.path(".aws/config")).unwrap();
    h.write("big", &"# padding\n".repeat(4 * 1024 * 1024));
    let big = h.path("big");
    let r = doctor(&h, &[("AWS_CONFIG_FILE", big.to_str().unwrap())]);
    loc_ends(r.one("file-too-large"), "/big");
    // A size that says 0 does not lift the limit; a device is refused unread.
    let r = doctor(&h, &[("AWS_CONFIG_FILE", "/proc/self/pagemap")]);
    r.one("file-too-large");
    let r = doctor(&h, &[("AWS_CONFIG_FILE", "/dev/zero")]);
    let f = r.one("file-unreadable");
    assert!(
        f["message"].as_str().unwrap().contains("character device"),
        "{f}"
    );
    // A variable pointing at nothing is likely a typo; the default file missing is normal.
    let r = doctor(&h, &[("AWS_CONFIG_FILE", "~/nope/config")]);
    let f = r.one("file-missing");
    assert_eq!(f["location"], "AWS_CONFIG_FILE");
    assert_eq!(f["severity"], "warning");
    let r = doctor(&h, &[]);
    assert_eq!(r.codes(), ["no-aws-files", "hook-unverified"]);
}

#[test]
fn role_chains() {
    let h = healthy();
    h.config(
        "[profile x]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = y\n\
         [profile y]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n\
         [profile z]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n\
         [profile me]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = me\n\
         [profile keys]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\naws_access_key_id = A\naws_secret_access_key = B\n\
         [profile gone]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev-admn\n\
         [profile dev-admin]\naws_access_key_id = A\n\
         [profile lonely]\nrole_arn = arn:aws:iam::1:role/r\n\
         [profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\ncredential_source = Environment\n\
         [profile ec2]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
    );
    std::fs::set_permissions(
        h.path(".aws/config"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = doctor(&h, &[]);
    let cycles = r.all("source-profile-cycle");
    assert_eq!(cycles.len(), 2, "one per cycle, not per member:\n{}", r.raw);
    assert!(cycles[0]["message"].as_str().unwrap().contains("me -> me"));
    loc_ends(cycles[0], ".aws/config:12");
    assert!(
        cycles[1]["message"]
            .as_str()
            .unwrap()
            .contains("x -> y -> x")
    );
    loc_ends(cycles[1], ".aws/config:3");
    let f = r.one("source-profile-missing");
    loc_ends(f, ".aws/config:20");
    fix_has(f, "source_profile = dev-admin");
    loc_ends(r.one("role-without-source"), ".aws/config:24");
    loc_ends(r.one("role-source-conflict"), ".aws/config:28");
    assert_eq!(r.code, 1);
}

#[test]
fn credentials_file_permissions() {
    let h = healthy();
    h.credentials(STATIC_CREDENTIALS);
    let set = |mode| {
        std::fs::set_permissions(
            h.path(".aws/credentials"),
            std::fs::Permissions::from_mode(mode),
        )
        .unwrap()
    };
    set(0o600);
    doctor(&h, &SWITCHED).lacks("credentials-permissions");
    set(0o604);
    let r = doctor(&h, &SWITCHED);
    let f = r.one("credentials-permissions");
    assert!(f["message"].as_str().unwrap().contains("604"));
    assert!(!r.raw.contains("SECRET-KEY"));
    // Secrets in a section the SDKs ignore are still secrets (the AWS CLI reads them).
    h.credentials("[profile x]\naws_secret_access_key = SECRET-KEY-hidden\n");
    let f = doctor(&h, &SWITCHED).one("credentials-permissions").clone();
    assert_eq!(f["severity"], "error");
    // Without secrets in it, loose permissions are only a warning.
    h.credentials("[other]\nregion = us-east-1\n");
    set(0o644);
    assert_eq!(
        doctor(&h, &SWITCHED).one("credentials-permissions")["severity"],
        "warning"
    );
}

#[test]
fn the_aws_cli() {
    let h = healthy();
    let only_bin = h.bin.to_str().unwrap().to_string();
    std::fs::remove_file(h.bin.join("aws")).unwrap();
    let r = doctor(
        &h,
        &[
            ("PATH", &only_bin),
            ("AWS_PROFILE", "dev-admin"),
            ("AWSP_PROFILE", "dev-admin"),
            ("AWSP_LOGIN_WITH", "aws-cli"),
        ],
    );
    let f = r.one("aws-cli-missing");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["location"], "PATH");
    fix_has(f, "install AWS CLI v2");
    // awsp logs in to SSO itself by default: the CLI is optional.
    let r = doctor(&h, &[("PATH", &only_bin), ("AWS_PROFILE", "dev-admin")]);
    assert_eq!(r.one("aws-cli-missing")["severity"], "info");
    // With a custom login tool the CLI is optional.
    let r = doctor(
        &h,
        &[
            ("PATH", &only_bin),
            ("AWSP_LOGIN_COMMAND", "my-login {profile}"),
        ],
    );
    assert_eq!(r.one("aws-cli-missing")["severity"], "info");

    h.fake_aws(Some(
        "aws-cli/1.29.0 Python/3.8.10 Linux/5.15 botocore/1.31.0",
    ));
    let r = doctor(&h, &SWITCHED);
    let f = r.one("aws-cli-v1");
    assert_eq!(f["severity"], "error", "SSO profiles need `aws sso login`");
    assert!(f["message"].as_str().unwrap().contains("aws-cli/1.29.0"));
    assert_eq!(
        f["location"].as_str().unwrap(),
        h.bin.join("aws").to_str().unwrap()
    );
    // CLI v1 printed its version on stderr.
    std::fs::write(
        h.bin.join("aws"),
        "#!/bin/sh\necho 'aws-cli/1.18.69 Python/2.7.18' >&2\n",
    )
    .unwrap();
    doctor(&h, &SWITCHED).one("aws-cli-v1");
    std::fs::write(h.bin.join("aws"), "#!/bin/sh\necho 'hello'\nexit 3\n").unwrap();
    doctor(&h, &SWITCHED).one("aws-cli-unknown");
    // No SSO profile at all: v1 is only a warning.
    h.config("[profile k]\nregion = us-east-1\n");
    h.fake_aws(Some("aws-cli/1.29.0 Python/3.8.10"));
    let r = doctor(&h, &[("AWS_PROFILE", "k"), ("AWSP_PROFILE", "k")]);
    assert_eq!(r.one("aws-cli-v1")["severity"], "warning");
    assert_eq!(r.code, 0);
}

#[test]
fn hook_not_loaded() {
    let h = healthy();
    let r = doctor(&h, &[("AWS_PROFILE", "dev-admin")]);
    let f = r.one("hook-not-loaded");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["location"], "AWS_PROFILE, AWSP_PROFILE");
    fix_has(f, "eval \"$(awsp init bash)\"");
    let r = doctor(
        &h,
        &[
            ("AWS_PROFILE", "prod-readonly"),
            ("AWSP_PROFILE", "dev-admin"),
            ("SHELL", "/bin/zsh"),
        ],
    );
    let f = r.one("hook-not-loaded");
    assert!(f["message"].as_str().unwrap().contains("`dev-admin`"));
    fix_has(f, "awsp prod-readonly");
    fix_has(f, "~/.zshrc");
    // The binary is not on PATH: the hook's `command awsp` cannot work.
    let r = doctor(
        &h,
        &[
            ("PATH", "/nonexistent"),
            ("AWS_PROFILE", "dev-admin"),
            ("AWSP_PROFILE", "dev-admin"),
        ],
    );
    r.one("awsp-not-on-path");
}

#[test]
fn through_the_shell_after_a_real_switch() {
    if !have_shell("bash") {
        return;
    }
    let h = healthy();
    let r = h
        .shell(
            "bash",
            "export AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=B\nawsp doctor >/dev/null; echo \"before=$?\"\nawsp dev-admin\nawsp doctor; echo \"after=$?\"\n",
            &[],
        )
        .expect(0);
    assert!(r.stdout.contains("before=0"), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("No problems found.\nafter=0"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap()
}

/// Python's `configparser` (the AWS CLI's reader) names a section by the exact text
/// between `[` and the last `]`, and botocore takes a config-file section as a profile only
/// when that text starts with `profile`; the SDKs trim it.
#[test]
fn sections_the_cli_does_not_read_as_the_sdks_do() {
    let h = healthy();
    h.config(
        "[ profile sp ]\nregion = us-east-1\n\
         [profile a] # see [notes]\nregion = us-east-1\n\
         [profile b]\n[profile  b]\noutput = json\n\
         [ sso-session s ]\nsso_start_url = https://s.awsapps.com/start\nsso_region = us-east-1\n\
         [services s3-local]\n[plugins]\n",
    );
    h.credentials("[ spaced ]\naws_access_key_id = AKIAEXAMPLEKEY123456\n");
    std::fs::set_permissions(
        h.path(".aws/credentials"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = doctor(&h, &SWITCHED);
    let missed = r.all("cli-misses-section");
    assert_eq!(missed.len(), 4, "{}", r.raw);
    loc_ends(missed[0], ".aws/config:1");
    assert!(message(missed[0]).contains("\"The config profile (sp) could not be found\""));
    fix_has(missed[0], "write `[profile sp]`");
    // A `]` in the comment: the CLI's name runs to the last `]`.
    loc_ends(missed[1], ".aws/config:3");
    assert!(
        message(missed[1]).contains("`profile a] # see [notes`"),
        "{}",
        r.raw
    );
    fix_has(missed[1], "keep `]` out of the comment");
    loc_ends(missed[2], ".aws/config:8");
    assert!(message(missed[2]).contains("The specified sso-session does not exist: \"s\""));
    loc_ends(missed[3], ".aws/credentials:1");
    assert!(
        message(missed[3]).contains("a profile named ` spaced `"),
        "{}",
        r.raw
    );
    fix_has(missed[3], "write `[spaced]`");
    // Two spellings of one profile: the SDKs merge them, the CLI keeps the later one.
    let twice = r.one("duplicate-section");
    assert_eq!(twice["severity"], "warning");
    loc_ends(twice, ".aws/config:6");
    assert!(message(twice).contains("keeps only the settings of the later one"));
    // `[services …]` and `[plugins]` are the CLI's own sections, no profile to anyone.
    r.lacks("ignored-section");
}

/// `[DEFAULT]` (that case only) is `configparser`'s defaults section: no section of its
/// own, its keys given to every other section of the file, and allowed more than once
/// (but not the same key twice).
#[test]
fn default_section() {
    let h = healthy();
    h.config(
        "[DEFAULT]\nregion = eu-west-1\n[profile a]\n[DEFAULT]\noutput = json\n[Default]\nx = 1\n",
    );
    h.credentials(
        "[DEFAULT]\nregion = ap-south-1\n[keys]\naws_access_key_id = AKIAEXAMPLEKEY123456\n",
    );
    std::fs::set_permissions(
        h.path(".aws/credentials"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = doctor(&h, &SWITCHED);
    let d = r.all("cli-default-section");
    assert_eq!(d.len(), 2, "{}", r.raw);
    loc_ends(d[0], ".aws/config:1");
    assert!(message(d[0]).contains("the SDKs ignore it"));
    assert!(message(d[0]).contains("`region`, `output`"), "{}", r.raw);
    // The old advice, `[profile DEFAULT]`, would change what the CLI reads.
    assert!(
        !d[0]["fix"]
            .as_str()
            .unwrap()
            .starts_with("write `[profile DEFAULT]`")
    );
    loc_ends(d[1], ".aws/credentials:1");
    assert!(message(d[1]).contains("a profile named `DEFAULT`"));
    fix_has(d[1], "[default]");
    r.lacks("duplicate-section");
    r.lacks("duplicate-key");
    // `[Default]` is an ordinary section: ignored by both.
    loc_ends(r.one("ignored-section"), ".aws/config:6");
    // The same key in two `[DEFAULT]` blocks: Python's DuplicateOptionError.
    h.config("[DEFAULT]\nregion = a\n[profile a]\n[DEFAULT]\nregion = b\n");
    let r = doctor(&h, &SWITCHED);
    let f = r.one("duplicate-key");
    loc_ends(f, ".aws/config:5");
    assert!(message(f).contains("the SDKs ignore `[DEFAULT]`"));
}

/// Lines Python's parser reads and the SDKs' grammar rejects: the SDKs (and awsp) stop
/// at the first, so each gets a file of its own.
#[test]
fn lines_the_cli_reads_and_the_sdks_reject() {
    let h = healthy();
    let cases = [
        (
            "[profile a] trailing\nregion = x\n",
            1,
            "header of section `[profile a]`",
            "delete the text after `]`",
        ),
        (
            "[profile a]\n  [profile b]\nregion = x\n",
            2,
            "header of section `[profile b]`",
            "indentation before `[`",
        ),
        (
            "[profile a]\n\tregion = us-east-1\n",
            2,
            "the property `region`",
            "remove the indentation",
        ),
        (
            "[profile a#b]\nregion = x\n",
            1,
            "header of section `[profile a#b]`",
            "take the `#`",
        ),
    ];
    for (text, line, reads, fix) in cases {
        h.config(text);
        let r = doctor(&h, &SWITCHED);
        let f = r.one("cli-reads-rejected-line");
        assert_eq!(f["severity"], "error");
        loc_ends(f, &format!(".aws/config:{line}"));
        assert!(message(f).contains(reads), "{text:?}: {}", r.raw);
        assert!(
            message(f).contains("reads the whole file"),
            "{text:?}: {}",
            r.raw
        );
        assert!(
            message(f).contains("the SDKs (and awsp) reject the file"),
            "{}",
            r.raw
        );
        fix_has(f, fix);
        r.lacks("parse-error");
    }
    // A line both refuse is a plain parse error, and says so.
    h.config("[profile a]\nregion\n");
    let r = doctor(&h, &SWITCHED);
    assert!(message(r.one("parse-error")).contains("the AWS CLI rejects this line too"));
    r.lacks("cli-reads-rejected-line");
}

/// Lines the SDKs read but Python's parser refuses: the AWS CLI then reads nothing.
#[test]
fn lines_the_sdks_read_and_the_cli_refuses() {
    let h = healthy();
    h.config(&format!(
        "{SSO_CONFIG}[]\nx = 1\n[profile c]\nin valid = 1\nin valid = 2\ns3:x = y\n"
    ));
    let r = doctor(&h, &SWITCHED);
    let f = r.one("cli-rejects-file");
    assert!(message(f).contains("Unable to parse config file"));
    fix_has(f, "give the section a name");
    // Ignored by the SDKs, a key set twice for the CLI.
    let f = r.one("duplicate-key");
    assert!(message(f).contains("DuplicateOptionError"), "{}", r.raw);
    assert!(message(r.all("ignored-property")[0]).contains("the AWS CLI keeps it"));
    // The CLI splits a line at its first `=` or `:`.
    assert!(message(r.one("cli-sdk-difference")).contains("reads key `s3`"));
    // A block the SDKs ignore is still parsed by botocore, which wants `=` on every line.
    h.config(&format!("{SSO_CONFIG}[foo]\ns3 =\n  no equals\n"));
    let r = doctor(&h, &SWITCHED);
    let f = r.one("cli-rejects-file");
    loc_ends(
        f,
        &format!(".aws/config:{}", SSO_CONFIG.lines().count() + 2),
    );
    fix_has(f, "`key = value`");
    r.lacks("parse-error");
}

/// A near miss of `profile` or `sso-session` is ignored by both readers; doctor names the
/// header it was meant to be.
#[test]
fn section_header_typos() {
    let h = healthy();
    h.config(&format!(
        "{SSO_CONFIG}[profle typo-a]\nregion = x\n[Profile typo-b]\n[sso-sesion typo-s]\n[typo-c]\n"
    ));
    let r = doctor(&h, &SWITCHED);
    let all = r.all("ignored-section");
    assert_eq!(all.len(), 4, "{}", r.raw);
    assert!(
        message(all[0]).contains("did you mean `[profile typo-a]`?"),
        "{}",
        r.raw
    );
    fix_has(all[0], "write `[profile typo-a]`");
    fix_has(all[1], "write `[profile typo-b]`");
    fix_has(all[2], "write `[sso-session typo-s]`");
    fix_has(all[3], "write `[profile typo-c]`");
}

/// A session name the SDKs reject but the AWS CLI reads (quoted, or not ASCII): the
/// findings agree on who reads what.
#[test]
fn sessions_only_the_cli_reads() {
    let h = healthy();
    for name in ["\"my s\"", "café"] {
        let bare = name.trim_matches('"');
        h.config(&format!(
            "[sso-session {name}]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\
             [profile a]\nsso_session = {bare}\nsso_account_id = 1\nsso_role_name = R\n"
        ));
        let r = doctor(&h, &[("AWS_PROFILE", "a"), ("AWSP_PROFILE", "a")]);
        let header = r.one("cli-reads-ignored-section");
        assert!(message(header).contains(&format!("an sso-session named `{bare}`")));
        let f = r.one("sso-session-missing");
        assert!(
            message(f).contains("the AWS CLI reads the block at")
                && message(f).contains("the SDKs ignore that block"),
            "{}",
            r.raw
        );
        assert!(!message(f).contains("does not exist"), "{}", r.raw);
        loc_ends(f, ".aws/config:5");
    }
}

#[test]
fn a_profile_variable_naming_nothing_says_nothing_of_the_hook() {
    let h = healthy();
    let r = doctor(&h, &[("AWS_PROFILE", "dev-admn")]);
    r.one("profile-not-found");
    r.lacks("hook-not-loaded");
    assert!(!r.raw.contains("awsp dev-admn"), "{}", r.raw);
    let r = doctor(
        &h,
        &[
            ("AWS_PROFILE", "gone"),
            ("AWS_DEFAULT_PROFILE", "dev-admin"),
            ("AWSP_PROFILE", "dev-admin"),
        ],
    );
    r.lacks("hook-not-loaded");
    assert!(!r.raw.contains("`awsp gone`"), "{}", r.raw);
    // A profile only the AWS CLI reads: not found, and the finding says who reads it.
    h.config("[profile \"a b\"]\nregion = us-east-1\n");
    let r = doctor(&h, &[("AWS_PROFILE", "a b")]);
    let f = r.one("profile-not-found");
    assert!(
        message(f).contains("the AWS CLI reads the section at "),
        "{}",
        r.raw
    );
    loc_ends(r.one("cli-reads-ignored-section"), ".aws/config:1");
}

/// Values the two read differently: Python's parser keeps a blank line inside a continued
/// value (`empty_lines_in_values`) and breaks lines at a lone carriage return (universal
/// newlines); the SDKs do neither.
#[test]
fn values_the_cli_reads_otherwise() {
    let h = healthy();
    h.config(&format!(
        "{SSO_CONFIG}[profile v]\nnote = a\n\n  b\nj = one\rtwo = 2\nplain = x\n  cont\n"
    ));
    let r = doctor(&h, &SWITCHED);
    let all = r.all("cli-sdk-difference");
    assert_eq!(all.len(), 2, "{}", r.raw);
    assert!(message(all[0]).contains("`note`") && message(all[0]).contains("blank line"));
    assert!(message(all[1]).contains("carriage return"));
}

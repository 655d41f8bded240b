//! `awsp export`, `awsp console` and `exec --credentials` against the tests' own Identity
//! Center, STS and federation endpoint (`support/identity_center.py`), which checks every
//! AssumeRole's SigV4 signature with the secret it knows: every profile kind, chains one
//! to three links deep, MFA at a real terminal, the cache and its lock, the console URL,
//! real shells evaluating the keys, and botocore using awsp as its credential_process.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::common::*;
use crate::native_login::{SUPPORT, Setup};

const USER_KEY: &str = "AKIAUSERTEST00000001";
const USER_SECRET: &str = "user-secret-0123456789abcdefghijklmnopqr";
const MFA: &str = "arn:aws:iam::000000000000:mfa/me";

/// SSO profiles (from [`SSO_CONFIG`]) plus role chains on top of SSO, static keys and
/// the environment.
fn config() -> String {
    format!(
        "{SSO_CONFIG}
[profile base]
region = eu-west-1

[profile r1]
role_arn = arn:aws:iam::333333333333:role/One
source_profile = base
region = eu-west-1

[profile r2]
role_arn = arn:aws:iam::444444444444:role/Two
source_profile = r1
role_session_name = alice
external_id = ext-42

[profile r3]
role_arn = arn:aws:iam::555555555555:role/Three
source_profile = r2
duration_seconds = 900

[profile on-sso]
role_arn = arn:aws:iam::666666666666:role/FromSso
source_profile = dev-admin

[profile from-env]
role_arn = arn:aws:iam::777777777777:role/FromEnv
credential_source = Environment

[profile with-mfa]
role_arn = arn:aws:iam::888888888888:role/Guarded
source_profile = base
mfa_serial = {MFA}

[profile too-long]
role_arn = arn:aws:iam::999999999999:role/Long
source_profile = r1
duration_seconds = 7200

[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/B
source_profile = loop-a

[profile dangling]
role_arn = arn:aws:iam::111111111111:role/D
source_profile = nowhere

[profile wrong-secret]
role_arn = arn:aws:iam::111111111111:role/W
source_profile = bad-keys
"
    )
}

fn setup() -> Setup {
    let s = Setup::with(&config(), &[]);
    s.h.credentials(&format!(
        "[base]\naws_access_key_id = {USER_KEY}\naws_secret_access_key = {USER_SECRET}\n\n\
         [bad-keys]\naws_access_key_id = {USER_KEY}\naws_secret_access_key = not-the-secret\n"
    ));
    s.ic.config(json!({
        "accounts": [
            {"accountId": "111111111111", "accountName": "Dev", "roles": ["AdministratorAccess", "ReadOnly"]},
            {"accountId": "222222222222", "accountName": "Prod", "roles": ["ReadOnly"]},
        ],
        "iam_users": {USER_KEY: USER_SECRET},
        "mfa_devices": {MFA: "123456"},
        "role_conditions": {
            "arn:aws:iam::444444444444:role/Two": {"external_id": "ext-42"},
            "arn:aws:iam::888888888888:role/Guarded": {"mfa": true},
        },
    }));
    s
}

impl Setup {
    fn vars(&self) -> Vec<(String, String)> {
        let mut v = self.env();
        v.push(("AWSP_FEDERATION_URL".into(), self.ic.url.clone()));
        v
    }

    /// Runs awsp with no controlling terminal (a new session), as an SDK or CI runs it.
    fn detached(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let vars = self.vars();
        let mut all: Vec<(&str, &str)> =
            vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(extra);
        let mut c = self.h.cmd(args, &all);
        // SAFETY: setsid is async-signal-safe and touches no memory of this process.
        unsafe {
            c.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        Run::from(c.output().unwrap())
    }

    fn export(&self, profile: &str) -> Value {
        let r = self
            .detached(&["export", profile, "--format", "process"], &[])
            .expect(0);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
    }

    fn login(&self) {
        self.detached(&["login", "dev-admin"], &[]).expect(0);
    }

    fn calls(&self, op: &str) -> Vec<Value> {
        self.ic
            .log()
            .into_iter()
            .filter(|e| e["op"] == op)
            .collect()
    }

    fn cache_dir(&self) -> PathBuf {
        self.h.path(".local/state/awsp/credentials")
    }
}

/// No secret the server issued or knows is in what a run printed.
fn no_secrets(r: &Run, creds: &[&Value]) {
    for c in creds {
        for k in ["SecretAccessKey", "SessionToken"] {
            if let Some(secret) = c[k].as_str() {
                assert!(!r.stderr.contains(secret), "{k} on stderr: {}", r.stderr);
            }
        }
    }
    assert!(!r.stderr.contains(USER_SECRET));
}

#[test]
fn sso_profiles_get_role_credentials_once_then_from_the_cache() {
    let s = setup();
    s.login();
    let first = s.export("dev-admin");
    assert_eq!(first["Version"], 1);
    assert!(
        first["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{first}"
    );
    assert!(
        first["SessionToken"].is_string() && first["Expiration"].as_str().unwrap().ends_with('Z')
    );
    let calls = s.calls("GetRoleCredentials");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0]["accountId"].as_str(),
            calls[0]["roleName"].as_str()
        ),
        (Some("111111111111"), Some("AdministratorAccess"))
    );
    // Again: the cache answers.
    assert_eq!(s.export("dev-admin"), first);
    assert_eq!(s.calls("GetRoleCredentials").len(), 1);
    // The cache file is private and holds nothing but the credentials.
    let files: Vec<_> = std::fs::read_dir(s.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(s.cache_dir())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    // Credentials that end within the margin (15 minutes) are fetched again.
    let mut cached: Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    let soon = chrono::Utc::now() + chrono::Duration::minutes(14);
    cached["Expiration"] = json!(soon.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    std::fs::write(&files[0], cached.to_string()).unwrap();
    let second = s.export("dev-admin");
    assert_ne!(second["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(s.calls("GetRoleCredentials").len(), 2);
    // A changed profile is a new cache entry, never the old one's credentials.
    let edited = config().replace(
        "sso_role_name = AdministratorAccess",
        "sso_role_name = ReadOnly",
    );
    s.h.config(&edited);
    let third = s.export("dev-admin");
    assert_ne!(third["AccessKeyId"], second["AccessKeyId"]);
    let calls = s.calls("GetRoleCredentials");
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[2]["roleName"], "ReadOnly");
    // A role the session lacks is one line that says so.
    s.h.config(&config().replace("sso_role_name = ReadOnly", "sso_role_name = Nope"));
    let r = s
        .detached(&["export", "prod-readonly", "--format", "json"], &[])
        .expect(1);
    assert!(
        r.stderr
            .contains("profile `prod-readonly`: no role Nope in account 222222222222"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn role_chains_are_signed_link_by_link() {
    let s = setup();
    s.login();
    // Three links on static keys: r3 <- r2 <- r1 <- base.
    let r3 = s.export("r3");
    let calls = s.calls("AssumeRole");
    let arns: Vec<&str> = calls
        .iter()
        .map(|c| c["roleArn"].as_str().unwrap())
        .collect();
    assert_eq!(
        arns,
        [
            "arn:aws:iam::333333333333:role/One",
            "arn:aws:iam::444444444444:role/Two",
            "arn:aws:iam::555555555555:role/Three"
        ]
    );
    // Each link is signed with the keys the one before it got.
    assert_eq!(calls[0]["sourceKey"], USER_KEY);
    assert_ne!(calls[1]["sourceKey"], USER_KEY);
    assert_eq!(calls[1]["sessionName"], "alice");
    assert_eq!(calls[2]["durationSeconds"], 900);
    assert_eq!(calls.iter().filter(|c| c["status"] == 200).count(), 3);
    assert!(r3["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    // Every link was cached: r2 now comes from the cache, one new call for nothing.
    s.export("r2");
    assert_eq!(s.calls("AssumeRole").len(), 3);
    // On SSO: the portal's credentials sign the AssumeRole.
    let on_sso = s.export("on-sso");
    let sso_key = s.export("dev-admin")["AccessKeyId"].clone();
    let last = s.calls("AssumeRole").pop().unwrap();
    assert_eq!(last["sourceKey"], sso_key);
    assert_eq!(last["roleArn"], "arn:aws:iam::666666666666:role/FromSso");
    assert_ne!(on_sso["AccessKeyId"], sso_key);
    // On the environment's keys.
    let r = s
        .detached(
            &["export", "from-env", "--format", "json"],
            &[
                ("AWS_ACCESS_KEY_ID", USER_KEY),
                ("AWS_SECRET_ACCESS_KEY", USER_SECRET),
            ],
        )
        .expect(0);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["Profile"], "from-env");
    assert_eq!(s.calls("AssumeRole").pop().unwrap()["sourceKey"], USER_KEY);
    let r = s.detached(&["export", "from-env"], &[]).expect(1);
    assert!(
        r.stderr
            .contains("credential_source = Environment, but AWS_ACCESS_KEY_ID"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_wrong_signature_and_bad_chains_fail_in_one_line() {
    let s = setup();
    let cases: [(&str, &str); 5] = [
        // The server recomputes the signature with the secret it knows.
        (
            "wrong-secret",
            "profile `wrong-secret`: AssumeRole arn:aws:iam::111111111111:role/W: SignatureDoesNotMatch (HTTP 403)",
        ),
        ("loop-a", "source_profile cycle: loop-a -> loop-b -> loop-a"),
        (
            "dangling",
            "profile `dangling`: source_profile `nowhere` does not exist",
        ),
        // Role chaining is limited to an hour.
        (
            "too-long",
            "1 hour session limit for roles assumed by role chaining",
        ),
        ("default", "profile `default` has no credentials of its own"),
    ];
    for (profile, want) in cases {
        let r = s
            .detached(&["export", profile, "--format", "json"], &[])
            .expect(1);
        assert!(r.stderr.contains(want), "{profile}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{profile}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(!r.stderr.contains("not-the-secret") && !r.stderr.contains(USER_SECRET));
    }
    let signature_failures = s
        .calls("AssumeRole")
        .iter()
        .filter(|c| c["status"] == 403)
        .count();
    assert_eq!(signature_failures, 1);
    // A trust policy that wants an external id: AccessDenied, with the fix.
    s.h.config(&config().replace("external_id = ext-42\n", ""));
    let r = s.detached(&["export", "r2"], &[]).expect(1);
    assert!(
        r.stderr.contains("AccessDenied (HTTP 403)") && r.stderr.contains("trust policy"),
        "{}",
        r.stderr
    );
    // Throttling is tried again; the answer comes through.
    s.h.config(&config());
    s.ic.fail(json!({"op": "AssumeRole", "status": 400, "error": "Throttling", "times": 2, "description": "Rate exceeded"}));
    let r = s
        .detached(&["export", "r2", "--format", "json"], &[])
        .expect(0);
    assert!(r.stdout.contains("AccessKeyId"));
    let throttled = s
        .calls("AssumeRole")
        .iter()
        .filter(|c| c["status"] == 400 && c["roleArn"].is_null())
        .count();
    assert_eq!(throttled, 2, "{:?}", s.calls("AssumeRole"));
    // STS out of reach: one line naming the host.
    let r = s
        .detached(
            &["export", "r3"],
            &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")],
        )
        .expect(1);
    assert!(r.stderr.contains("cannot reach 127.0.0.1"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    // An SSO session that has expired, with no terminal: fail fast, naming the command.
    let r = s.detached(&["export", "prod-readonly"], &[]).expect(1);
    assert!(r.stderr.contains("awsp login"), "{}", r.stderr);
}

#[test]
fn mfa_codes_are_asked_on_the_terminal_and_the_session_is_cached() {
    if !have_tmux() {
        skip("tmux is not installed");
        return;
    }
    let s = setup();
    // With no terminal, it says how to get one.
    let r = s.detached(&["export", "with-mfa"], &[]).expect(1);
    assert!(
        r.stderr.contains("needs an MFA code") && r.stderr.contains("no terminal"),
        "{}",
        r.stderr
    );
    let vars = s.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = s.h.path("creds.json");
    let t = Term::start(&s.h, &vars, (120, 30), "sh");
    t.line(&format!(
        "{BIN} export with-mfa --format json > {}; echo rc=$?",
        out.display()
    ));
    t.wait_for("the MFA question", |sc| {
        sc.contains("MFA code for with-mfa (arn:aws:iam::000000000000:mfa/me):")
    });
    t.line("000000");
    t.wait_for("a second try", |sc| {
        sc.contains("that MFA code was refused; try again")
    });
    t.line("123456");
    let screen = t.wait_for("the end", |sc| sc.lines().any(|l| l.starts_with("rc=")));
    assert!(screen.contains("rc=0"), "{screen}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let calls = s.calls("AssumeRole");
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c["mfa"] == MFA));
    assert_eq!(
        (calls[0]["status"].as_u64(), calls[1]["status"].as_u64()),
        (Some(403), Some(200))
    );
    assert!(!screen.contains(v["SecretAccessKey"].as_str().unwrap()));
    // The MFA session is cached for its lifetime: no terminal needed now.
    let again = s.export("with-mfa");
    assert_eq!(again["AccessKeyId"], v["AccessKeyId"]);
    assert_eq!(s.calls("AssumeRole").len(), 2);
}

#[test]
fn fifty_concurrent_credential_processes_make_one_upstream_call() {
    let s = setup();
    // Five minutes left on the token: every caller would renew it; one refresh is made.
    s.ic.config(json!({"access_token_ttl": 300}));
    s.login();
    s.ic.config(json!({"access_token_ttl": 3600}));
    for profile in ["dev-admin", "r1"] {
        let vars = s.vars();
        let children: Vec<_> = (0..50)
            .map(|_| {
                let mut c = s.h.cmd(&["export", profile, "--format", "process"], &[]);
                c.envs(vars.iter().cloned())
                    .stdout(std::process::Stdio::piped());
                c.spawn().unwrap()
            })
            .collect();
        let keys: Vec<String> = children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                v["AccessKeyId"].as_str().unwrap().to_string()
            })
            .collect();
        assert!(keys.iter().all(|k| *k == keys[0]), "{profile}: {keys:?}");
    }
    assert_eq!(s.calls("GetRoleCredentials").len(), 1);
    assert_eq!(s.calls("AssumeRole").len(), 1);
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1);
    assert_eq!(s.ic.count("CreateToken", None), 2, "one login, one refresh");
}

#[test]
fn an_expired_session_is_logged_in_to_at_a_terminal_then_export_carries_on() {
    if !have_tmux() {
        skip("tmux is not installed");
        return;
    }
    let s = setup();
    let vars = s.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let out = s.h.path("creds.json");
    let t = Term::start(&s.h, &vars, (120, 30), "sh");
    t.line(&format!(
        "{BIN} export dev-admin --format json > {}; echo rc=$?",
        out.display()
    ));
    let screen = t.wait_for("the end", |sc| sc.lines().any(|l| l.starts_with("rc=")));
    assert!(screen.contains("rc=0"), "{screen}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["Profile"], "dev-admin");
    assert_eq!(s.ic.count("CreateToken", None), 1, "one login");
    assert_eq!(s.calls("GetRoleCredentials").len(), 1);
    assert!(!screen.contains(v["SecretAccessKey"].as_str().unwrap()));
}

#[test]
fn static_keys_process_and_aws_login_profiles() {
    let s = setup();
    // Static keys come out as they are, and are never cached.
    let v = s.export("bad-keys");
    assert_eq!(
        (v["AccessKeyId"].as_str(), v.get("Expiration")),
        (Some(USER_KEY), None)
    );
    assert_eq!(
        std::fs::read_dir(s.cache_dir()).map_or(0, |d| d
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json"))
            .count()),
        0
    );
    // Another tool's credential_process: run without a shell, its answer read.
    let tool = s.h.path("bin/other-tool");
    s.h.write(
        "bin/other-tool",
        "#!/bin/sh\n[ \"$1\" = 'arg with space' ] || exit 3\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAOTHER\", \"SecretAccessKey\": \"s\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    );
    make_executable(&tool);
    s.h.write(
        ".aws/config",
        &format!(
            "{}\n[profile other]\ncredential_process = {} 'arg with space'\n\n[profile broken-tool]\ncredential_process = {} nope\n",
            config(),
            tool.display(),
            tool.display()
        ),
    );
    let v = s.export("other");
    assert_eq!(
        (v["AccessKeyId"].as_str(), v["Expiration"].as_str()),
        (Some("AKIAOTHER"), Some("2099-01-01T00:00:00Z"))
    );
    // A credential_process that runs awsp for its own profile stops at once.
    let config = std::fs::read_to_string(s.h.path(".aws/config")).unwrap();
    s.h.write(
        ".aws/config",
        &format!("{config}\n[profile selfish]\ncredential_process = {BIN} export selfish --format process\n"),
    );
    let r = s.detached(&["export", "selfish"], &[]).expect(1);
    assert!(
        r.stderr
            .contains("its credential_process runs awsp for `selfish` again (selfish -> selfish)"),
        "{}",
        r.stderr
    );
    let r = s.detached(&["export", "broken-tool"], &[]).expect(1);
    assert!(
        r.stderr.contains("credential_process") && r.stderr.contains("failed (exit status 3)"),
        "{}",
        r.stderr
    );
    // An `aws login` profile: the credentials the CLI keeps.
    let arn = "arn:aws:sts::123456789012:assumed-role/Admin/me";
    s.h.write(
        ".aws/config",
        &format!("[profile console]\nlogin_session = {arn}\n"),
    );
    let end = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    s.h.write(
        &format!(".aws/login/cache/{}.json", awsp::aws::sha256::hex(arn.as_bytes())),
        &format!(
            r#"{{"accessToken": {{"accessKeyId": "ASIALOGIN", "secretAccessKey": "ls", "sessionToken": "lt", "accountId": "123456789012", "expiresAt": "{end}"}}, "tokenType": "t", "clientId": "c", "refreshToken": "r", "idToken": "i", "dpopKey": "k"}}"#
        ),
    );
    assert_eq!(s.export("console")["AccessKeyId"], "ASIALOGIN");
}

#[test]
fn export_env_is_evaluated_by_real_shells_and_refuses_a_terminal() {
    let s = setup();
    let want = s.export("r1");
    let vars = s.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut shells = vec![
        (
            "bash",
            "export AWS_PROFILE=old AWS_SECURITY_TOKEN=stale; eval \"$(awsp export r1)\"; echo \"$AWS_ACCESS_KEY_ID|$AWS_SESSION_TOKEN|${AWS_PROFILE-unset}|${AWS_SECURITY_TOKEN-unset}|$AWS_REGION|$AWSP_PREVIOUS\"",
        ),
        (
            "zsh",
            "export AWS_PROFILE=old; eval \"$(awsp export r1)\"; echo \"$AWS_ACCESS_KEY_ID|$AWS_SESSION_TOKEN|${AWS_PROFILE-unset}|${AWS_SECURITY_TOKEN-unset}|$AWS_REGION|$AWSP_PREVIOUS\"",
        ),
    ];
    if have_shell("fish") {
        shells.push(("fish", "set -gx AWS_PROFILE old; awsp export r1 --shell fish | source; echo \"$AWS_ACCESS_KEY_ID|$AWS_SESSION_TOKEN|\"(set -q AWS_PROFILE; and echo set; or echo unset)\"|unset|$AWS_REGION|$AWSP_PREVIOUS\""));
    }
    for (shell, script) in shells {
        let r = s.h.shell(shell, script, &vars).expect(0);
        let got = r.stdout.trim().to_string();
        let parts: Vec<&str> = got.split('|').collect();
        assert_eq!(parts.len(), 6, "{shell}: {got}\n{}", r.stderr);
        assert_eq!(parts[0], want["AccessKeyId"].as_str().unwrap(), "{shell}");
        assert_eq!(parts[1], want["SessionToken"].as_str().unwrap(), "{shell}");
        assert_eq!(
            &parts[2..],
            ["unset", "unset", "eu-west-1", "old"],
            "{shell}"
        );
    }
    if !have_tmux() {
        skip("tmux is not installed: the terminal refusal was not tried");
        return;
    }
    let t = Term::start(&s.h, &vars, (100, 20), "sh");
    t.line(&format!("{BIN} export r1 --format json; echo rc=$?"));
    let screen = t.wait_for("the refusal", |sc| sc.lines().any(|l| l.starts_with("rc=")));
    assert!(
        screen.contains("stdout is a terminal") && screen.contains("rc=1"),
        "{screen}"
    );
    assert!(!screen.contains(want["SecretAccessKey"].as_str().unwrap()));
}

#[test]
fn exec_credentials_passes_keys_and_exit_status() {
    let s = setup();
    let want = s.export("r1");
    let r = s
        .detached(
            &["exec", "r1", "--credentials", "--", "sh", "-c", "echo \"$AWS_ACCESS_KEY_ID|${AWS_PROFILE-unset}|$AWS_CREDENTIAL_EXPIRATION\"; exit 7"],
            &[("AWS_PROFILE", "other")],
        )
        .expect(7);
    assert_eq!(
        r.stdout.trim(),
        format!(
            "{}|unset|{}",
            want["AccessKeyId"].as_str().unwrap(),
            want["Expiration"].as_str().unwrap()
        )
    );
    // Without --credentials, exec still hands over the profile, not keys.
    let r = s
        .detached(
            &[
                "exec",
                "r1",
                "--",
                "sh",
                "-c",
                "echo \"${AWS_ACCESS_KEY_ID-none}|$AWS_PROFILE\"",
            ],
            &[],
        )
        .expect(0);
    assert_eq!(r.stdout.trim(), "none|r1");
}

#[test]
fn console_signs_in_through_federation_for_each_partition() {
    let s = setup();
    s.h.config(&format!(
        "{}\n[profile gov]\nrole_arn = arn:aws-us-gov:iam::111111111111:role/Gov\nsource_profile = base\nregion = us-gov-west-1\n\n[profile cn]\nrole_arn = arn:aws-cn:iam::111111111111:role/Cn\nsource_profile = base\nregion = cn-north-1\n",
        config()
    ));
    let cases = [
        (
            "r1",
            &[][..],
            "https://console.aws.amazon.com/console/home?region=eu-west-1",
        ),
        (
            "r1",
            &["--destination", "s3", "--region", "us-east-2"][..],
            "https://console.aws.amazon.com/s3/home?region=us-east-2",
        ),
        (
            "gov",
            &[][..],
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            "cn",
            &["--destination", "ec2"][..],
            "https://console.amazonaws.cn/ec2/home?region=cn-north-1",
        ),
        (
            "r1",
            &[
                "--destination",
                "https://console.aws.amazon.com/iam/home#/roles",
            ][..],
            "https://console.aws.amazon.com/iam/home#/roles",
        ),
    ];
    for (profile, extra, destination) in cases {
        let mut args = vec!["console", profile, "--print"];
        args.extend_from_slice(extra);
        let r = s.detached(&args, &[]).expect(0);
        let url = r.stdout.trim();
        assert!(
            url.starts_with(&format!(
                "{}/federation?Action=login&Issuer=awsp&Destination=",
                s.ic.url
            )),
            "{url}"
        );
        // The sign-in endpoint takes the token once and sends the browser on.
        let follow = Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request as u, urllib.error as e\n\
                 class N(u.HTTPRedirectHandler):\n    def redirect_request(self, *a): return None\n\
                 o = u.build_opener(N)\n\
                 for _ in range(2):\n    try: o.open(sys.argv[1], timeout=10); print('200')\n    except e.HTTPError as x: print(x.code, x.headers.get('Location'))",
                url,
            ])
            .output()
            .unwrap();
        let answers = String::from_utf8_lossy(&follow.stdout);
        assert_eq!(
            answers.trim(),
            format!("302 {destination}\n400 None"),
            "{profile}"
        );
    }
    // Opening it: the browser gets the URL; nothing of it is printed.
    let log = s.h.path("opened.log");
    let r = s
        .detached(
            &["console", "r1"],
            &[
                ("AWSP_TEST_BROWSER_MODE", "ignore"),
                ("AWSP_TEST_BROWSER_LOG", log.to_str().unwrap()),
            ],
        )
        .expect(0);
    // The browser runs on its own after awsp has exited; its log is created before the
    // line is written in it, so the wait is for a whole line.
    let start = std::time::Instant::now();
    let opened = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.ends_with('\n') || start.elapsed() > std::time::Duration::from_secs(10) {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(opened.contains("Action=login&Issuer=awsp"), "{opened}");
    assert!(!r.stdout.contains("SigninToken") && !r.stderr.contains("SigninToken"));
    assert!(
        r.stderr.contains("opened the console for r1"),
        "{}",
        r.stderr
    );
    // Long-term keys cannot sign in to the console: said plainly.
    s.h.write(".aws/config", "[profile keys]\n");
    s.h.credentials(&format!(
        "[keys]\naws_access_key_id = {USER_KEY}\naws_secret_access_key = {USER_SECRET}\n"
    ));
    let r = s.detached(&["console", "keys", "--print"], &[]).expect(1);
    assert!(
        r.stderr.contains("long-term keys") && r.stderr.contains("temporary credentials"),
        "{}",
        r.stderr
    );
    let _ = SUPPORT;
}

#[test]
fn botocore_uses_awsp_as_its_credential_process() {
    let Some(py) = crate::botocore::python() else {
        return;
    };
    let s = setup();
    s.login();
    s.h.write(
        ".aws/config",
        &format!(
            "{}\n[profile via-awsp]\ncredential_process = {BIN} export dev-admin --format process\nregion = eu-west-1\n",
            config()
        ),
    );
    let vars = s.vars();
    let out = Command::new(py)
        .args([
            "-c",
            "import botocore.session\n\
             c = botocore.session.Session(profile='via-awsp').get_credentials()\n\
             f = c.get_frozen_credentials()\n\
             print(c.method, f.access_key, f.token is not None)",
        ])
        .env_clear()
        .envs(s.h.base_env())
        .envs(vars)
        .env("AWS_CONFIG_FILE", s.h.path(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", s.h.path(".aws/credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issued = s.calls("GetRoleCredentials");
    assert_eq!(issued.len(), 1);
    let cached = s.export("dev-admin");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "custom-process {} True",
            cached["AccessKeyId"].as_str().unwrap()
        )
    );
    no_secrets(
        &Run {
            code: 0,
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        },
        &[&cached],
    );
}

/// awsp's SigV4 and botocore's sign the same STS request alike, temporary keys included.
#[test]
fn sigv4_matches_botocore() {
    let Some(py) = crate::botocore::python() else {
        return;
    };
    use awsp::aws::sigv4;
    let body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2FR&RoleSessionName=a%20b";
    let keys = sigv4::Keys {
        access_key_id: "ASIAEXAMPLE",
        secret_access_key: "secret/with+chars",
        session_token: Some("token=="),
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T08:09:10Z")
        .unwrap()
        .to_utc();
    let mut req = sigv4::Request {
        method: "POST",
        path: "/",
        query: &[],
        headers: vec![
            ("host".into(), "sts.eu-west-1.amazonaws.com".into()),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ],
        body: body.as_bytes(),
    };
    let ours = sigv4::sign(&mut req, &keys, "eu-west-1", "sts", now);
    let out = Command::new(py)
        .args([
            "-c",
            r#"import sys, datetime
from unittest import mock
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
r = AWSRequest(method='POST', url='https://sts.eu-west-1.amazonaws.com/', data=sys.argv[1].encode(),
               headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
with mock.patch('botocore.auth.get_current_datetime', return_value=datetime.datetime(2026, 11, 30, 8, 9, 10)):
    SigV4Auth(Credentials('ASIAEXAMPLE', 'secret/with+chars', 'token=='), 'sts', 'eu-west-1').add_auth(r)
print(r.headers['Authorization'])"#,
            body,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ours);
}

//! Native IAM Identity Center login, refresh and logout against the tests' own Identity
//! Center (`tests/it/support/identity_center.py`, on 127.0.0.1 with an ephemeral port)
//! and a stand-in browser (`browser.py`) that follows the sign-in as a person would:
//! every flow, every failure the service can answer, the files the AWS CLI reads, and
//! botocore reading (and refreshing) what awsp wrote.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::*;

pub const SUPPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/support");

/// A running Identity Center; it exits when dropped (its stdin closes).
pub struct IdentityCenter {
    child: Child,
    pub url: String,
}

impl IdentityCenter {
    pub fn start(args: &[&str]) -> IdentityCenter {
        let mut child = Command::new("python3")
            .arg(format!("{SUPPORT}/identity_center.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the test Identity Center");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        IdentityCenter { child, url }
    }

    fn control(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let mut c = Command::new("python3");
        c.arg("-c").arg(
            "import sys, urllib.request as u\n\
             data = sys.stdin.buffer.read() or None\n\
             r = u.urlopen(u.Request(sys.argv[2], data=data, method=sys.argv[1], headers={'content-type': 'application/json'}), timeout=10)\n\
             sys.stdout.write(r.read().decode())",
        );
        c.args([method, &format!("{}/_control/{what}", self.url)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), body.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    pub fn config(&self, settings: Value) {
        self.control("POST", "config", Some(settings));
    }

    pub fn fail(&self, failure: Value) {
        self.control("POST", "fail", Some(failure));
    }

    /// Every API request so far.
    pub fn log(&self) -> Vec<Value> {
        self.control("GET", "log", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// How many requests of operation `op` (and grant, for CreateToken) were made.
    pub fn count(&self, op: &str, grant: Option<&str>) -> usize {
        self.log()
            .iter()
            .filter(|r| r["op"] == op && grant.is_none_or(|g| r["grantType"] == g))
            .count()
    }

    pub fn tokens(&self) -> Vec<Value> {
        self.control("GET", "tokens", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for IdentityCenter {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A HOME with [`SSO_CONFIG`], an Identity Center, and the environment that points awsp
/// (and botocore) at it with the stand-in browser, which logs every URL it is given.
pub struct Setup {
    pub h: Home,
    pub ic: IdentityCenter,
}

impl Setup {
    fn new() -> Setup {
        Setup::with(SSO_CONFIG, &[])
    }

    /// A HOME with `config` and an Identity Center started with `server` arguments.
    pub fn with(config: &str, server: &[&str]) -> Setup {
        let h = Home::new();
        h.config(config);
        Setup {
            h,
            ic: IdentityCenter::start(server),
        }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.ic.url.clone()),
            ("BROWSER".into(), format!("{SUPPORT}/browser.py")),
            (
                "AWSP_TEST_BROWSER_LOG".into(),
                self.browser_log().to_string_lossy().into(),
            ),
            ("AWSP_LOGIN_TIMEOUT".into(), "30".into()),
        ]
    }

    fn browser_log(&self) -> PathBuf {
        self.h.path("browser.log")
    }

    fn browser_opens(&self) -> Vec<String> {
        std::fs::read_to_string(self.browser_log())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let env = self.env();
        let mut vars: Vec<(&str, &str)> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        vars.extend_from_slice(extra);
        self.h.run(args, &vars)
    }

    fn token_file(&self, key: &str) -> PathBuf {
        self.h.path(&format!(
            ".aws/sso/cache/{}.json",
            awsp::aws::sha1::hex(key.as_bytes())
        ))
    }

    fn token(&self, key: &str) -> Value {
        let text = std::fs::read_to_string(self.token_file(key)).expect("a token file");
        serde_json::from_str(&text).unwrap()
    }

    fn state(&self, profile: &str) -> String {
        let list = self.h.json(&["list", "--json"], &[]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == profile)
            .map(|p| p["token_state"].as_str().unwrap_or("none").to_string())
            .unwrap()
    }
}

/// No secret of a login reaches the terminal.
fn no_secrets(s: &Setup, r: &Run) {
    for t in s.ic.tokens() {
        for key in ["accessToken", "refreshToken"] {
            if let Some(secret) = t[key].as_str() {
                assert!(
                    !r.stdout.contains(secret) && !r.stderr.contains(secret),
                    "{key} printed"
                );
            }
        }
    }
}

#[test]
fn browser_login_writes_the_files_the_cli_writes() {
    let s = Setup::new();
    let r = s.run(&["login", "dev-admin"], &[]).expect(0);
    assert!(
        r.stderr.contains("logged in to sso-session acme (valid"),
        "{}",
        r.stderr
    );
    no_secrets(&s, &r);
    let opens = s.browser_opens();
    assert_eq!(opens.len(), 1, "{opens:?}");
    assert!(
        opens[0].starts_with(&format!(
            "{}/authorize?response_type=code&client_id=",
            s.ic.url
        )) && opens[0].contains("&redirect_uri=http%3A%2F%2F127.0.0.1%3A")
            && opens[0].contains(
                "&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge="
            ),
        "{}",
        opens[0]
    );
    // The token file: the CLI's members, in its order, as Python writes them.
    let text = std::fs::read_to_string(s.token_file("acme")).unwrap();
    let pieces: Vec<&str> = text.split("\": ").collect();
    let keys: Vec<&str> = pieces[..pieces.len() - 1]
        .iter()
        .filter_map(|k| k.rsplit('"').next())
        .collect();
    assert_eq!(
        keys,
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ],
        "{text}"
    );
    let tok = s.token("acme");
    assert_eq!(tok["startUrl"], "https://acme.awsapps.com/start");
    let issued = s.ic.tokens();
    assert_eq!(tok["accessToken"], issued[0]["accessToken"]);
    assert_eq!(tok["refreshToken"], issued[0]["refreshToken"]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(s.token_file("acme"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The registration, under the name the CLI gives it, is reused by the next login.
    let scopes = vec!["sso:account:access".to_string()];
    let reg = awsp::aws::sso_store::registration_file(
        &s.h.path(".aws/sso/cache"),
        "https://acme.awsapps.com/start",
        "us-east-1",
        Some(&scopes),
        Some("acme"),
    );
    let reg: Value = serde_json::from_str(&std::fs::read_to_string(reg).unwrap()).unwrap();
    assert_eq!(
        reg["grantTypes"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(reg["clientId"], tok["clientId"]);
    s.run(&["login", "dev-admin", "--force"], &[]).expect(0);
    assert_eq!(s.ic.count("RegisterClient", None), 1);
    assert_eq!(s.ic.count("CreateToken", Some("authorization_code")), 2);
    assert_eq!(s.state("dev-admin"), "valid");
}

#[test]
fn a_refused_or_forged_sign_in_changes_nothing() {
    let s = Setup::new();
    for (mode, says) in [
        ("wrong-state", "state does not match"),
        ("deny", "refused in the browser"),
    ] {
        let r = s
            .run(&["login", "dev-admin"], &[("AWSP_TEST_BROWSER_MODE", mode)])
            .expect(1);
        assert!(r.stderr.contains(says), "{mode}: {}", r.stderr);
        assert_eq!(
            r.stderr
                .trim_end()
                .lines()
                .last()
                .map(|l| l.starts_with("awsp: ")),
            Some(true)
        );
        assert!(!s.token_file("acme").exists(), "{mode}");
    }
    assert_eq!(s.ic.count("CreateToken", None), 0);
    // A person who never finishes: the login gives up in time.
    let r = s
        .run(
            &["login", "dev-admin"],
            &[
                ("AWSP_TEST_BROWSER_MODE", "ignore"),
                ("AWSP_LOGIN_TIMEOUT", "2"),
            ],
        )
        .expect(1);
    assert!(
        r.stderr.contains("not completed in the browser in time"),
        "{}",
        r.stderr
    );
}

#[test]
fn device_code_login_for_legacy_and_on_request() {
    let s = Setup::new();
    let r = s.run(&["login", "legacy"], &[]).expect(0);
    let opens = s.browser_opens();
    assert!(opens[0].contains("/device?user_code="), "{opens:?}");
    assert!(r.stderr.contains("confirm the code"), "{}", r.stderr);
    let tok = s.token("https://legacy.awsapps.com/start");
    assert!(
        tok.get("refreshToken").is_none(),
        "a device client without the refresh grant"
    );
    assert_eq!(s.state("legacy"), "valid");
    // A session, with --device-code and --no-browser: the URL is printed, the code polled.
    s.ic.config(json!({"approve_device_after_polls": 1}));
    let r = s
        .run(
            &["login", "dev-admin", "--device-code", "--no-browser"],
            &[],
        )
        .expect(0);
    assert!(r.stderr.contains("/device?user_code="), "{}", r.stderr);
    assert_eq!(s.browser_opens().len(), 1, "no browser with --no-browser");
    assert_eq!(
        s.ic.count(
            "CreateToken",
            Some("urn:ietf:params:oauth:grant-type:device_code")
        ) >= 2,
        true
    );
    no_secrets(&s, &r);
}

#[test]
fn device_polling_honours_slow_down_and_expiry() {
    let s = Setup::new();
    s.ic.config(json!({"approve_device_after_polls": 2}));
    s.ic.fail(
        json!({"op": "CreateToken", "status": 400, "error": "SlowDownException", "times": 1}),
    );
    s.run(
        &["login", "legacy"],
        &[("AWSP_TEST_BROWSER_MODE", "ignore")],
    )
    .expect(0);
    let polls: Vec<f64> =
        s.ic.log()
            .iter()
            .filter(|r| r["op"] == "CreateToken")
            .map(|r| r["time"].as_f64().unwrap())
            .collect();
    assert!(polls.len() >= 3, "{polls:?}");
    // After the SlowDown the interval (1 s) grew by 5 s.
    assert!(polls[1] - polls[0] >= 5.5, "{polls:?}");
    s.ic.fail(
        json!({"op": "CreateToken", "status": 400, "error": "ExpiredTokenException", "times": 1}),
    );
    let r = s
        .run(
            &["login", "legacy", "--force"],
            &[("AWSP_TEST_BROWSER_MODE", "ignore")],
        )
        .expect(1);
    assert!(
        r.stderr.contains("expired before it was confirmed"),
        "{}",
        r.stderr
    );
}

#[test]
fn throttling_and_server_errors_are_tried_again_then_reported() {
    let s = Setup::new();
    s.ic.fail(json!({"op": "RegisterClient", "status": 429, "error": "TooManyRequestsException", "times": 2}));
    s.run(&["login", "dev-admin"], &[]).expect(0);
    assert_eq!(s.ic.count("RegisterClient", None), 3);
    std::fs::remove_file(s.token_file("acme")).unwrap();
    s.ic.fail(
        json!({"op": "CreateToken", "status": 500, "error": "InternalServerException", "times": 4}),
    );
    let r = s.run(&["login", "dev-admin"], &[]).expect(1);
    let last = r.stderr.trim_end().lines().last().unwrap_or("");
    assert!(
        last.starts_with("awsp: IAM Identity Center refused")
            && last.contains("InternalServerException (HTTP 500)"),
        "{}",
        r.stderr
    );
    assert_eq!(
        s.ic.count("CreateToken", None),
        1 + 4,
        "the first login, then four tries"
    );
    assert!(!s.token_file("acme").exists());
    s.ic.fail(
        json!({"op": "CreateToken", "status": 200, "error": null, "raw": "{not json", "times": 1}),
    );
    let r = s.run(&["login", "dev-admin"], &[]).expect(1);
    assert!(r.stderr.contains("malformed JSON"), "{}", r.stderr);
    assert!(!s.token_file("acme").exists());
}

#[test]
fn bad_endpoints_proxies_and_bundles_are_one_line_each() {
    let s = Setup::new();
    // The test server speaks plain HTTP: a TLS handshake with it fails.
    let tls = s.ic.url.replace("http://", "https://");
    for (vars, says) in [
        (
            vec![("AWS_ENDPOINT_URL", tls.as_str())],
            "cannot reach 127.0.0.1",
        ),
        (vec![("AWS_ENDPOINT_URL", "http://192.0.2.1")], "loopback"),
        (
            vec![("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
            "cannot reach 127.0.0.1",
        ),
        (
            vec![
                ("AWS_ENDPOINT_URL", "https://oidc.invalid"),
                ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ],
            "through the proxy http://127.0.0.1:9",
        ),
        (
            vec![("AWS_CA_BUNDLE", "/nonexistent/ca.pem")],
            "CA bundle /nonexistent/ca.pem does not exist",
        ),
    ] {
        let r = s.run(&["login", "dev-admin"], &vars).expect(1);
        let last = r.stderr.trim_end().lines().last().unwrap_or("");
        assert!(
            last.starts_with("awsp: ") && last.contains(says),
            "{vars:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"));
    }
    assert!(s.ic.log().is_empty());
}

#[test]
fn a_switch_refreshes_silently_and_logs_in_when_the_session_ended() {
    let s = Setup::new();
    // Five minutes left: inside the refresh window.
    s.ic.config(json!({"access_token_ttl": 300}));
    s.run(&["login", "dev-admin"], &[]).expect(0);
    assert_eq!(s.state("dev-admin"), "refreshable");
    s.ic.config(json!({"access_token_ttl": 3600}));
    let r = s
        .run(&["use", "dev-admin", "--shell", "bash"], &[])
        .expect(0);
    assert!(
        r.stdout.contains("export AWS_PROFILE='dev-admin'"),
        "{}",
        r.stdout
    );
    assert_eq!(s.browser_opens().len(), 1, "no browser for a refresh");
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1);
    assert_eq!(s.state("dev-admin"), "valid");
    no_secrets(&s, &r);
    // The session ends: the refresh is refused, and a login (allowed by --login) follows.
    s.ic.config(json!({"access_token_ttl": 300}));
    s.run(&["login", "dev-admin", "--force"], &[]).expect(0);
    let now = chrono::Utc::now().timestamp();
    s.ic.config(json!({"session_end": now - 1, "access_token_ttl": 3600}));
    let r = s
        .run(&["use", "dev-admin", "--shell", "bash", "--login"], &[])
        .expect(0);
    assert!(r.stderr.contains("could not be refreshed"), "{}", r.stderr);
    assert_eq!(s.browser_opens().len(), 3);
}

#[test]
fn concurrent_switches_log_in_once_and_refresh_once() {
    let s = Setup::new();
    let spawn = |n: usize| -> Vec<std::process::Child> {
        (0..n)
            .map(|_| {
                let env = s.env();
                let mut c =
                    s.h.cmd(&["use", "dev-admin", "--shell", "bash", "--login"], &[]);
                c.envs(env).stdout(Stdio::null()).stderr(Stdio::null());
                c.spawn().unwrap()
            })
            .collect()
    };
    for mut c in spawn(5) {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(s.browser_opens().len(), 1);
    assert_eq!(s.ic.count("CreateToken", Some("authorization_code")), 1);
    s.ic.config(json!({"access_token_ttl": 300}));
    s.run(&["login", "dev-admin", "--force"], &[]).expect(0);
    s.ic.config(json!({"access_token_ttl": 3600}));
    for mut c in spawn(5) {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1);
    assert_eq!(s.browser_opens().len(), 2);
}

#[test]
fn logout_ends_the_session_and_removes_the_token() {
    let s = Setup::new();
    s.run(&["login", "dev-admin"], &[]).expect(0);
    let r = s.run(&["logout", "dev-admin"], &[]).expect(0);
    assert!(
        r.stderr.contains("logged out of sso-session acme"),
        "{}",
        r.stderr
    );
    assert_eq!(s.ic.count("Logout", None), 1);
    assert!(!s.token_file("acme").exists());
    assert!(s.ic.tokens().iter().all(|t| t["revoked"] == true));
    let r = s.run(&["logout", "dev-admin"], &[]).expect(0);
    assert!(r.stderr.contains("not logged in"), "{}", r.stderr);
    s.h.credentials(STATIC_CREDENTIALS);
    let r = s.run(&["logout", "keys"], &[]).expect(1);
    assert!(
        r.stderr.contains("no IAM Identity Center session"),
        "{}",
        r.stderr
    );
}

shell_test!(fn expired_session_logs_in_natively_through_the_function(sh) {
    let s = Setup::new();
    let env = s.env();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // nushell and elvish stop at a failing command by themselves.
    let script = &match sh {
        "fish" => "awsp dev-admin --login; and echo \"P=$AWS_PROFILE\"".to_string(),
        "nu" | "elvish" => format!("awsp dev-admin --login\n{}", say_var(sh, "P", "AWS_PROFILE")),
        _ => "awsp dev-admin --login && echo \"P=$AWS_PROFILE\"".to_string(),
    };
    let r = s.h.shell(sh, script, &vars).expect(0);
    assert!(r.stdout.contains("P=dev-admin"), "{sh}: {}", r.stdout);
    assert_eq!(s.browser_opens().len(), 1, "{sh}");
    assert_eq!(s.state("dev-admin"), "valid");
    // Refreshable: the switch renews it with no browser.
    s.ic.config(json!({"access_token_ttl": 300}));
    s.run(&["login", "dev-admin", "--force"], &[]).expect(0);
    s.ic.config(json!({"access_token_ttl": 3600}));
    let r = s.h.shell(sh, script, &vars).expect(0);
    assert!(r.stdout.contains("P=dev-admin"), "{sh}: {}", r.stdout);
    assert_eq!(s.browser_opens().len(), 2, "{sh}: the forced login only");
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1, "{sh}");
    assert_eq!(s.state("dev-admin"), "valid");
});

#[test]
fn botocore_reads_and_refreshes_what_awsp_wrote() {
    let Some(py) = crate::botocore::python() else {
        return;
    };
    let s = Setup::new();
    s.ic.config(json!({"access_token_ttl": 3600}));
    s.run(&["login", "dev-admin"], &[]).expect(0);
    let botocore = |s: &Setup| -> Value {
        let mut c = Command::new(py);
        c.arg(format!("{SUPPORT}/botocore_sso.py"))
            .args(["token", "dev-admin"])
            .env_clear()
            .envs(s.h.base_env())
            .env("AWS_CONFIG_FILE", s.h.path(".aws/config"))
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &s.ic.url)
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let tok = s.token("acme");
    assert_eq!(
        botocore(&s)["token"],
        tok["accessToken"],
        "botocore sends awsp's token"
    );
    // Inside the window, botocore refreshes with the registration awsp wrote, writes the
    // file back, and awsp judges the result as botocore left it.
    s.ic.config(json!({"access_token_ttl": 300}));
    s.run(&["login", "dev-admin", "--force"], &[]).expect(0);
    s.ic.config(json!({"access_token_ttl": 3600}));
    let before = s.token("acme");
    let got = botocore(&s);
    let after = s.token("acme");
    assert_ne!(after["accessToken"], before["accessToken"]);
    assert_eq!(got["token"], after["accessToken"]);
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1);
    assert_eq!(s.state("dev-admin"), "valid");
}

/// A refreshable token's `expiresAt` is the access token's, not the session's: the
/// prompt and status say it renews, how long ago awsp's login began the session, and
/// with a stated length the most time left; a legacy token's end is its session's.
#[test]
fn the_session_clock_does_not_pretend() {
    let s = Setup::new();
    s.run(&["login", "dev-admin"], &[]).expect(0);
    s.run(&["login", "legacy"], &[]).expect(0);
    let prompt = |profile: &str, extra: &[(&str, &str)]| {
        let mut vars = vec![
            ("AWS_PROFILE", profile),
            ("NO_COLOR", "1"),
            ("AWSP_PROMPT_FORMAT", "{left}|{session}"),
        ];
        vars.extend_from_slice(extra);
        s.run(&["prompt"], &vars).expect(0).stdout
    };
    assert_eq!(prompt("dev-admin", &[]), "renews|0m\n");
    let bounded = prompt("dev-admin", &[("AWSP_SESSION_HOURS", "8")]);
    assert!(
        bounded == "≤7h59m|0m\n" || bounded == "≤8h00m|0m\n",
        "{bounded}"
    );
    // The legacy token's end is the session's end (an hour here).
    let legacy = prompt("legacy", &[]);
    assert!(legacy == "59m|\n" || legacy == "1h00m|\n", "{legacy}");
    let status =
        s.h.json(&["status", "--json"], &[("AWSP_SESSION_HOURS", "8")]);
    let acme = status
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "acme")
        .unwrap();
    assert_eq!(acme["renews"], true);
    assert!(
        acme["session_started_at"].is_string() && acme["session_ends_by"].is_string(),
        "{acme}"
    );
    assert_eq!(acme["login_command"], "awsp login dev-admin");
    let text = s.h.run(&["status"], &[("NO_COLOR", "1")]).expect(0).stdout;
    assert!(text.contains("renews (began 0m ago)"), "{text}");
    // Logged out: the clock forgets the session.
    s.run(&["logout", "dev-admin"], &[]).expect(0);
    assert_eq!(prompt("dev-admin", &[]), "logged out|\n");
}

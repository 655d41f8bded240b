//! The row model: a resolved profile with its token state, as `list`, `status` and the
//! picker show it.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::aws::model::{CliView, Derived};
use crate::aws::wire;
use crate::aws::{
    Config, Kind, Profile, RawProfile, TokenCache, TokenKey, TokenState, login_cache,
};
use crate::env::Env;
use crate::login::{SetupProblem, setup_problem};
use crate::style;

/// `token_state` of a profile whose SSO setup no login can work with.
pub const MISCONFIGURED: &str = "misconfigured";

/// A resolved profile with its token state, as list, the picker and status show it: its
/// [`Row`]'s fields are read through it.
pub struct Entry {
    /// Boxed: 10,000 rows decoded one over the other are handed about as a pointer, not
    /// moved as some 500 bytes several times each (`list` at 10,000: 15.7 → 13.5 ms).
    row: Box<Row>,
    /// The SSO token's state, or for an `aws login` profile (or a role chain ending in
    /// one) the state of its cached credentials (`Missing` when nothing is cached). None
    /// when the profile needs no token, and when `problem` is set.
    pub token: Option<TokenState>,
    pub active: bool,
}

impl std::ops::Deref for Entry {
    type Target = Row;
    fn deref(&self) -> &Row {
        &self.row
    }
}

/// What an [`Entry`] shows that the files alone decide: everything but the token's state
/// and whether the profile is the active one. Kept beside the profile index, so that
/// `list` and the picker decode 10,000 of them instead of parsing and resolving.
#[derive(Default)]
pub struct Row {
    pub profile: Profile,
    /// A setup the login command can only fail on (shown instead of the token).
    pub problem: Option<SetupProblem>,
    /// The `aws login` session the credentials come from.
    pub login_session: Option<String>,
    /// How the AWS CLI reads the profile, where that differs from the SDKs' reading.
    pub cli: Option<CliView>,
}

impl Row {
    /// `profile` of `config`.
    pub fn of(config: &Config, mut profile: Profile) -> Row {
        let problem = setup_problem(config, &profile);
        let login_session = login_cache::session_of(config, &profile).map(str::to_string);
        if profile.kind == Kind::Login
            && let Some(session) = &login_session
        {
            let (account, role) = login_cache::session_account_role(session);
            profile.account_id = profile.account_id.or(account);
            profile.role_name = profile.role_name.or(role);
        }
        let cli = config.cli_view(&profile.name);
        Row {
            profile,
            problem,
            login_session,
            cli,
        }
    }

    /// With its token's state now; `active` names the profile the environment selects.
    pub fn entry(self: Box<Row>, tokens: &mut Tokens, active: &str) -> Entry {
        let token = match (&self.problem, &self.profile.token_key, &self.login_session) {
            (Some(_), _, _) => None,
            (None, Some(key), _) => Some(tokens.sso.state(key)),
            (None, None, Some(session)) => Some(tokens.login(session)),
            (None, None, None) => None,
        };
        Entry {
            token,
            active: self.profile.name == active,
            row: self,
        }
    }
}

impl Derived for Row {
    const KEPT_AS: &'static str = "rows1";

    fn derive(config: &Config, name: &str, raw: &RawProfile) -> Row {
        Row::of(config, config.resolve_raw(name, raw))
    }

    fn encode(&self, w: &mut wire::Writer) -> bool {
        // Only files the index takes are kept, and the AWS CLI reads those as the SDKs do.
        if self.cli.is_some() {
            return false;
        }
        let p = &self.profile;
        w.text(&p.name);
        let Some(kind) = KINDS.iter().position(|k| *k == p.kind) else {
            return false;
        };
        w.num(kind as u64);
        // In the order of Profile's fields, which decoding fills in that order.
        for v in [
            &p.account_id,
            &p.account_name,
            &p.role_name,
            &p.region,
            &p.sso_session,
            &p.sso_start_url,
            &p.sso_region,
            &p.source_profile,
        ] {
            w.maybe(v.as_deref());
        }
        w.texts(&p.chain);
        w.maybe(p.chain_error.as_deref());
        match &p.token_key {
            None => w.num(0),
            Some(TokenKey::Session(s)) => {
                w.num(1);
                w.text(s);
            }
            Some(TokenKey::StartUrl(u)) => {
                w.num(2);
                w.text(u);
            }
        }
        w.maybe(self.login_session.as_deref());
        match &self.problem {
            None => w.num(0),
            Some(SetupProblem::NoSession { holder, session }) => {
                w.num(1);
                w.text(holder);
                w.text(session);
            }
            Some(SetupProblem::SessionIncomplete { session, missing }) => {
                w.num(2);
                w.text(session);
                w.texts(missing);
            }
            Some(SetupProblem::LegacyIncomplete { holder, missing }) => {
                w.num(3);
                w.text(holder);
                w.texts(missing);
            }
        }
        true
    }

    fn decode(mut r: wire::Reader, reuse: Option<Box<Row>>) -> Option<Box<Row>> {
        // In the order `encode` wrote them, each written over what `reuse` held. Every field
        // is named here, so that a field added to either struct cannot keep the value of an
        // earlier row unnoticed: it does not compile until it is decoded too.
        let mut row = reuse.unwrap_or_default();
        let Row {
            profile,
            problem,
            login_session,
            cli,
        } = &mut *row;
        let Profile {
            name,
            kind,
            account_id,
            account_name,
            role_name,
            region,
            sso_session,
            sso_start_url,
            sso_region,
            source_profile,
            chain,
            chain_error,
            token_key,
        } = profile;
        r.text(name)?;
        *kind = *KINDS.get(usize::try_from(r.num()?).ok()?)?;
        for v in [
            account_id,
            account_name,
            role_name,
            region,
            sso_session,
            sso_start_url,
            sso_region,
            source_profile,
        ] {
            r.maybe(v)?;
        }
        r.texts(chain)?;
        r.maybe(chain_error)?;
        let mut key = match token_key.take() {
            Some(TokenKey::Session(k) | TokenKey::StartUrl(k)) => k,
            None => String::new(),
        };
        *token_key = match r.num()? {
            0 => None,
            1 => r.text(&mut key).map(|()| TokenKey::Session(key)),
            2 => r.text(&mut key).map(|()| TokenKey::StartUrl(key)),
            _ => return None,
        };
        r.maybe(login_session)?;
        let text = |r: &mut wire::Reader| r.str().map(str::to_string);
        // The settings a login needs, as `setup_problem` names them.
        let settings = |r: &mut wire::Reader| -> Option<Vec<&'static str>> {
            (0..r.count()?)
                .map(|_| {
                    let m = r.str()?;
                    ["sso_start_url", "sso_region"]
                        .into_iter()
                        .find(|s| *s == m)
                })
                .collect()
        };
        *problem = match r.num()? {
            0 => None,
            1 => Some(SetupProblem::NoSession {
                holder: text(&mut r)?,
                session: text(&mut r)?,
            }),
            2 => Some(SetupProblem::SessionIncomplete {
                session: text(&mut r)?,
                missing: settings(&mut r)?,
            }),
            3 => Some(SetupProblem::LegacyIncomplete {
                holder: text(&mut r)?,
                missing: settings(&mut r)?,
            }),
            _ => return None,
        };
        *cli = None;
        r.is_empty().then_some(row)
    }
}

/// Every kind, in the order a kept row numbers them.
const KINDS: [Kind; 9] = [
    Kind::Sso,
    Kind::SsoLegacy,
    Kind::Login,
    Kind::Static,
    Kind::AssumeRole,
    Kind::Process,
    Kind::WebIdentity,
    Kind::Settings,
    Kind::Unknown,
];

impl Entry {
    /// `valid 3h12m`, `expired`, `static keys`, `no session "acme"`, …
    pub fn token_text(&self, now: DateTime<Utc>) -> String {
        if let Some(p) = &self.problem {
            return p.short();
        }
        match (&self.token, self.profile.kind) {
            (Some(t), _) => t.describe(now),
            (None, Kind::Static) => "static keys".into(),
            (None, Kind::Process) => "process".into(),
            (None, _) => "-".into(),
        }
    }

    /// `token_state` in `list --json`.
    pub fn token_state(&self) -> Option<&'static str> {
        match &self.problem {
            Some(_) => Some(MISCONFIGURED),
            None => self.token.as_ref().map(TokenState::name),
        }
    }

    pub fn to_json(&self) -> Value {
        let p = &self.profile;
        json!({
            "name": p.name,
            "kind": p.kind.name(),
            "account_id": p.account_id,
            "account_name": p.account_name,
            "role_name": p.role_name,
            "region": p.region,
            "sso_session": p.sso_session,
            "sso_start_url": p.sso_start_url,
            "source_profile": p.source_profile,
            "token_state": self.token_state(),
            "token_expires_at": self.token.as_ref().and_then(|t| t.expires_at())
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "active": self.active,
        })
    }

    /// Profile `name` of `config`, resolved.
    pub fn of(config: &Config, name: &str, env: &Env) -> Option<Entry> {
        let (name, raw) = config.profiles.get_key_value(name)?;
        let row = Row::derive(config, name, raw);
        Some(Box::new(row).entry(&mut Tokens::new(env), &env.selected_profile().0))
    }
}

/// Reads each SSO token file and each `aws login` cache file once, however many profiles
/// share it.
pub struct Tokens {
    pub sso: TokenCache,
    login_dir: PathBuf,
    now: DateTime<Utc>,
    login: HashMap<String, TokenState>,
}

impl Tokens {
    pub fn new(env: &Env) -> Tokens {
        Tokens {
            sso: TokenCache::new(env),
            login_dir: login_cache::cache_dir(env),
            now: env.now,
            login: HashMap::new(),
        }
    }

    /// The state of login session `session`'s cached credentials.
    pub fn login(&mut self, session: &str) -> TokenState {
        if let Some(s) = self.login.get(session) {
            return s.clone();
        }
        let s = login_cache::read_state(session, &self.login_dir, self.now);
        self.login.insert(session.to_string(), s.clone());
        s
    }
}

/// Every profile of `config`, in name order.
pub fn entries(config: &Config, env: &Env) -> Vec<Entry> {
    let profiles: Vec<_> = config.profiles.iter().collect();
    entries_of(config, &profiles, env)
}

/// How many profiles [`each_entry`] parses at a time.
const BLOCK: usize = 256;

/// Profiles `names` (`None`: every profile, in name order), resolved, in that order
/// (names the files lack are skipped): their rows decoded from what an earlier command
/// kept beside the index when the files have not changed since, else read a block at a
/// time, so that 10,000 parsed profiles never sit in memory at once
/// ([`Config::load_derived`]).
pub fn each_entry(
    env: &Env,
    names: Option<&[&str]>,
    mut f: impl FnMut(&Entry) -> crate::error::Result<()>,
) -> crate::error::Result<()> {
    let (active, _) = env.selected_profile();
    let mut tokens = Tokens::new(env);
    Config::load_derived(env, names, BLOCK, |row: Box<Row>| {
        let e = row.entry(&mut tokens, &active);
        f(&e)?;
        Ok(Some(e.row))
    })
}

/// `profiles` of `config`, resolved, in the order given.
pub fn entries_of(config: &Config, profiles: &[(&String, &RawProfile)], env: &Env) -> Vec<Entry> {
    let (active, _) = env.selected_profile();
    // Straight into entries: a Vec<Profile> beside them would be 3 MB more at 10,000.
    let resolve = |profiles: &[(&String, &RawProfile)], capacity: usize| {
        let mut tokens = Tokens::new(env);
        let mut out = Vec::with_capacity(capacity);
        out.extend(
            profiles
                .iter()
                .map(|(n, raw)| Box::new(Row::derive(config, n, raw)).entry(&mut tokens, &active)),
        );
        out
    };
    if profiles.len() < 2000 {
        return resolve(profiles, profiles.len());
    }
    // Profiles resolve independently: with thousands, a second core halves the wait before
    // the picker's first frame.
    let (first, second) = profiles.split_at(profiles.len() / 2);
    std::thread::scope(|s| {
        let later = s.spawn(|| resolve(second, second.len()));
        let mut out = resolve(first, profiles.len());
        out.extend(
            later
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        );
        out
    })
}

pub fn token_color(t: Option<&TokenState>) -> &'static str {
    match t {
        Some(TokenState::Valid { .. }) => style::GREEN,
        Some(TokenState::Refreshable { .. }) => style::CYAN,
        Some(TokenState::Expired { .. } | TokenState::Missing) => style::YELLOW,
        Some(TokenState::Unreadable { .. }) => style::RED,
        None => style::DIM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ini::{self, FileKind};

    /// Every row of a config with each kind, token key and setup problem, through the
    /// encoding kept beside the index and back: the same row.
    #[test]
    fn kept_rows_decode_to_the_rows_they_were() {
        let text = "\
[sso-session org]
sso_start_url = https://o.awsapps.com/start
sso_region = us-east-1
[sso-session half]
sso_region = eu-west-1
[profile sso]
sso_session = org
sso_account_id = 111122223333
sso_role_name = Admin
sso_account_name = Prod ✓
region = eu-west-1
[profile no-session]
sso_session = gone
[profile incomplete]
sso_session = half
[profile legacy]
sso_start_url = https://l.awsapps.com/start
sso_account_id = 222233334444
sso_role_name = Read
[profile chain]
role_arn = arn:aws:iam::333344445555:role/Deploy
source_profile = sso
[profile loop]
role_arn = arn:aws:iam::333344445555:role/Loop
source_profile = loop
[profile signin]
login_session = arn:aws:sts::444455556666:assumed-role/Dev/me
[profile process]
credential_process = /bin/true
[profile settings]
region = ap-south-1
[profile empty]
";
        let path = std::sync::Arc::new(std::path::PathBuf::from("config"));
        let keep = |_: &str| true;
        let mut p = ini::Parser::new(FileKind::Config, path, &keep, ini::Skip::Checked);
        p.feed(text).unwrap();
        let config = Config::merge(p.finish(), Default::default());
        let mut seen = Vec::new();
        // Each row is also decoded over the one before, as `list` and the picker do.
        let mut last = None;
        for (name, raw) in &config.profiles {
            let row = Row::derive(&config, name, raw);
            let mut bytes = String::new();
            assert!(row.encode(&mut wire::Writer(&mut bytes)), "{name}");
            for reuse in [None, last.take()] {
                let back =
                    Row::decode(wire::Reader(&bytes), reuse).unwrap_or_else(|| panic!("{name}"));
                assert_eq!(format!("{:?}", back.profile), format!("{:?}", row.profile));
                assert_eq!(back.problem, row.problem, "{name}");
                assert_eq!(back.login_session, row.login_session, "{name}");
                last = Some(back);
            }
            // Anything cut short or left over is not a row.
            assert!(Row::decode(wire::Reader(&bytes[..bytes.len() - 1]), None).is_none());
            assert!(Row::decode(wire::Reader(&format!("{bytes}x")), None).is_none());
            seen.push((
                row.profile.kind,
                row.problem.is_some(),
                row.profile.chain.len(),
            ));
        }
        // The config has what the test means to cover.
        for kind in [
            Kind::Sso,
            Kind::SsoLegacy,
            Kind::Login,
            Kind::AssumeRole,
            Kind::Process,
        ] {
            assert!(seen.iter().any(|s| s.0 == kind), "{kind:?}");
        }
        assert!(seen.iter().filter(|s| s.1).count() >= 2, "setup problems");
        assert!(seen.iter().any(|s| s.2 > 1), "a chain");
    }
}

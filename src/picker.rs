//! The fuzzy picker (skim), drawn on the terminal, never on stdout.
//!
//! Rows come in frecency order (then name) and skim is told to keep that order: with an
//! empty query every row scores the same and the input index decides; with a query the
//! match score decides and the input index breaks ties. skim draws on stderr and reads
//! keys from the terminal, so the shell function's captured stdout stays clean.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use skim::prelude::{ItemPreview, PreviewContext, RankCriteria, Skim, SkimItem, SkimOptions};
use skim::tui::options::TuiLayout;

use crate::aws::ini::Value;
use crate::aws::{Config, Kind};
use crate::cmd::current::redact;
use crate::cmd::list::Entry;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::history;

/// The text a row shows and matches on: name, account, role, region, token state.
pub fn row_text(e: &Entry, env: &Env) -> String {
    let p = &e.profile;
    format!(
        "{} {} {} {} {}",
        p.name,
        account_text(e),
        p.role_name.as_deref().unwrap_or(""),
        p.region.as_deref().unwrap_or(""),
        e.token_text(env)
    )
}

fn account_text(e: &Entry) -> String {
    let p = &e.profile;
    match (&p.account_id, &p.account_name) {
        (Some(id), Some(n)) => format!("{id} {n}"),
        (Some(id), None) => id.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    }
}

/// Lets the person choose one of `entries`; returns its name. Esc or Ctrl-C: exit 130.
pub fn pick(entries: Vec<Entry>, query: &str, config: &Config, env: &Env) -> Result<String> {
    let shared = Arc::new(Shared::new(entries, config, env));
    let rows: Vec<Row> = (0..shared.entries.len())
        .map(|idx| Row {
            text: shared.row(idx),
            idx,
            shared: Arc::clone(&shared),
        })
        .collect();
    let out = Skim::run_items(options(query, &shared), rows)
        .map_err(|e| Error::runtime(format!("the picker failed: {e}")))?;
    if out.is_abort {
        return Err(Error::Silent(130));
    }
    out.selected_items
        .first()
        .and_then(|m| m.downcast_item::<Row>())
        .map(|r| r.name().to_string())
        // Enter on an empty list chooses nothing: the same as cancelling.
        .ok_or(Error::Silent(130))
}

/// The rows in display order and what the preview needs.
pub fn ordered(mut entries: Vec<Entry>, env: &Env) -> Vec<Entry> {
    let scores = history::scores(env);
    history::order(&mut entries, &scores, |e| &e.profile.name);
    entries
}

fn options(query: &str, shared: &Shared) -> SkimOptions {
    let mut o = SkimOptions::default();
    o.query = Some(query.to_string()).filter(|q| !q.is_empty());
    // `awsp QUERY` with one match takes it without drawing (fzf's --select-1).
    o.select_1 = !query.is_empty();
    // Keep our (frecency) order: score first, then input order.
    o.tiebreak = vec![RankCriteria::Score, RankCriteria::Index];
    o.layout = TuiLayout::Reverse;
    o.height = "100%".into();
    o.prompt = "profile> ".into();
    o.header = Some(shared.header());
    // The text comes from `Row::preview`; an empty command only turns the pane on.
    o.preview = Some(String::new());
    o.preview_window = if term_width() >= 150 {
        "right:45%:wrap"
    } else {
        "down:45%:wrap"
    }
    .into();
    o.bind = vec!["?:toggle-preview".into()];
    o.build()
}

/// Columns of stderr (the terminal skim draws on), 0 when unknown.
fn term_width() -> u16 {
    // SAFETY: TIOCGWINSZ fills a winsize we own; a failure leaves it zeroed.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) == 0 {
            ws.ws_col
        } else {
            0
        }
    }
}

struct Row {
    text: String,
    idx: usize,
    shared: Arc<Shared>,
}

impl Row {
    fn name(&self) -> &str {
        &self.shared.entries[self.idx].profile.name
    }
}

impl SkimItem for Row {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.text)
    }

    fn output(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.name())
    }

    fn preview(&self, _context: PreviewContext) -> ItemPreview {
        ItemPreview::Text(self.shared.preview(self.idx))
    }
}

/// Column caps: a longer value is shown whole, it just does not widen every row.
const CAPS: [usize; 4] = [40, 36, 28, 14];

struct Shared {
    entries: Vec<Entry>,
    config: Config,
    now: chrono::DateTime<chrono::Utc>,
    home: Option<String>,
    tokens: Vec<String>,
    widths: [usize; 4],
}

impl Shared {
    fn new(entries: Vec<Entry>, config: &Config, env: &Env) -> Shared {
        let entries = ordered(entries, env);
        let tokens: Vec<String> = entries.iter().map(|e| e.token_text(env)).collect();
        let mut widths = [4, 7, 4, 6];
        for e in &entries {
            let cells = cells(e);
            for ((w, c), cap) in widths.iter_mut().zip(&cells).zip(CAPS) {
                *w = (*w).max(c.chars().count().min(cap));
            }
        }
        Shared {
            entries,
            config: config.clone(),
            now: env.now,
            home: env.home().map(|h| h.to_string_lossy().into_owned()),
            tokens,
            widths,
        }
    }

    fn row(&self, idx: usize) -> String {
        let e = &self.entries[idx];
        let mut s = String::with_capacity(96);
        s.push_str(if e.active { "* " } else { "  " });
        for (c, w) in cells(e).iter().zip(self.widths) {
            let _ = write!(s, "{c:w$}  ");
        }
        s.push_str(&self.tokens[idx]);
        s
    }

    fn header(&self) -> String {
        let mut s = String::from("  ");
        for (c, w) in ["NAME", "ACCOUNT", "ROLE", "REGION"]
            .iter()
            .zip(self.widths)
        {
            let _ = write!(s, "{c:w$}  ");
        }
        s.push_str("TOKEN");
        s
    }

    /// `~/…` for paths under HOME, so locations fit the pane.
    fn short(&self, loc: &crate::aws::ini::Loc) -> String {
        let full = loc.to_string();
        match &self.home {
            Some(h) if !h.is_empty() && full.starts_with(h.as_str()) => {
                format!("~{}", &full[h.len()..])
            }
            _ => full,
        }
    }

    /// Every setting with where it came from, the sso-session and its token, the role
    /// chain. Secrets show only that they are there.
    fn preview(&self, idx: usize) -> String {
        let e = &self.entries[idx];
        let p = &e.profile;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}{}  ({})",
            p.name,
            if e.active { "  * active" } else { "" },
            p.kind.name()
        );
        let field = |s: &mut String, k: &str, v: Option<&str>| {
            if let Some(v) = v {
                let _ = writeln!(s, "{k:<9} {v}");
            }
        };
        let account = account_text(e);
        field(
            &mut s,
            "account",
            Some(account.as_str()).filter(|a| !a.is_empty()),
        );
        field(&mut s, "role", p.role_name.as_deref());
        field(&mut s, "region", p.region.as_deref());
        let token = match &e.token {
            Some(t) => {
                let mut d = t.describe(self.now);
                if let Some(at) = t.expires_at() {
                    let _ = write!(d, " (expires {})", at.format("%Y-%m-%d %H:%M UTC"));
                }
                if let Some(key) = &p.token_key {
                    let _ = write!(d, ", {}", key.label());
                }
                d
            }
            None => self.tokens[idx].clone(),
        };
        field(&mut s, "token", Some(token.as_str()).filter(|t| *t != "-"));
        if let Some(err) = &p.chain_error {
            field(&mut s, "problem", Some(err));
        }

        if p.chain.len() > 1 {
            let _ = writeln!(s, "\nrole chain");
            for (i, member) in p.chain.iter().enumerate() {
                let how = self
                    .config
                    .resolve(member)
                    .map(|m| match (m.kind, m.account_id, m.role_name) {
                        (Kind::AssumeRole, a, r) => format!(
                            "assume {} in {}",
                            r.as_deref().unwrap_or("?"),
                            a.as_deref().unwrap_or("?")
                        ),
                        (k, _, _) => match (&m.sso_session, k) {
                            (Some(sess), _) => format!("{} via sso-session {sess}", k.name()),
                            (None, k) => k.name().to_string(),
                        },
                    })
                    .unwrap_or_default();
                let arrow = if i == 0 { "  " } else { "<-" };
                let _ = writeln!(s, "  {arrow} {member:<20} {how}");
            }
        }

        // The session of the profile the chain ends in.
        let session = p
            .chain
            .iter()
            .rev()
            .find_map(|m| self.config.profiles.get(m)?.get("sso_session"))
            .filter(|s| !s.is_empty());
        if let Some(name) = session {
            match self.config.sso_sessions.get(name) {
                Some(sec) => {
                    let at = sec.locs.first().map(|l| self.short(l)).unwrap_or_default();
                    let _ = writeln!(s, "\n[sso-session {name}]  {at}");
                    self.settings(&mut s, sec.props.iter());
                }
                None => {
                    let _ = writeln!(s, "\nsso-session {name}: no [sso-session {name}] section");
                }
            }
        } else if let Some(url) = &p.sso_start_url {
            let _ = writeln!(s, "\nlegacy SSO  {url}");
        }

        if let Some(raw) = self.config.profiles.get(&p.name) {
            let at = raw.locs.first().map(|l| self.short(l)).unwrap_or_default();
            let _ = writeln!(s, "\nsettings  {at}");
            self.settings(&mut s, raw.props.iter());
        }
        s
    }

    fn settings<'a>(
        &self,
        s: &mut String,
        props: impl Iterator<Item = (&'a String, &'a crate::aws::ini::Property)>,
    ) {
        let props: Vec<_> = props.collect();
        let kw = props.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let text =
            |p: &crate::aws::ini::Property| p.value.as_text().map_or(0, |v| v.chars().count());
        let vw = props
            .iter()
            .map(|(_, p)| text(p))
            .max()
            .unwrap_or(0)
            .min(40);
        for (k, prop) in props {
            let at = self.short(&prop.loc);
            match &prop.value {
                Value::Text(v) => {
                    let _ = writeln!(s, "  {k:kw$} = {:<vw$}  {at}", redact(k, v));
                }
                Value::Sub(m) => {
                    let _ = writeln!(s, "  {k:kw$} = {:<vw$}  {at}", "");
                    for (sk, sv) in m {
                        let _ = writeln!(s, "      {sk} = {}", redact(sk, sv));
                    }
                }
            }
        }
    }
}

fn cells(e: &Entry) -> [String; 4] {
    let p = &e.profile;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let account = account_text(e);
    [
        p.name.clone(),
        if account.is_empty() {
            "-".into()
        } else {
            account
        },
        dash(&p.role_name),
        dash(&p.region),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ini::{self, FileKind};

    fn setup() -> (Config, Env) {
        let f = |t: &str, k| ini::parse(t, k, Arc::new("/h/.aws/f".into())).unwrap();
        let config = Config::merge(
            f(
                "[sso-session co]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
                 [profile a]\nsso_session = co\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\
                 [profile role]\nrole_arn = arn:aws:iam::333333333333:role/Deploy\nsource_profile = a\n",
                FileKind::Config,
            ),
            f(
                "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = TOPSECRET\naws_session_token = ALSOSECRET\n",
                FileKind::Credentials,
            ),
        );
        let env = Env::fake([("HOME", "/h"), ("AWS_PROFILE", "a")]);
        (config, env)
    }

    fn shared() -> Shared {
        let (config, env) = setup();
        let entries = crate::cmd::list::entries(&config, &env);
        Shared::new(entries, &config, &env)
    }

    fn idx(s: &Shared, name: &str) -> usize {
        s.entries
            .iter()
            .position(|e| e.profile.name == name)
            .unwrap()
    }

    #[test]
    fn rows_are_aligned_and_mark_the_active_profile() {
        let s = shared();
        let a = s.row(idx(&s, "a"));
        let keys = s.row(idx(&s, "keys"));
        assert!(a.starts_with("* a "), "{a}");
        assert!(keys.starts_with("  keys "), "{keys}");
        assert_eq!(a.find("111111111111"), keys.find("- "));
        assert!(a.contains("Admin") && a.contains("us-east-1") && a.ends_with("missing"));
        assert!(keys.ends_with("static keys"));
        assert_eq!(s.header().find("ACCOUNT"), a.find("111111111111"));
    }

    #[test]
    fn preview_shows_settings_with_locations_and_hides_secrets() {
        let s = shared();
        let keys = s.preview(idx(&s, "keys"));
        assert!(
            !keys.contains("TOPSECRET") && !keys.contains("ALSOSECRET"),
            "{keys}"
        );
        assert!(keys.contains("aws_secret_access_key = (hidden)"), "{keys}");
        assert!(keys.contains("aws_session_token     = (hidden)"), "{keys}");
        assert!(keys.contains("AKIA…"), "{keys}");
        assert!(keys.contains("~/.aws/f:3"), "{keys}");
        let role = s.preview(idx(&s, "role"));
        assert!(role.contains("role chain"), "{role}");
        assert!(
            role.contains("role ") && role.contains("assume Deploy in 333333333333"),
            "{role}"
        );
        assert!(role.contains("<- a "), "{role}");
        assert!(role.contains("[sso-session co]  ~/.aws/f:1"), "{role}");
        assert!(role.contains("sso_start_url = https://x/start"), "{role}");
        assert!(role.contains("source_profile = a"), "{role}");
    }
}

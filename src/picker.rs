//! The fuzzy picker (skim), drawn on the terminal, never on stdout.
//!
//! Rows come in frecency order (then name) and skim is told to keep that order: with an
//! empty query every row scores the same and the input index decides; with a query the
//! match score decides and the input index breaks ties. skim draws on stderr and reads
//! keys from the terminal, so the shell function's captured stdout stays clean.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, mpsc};

use skim::matcher::Matcher;
use skim::prelude::{ItemPreview, PreviewContext, RankCriteria, Skim, SkimItem, SkimOptions};
use skim::tui::options::TuiLayout;

use crate::aws::ini::Value;
use crate::aws::{Config, Kind, TokenKey};
use crate::cmd::current::redact;
use crate::cmd::list::Entry;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::history;

/// The text a row shows and matches on: name, account, role, region, token state.
pub fn row_text(e: &Entry, env: &Env) -> String {
    let token = e.token_text(env);
    let cells = cells(e);
    let mut s =
        String::with_capacity(cells.iter().map(|c| c.len() + 1).sum::<usize>() + token.len());
    for c in &cells {
        // `-` marks an empty cell on screen; it is not something to match.
        s.push_str(if c == "-" { "" } else { c });
        s.push(' ');
    }
    s.push_str(&token);
    s
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
    let (tx, rx) = mpsc::channel();
    let table = Arc::new(Table::new(entries, env, tx.clone()));
    let rows: Vec<Row> = (0..table.entries.len())
        .map(|idx| Row {
            text: table.row(idx),
            idx,
            table: Arc::clone(&table),
        })
        .collect();
    let opts = options(query, &table);
    if let Some(name) = only_match(&rows, query, &opts) {
        return Ok(name);
    }
    let view = Preview {
        config,
        now: env.now,
        home: env.home().map(|h| h.to_string_lossy().into_owned()),
    };
    // The preview reads the config where it is, on a thread of this scope, instead of
    // copying 10,000 profiles into skim's 'static items before the first frame.
    let out = std::thread::scope(|s| {
        let t = Arc::clone(&table);
        s.spawn(move || {
            while let Ok(Req::Text(idx, reply)) = rx.recv() {
                let _ = reply.send(view.text(&t, idx));
            }
        });
        let out = Skim::run_items(opts, rows);
        let _ = tx.send(Req::Stop);
        out
    })
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

/// `awsp QUERY` with exactly one match takes it without drawing (fzf's `--select-1`).
/// skim's own `select_1` can give up waiting before its reader has handed the rows to
/// its matcher, so the rows are counted here, with the engine skim itself would build.
fn only_match(rows: &[Row], query: &str, opts: &SkimOptions) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    let engine = Matcher::create_engine_factory(opts).create_engine_with_case(query, opts.case);
    let mut hits = rows
        .iter()
        .filter(|r| engine.match_item(*r as &dyn SkimItem).is_some());
    match (hits.next(), hits.next()) {
        (Some(one), None) => Some(one.name().to_string()),
        _ => None,
    }
}

/// The rows in display order: frecency, then name.
pub fn ordered(mut entries: Vec<Entry>, env: &Env) -> Vec<Entry> {
    let scores = history::scores(env);
    history::order(&mut entries, &scores, |e| &e.profile.name);
    entries
}

fn options(query: &str, table: &Table) -> SkimOptions {
    let mut o = SkimOptions::default();
    o.query = Some(query.to_string()).filter(|q| !q.is_empty());
    // Keep our (frecency) order: score first, then input order.
    o.tiebreak = vec![RankCriteria::Score, RankCriteria::Index];
    // Match before entering, so the first frame already shows the list rather than an
    // empty one that fills on skim's next 10 ms matcher tick.
    o.sync = true;
    o.layout = TuiLayout::Reverse;
    o.height = "100%".into();
    o.prompt = "profile> ".into();
    o.header = Some(table.header());
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

enum Req {
    Text(usize, mpsc::SyncSender<String>),
    Stop,
}

struct Row {
    text: String,
    idx: usize,
    table: Arc<Table>,
}

impl Row {
    fn name(&self) -> &str {
        &self.table.entries[self.idx].profile.name
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
        let (reply, answer) = mpsc::sync_channel(1);
        let text = match self.table.previews.send(Req::Text(self.idx, reply)) {
            Ok(()) => answer.recv().unwrap_or_default(),
            Err(_) => String::new(),
        };
        ItemPreview::Text(text)
    }
}

/// Column caps: a longer value is shown whole, it just does not widen every row.
const CAPS: [usize; 4] = [40, 36, 28, 14];

/// The rows' data, shared by every skim item.
struct Table {
    entries: Vec<Entry>,
    tokens: Vec<Arc<str>>,
    widths: [usize; 4],
    previews: mpsc::Sender<Req>,
}

impl Table {
    fn new(entries: Vec<Entry>, env: &Env, previews: mpsc::Sender<Req>) -> Table {
        let entries = ordered(entries, env);
        // Profiles of one sso-session share a token: describe it once, and share the text.
        let mut seen: HashMap<&TokenKey, Arc<str>> = HashMap::new();
        let tokens: Vec<Arc<str>> = entries
            .iter()
            .map(|e| match (&e.token, &e.profile.token_key) {
                (Some(t), Some(k)) => seen
                    .entry(k)
                    .or_insert_with(|| t.describe(env.now).into())
                    .clone(),
                _ => e.token_text(env).into(),
            })
            .collect();
        let mut widths = [4, 7, 4, 6];
        for e in &entries {
            for ((w, c), cap) in widths.iter_mut().zip(cells(e)).zip(CAPS) {
                *w = (*w).max(c.chars().count().min(cap));
            }
        }
        Table {
            entries,
            tokens,
            widths,
            previews,
        }
    }

    fn row(&self, idx: usize) -> String {
        let e = &self.entries[idx];
        let mut s = String::with_capacity(self.widths.iter().sum::<usize>() + 32);
        s.push_str(if e.active { "* " } else { "  " });
        for (c, w) in cells(e).iter().zip(self.widths) {
            pad(&mut s, c, w);
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
            pad(&mut s, c, w);
        }
        s.push_str("TOKEN");
        s
    }
}

/// `c`, spaces up to `w` columns, and two more.
fn pad(s: &mut String, c: &str, w: usize) {
    s.push_str(c);
    let n = w.saturating_sub(c.chars().count()) + 2;
    s.extend(std::iter::repeat_n(' ', n));
}

/// Writes the preview pane's text.
struct Preview<'a> {
    config: &'a Config,
    now: chrono::DateTime<chrono::Utc>,
    home: Option<String>,
}

impl Preview<'_> {
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
    fn text(&self, table: &Table, idx: usize) -> String {
        let e = &table.entries[idx];
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
            None => table.tokens[idx].to_string(),
        };
        field(&mut s, "token", Some(token.as_str()).filter(|t| *t != "-"));
        if let Some(err) = &p.chain_error {
            field(&mut s, "problem", Some(err));
        }

        if let Some(raw) = self.config.profiles.get(&p.name) {
            let at = raw.locs.first().map(|l| self.short(l)).unwrap_or_default();
            let _ = writeln!(s, "\nsettings  {at}");
            self.settings(&mut s, raw.props.iter());
        }
        if p.chain.len() > 1 {
            let _ = writeln!(s, "\nrole chain");
            for (i, member) in p.chain.iter().enumerate() {
                let how = self
                    .config
                    .resolve(member)
                    .map(|m| match (m.kind, &m.sso_session) {
                        (Kind::AssumeRole, _) => format!(
                            "assume {} in {}",
                            m.role_name.as_deref().unwrap_or("?"),
                            m.account_id.as_deref().unwrap_or("?")
                        ),
                        (k, Some(sess)) => format!("{} via sso-session {sess}", k.name()),
                        (k, None) => k.name().to_string(),
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

        s
    }

    fn settings<'a>(
        &self,
        s: &mut String,
        props: impl Iterator<Item = (&'a str, &'a crate::aws::ini::Property)>,
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

fn cells(e: &Entry) -> [Cow<'_, str>; 4] {
    let p = &e.profile;
    fn or_dash(v: &Option<String>) -> Cow<'_, str> {
        Cow::Borrowed(v.as_deref().unwrap_or("-"))
    }
    let account = match (&p.account_id, &p.account_name) {
        (Some(id), Some(n)) => Cow::Owned(format!("{id} {n}")),
        (Some(v), None) | (None, Some(v)) => Cow::Borrowed(v.as_str()),
        (None, None) => Cow::Borrowed("-"),
    };
    [
        Cow::Borrowed(p.name.as_str()),
        account,
        or_dash(&p.role_name),
        or_dash(&p.region),
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

    fn table(config: &Config, env: &Env) -> Table {
        let entries = crate::cmd::list::entries(config, env);
        Table::new(entries, env, mpsc::channel().0)
    }

    fn idx(t: &Table, name: &str) -> usize {
        t.entries
            .iter()
            .position(|e| e.profile.name == name)
            .unwrap()
    }

    #[test]
    fn rows_are_aligned_and_mark_the_active_profile() {
        let (config, env) = setup();
        let s = table(&config, &env);
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
        let (config, env) = setup();
        let t = table(&config, &env);
        let view = Preview {
            config: &config,
            now: env.now,
            home: Some("/h".into()),
        };
        let keys = view.text(&t, idx(&t, "keys"));
        assert!(
            !keys.contains("TOPSECRET") && !keys.contains("ALSOSECRET"),
            "{keys}"
        );
        assert!(keys.contains("aws_secret_access_key = (hidden)"), "{keys}");
        assert!(keys.contains("aws_session_token     = (hidden)"), "{keys}");
        assert!(keys.contains("AKIA…"), "{keys}");
        assert!(keys.contains("~/.aws/f:3"), "{keys}");
        let role = view.text(&t, idx(&t, "role"));
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

//! The fuzzy picker (skim), drawn on the terminal, never on stdout.
//!
//! Rows come in frecency order (then name) and skim is told to keep that order: with an
//! empty query every row scores the same and the input index decides; with a query the
//! match score decides and the input index breaks ties. skim draws on stderr and reads
//! keys from the terminal, so the shell function's captured stdout stays clean. A bare
//! `awsp` draws its first screen before the whole config is parsed ([`pick_streamed`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, mpsc};

use chrono::{DateTime, Utc};
use ratatui_core::text::Line;
use skim::Matches;
use skim::binds::SkimEvent;
use skim::matcher::Matcher;
use skim::prelude::{
    Action, DisplayContext, ItemPreview, PreviewContext, RankCriteria, Skim, SkimItem,
    SkimItemReceiver, SkimOptions, SkimOutput, unbounded,
};
use skim::tui::App;
use skim::tui::actions::ActionCallback;
use skim::tui::options::TuiLayout;
use skim::tui::statusline::InfoDisplay;

use crate::aws::ini::Value;
use crate::aws::ini::redact;
use crate::aws::{Config, Kind, RawProfile, TokenKey};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::history;
use crate::rows::{self, Entry};
use crate::sanitize::{shown, shown_lines};

/// The text a row shows and matches on: name, account, role, region, token state.
pub fn row_text(e: &Entry, env: &Env) -> String {
    let mut s = String::new();
    push_cells(&mut s, e, ' ');
    s.push_str(&e.token_text(env.now));
    s
}

/// Pushes `e`'s name, account (id and name), role and region cells, each made safe to
/// draw ([`shown`]) and followed by `sep`: rows are drawn, measured and matched as
/// shown. Written straight into `s` (an account cell made on its own was a sixth of the
/// picker's loading). `-` marks an empty cell on screen; it is not something to match,
/// so an empty cell is empty here. The name never changes: the grammar allows no control
/// character, bidirectional control or backslash in one, so [`Row::name`] can take it
/// from the row.
fn push_cells(s: &mut String, e: &Entry, sep: char) {
    let p = &e.profile;
    let mut push = |v: Option<&str>, then: char| {
        if let Some(v) = v.filter(|v| *v != "-") {
            s.push_str(&shown(v));
        }
        s.push(then);
    };
    push(Some(&p.name), sep);
    match (&p.account_id, &p.account_name) {
        (Some(id), Some(n)) => {
            push(Some(id), ' ');
            push(Some(n), sep);
        }
        (id, n) => push(id.as_deref().or(n.as_deref()), sep),
    }
    push(p.role_name.as_deref(), sep);
    push(p.region.as_deref(), sep);
}

/// A bare `awsp` at a terminal: draws before the whole config is parsed. A first pass
/// checks every line (so a file [`Config::load`] rejects fails here, before anything is
/// drawn) and collects the names; with the history they fix the order. A second pass keeps
/// only the profiles a first screen shows, and skim gets those rows at once. Another
/// thread then reads the rest a block at a time ([`rows::each_entry`]), sending each
/// block's rows as it is read, so they land where the order puts them and no more than a
/// block of parsed profiles is ever held. A third serves the preview pane, reading each
/// profile shown there on its own. Returns the chosen name.
pub fn pick_streamed(env: &Env) -> Result<String> {
    one_heap();
    let names = Config::load_names(env)?;
    if names.is_empty() {
        bail!(
            "no profiles in {} or {}; create one with `aws configure sso`",
            env.config_file().display(),
            env.credentials_file().display()
        );
    }
    let mut order: Vec<&str> = names.iter().map(String::as_str).collect();
    history::order(&mut order, &history::scores(env), |n| n);
    let (first_names, rest) = order.split_at(first_screen().min(order.len()));
    let early = Config::load_profiles(env, first_names)?;
    let first = rows::entries_of(&early, &pick_out(&early, first_names.iter().copied()), env);
    drop(early);

    let (previews, served) = mpsc::channel();
    let mut layout = Layout::new(&first, env, previews.clone());
    // Names are all known: the column fits the longest, whenever its row comes.
    layout.fit_names(names.iter().map(String::as_str));
    let opts = options("", layout.header(), false);
    let (items, source) = unbounded();
    let first_rows = layout.items(&first);
    drop(first);

    // The first screen's rows are not sent again, but are asked for with the rest, so
    // that every profile's row is kept for the next run ([`rows::each_entry`]). Past the
    // profiles in the history the order is the names' own: then the loader asks for every
    // profile in name order, and holds no list of names.
    let mut shown: Vec<String> = first_names.iter().map(|n| n.to_string()).collect();
    shown.sort_unstable();
    let rest: Option<Vec<String>> = (!rest.is_sorted()).then(|| {
        rest.iter()
            .chain(first_names)
            .map(|n| n.to_string())
            .collect()
    });
    drop(order);
    drop(names);
    std::thread::scope(|s| {
        // skim asks a row for its preview on the thread that draws, matches and reads
        // keys, and waits for the answer. Answered here from the start: answered by the
        // loader once its last row was sent, a preview asked for while rows were loading
        // held that thread (nothing drawn, no key read) until then.
        s.spawn(move || {
            serve_previews(env, &served, |name| {
                Config::load_profile(env, name).map(Cow::Owned)
            })
        });
        let loader = s.spawn(move || -> Result<()> {
            yield_to_the_screen();
            let rest: Option<Vec<&str>> = rest
                .as_ref()
                .map(|r| r.iter().map(String::as_str).collect());
            let mut block = Vec::with_capacity(ROWS_SENT);
            let read = rows::each_entry(env, rest.as_deref(), |e| {
                if shown.binary_search(&e.profile.name).is_ok() {
                    return Ok(());
                }
                block.push(Arc::new(layout.row(e)) as Arc<dyn SkimItem>);
                if block.len() == ROWS_SENT {
                    let _ =
                        items.send(std::mem::replace(&mut block, Vec::with_capacity(ROWS_SENT)));
                }
                Ok(())
            });
            let _ = items.send(block);
            // The last rows are in: skim's reader can stop.
            drop(items);
            read
        });
        let name = chosen(run_streamed(opts, first_rows, source));
        let _ = previews.send(Req::Stop);
        let name = name?;
        loader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        Ok(name)
    })
}

/// `Skim::run_with`, with `first` in skim's pool before its first search and the rest from
/// `rest`. Handed over through `rest` as well, the first rows reached the pool only after
/// that search had started on an empty pool: the first frame drawn was empty, and the
/// rows came with the next, 3–8 ms later at 10,000 profiles.
fn run_streamed(
    opts: SkimOptions,
    first: Vec<Arc<dyn SkimItem>>,
    rest: SkimItemReceiver,
) -> std::result::Result<SkimOutput, String> {
    let mut skim: Skim = Skim::init(opts, Some(rest)).map_err(|e| e.to_string())?;
    skim.app_mut().item_pool.append(first);
    skim.start();
    // Always true here: only skim's filter, sync and select-one modes finish unseen.
    if skim.should_enter() {
        skim.init_tui().map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime
            .block_on(async {
                skim.enter().await?;
                skim.run().await
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(skim.output())
}

/// Makes every thread allocate from one heap. glibc gives each thread that allocates its
/// own arena, and memory freed in one is not reused by another: with skim's threads and
/// the loader's, the picker's peak at 10,000 profiles was some 15 MB. And maps every
/// allocation of 128 KiB or more on its own, so that the vectors skim grows and frees
/// as rows come in go back at once instead of staying in the heap as holes (glibc would
/// raise that threshold as such blocks are freed): 1 MB off the peak.
fn one_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: sets an allocator tunable before this process starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// How many rows the picker's loader hands skim at a time.
const ROWS_SENT: usize = 1024;

/// Lowers this thread's priority (and its children's) below skim's, which draws the first
/// frame on the same two cores: 8 ms sooner at 10,000 profiles. Linux only: elsewhere
/// `setpriority` would renice the whole process.
fn yield_to_the_screen() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets the nice value of the calling thread only; no memory is touched.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
}

/// `names` that `config` has, with their sections, in the order given.
fn pick_out<'c, 'n>(
    config: &'c Config,
    names: impl Iterator<Item = &'n str>,
) -> Vec<(&'c String, &'c RawProfile)> {
    names
        .filter_map(|n| config.profiles.get_key_value(n))
        .collect()
}

/// Lets the person choose one of `entries`, with `query` typed; returns its name.
pub fn pick(entries: Vec<Entry>, query: &str, config: &Config, env: &Env) -> Result<String> {
    let entries = ordered(entries, env);
    let (previews, served) = mpsc::channel();
    let mut layout = Layout::new(&entries, env, previews.clone());
    let rows = layout.rows(&entries);
    drop(entries);
    let opts = options(query, layout.header(), true);
    if let Some(name) = only_match(&rows, query, &opts) {
        return Ok(name);
    }
    // The preview reads the config where it is, on a thread of this scope, instead of
    // copying 10,000 profiles into skim's 'static items.
    std::thread::scope(|s| {
        s.spawn(move || serve_previews(env, &served, |_| Ok(Cow::Borrowed(config))));
        let out = Skim::run_items(opts, rows);
        let _ = previews.send(Req::Stop);
        chosen(out)
    })
}

/// The name skim's answer chose. Esc or Ctrl-C: exit 130.
fn chosen(out: std::result::Result<SkimOutput, impl std::fmt::Display>) -> Result<String> {
    let out = out.map_err(|e| Error::runtime(format!("the picker failed: {e}")))?;
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
fn ordered(mut entries: Vec<Entry>, env: &Env) -> Vec<Entry> {
    let scores = history::scores(env);
    history::order(&mut entries, &scores, |e| &e.profile.name);
    entries
}

/// `sync`: match every row before drawing, so the first frame shows the list rather than
/// an empty one that fills on skim's next 10 ms matcher tick. Streamed rows cannot wait.
fn options(query: &str, header: String, sync: bool) -> SkimOptions {
    let mut o = SkimOptions::default();
    o.query = Some(query.to_string()).filter(|q| !q.is_empty());
    // Keep our (frecency) order: score first, then input order.
    o.tiebreak = vec![RankCriteria::Score, RankCriteria::Index];
    o.sync = sync;
    o.layout = TuiLayout::Reverse;
    o.height = "100%".into();
    o.prompt = "profile> ".into();
    // skim's own status line ends in the cursor's row index and the horizontal scroll
    // (`0/0`), which tell a person nothing, and no option drops only those: the status
    // line is hidden and the header's first line carries the match counter instead.
    o.info = InfoDisplay::Hidden.into();
    o.header = Some(format!("\n{header}"));
    // The text comes from `Row::preview`; an empty command only turns the pane on.
    o.preview = Some(String::new());
    o.preview_window = if term_size().0 >= 150 {
        "right:45%:wrap"
    } else {
        "down:45%:wrap"
    }
    .into();
    o.bind = vec!["?:toggle-preview".into()];
    let mut o = o.build();
    // skim fires `start` as it comes up (in sync mode, after drawing every matched row)
    // and `result` whenever a search ends: after the query changes and after streamed rows
    // arrive. Both rewrite the counter from the numbers skim's status line would show.
    let count = Action::Custom(ActionCallback::new_sync(|app: &mut App| {
        let line = counter(app.item_list.count(), app.item_pool.len());
        app.header.header = with_counter(&app.header.header, &line);
        Ok(Vec::new())
    }));
    for event in [SkimEvent::Start, SkimEvent::Result] {
        o.keymap.insert(event.key_event(), vec![count.clone()]);
    }
    o
}

/// The match counter: rows the query matches, of the rows read so far.
fn counter(matched: usize, total: usize) -> String {
    format!("{matched}/{total}")
}

/// `header` with its first line replaced by `line`.
fn with_counter(header: &str, line: &str) -> String {
    let rest = header.split_once('\n').map_or("", |(_, rest)| rest);
    format!("{line}\n{rest}")
}

/// Columns and lines of stderr (the terminal skim draws on), 0 when unknown.
fn term_size() -> (u16, u16) {
    crate::os::terminal_size()
}

/// How many rows the first screen can show, at least.
fn first_screen() -> usize {
    usize::from(term_size().1).clamp(40, 300)
}

enum Req {
    Text(String, mpsc::SyncSender<String>),
    Stop,
}

/// Answers the preview pane's requests until told to stop; `config(name)` gives a
/// config holding profile `name`.
fn serve_previews<'c>(
    env: &Env,
    requests: &mpsc::Receiver<Req>,
    config: impl Fn(&str) -> Result<Cow<'c, Config>>,
) {
    let home = env.home().map(|h| h.to_string_lossy().into_owned());
    while let Ok(Req::Text(name, reply)) = requests.recv() {
        let text = match config(&name) {
            Ok(config) => {
                let home = home.clone();
                Preview {
                    config: &config,
                    env,
                    home,
                }
                .text(&name)
            }
            Err(e) => shown(&e.to_string()).into_owned(),
        };
        let _ = reply.send(text);
    }
}

/// Separates the cells in a row's text: a tab, which no shown cell holds ([`shown`]
/// writes every control character as an escape).
const SEP: char = '\t';

struct Row {
    /// The name, account, role and region as shown, then the token state, each but the
    /// first after a [`SEP`]: what the query is matched on, whole however narrow the
    /// screen (an empty cell is empty here and `-` on screen). [`Row::drawn`] pads and
    /// cuts it to the columns. At 10,000 profiles every byte here counts 10,000 times.
    text: Box<str>,
    shared: Arc<Shared>,
}

/// What the rows of one picker share.
struct Shared {
    /// The columns' widths ([`fit`]); 0 leaves a column out.
    fitted: [usize; 4],
    /// The active profile's name, once its row is made: a row of its own would take 8
    /// bytes more in each of 10,000 rows.
    active: Option<Box<str>>,
    previews: mpsc::Sender<Req>,
}

impl Row {
    fn name(&self) -> &str {
        self.text.split(SEP).next().unwrap_or_default()
    }

    /// The row as drawn: the marker, each cell cut and padded to its column, then the
    /// token; and for each character of `text`, where it is drawn (`None`: not drawn).
    fn drawn(&self) -> (String, Vec<Option<usize>>) {
        let mut line = String::with_capacity(self.text.len() + 64);
        let mut at = Vec::with_capacity(self.text.len());
        let active = self.shared.active.as_deref() == Some(self.name());
        line.push_str(if active { "* " } else { "  " });
        let mut column = MARK;
        let mut parts = self.text.split(SEP);
        for (w, cell) in self.shared.fitted.into_iter().zip(parts.by_ref()) {
            let n = cell.chars().count();
            // A cut cell ends in `…`, which stands for no one character.
            let drawn = if n > w { w.saturating_sub(1) } else { n };
            at.extend((0..n).map(|i| (i < drawn).then_some(column + i)));
            at.push(None);
            if w > 0 {
                pad(&mut line, if cell.is_empty() { "-" } else { cell }, w);
                column += w + 2;
            }
        }
        let token = parts.next().unwrap_or_default();
        at.extend((0..token.chars().count()).map(|i| Some(column + i)));
        line.push_str(token);
        (line, at)
    }
}

impl SkimItem for Row {
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.text)
    }

    /// The drawn row, with what the query matched highlighted where it is drawn.
    fn display(&self, mut context: DisplayContext) -> Line<'_> {
        let (line, at) = self.drawn();
        let drawn = |chars: &mut dyn Iterator<Item = usize>| {
            Matches::CharIndices(chars.filter_map(|i| at.get(i).copied().flatten()).collect())
        };
        context.matches = match std::mem::take(&mut context.matches) {
            Matches::None => Matches::None,
            Matches::CharIndices(v) => drawn(&mut v.into_iter()),
            Matches::CharRange(a, b) => drawn(&mut (a..b)),
            Matches::ByteRange(a, b) => {
                let chars = |b: usize| self.text.get(..b).map(|s| s.chars().count());
                match (chars(a), chars(b)) {
                    (Some(a), Some(b)) => drawn(&mut (a..b)),
                    _ => Matches::None,
                }
            }
        };
        context.to_line(Cow::Owned(line))
    }

    fn output(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.name())
    }

    fn preview(&self, _context: PreviewContext) -> ItemPreview {
        let (reply, answer) = mpsc::sync_channel(1);
        let text = match self
            .shared
            .previews
            .send(Req::Text(self.name().to_string(), reply))
        {
            Ok(()) => answer.recv().unwrap_or_default(),
            Err(_) => String::new(),
        };
        ItemPreview::Text(text)
    }
}

/// Column caps: a longer value is shown whole, it just does not widen every row.
const CAPS: [usize; 4] = [40, 36, 28, 14];
/// Bytes of the active marker that starts every row.
const MARK: usize = 2;

/// The columns, and what the rows share.
struct Layout {
    /// What each column needs, up to its cap.
    widths: [usize; 4],
    /// The terminal's width; 0 when unknown (no fitting).
    cols: usize,
    /// Profiles of one sso-session share a token: each is described once.
    tokens: HashMap<TokenKey, String>,
    now: DateTime<Utc>,
    /// What the rows made from now on share: replaced, not changed, when the columns
    /// change, so a row made earlier keeps the columns it was made for.
    shared: Arc<Shared>,
    /// One row's text, made here first: a row keeps exactly its length.
    scratch: String,
}

impl Layout {
    /// Columns as wide as `entries` need, up to the caps.
    fn new(entries: &[Entry], env: &Env, previews: mpsc::Sender<Req>) -> Layout {
        let mut widths = [4, 7, 4, 6];
        let mut cells = String::new();
        for e in entries {
            cells.clear();
            push_cells(&mut cells, e, SEP);
            for ((w, c), cap) in widths.iter_mut().zip(cells.split(SEP)).zip(CAPS) {
                *w = (*w).max(c.chars().count().min(cap));
            }
        }
        let cols = usize::from(term_size().0);
        Layout {
            widths,
            cols,
            tokens: HashMap::new(),
            now: env.now,
            shared: Arc::new(Shared {
                fitted: fit(widths, cols),
                active: None,
                previews,
            }),
            scratch: String::new(),
        }
    }

    fn fit_names<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        for n in names {
            self.widths[0] = self.widths[0].max(n.chars().count().min(CAPS[0]));
        }
        self.refit();
    }

    /// Fits the columns to a terminal of `cols` columns (0: no limit).
    #[cfg(test)]
    fn fit_to(&mut self, cols: usize) {
        self.cols = cols;
        self.refit();
    }

    fn refit(&mut self) {
        self.share(fit(self.widths, self.cols), self.shared.active.clone());
    }

    fn share(&mut self, fitted: [usize; 4], active: Option<Box<str>>) {
        self.shared = Arc::new(Shared {
            fitted,
            active,
            previews: self.shared.previews.clone(),
        });
    }

    fn rows(&mut self, entries: &[Entry]) -> Vec<Row> {
        entries.iter().map(|e| self.row(e)).collect()
    }

    fn items(&mut self, entries: &[Entry]) -> Vec<Arc<dyn SkimItem>> {
        entries
            .iter()
            .map(|e| Arc::new(self.row(e)) as Arc<dyn SkimItem>)
            .collect()
    }

    fn row(&mut self, e: &Entry) -> Row {
        let s = &mut self.scratch;
        s.clear();
        push_cells(s, e, SEP);
        match (&e.token, &e.profile.token_key) {
            (Some(t), Some(k)) => match self.tokens.get(k) {
                Some(text) => s.push_str(text),
                None => {
                    let text = t.describe(self.now);
                    s.push_str(&text);
                    self.tokens.insert(k.clone(), text);
                }
            },
            _ => s.push_str(&e.token_text(self.now)),
        }
        if e.active {
            self.share(self.shared.fitted, Some(e.profile.name.as_str().into()));
        }
        Row {
            text: self.scratch.as_str().into(),
            shared: Arc::clone(&self.shared),
        }
    }

    fn header(&self) -> String {
        let mut s = " ".repeat(MARK);
        for (c, w) in ["NAME", "ACCOUNT", "ROLE", "REGION"]
            .iter()
            .zip(self.shared.fitted)
        {
            pad(&mut s, c, w);
        }
        s.push_str("TOKEN");
        s
    }
}

/// The widest token text (`valid 123h45m`): the column that is the reason to look, kept
/// whole however narrow the terminal.
const TOKEN_WIDTH: usize = 13;
/// Columns skim draws before each row (the cursor and the selection marks).
const GUTTER: usize = 2;

/// Column widths for a terminal of `cols` columns (0: unknown, `widths` as they are).
/// When the row would not fit, columns give way in order of how little they tell: the
/// account shrinks to its id (12 digits and `…`), the role to ten letters, the name to
/// 16 and the region to 9; then the role goes, the name shrinks to 12, and the region
/// and the account go. The token state stays whole.
fn fit(widths: [usize; 4], cols: usize) -> [usize; 4] {
    if cols == 0 {
        return widths;
    }
    let used = |w: &[usize; 4]| {
        MARK + w
            .iter()
            .map(|&x| if x == 0 { 0 } else { x + 2 })
            .sum::<usize>()
            + TOKEN_WIDTH
    };
    let budget = cols.saturating_sub(GUTTER);
    let mut w = widths;
    // (column, narrowest it may become): 0 name, 1 account, 2 role, 3 region.
    for (col, floor) in [
        (1, 13),
        (2, 10),
        (0, 16),
        (3, 9),
        (2, 0),
        (0, 12),
        (3, 0),
        (1, 0),
        (0, 6),
    ] {
        let over = used(&w).saturating_sub(budget);
        if over == 0 {
            break;
        }
        w[col] -= over.min(w[col].saturating_sub(floor));
        // Narrower than this, a column would show little but `…`.
        if floor == 0 && w[col] < 4 {
            w[col] = 0;
        }
    }
    w
}

/// `c`, cut to `w` columns (`…` marks the cut) and padded to them, then two spaces; a
/// column of width 0 is left out. Returns whether `c` was cut.
fn pad(s: &mut String, c: &str, w: usize) -> bool {
    if w == 0 {
        return !c.is_empty();
    }
    let n = c.chars().count();
    if n > w {
        s.push_str(&crate::style::cut(c, w));
    } else {
        s.push_str(c);
        s.extend(std::iter::repeat_n(' ', w - n));
    }
    s.push_str("  ");
    n > w
}

/// Writes the preview pane's text.
struct Preview<'a> {
    config: &'a Config,
    env: &'a Env,
    home: Option<String>,
}

impl Preview<'_> {
    /// `~/…` for paths under HOME, so locations fit the pane.
    fn short(&self, loc: &crate::aws::ini::Loc) -> String {
        let full = loc.to_string();
        // Only a whole directory of HOME counts: `/home/u2` is not under `/home/u`.
        let home = self.home.as_deref().map(|h| h.trim_end_matches('/'));
        match home.filter(|h| !h.is_empty()) {
            Some(h)
                if full
                    .strip_prefix(h)
                    .is_some_and(|rest| rest.starts_with('/')) =>
            {
                format!("~{}", &full[h.len()..])
            }
            _ => full,
        }
    }

    /// Every setting with where it came from, the sso-session and its token, the role
    /// chain. Secrets show only that they are there. skim reads the text for SGR colour
    /// codes: every line of it is made safe ([`shown_lines`]), the line breaks kept.
    fn text(&self, name: &str) -> String {
        let raw = self.raw_text(name);
        shown_lines(&raw).into_owned()
    }

    /// [`Preview::text`], before it is made safe.
    fn raw_text(&self, name: &str) -> String {
        let Some(e) = Entry::of(self.config, name, self.env) else {
            return String::new();
        };
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
        let account = match (&p.account_id, &p.account_name) {
            (Some(id), Some(n)) => Some(format!("{id} {n}")),
            (id, n) => id.as_ref().or(n.as_ref()).cloned(),
        };
        field(&mut s, "account", account.as_deref());
        field(&mut s, "role", p.role_name.as_deref());
        field(&mut s, "region", p.region.as_deref());
        let token = match &e.token {
            Some(t) => {
                let mut d = t.describe(self.env.now);
                if let Some(at) = t.expires_at() {
                    let _ = write!(d, " (expires {})", at.format("%Y-%m-%d %H:%M UTC"));
                }
                if let Some(key) = &p.token_key {
                    let _ = write!(d, ", {}", key.label());
                }
                d
            }
            None => e.token_text(self.env.now),
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
                    // Under a secret-bearing key, every sub-property is part of the secret.
                    let hide = crate::aws::ini::is_secret_key(k);
                    for (sk, sv) in m {
                        let v = if hide {
                            "(hidden)".into()
                        } else {
                            redact(sk, sv)
                        };
                        let _ = writeln!(s, "      {sk} = {v}");
                    }
                }
            }
        }
    }
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

    /// The header and every row as drawn, by name.
    fn table(config: &Config, env: &Env) -> (String, HashMap<String, String>) {
        let entries = rows::entries(config, env);
        let mut layout = Layout::new(&entries, env, mpsc::channel().0);
        layout.fit_to(0);
        let rows = layout.rows(&entries);
        let drawn = rows.iter().map(|r| (r.name().to_string(), r.drawn().0));
        (layout.header(), drawn.collect())
    }

    #[test]
    fn rows_are_aligned_and_mark_the_active_profile() {
        let (config, env) = setup();
        let (header, rows) = table(&config, &env);
        let (a, keys) = (&rows["a"], &rows["keys"]);
        assert!(a.starts_with("* a "), "{a}");
        assert!(keys.starts_with("  keys "), "{keys}");
        assert_eq!(a.find("111111111111"), keys.find("- "));
        assert!(a.contains("Admin") && a.contains("us-east-1") && a.ends_with("missing"));
        assert!(keys.ends_with("static keys"));
        assert_eq!(header.find("ACCOUNT"), a.find("111111111111"));
    }

    #[test]
    fn rows_and_preview_show_planted_controls_as_escapes() {
        let f = |t: &str, k| ini::parse(t, k, Arc::new("/h/.aws/f".into())).unwrap();
        let config = Config::merge(
            f(
                "[profile a]\nsso_account_id = 111111111111\nsso_account_name = x\x1b]52;c;eA==\x07y\u{9b}2J\nsso_role_name = r\u{202e}\u{7f}\nregion = e\x1b[31mu\ncredential_process = p\rq\n",
                FileKind::Config,
            ),
            f("", FileKind::Credentials),
        );
        let env = Env::fake([("HOME", "/h")]);
        let entries = rows::entries(&config, &env);
        let row = Layout::new(&entries, &env, mpsc::channel().0).row(&entries[0]);
        let (drawn, row) = (row.drawn().0, row.text);
        assert!(!drawn.chars().any(crate::sanitize::is_unsafe), "{drawn:?}");
        assert!(drawn.contains("x\\x1b]52;c;eA==\\x07"), "{drawn}");
        // What is matched on holds nothing unsafe either: only the tabs between cells.
        assert!(
            !row.chars()
                .any(|c| c != SEP && crate::sanitize::is_unsafe(c)),
            "{row:?}"
        );
        assert!(row.contains("x\\x1b]52;c;eA==\\x07y\\u{9b}2J"), "{row}");
        assert!(row.contains("r\\u{202e}\\x7f"), "{row}");
        let view = Preview {
            config: &config,
            env: &env,
            home: Some("/h".into()),
        };
        let text = view.text("a");
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && crate::sanitize::is_unsafe(c)),
            "{text:?}"
        );
        assert!(text.contains("e\\x1b[31mu"), "{text}");
        assert!(text.contains("credential_process = p\\x0dq"), "{text}");
    }

    #[test]
    fn names_fitted_later_widen_the_name_column() {
        let (config, env) = setup();
        let entries = rows::entries(&config, &env);
        let mut layout = Layout::new(&entries[..1], &env, mpsc::channel().0);
        layout.fit_to(0);
        let before = layout.header().find("ACCOUNT").unwrap();
        layout.fit_names(["a-much-longer-profile-name"].into_iter());
        let after = layout.header().find("ACCOUNT").unwrap();
        assert_eq!(after, MARK + "a-much-longer-profile-name".len() + 2);
        assert!(after > before);
        let row = layout.row(&entries[0]);
        let drawn = row.drawn().0;
        assert_eq!(drawn.find("111111111111"), Some(after), "{drawn}");
        assert_eq!(row.name(), entries[0].profile.name);
    }

    /// On a narrow terminal the token state stays whole; the account and the role give way
    /// first, and what is cut is still matched on.
    #[test]
    fn columns_give_way_by_priority_and_the_token_stays() {
        let f = |t: &str, k| ini::parse(t, k, Arc::new("/h/.aws/f".into())).unwrap();
        let config = Config::merge(
            f(
                "[profile production-eu-west-administrator]
sso_account_id = 111111111111
                 sso_account_name = acme-production-europe-main
sso_role_name = AWSAdministratorAccess
                 region = ap-southeast-2
sso_session = s
[sso-session s]
sso_start_url = u
sso_region = r
",
                FileKind::Config,
            ),
            f("", FileKind::Credentials),
        );
        let env = Env::fake([("HOME", "/h")]);
        let entries = rows::entries(&config, &env);
        let mut layout = Layout::new(&entries, &env, mpsc::channel().0);
        for cols in [200, 120, 100, 80, 70, 60] {
            layout.fit_to(cols);
            let row = layout.row(&entries[0]);
            let (drawn, at) = row.drawn();
            let drawn = drawn.as_str();
            let shown: Vec<char> = drawn.chars().collect();
            for (c, at) in row.text.chars().zip(&at) {
                if let Some(i) = *at {
                    assert_eq!(shown[i], c, "{cols}: {drawn:?}");
                }
            }
            assert_eq!(at.len(), row.text.chars().count());
            let width = drawn.chars().count();
            assert!(width + GUTTER <= cols, "{cols}: {width} columns: {drawn:?}");
            assert!(
                drawn.ends_with("  missing"),
                "{cols}: the token is whole: {drawn:?}"
            );
            assert_eq!(row.name(), "production-eu-west-administrator", "{cols}");
            assert!(
                row.text.contains("acme-production-europe-main"),
                "{cols}: matched on"
            );
            let header = layout.header();
            let column = |s: &str, w: &str| s[..s.find(w).unwrap()].chars().count();
            assert_eq!(
                column(&header, "TOKEN"),
                column(drawn, "missing"),
                "{cols}: {header:?}"
            );
            if cols <= 100 {
                assert!(drawn.contains('…'), "{cols}: {drawn:?}");
            }
        }
        // The name outlasts the account name and the role.
        layout.fit_to(80);
        let row = layout.row(&entries[0]);
        let drawn = row.drawn().0;
        assert!(drawn.contains("production-eu-west"), "{drawn}");
        assert!(!drawn.contains("acme-production"), "{drawn}");
        assert_eq!(fit([20, 30, 20, 14], 0), [20, 30, 20, 14]);
    }

    /// What the query matched is highlighted where it is drawn, and not at all when the
    /// screen cut it off.
    #[test]
    fn matches_are_highlighted_where_they_are_drawn() {
        use ratatui_core::style::{Modifier, Style};
        let (config, env) = setup();
        let entries = rows::entries(&config, &env);
        let mut layout = Layout::new(&entries, &env, mpsc::channel().0);
        let highlighted = |row: &Row, matches: Matches| {
            let context = DisplayContext {
                matches,
                matched_style: Style::default().add_modifier(Modifier::BOLD),
                ..DisplayContext::default()
            };
            let line = row.display(context);
            line.spans
                .iter()
                .filter(|s| s.style.add_modifier.contains(Modifier::BOLD))
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        layout.fit_to(0);
        let row = layout.row(&entries[0]);
        let text = row.text.to_string();
        let admin = text.find("Admin").unwrap();
        let chars = |from: usize, n: usize| (from..from + n).collect::<Vec<_>>();
        assert_eq!(
            highlighted(&row, Matches::CharIndices(chars(admin, 5))),
            "Admin"
        );
        assert_eq!(
            highlighted(&row, Matches::CharRange(admin, admin + 3)),
            "Adm"
        );
        assert_eq!(
            highlighted(&row, Matches::ByteRange(admin + 1, admin + 4)),
            "dmi"
        );
        // A byte range that is not in the text, or splits a character: nothing.
        assert_eq!(highlighted(&row, Matches::ByteRange(admin, 10_000)), "");
        // The tab between two cells is matched on but drawn as padding: not highlighted.
        let tab = text.find(SEP).unwrap();
        assert_eq!(
            highlighted(&row, Matches::CharIndices(vec![tab - 1, tab, tab + 1])),
            "a1"
        );
        // On a narrow screen the role is left out: what matched in it is not drawn.
        layout.fit_to(30);
        let row = layout.row(&entries[0]);
        assert!(!row.drawn().0.contains("Admin"), "{}", row.drawn().0);
        assert_eq!(highlighted(&row, Matches::CharIndices(chars(admin, 5))), "");
    }

    #[test]
    fn preview_shows_settings_with_locations_and_hides_secrets() {
        let (config, env) = setup();
        let view = Preview {
            config: &config,
            env: &env,
            home: Some("/h".into()),
        };
        assert_eq!(view.text("no-such-profile"), "");
        let keys = view.text("keys");
        assert!(
            !keys.contains("TOPSECRET") && !keys.contains("ALSOSECRET"),
            "{keys}"
        );
        assert!(keys.contains("aws_secret_access_key = (hidden)"), "{keys}");
        assert!(keys.contains("aws_session_token     = (hidden)"), "{keys}");
        assert!(keys.contains("AKIA…"), "{keys}");
        assert!(keys.contains("~/.aws/f:3"), "{keys}");
        let role = view.text("role");
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

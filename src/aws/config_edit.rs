//! Editing the config file for `awsp setup` and `awsp sync`, byte for byte: every line
//! outside the profiles awsp manages stays as it was (comments, order, blank lines, line
//! endings, the user's own profiles), and inside a managed profile only the keys awsp
//! owns change, so a user's additions (`region`, `output`) survive.
//!
//! A managed profile carries `awsp_managed = SESSION`, a key the SDKs and the AWS CLI
//! ignore. It ties the profile to its `[sso-session]`, so pruning one session never
//! touches another's profiles or a hand-written one. Deleting that line hands the profile
//! back to the user: awsp no longer updates or removes it.
//!
//! An edit is a list of replaced line ranges, so the same plan gives the new text and a
//! diff of exactly what changes.

use std::collections::{BTreeMap, BTreeSet};

/// The key that marks a profile awsp manages, with its session as the value.
pub const MARKER: &str = "awsp_managed";
/// The default profile name template.
pub const DEFAULT_TEMPLATE: &str = "{account_name}-{role_name}";

/// What kind of section a header opens.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Profile(String),
    SsoSession(String),
    Other,
}

/// A section: its header line and the lines up to its last setting (blank lines and
/// comments after it belong to no section, so removing one leaves them).
#[derive(Clone, Debug)]
struct Section {
    kind: Kind,
    header: usize,
    /// One past the last line that is part of the section.
    end: usize,
    /// Key (lower-cased) → (line, value), for `key = value` lines at the section's top
    /// level.
    keys: BTreeMap<String, (usize, String)>,
}

/// The config file's text as lines, each with its line ending.
pub struct Text<'a> {
    lines: Vec<&'a str>,
    /// `\r\n` when the file uses it, else `\n`.
    eol: &'static str,
    sections: Vec<Section>,
}

fn header_kind(line: &str) -> Option<Kind> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?.trim();
    if let Some(name) = inner
        .strip_prefix("profile ")
        .or_else(|| inner.strip_prefix("profile\t"))
    {
        return Some(Kind::Profile(name.trim().to_string()));
    }
    if let Some(name) = inner.strip_prefix("sso-session ") {
        return Some(Kind::SsoSession(name.trim().to_string()));
    }
    Some(match inner {
        "default" => Kind::Profile("default".into()),
        _ => Kind::Other,
    })
}

fn is_comment_or_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with(';')
}

impl<'a> Text<'a> {
    pub fn new(text: &'a str) -> Text<'a> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut sections: Vec<Section> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            // A header starts its line; an indented `[` belongs to a value.
            if line.starts_with('[') {
                if let Some(kind) = header_kind(line) {
                    sections.push(Section {
                        kind,
                        header: i,
                        end: i + 1,
                        keys: BTreeMap::new(),
                    });
                    continue;
                }
            }
            let Some(s) = sections.last_mut() else {
                continue;
            };
            if is_comment_or_blank(line) {
                continue;
            }
            s.end = i + 1;
            if line.starts_with([' ', '\t']) {
                continue; // a continuation or a sub-property
            }
            if let Some((k, v)) = line.split_once('=') {
                s.keys
                    .entry(k.trim().to_ascii_lowercase())
                    .or_insert((i, v.trim().to_string()));
            }
        }
        Text {
            lines,
            eol,
            sections,
        }
    }

    /// Every profile name the file defines.
    pub fn profile_names(&self) -> BTreeSet<String> {
        self.sections
            .iter()
            .filter_map(|s| match &s.kind {
                Kind::Profile(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// The `[sso-session NAME]` block's settings, if the file has it.
    pub fn sso_session(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.sections
            .iter()
            .find(|s| s.kind == Kind::SsoSession(name.to_string()))
            .map(|s| {
                s.keys
                    .iter()
                    .map(|(k, (_, v))| (k.clone(), v.clone()))
                    .collect()
            })
    }
}

/// A profile a sync wants: one account and role of a session.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    pub account_name: String,
    pub account_id: String,
    pub role_name: String,
}

/// One replaced range of lines.
#[derive(Clone, Debug)]
pub struct Edit {
    start: usize,
    end: usize,
    lines: Vec<String>,
}

/// What a sync changes, and why.
#[derive(Debug, Default)]
pub struct Plan {
    edits: Vec<Edit>,
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    /// Managed profiles gone upstream that stay (no `--prune`).
    pub stale: Vec<String>,
    pub unchanged: usize,
    /// Names the template gave that were taken, and the name used instead.
    pub collisions: Vec<(String, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }
}

/// The name `template` gives `w` in `session`, reduced to the characters every SDK and
/// the AWS CLI accept in a profile name (`A-Za-z0-9_-.@+`); anything else (spaces,
/// brackets, quotes, `/`, `:`, `%`) becomes `-`, runs of `-` become one, and `-` is
/// trimmed from the ends.
pub fn profile_name(template: &str, session: &str, w: &Wanted) -> String {
    let raw = template
        .replace("{account_name}", &w.account_name)
        .replace("{account_id}", &w.account_id)
        .replace("{role_name}", &w.role_name)
        .replace("{session}", session);
    let mut out = String::new();
    for c in raw.chars() {
        let keep = c.is_ascii_alphanumeric() || "_-.@+".contains(c);
        let c = if keep { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        w.account_id.clone()
    } else {
        out
    }
}

/// Whether a template names at least one variable (else every profile gets one name).
pub fn template_is_usable(template: &str) -> bool {
    ["{account_name}", "{account_id}", "{role_name}"]
        .iter()
        .any(|v| template.contains(v))
}

/// Plans a sync of `session`: one managed profile per wanted account and role. `taken`
/// holds names defined elsewhere (the credentials file) that a new profile must not use.
pub fn plan(
    text: &Text,
    session: &str,
    region: &str,
    template: &str,
    wanted: &[Wanted],
    prune: bool,
    taken: &BTreeSet<String>,
) -> Plan {
    let mut plan = Plan::default();
    let eol = text.eol;
    // This session's managed profiles, by account and role.
    let mut managed: BTreeMap<(String, String), &Section> = BTreeMap::new();
    for s in &text.sections {
        if !matches!(s.kind, Kind::Profile(_)) {
            continue;
        }
        if s.keys.get(MARKER).is_some_and(|(_, v)| v == session) {
            let id = |k: &str| s.keys.get(k).map(|(_, v)| v.clone()).unwrap_or_default();
            managed.insert((id("sso_account_id"), id("sso_role_name")), s);
        }
    }
    let mut names: BTreeSet<String> = text.profile_names();
    names.extend(taken.iter().cloned());
    let mut wanted: Vec<&Wanted> = wanted.iter().collect();
    wanted.sort();
    wanted.dedup();
    let mut seen = BTreeSet::new();
    let mut new_blocks: Vec<(String, Vec<String>)> = Vec::new();
    for w in wanted {
        let id = (w.account_id.clone(), w.role_name.clone());
        if !seen.insert(id.clone()) {
            continue;
        }
        let owned = [
            ("sso_session", session),
            ("sso_account_id", w.account_id.as_str()),
            ("sso_role_name", w.role_name.as_str()),
            ("sso_account_name", w.account_name.as_str()),
        ];
        if let Some(s) = managed.get(&id) {
            let name = match &s.kind {
                Kind::Profile(n) => n.clone(),
                _ => unreachable!("only profiles are managed"),
            };
            let mut changed = false;
            let mut missing = Vec::new();
            for (k, v) in owned {
                match s.keys.get(k) {
                    Some((_, have)) if have == v => {}
                    Some((line, _)) => {
                        plan.edits.push(Edit {
                            start: *line,
                            end: line + 1,
                            lines: vec![format!("{k} = {v}{eol}")],
                        });
                        changed = true;
                    }
                    None => missing.push(format!("{k} = {v}{eol}")),
                }
            }
            if !missing.is_empty() {
                // After the section's last line (as rewritten above, if it was), which then
                // needs its own line end.
                let last = s.end - 1;
                match plan.edits.iter_mut().find(|e| e.start == last) {
                    Some(e) => e.lines.extend(missing),
                    None => {
                        let mut lines = vec![ensure_eol(text.lines[last], eol)];
                        lines.extend(missing);
                        plan.edits.push(Edit {
                            start: last,
                            end: last + 1,
                            lines,
                        });
                    }
                }
                changed = true;
            }
            if changed {
                plan.updated.push(name);
            } else {
                plan.unchanged += 1;
            }
            continue;
        }
        let base = profile_name(template, session, w);
        let mut name = base.clone();
        if names.contains(&name) {
            name = format!("{base}-{}", w.account_id);
            let mut n = 2;
            while names.contains(&name) {
                name = format!("{base}-{}-{n}", w.account_id);
                n += 1;
            }
            plan.collisions.push((base, name.clone()));
        }
        names.insert(name.clone());
        let header = if name == "default" {
            "[default]".to_string()
        } else {
            format!("[profile {name}]")
        };
        let mut block = vec![format!("{header}{eol}")];
        block.extend(owned.iter().map(|(k, v)| format!("{k} = {v}{eol}")));
        block.push(format!("region = {region}{eol}"));
        block.push(format!("{MARKER} = {session}{eol}"));
        new_blocks.push((name, block));
    }
    // Managed profiles no longer upstream.
    for (id, s) in &managed {
        if seen.contains(id) {
            continue;
        }
        let Kind::Profile(name) = &s.kind else {
            continue;
        };
        if !prune {
            plan.stale.push(name.clone());
            continue;
        }
        // The separating blank line before it goes too.
        let start = if s.header > 0 && text.lines[s.header - 1].trim().is_empty() {
            s.header - 1
        } else {
            s.header
        };
        plan.edits.push(Edit {
            start,
            end: s.end,
            lines: Vec::new(),
        });
        plan.removed.push(name.clone());
    }
    plan.edits.sort_by_key(|e| (e.start, e.end));
    if !new_blocks.is_empty() {
        new_blocks.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, blocks): (Vec<String>, Vec<Vec<String>>) = new_blocks.into_iter().unzip();
        let edit = append(text, &apply(text, &plan), blocks);
        plan.edits.push(edit);
        plan.added = names;
    }
    plan
}

/// Blocks inserted after the file's last line, which the other edits leave as `before`
/// ends: a line end first if it lacks one, then a blank line before each block. An
/// insertion, so it never overlaps another edit.
fn append(text: &Text, before: &str, blocks: Vec<Vec<String>>) -> Edit {
    let eol = text.eol;
    let mut lines = Vec::new();
    if !before.is_empty() && !before.ends_with('\n') {
        lines.push(eol.to_string());
    }
    let last_blank = before.lines().last().is_none_or(|l| l.trim().is_empty());
    for (i, block) in blocks.into_iter().enumerate() {
        if i > 0 || !last_blank {
            lines.push(eol.to_string());
        }
        lines.extend(block);
    }
    let n = text.lines.len();
    Edit {
        start: n,
        end: n,
        lines,
    }
}

fn ensure_eol(line: &str, eol: &str) -> String {
    if line.ends_with('\n') {
        line.to_string()
    } else {
        format!("{line}{eol}")
    }
}

/// The `[sso-session]` block `aws configure sso` writes, appended: `None` when the file
/// has the block with the same start URL and region already; an error when it has it with
/// others.
pub fn add_sso_session(
    text: &Text,
    name: &str,
    start_url: &str,
    region: &str,
) -> Result<Option<Plan>, String> {
    if let Some(have) = text.sso_session(name) {
        let same = have.get("sso_start_url").map(String::as_str) == Some(start_url)
            && have.get("sso_region").map(String::as_str) == Some(region);
        if same {
            return Ok(None);
        }
        return Err(format!(
            "[sso-session {name}] exists with another start URL or region; pick another name with --session"
        ));
    }
    let eol = text.eol;
    let block = vec![
        format!("[sso-session {name}]{eol}"),
        format!("sso_start_url = {start_url}{eol}"),
        format!("sso_region = {region}{eol}"),
        format!("sso_registration_scopes = sso:account:access{eol}"),
    ];
    Ok(Some(Plan {
        edits: vec![append(text, text.lines.concat().as_str(), vec![block])],
        added: vec![format!("[sso-session {name}]")],
        ..Plan::default()
    }))
}

/// A plan that turns `original` into `after` by replacing the lines between their common
/// first and last lines.
pub fn replace_middle(original: &str, after: &str) -> Plan {
    let old: Vec<&str> = original.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    Plan {
        edits: vec![Edit {
            start: head,
            end: old.len() - tail,
            lines: new[head..new.len() - tail]
                .iter()
                .map(|l| l.to_string())
                .collect(),
        }],
        ..Plan::default()
    }
}

/// The text with the plan's edits made.
pub fn apply(text: &Text, plan: &Plan) -> String {
    let mut out = String::new();
    let mut at = 0;
    for e in &plan.edits {
        for l in &text.lines[at.min(e.start)..e.start] {
            out.push_str(l);
        }
        out.extend(e.lines.iter().map(String::as_str));
        at = at.max(e.end);
    }
    for l in &text.lines[at.min(text.lines.len())..] {
        out.push_str(l);
    }
    out
}

/// A unified diff of the plan against `path`, with three lines of context (plain text: a
/// caller colours it by each line's first character).
pub fn diff(text: &Text, plan: &Plan, path: &str) -> String {
    let show = |l: &str| l.trim_end_matches(['\n', '\r']).to_string();
    let mut out = format!("--- {path}\n+++ {path} (after awsp sync)\n");
    let mut offset: isize = 0;
    for e in &plan.edits {
        let from = e.start.saturating_sub(3);
        let to = (e.end + 3).min(text.lines.len());
        // A line `e` rewrites only to add its line end shows as itself.
        let old: Vec<String> = text.lines[e.start..e.end].iter().map(|l| show(l)).collect();
        let new: Vec<String> = e.lines.iter().map(|l| show(l)).collect();
        let (common, rest) = if !old.is_empty() && new.first() == old.first() && old.len() == 1 {
            (1, 1)
        } else {
            (0, 0)
        };
        let before = e.start - from + common;
        let after = to - e.end;
        let old_len = before + old.len() - rest + after;
        let new_len = before + new.len() - common + after;
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            from + 1,
            old_len,
            (from as isize + offset + 1),
            new_len
        ));
        for l in &text.lines[from..e.start] {
            out.push_str(&format!(" {}\n", show(l)));
        }
        if common == 1 {
            out.push_str(&format!(" {}\n", old[0]));
        }
        for l in &old[rest..] {
            out.push_str(&format!("-{l}\n"));
        }
        for l in &new[common..] {
            out.push_str(&format!("+{l}\n"));
        }
        for l in &text.lines[e.end..to] {
            out.push_str(&format!(" {}\n", show(l)));
        }
        offset += e.lines.len() as isize - (e.end - e.start) as isize;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(name: &str, id: &str, role: &str) -> Wanted {
        Wanted {
            account_name: name.into(),
            account_id: id.into(),
            role_name: role.into(),
        }
    }

    const USER: &str = "# my config\n[default]\nregion = us-east-1\n\n[profile mine]  # hand-written\nregion = eu-west-1\n\n[sso-session work]\nsso_start_url = https://w.awsapps.com/start\nsso_region = us-east-1\n";

    fn sync(text: &str, wanted: &[Wanted], prune: bool) -> (String, Plan) {
        let t = Text::new(text);
        let p = plan(
            &t,
            "work",
            "us-east-1",
            DEFAULT_TEMPLATE,
            wanted,
            prune,
            &BTreeSet::new(),
        );
        (apply(&t, &p), p)
    }

    #[test]
    fn adds_then_changes_nothing_then_prunes_only_its_own() {
        let wanted = [
            w("Dev", "111111111111", "Admin"),
            w("Prod", "222222222222", "ReadOnly"),
        ];
        let (once, p) = sync(USER, &wanted, false);
        assert!(once.starts_with(USER), "the user's bytes are kept:\n{once}");
        assert_eq!(p.added, ["Dev-Admin", "Prod-ReadOnly"]);
        assert!(once.contains("\n\n[profile Dev-Admin]\nsso_session = work\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_account_name = Dev\nregion = us-east-1\nawsp_managed = work\n\n[profile Prod-ReadOnly]\n"));
        let (twice, p) = sync(&once, &wanted, false);
        assert_eq!(twice, once);
        assert!(p.is_empty() && p.unchanged == 2);
        // A hand edit inside a managed profile survives; a renamed account is updated.
        let edited = once.replace(
            "awsp_managed = work\n\n[profile Prod",
            "awsp_managed = work\noutput = json\n\n[profile Prod",
        );
        let renamed = [
            w("Development", "111111111111", "Admin"),
            w("Prod", "222222222222", "ReadOnly"),
        ];
        let (after, p) = sync(&edited, &renamed, false);
        assert_eq!(p.updated, ["Dev-Admin"]);
        assert!(after.contains("sso_account_name = Development\nregion = us-east-1\nawsp_managed = work\noutput = json\n"), "{after}");
        // A managed key deleted by hand comes back; the last line changed too: one edit.
        let cut = "[profile X]\nsso_session = work\nsso_account_id = 3\nsso_role_name = R\nawsp_managed = work\nsso_account_name = Old";
        let (fixed, p) = sync(cut, &[w("New", "3", "R")], false);
        assert_eq!(p.updated, ["X"]);
        assert_eq!(
            fixed,
            "[profile X]\nsso_session = work\nsso_account_id = 3\nsso_role_name = R\nawsp_managed = work\nsso_account_name = New\n"
        );
        // Gone upstream: stale without --prune, removed with it, the rest byte for byte.
        let (kept, p) = sync(&after, &renamed[..1], false);
        assert_eq!(
            (kept.as_str(), p.stale.as_slice()),
            (after.as_str(), &["Prod-ReadOnly".to_string()][..])
        );
        // Pruning the last profile while adding one: the edits meet at the end of the file.
        let (swapped, p) = sync(
            &after,
            &[renamed[0].clone(), w("QA", "333333333333", "T")],
            true,
        );
        assert_eq!(
            (p.added.as_slice(), p.removed.as_slice()),
            (
                &["QA-T".to_string()][..],
                &["Prod-ReadOnly".to_string()][..]
            )
        );
        assert!(swapped.ends_with("output = json\n\n[profile QA-T]\nsso_session = work\nsso_account_id = 333333333333\nsso_role_name = T\nsso_account_name = QA\nregion = us-east-1\nawsp_managed = work\n"), "{swapped}");
        assert_eq!(swapped.matches("[profile").count(), 3, "{swapped}");
        let (pruned, p) = sync(&after, &renamed[..1], true);
        assert_eq!(p.removed, ["Prod-ReadOnly"]);
        assert!(
            pruned.starts_with(USER) && !pruned.contains("Prod"),
            "{pruned}"
        );
        assert!(
            pruned.ends_with("awsp_managed = work\noutput = json\n"),
            "{pruned:?}"
        );
    }

    #[test]
    fn another_sessions_and_hand_written_profiles_are_never_touched() {
        let text = format!(
            "{USER}\n[profile Dev-Admin]\nregion = x\n\n[profile other]\nsso_session = home\nsso_account_id = 1\nsso_role_name = R\nawsp_managed = home\n"
        );
        let (out, p) = sync(&text, &[w("Dev", "111111111111", "Admin")], true);
        assert!(out.starts_with(&text));
        assert_eq!(p.added, ["Dev-Admin-111111111111"]);
        assert_eq!(
            p.collisions,
            [(
                "Dev-Admin".to_string(),
                "Dev-Admin-111111111111".to_string()
            )]
        );
        assert!(p.removed.is_empty());
    }

    #[test]
    fn names_are_safe_and_line_ends_kept() {
        let x = w("My [Team] \"Prod\"/ops: 50%", "123456789012", "Read Only");
        assert_eq!(
            profile_name(DEFAULT_TEMPLATE, "s", &x),
            "My-Team-Prod-ops-50-Read-Only"
        );
        assert_eq!(
            profile_name("{session}.{account_id}", "s", &x),
            "s.123456789012"
        );
        assert_eq!(
            profile_name("{account_name}", "s", &w("???", "1", "r")),
            "1"
        );
        assert!(!template_is_usable("{session}"));
        let crlf = USER.replace('\n', "\r\n");
        let (out, _) = sync(&crlf, &[w("Dev", "111111111111", "Admin")], false);
        assert!(
            out.starts_with(&crlf) && !out.replace("\r\n", "").contains('\n'),
            "{out:?}"
        );
        // A file without a final line end gets one before the new block.
        let (out, _) = sync("[profile a]\nregion = b", &[w("Dev", "1", "R")], false);
        assert!(
            out.starts_with("[profile a]\nregion = b\n\n[profile Dev-R]\n"),
            "{out}"
        );
    }

    #[test]
    fn the_diff_shows_what_changes() {
        let (_, p) = sync(USER, &[w("Dev", "111111111111", "Admin")], false);
        let t = Text::new(USER);
        let d = diff(&t, &p, "config");
        assert!(
            d.contains("+[profile Dev-Admin]\n+sso_session = work\n"),
            "{d}"
        );
        assert!(
            d.contains("\n sso_region = us-east-1\n+\n+[profile Dev-Admin]"),
            "{d}"
        );
        assert!(!d.contains("-sso_region"), "{d}");
    }

    #[test]
    fn sso_session_blocks_are_added_once() {
        let t = Text::new(USER);
        assert!(
            add_sso_session(&t, "work", "https://w.awsapps.com/start", "us-east-1")
                .unwrap()
                .is_none()
        );
        assert!(add_sso_session(&t, "work", "https://other/start", "us-east-1").is_err());
        let p = add_sso_session(&t, "new", "https://n.awsapps.com/start", "eu-west-1")
            .unwrap()
            .unwrap();
        let out = apply(&t, &p);
        assert!(out.starts_with(USER) && out.ends_with("\n\n[sso-session new]\nsso_start_url = https://n.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"), "{out}");
        let empty = Text::new("");
        assert_eq!(
            apply(
                &empty,
                &add_sso_session(&empty, "a", "https://a/start", "r")
                    .unwrap()
                    .unwrap()
            ),
            "[sso-session a]\nsso_start_url = https://a/start\nsso_region = r\nsso_registration_scopes = sso:account:access\n"
        );
    }
}

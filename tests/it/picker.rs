//! The picker, driven in a real terminal: tmux runs a real bash with the awsp hook loaded,
//! the test types keys, reads the screen with capture-pane, then asks that shell what its
//! environment became.

use crate::common::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A terminal running bash with the hook loaded and a clear screen, prompt `$ `.
fn bash_term(h: &Home, vars: &[(&str, &str)]) -> Term {
    bash_term_sized(h, vars, (200, 50))
}

fn bash_term_sized(h: &Home, vars: &[(&str, &str)], size: (u16, u16)) -> Term {
    let mut vars = vars.to_vec();
    vars.push(("PS1", "$ "));
    let t = Term::start(h, &vars, size, "bash --norc --noprofile");
    t.line("eval \"$(awsp init bash)\"; echo HOOK-READY");
    t.wait_for("the hook to load", |s| s.lines().any(|l| l == "HOOK-READY"));
    t.line("clear");
    t.wait_for("a clear screen", |s| s.trim() == "$");
    t
}

/// The picker's own steps, on the terminal of [`bash_term`].
impl Term {
    /// Runs `awsp ARGS` and waits for the picker to show its list. A bare `awsp` streams
    /// its rows, so a frame may come before skim has matched all it was sent: wait until
    /// the counter reads `k/k`.
    fn open_picker(&self, args: &str) -> String {
        self.line(&format!("awsp{args}"));
        self.wait_for("the picker", |s| {
            // `0/0` is the counter before skim's first search has ended.
            let caught_up = || {
                counter(s)
                    .and_then(|c| c.split_once('/').map(|(a, b)| a == b && a != "0"))
                    .unwrap_or(false)
            };
            s.contains("profile>") && !list_names(s).is_empty() && (!args.is_empty() || caught_up())
        })
    }

    /// Waits for the picker to be gone, then reads back `AWS_PROFILE` and `$?`.
    fn result(&self) -> String {
        self.wait_for("the picker to close", |s| !s.contains("profile>"));
        self.line("echo \"RESULT:${AWS_PROFILE-unset}:$?\"");
        self.result_line()
    }

    /// Waits for a line starting with `RESULT:`, returns it and clears the screen.
    fn result_line(&self) -> String {
        let s = self.wait_for("the result line", |s| {
            s.lines().any(|l| l.starts_with("RESULT:"))
        });
        let line = s.lines().find(|l| l.starts_with("RESULT:")).unwrap();
        let r = line.trim_end().to_string();
        self.line("clear");
        self.wait_for("a clear screen", |s| s.trim() == "$");
        r
    }
}

/// Profile names in the order the picker shows them: the first word of each row under
/// the NAME header (the cursor `>` and the active mark `*` stripped).
fn list_names(screen: &str) -> Vec<String> {
    let mut lines = screen.lines().skip_while(|l| !l.contains("NAME"));
    if lines.next().is_none() {
        return Vec::new();
    }
    lines
        .map(|l| l.split('│').next().unwrap_or(""))
        .map(|l| l.trim_start_matches(['>', ' ', '*']))
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

/// The picker's match counter, e.g. `1/6`.
fn counter(screen: &str) -> Option<String> {
    screen
        .lines()
        .nth(1)?
        .split_whitespace()
        .find(|w| w.contains('/'))
        .map(str::to_string)
}

/// The fixture: SSO profiles with fresh tokens (so no login runs), a static-key profile.
fn home() -> Home {
    let h = Home::new();
    h.config(SSO_CONFIG).credentials(STATIC_CREDENTIALS);
    h.token("acme", 180, false);
    h.token("https://legacy.awsapps.com/start", 180, false);
    h
}

fn history_names(h: &Home) -> Vec<(String, f64)> {
    history(&h.path(".local/state/awsp/history"))
}

#[test]
fn query_and_enter_switches() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    let s = t.open_picker("");
    assert_eq!(counter(&s).as_deref(), Some("6/6"), "{s}");
    t.type_text("prod-read");
    let s = t.wait_for("the query to filter", |s| {
        counter(s).as_deref() == Some("1/6")
    });
    assert_eq!(list_names(&s), ["prod-readonly"], "{s}");
    assert!(s.contains("profile> prod-read"), "{s}");
    t.key("Enter");
    assert_eq!(t.result(), "RESULT:prod-readonly:0");
    assert_eq!(history_names(&h), [("prod-readonly".to_string(), 1.0)]);
    // The picker never writes to stdout: what the function captures is shell code only.
    t.line("command awsp use --shell bash > out.txt; echo \"RESULT:$?\"");
    t.wait_for("the picker", |s| s.contains("profile>"));
    t.type_text("legacy");
    t.wait_for("the query", |s| counter(s).as_deref() == Some("1/6"));
    t.key("Enter");
    assert_eq!(t.result_line(), "RESULT:0");
    let out = std::fs::read_to_string(h.path("out.txt")).unwrap();
    assert!(
        !out.contains('\x1b'),
        "no terminal codes on stdout: {out:?}"
    );
    assert!(
        out.contains("AWS_PROFILE") && out.contains("legacy"),
        "{out:?}"
    );
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(awsp::shell::CODE_MARKER), "{out:?}");
    assert!(
        lines.all(|l| l.starts_with("export ") || l.starts_with("unset ")),
        "only shell code: {out:?}"
    );
}

/// The line under the prompt holds the match counter and nothing else: not skim's cursor
/// index and horizontal scroll (`0/0`, `2/0` once the cursor moves down two rows). The
/// counter follows the query and the cursor does not change it.
#[test]
fn the_status_line_is_the_match_counter_alone() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    let s = t.open_picker("");
    // The picker's side of the line: the preview pane is drawn right of `│`.
    let status = |s: &str| {
        let line = s.lines().nth(1).unwrap_or("");
        line.split('│').next().unwrap_or("").trim().to_string()
    };
    assert_eq!(status(&s), "6/6", "{s}");
    let names = list_names(&s);
    t.key("Down");
    t.key("Down");
    let s = t.wait_for("the cursor on the third row", |s| {
        s.lines().find(|l| l.starts_with('>')).and_then(|l| {
            l.trim_start_matches(['>', ' ', '*'])
                .split_whitespace()
                .next()
        }) == Some(names[2].as_str())
    });
    assert_eq!(status(&s), "6/6", "{s}");
    t.type_text("prod-read");
    let s = t.wait_for("the query to filter", |s| status(s) == "1/6");
    assert_eq!(list_names(&s), ["prod-readonly"], "{s}");
    t.type_text("zzz");
    let s = t.wait_for("no match", |s| status(s) == "0/6");
    assert!(list_names(&s).is_empty(), "{s}");
    t.key("Escape");
    assert_eq!(t.result(), "RESULT:unset:130");
}

#[test]
fn escape_and_ctrl_c_cancel_with_130_and_change_nothing() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[("AWS_PROFILE", "legacy")]);
    let s = t.open_picker("");
    assert!(s.contains("* legacy"), "the active profile is marked:\n{s}");
    t.type_text("dev");
    t.wait_for("the query", |s| s.contains("profile> dev"));
    t.key("Escape");
    assert_eq!(t.result(), "RESULT:legacy:130");
    t.open_picker("");
    t.key("C-c");
    assert_eq!(t.result(), "RESULT:legacy:130");
    assert!(
        !h.path(".local/state/awsp/history").exists(),
        "a cancelled pick records nothing"
    );
}

#[test]
fn typing_an_account_id_selects_its_profile() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    t.open_picker("");
    // Part of legacy's account id; no name contains it.
    t.type_text("33333");
    let s = t.wait_for("the account to match", |s| {
        counter(s).as_deref() == Some("1/6")
    });
    assert_eq!(list_names(&s), ["legacy"], "{s}");
    t.key("Enter");
    assert_eq!(t.result(), "RESULT:legacy:0");
    // A role name finds its row too.
    t.open_picker("");
    t.type_text("ReadOnly");
    let s = t.wait_for("the role to match", |s| {
        list_names(s).first().map(String::as_str) == Some("prod-readonly")
    });
    assert!(s.contains("ReadOnly"), "{s}");
    t.key("Enter");
    assert_eq!(t.result(), "RESULT:prod-readonly:0");
}

#[test]
fn rows_follow_frecency_then_name() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    let s = t.open_picker("");
    let by_name = [
        "default",
        "deploy",
        "dev-admin",
        "keys",
        "legacy",
        "prod-readonly",
    ];
    assert_eq!(list_names(&s), by_name, "no history: by name\n{s}");
    t.key("Escape");
    assert_eq!(t.result(), "RESULT:unset:130");
    for name in [
        "legacy",
        "prod-readonly",
        "prod-readonly",
        "prod-readonly",
        "keys",
        "keys",
    ] {
        t.line(&format!("awsp {name}"));
        assert_eq!(t.result(), format!("RESULT:{name}:0"));
    }
    let s = t.open_picker("");
    assert_eq!(
        list_names(&s),
        [
            "prod-readonly",
            "keys",
            "legacy",
            "default",
            "deploy",
            "dev-admin"
        ],
        "most often and most recently chosen first, then by name\n{s}"
    );
    assert_eq!(
        s.lines()
            .skip_while(|l| !l.contains("NAME"))
            .nth(1)
            .map(|l| l.starts_with(">")),
        Some(true),
        "the cursor starts on the first row\n{s}"
    );
    t.key("Enter");
    assert_eq!(t.result(), "RESULT:prod-readonly:0");
}

/// More profiles than a first screen holds: those rows are drawn from a pass that keeps
/// only them, and the rest stream in after a full load. The order, the last rows, their
/// previews and the switch must not tell the difference.
#[test]
fn rows_beyond_the_first_screen_stream_in_order() {
    if !have_tmux() {
        return;
    }
    let h = Home::new();
    let mut config = String::new();
    for i in 0..400 {
        config.push_str(&format!(
            "[profile s{i:03}]\nregion = eu-west-{}\nrole_arn = arn:aws:iam::{:012}:role/R{i}\nsource_profile = base\n",
            i % 3,
            100_000 + i
        ));
    }
    config.push_str("[profile base]\nregion = us-east-1\n");
    h.config(&config);
    h.credentials(
        "[base]\naws_access_key_id = AKIAEXAMPLEKEY123456\naws_secret_access_key = SECRET-KEY\n",
    );
    let t = bash_term(&h, &[]);
    // A late profile chosen twice comes first, before the name order.
    for _ in 0..2 {
        t.line("awsp s350");
        assert_eq!(t.result(), "RESULT:s350:0");
    }
    let s = t.open_picker("");
    let names = list_names(&s);
    assert_eq!(names[..4], ["s350", "base", "s000", "s001"], "{s}");
    let s = t.wait_for("every row", |s| counter(s).as_deref() == Some("401/401"));
    assert_eq!(list_names(&s)[..4], names[..4], "later rows go after\n{s}");
    // A row that came with the full load: found by its account id, previewed, chosen.
    t.type_text("000000100399");
    let s = t.wait_for("the s399 preview", |s| s.contains("s399  (assume-role)"));
    assert_eq!(list_names(&s)[0], "s399", "the best match first\n{s}");
    assert!(s.contains("source_profile = base"), "{s}");
    assert!(
        s.contains("~/.aws/config:1597"),
        "file:line of its first line\n{s}"
    );
    t.key("Enter");
    assert_eq!(t.result(), "RESULT:s399:0");
}

/// A file the SDKs cannot read fails a bare `awsp` before anything is drawn.
#[test]
fn a_broken_file_fails_before_the_picker_draws() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let mut config = SSO_CONFIG.to_string();
    config.push_str("[profile late]\nregion = x\nthis line is not a setting\n");
    h.config(&config);
    let t = bash_term(&h, &[]);
    t.line("awsp; echo \"RESULT:${AWS_PROFILE-unset}:$?\"");
    let s = t.wait_for("the result", |s| {
        s.lines().any(|l| l.starts_with("RESULT:"))
    });
    assert!(!s.contains("profile>"), "no picker\n{s}");
    let lines = config.lines().count();
    assert!(
        s.contains(&format!("config:{lines}:")),
        "the bad line's place\n{s}"
    );
    assert_eq!(t.result_line(), "RESULT:unset:1");
}

#[test]
fn one_fuzzy_match_switches_without_drawing() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    let log = h.path("pane.log");
    t.tmux(&[
        "pipe-pane",
        "-o",
        &format!("cat >> {}", sh_quote(&log.to_string_lossy())),
    ]);
    // `lgcy` is in no row as a substring, and fuzzily only in `legacy`.
    t.line("awsp lgcy");
    assert_eq!(t.result(), "RESULT:legacy:0");
    let quiet = read_log(&log);
    // Control: the same log does show the picker when it is drawn. With two matches
    // the picker opens with the query already typed.
    let s = t.open_picker(" ad");
    assert!(s.contains("profile> ad"), "{s}");
    let names = list_names(&s);
    assert!(
        names.contains(&"dev-admin".to_string()) && names.contains(&"prod-readonly".to_string()),
        "{s}"
    );
    t.key("Escape");
    assert_eq!(t.result(), "RESULT:legacy:130");
    let drawn = read_log(&log);
    const ALT_SCREEN: &str = "\x1b[?1049h";
    assert!(
        drawn.contains(ALT_SCREEN) && drawn.contains("profile>"),
        "the log captures a drawn picker"
    );
    assert!(
        !quiet.contains(ALT_SCREEN) && !quiet.contains("profile>"),
        "nothing was drawn for a single match:\n{quiet:?}"
    );
}

fn read_log(p: &Path) -> String {
    // pipe-pane writes asynchronously; give it a moment to catch up with the screen.
    std::thread::sleep(Duration::from_millis(200));
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

#[test]
fn preview_shows_settings_with_locations_and_never_secrets() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    t.open_picker("");
    t.type_text("keys");
    let s = t.wait_for("the keys preview", |s| s.contains("aws_secret_access_key"));
    assert!(s.contains("(hidden)"), "{s}");
    assert!(
        s.contains("~/.aws/credentials:3"),
        "file:line of the secret key\n{s}"
    );
    assert!(
        !s.contains("SECRET-KEY"),
        "the secret never reaches the screen\n{s}"
    );
    assert!(
        !s.contains("AKIAEXAMPLEKEY123456"),
        "the key id is shortened\n{s}"
    );
    t.key("C-u");
    t.type_text("deploy");
    let s = t.wait_for("the deploy preview", |s| s.contains("role chain"));
    assert!(s.contains("<- dev-admin"), "{s}");
    assert!(s.contains("[sso-session acme]  ~/.aws/config:17"), "{s}");
    assert!(s.contains("token     valid 2h"), "{s}");
    assert!(s.contains("source_profile = dev-admin"), "{s}");
    // `?` hides the pane and shows it again.
    t.type_text("?");
    let s = t.wait_for("the preview to hide", |s| !s.contains("role chain"));
    assert!(s.contains("profile> deploy"), "the query is unchanged\n{s}");
    t.type_text("?");
    t.wait_for("the preview to come back", |s| s.contains("role chain"));
    t.key("Escape");
    assert_eq!(t.result(), "RESULT:unset:130");
}

/// Twenty shells switching at the same moment: every name is kept, the file stays valid,
/// no temp file is left.
#[test]
fn concurrent_switches_lose_no_history() {
    let h = Home::new();
    let config: String = (0..20)
        .map(|i| format!("[profile p{i:02}]\nregion = eu-west-1\n"))
        .collect();
    h.config(&config);
    for round in 1..=2 {
        let children: Vec<_> = (0..20)
            .map(|i| {
                h.cmd(&["use", &format!("p{i:02}"), "--shell", "bash"], &[])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let names = history_names(&h);
        let want: Vec<(String, f64)> = (0..20)
            .map(|i| (format!("p{i:02}"), round as f64))
            .collect();
        assert_eq!(names, want, "round {round}");
    }
    let dir: PathBuf = h.path(".local/state/awsp");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        // The profile index, made once the config is a few seconds old.
        .filter(|n| !(n.starts_with("profiles-") && n.ends_with(".idx")))
        .collect();
    files.sort();
    assert_eq!(files, ["history", "history.lock"]);
}

#[test]
fn corrupt_history_is_rebuilt_and_state_home_is_honoured() {
    let h = Home::new();
    h.config("[profile a]\n[profile b]\n");
    let state = h.path("state");
    h.write(
        "state/awsp/history",
        "{\"version\":1,\"entries\":[{\"name\":",
    );
    let xdg = state.to_string_lossy().into_owned();
    let vars = [("XDG_STATE_HOME", xdg.as_str())];
    // A corrupt history costs the order, not the picker.
    h.run(&["list", "--names"], &vars).expect(0);
    h.run(&["use", "b", "--shell", "bash"], &vars).expect(0);
    let file = state.join("awsp/history");
    let kept = std::fs::read_to_string(&file).unwrap();
    assert!(
        kept.contains("\nb\t1\t"),
        "b is recorded on a line of its own: {kept}"
    );
    // Rewritten clean on compaction: pad past the bound with valid lines.
    let pad = "a\t1\t1\n".repeat(12_000);
    std::fs::write(&file, format!("{kept}{pad}")).unwrap();
    h.run(&["use", "b", "--shell", "bash"], &vars).expect(0);
    let names: Vec<String> = history(&file).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(
        !h.path(".local/state/awsp").exists(),
        "XDG_STATE_HOME moves the history"
    );
}

/// At 80 and at 60 columns the token state, the reason to look, is drawn whole on every
/// row; long account names and roles are cut (`…`) but still matched on.
#[test]
fn narrow_terminals_keep_the_token_column() {
    if !have_tmux() {
        return;
    }
    let h = Home::new();
    h.config(
        "[profile production-eu-west-administrator]\nsso_session = acme\nsso_account_id = 111111111111\n\
         sso_account_name = acme-production-europe-main\nsso_role_name = AWSAdministratorAccess\n\
         region = ap-southeast-2\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\n\
         sso_region = us-east-1\n[profile short]\nregion = us-east-1\n",
    );
    h.token("acme", 200, false);
    for cols in [80, 60] {
        let t = bash_term_sized(&h, &[], (cols, 24));
        let s = t.open_picker("");
        let row = s
            .lines()
            .find(|l| l.contains("production-eu"))
            .unwrap_or_else(|| panic!("{cols}: no row\n{s}"));
        assert!(
            row.contains("valid 3h"),
            "{cols}: the token is cut: {row:?}\n{s}"
        );
        assert!(
            row.contains('…') && row.contains("111111111111"),
            "{cols}: {row:?}"
        );
        // A query on what was cut from the screen still finds the row.
        t.type_text("europe-main");
        let s = t.wait_for("the match", |s| counter(s).as_deref() == Some("1/2"));
        assert!(s.contains("production-eu"), "{cols}\n{s}");
        t.key("Enter");
        assert_eq!(
            t.result(),
            "RESULT:production-eu-west-administrator:0",
            "{cols}"
        );
    }
}

/// At a terminal a switch ends with one line saying where it went; `AWSP_QUIET=1` keeps it
/// quiet. A query that named another profile says what it meant.
#[test]
fn a_switch_at_a_terminal_says_where_it_went() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    t.line("awsp dev-admin");
    assert_eq!(t.result(), "RESULT:dev-admin:0");
    let t = bash_term(&h, &[]);
    t.line("awsp prod-read");
    // Both lines: the first also holds `→ prod-readonly`.
    let s = t.wait_for("the switch line", |s| {
        s.lines().any(|l| l.starts_with("→ prod-readonly"))
    });
    assert!(s.contains("awsp: prod-read → prod-readonly"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.starts_with("→ prod-readonly 222222222222/ReadOnly us-west-2 ")),
        "{s}"
    );
    let t = bash_term(&h, &[("AWSP_QUIET", "1")]);
    t.line("awsp dev-admin; echo DONE");
    let s = t.wait_for("the switch", |s| s.contains("DONE"));
    assert!(!s.contains('→'), "{s}");
}

/// A query nothing matches, even fuzzily, says so at a terminal too, with the near names,
/// instead of opening an empty picker; a fuzzy one (`dvadm`) opens the picker on it.
#[test]
fn a_query_nothing_matches_says_so_at_a_terminal() {
    if !have_tmux() {
        return;
    }
    let h = home();
    let t = bash_term(&h, &[]);
    t.line("awsp dev-admiz; echo \"RC:$?\"");
    let s = t.wait_for("the error", |s| s.lines().any(|l| l.starts_with("RC:")));
    assert!(s.contains("did you mean: dev-admin"), "{s}");
    assert!(s.contains("\nRC:1") && !s.contains("profile>"), "{s}");
    let s = t.open_picker(" dvadm");
    assert_eq!(
        list_names(&s).first().map(String::as_str),
        Some("dev-admin"),
        "{s}"
    );
}

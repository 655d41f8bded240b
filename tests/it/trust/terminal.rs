//! Hostile input: terminal. Values planted in the config file, the credentials file, the
//! token cache, file paths and the environment hold escape sequences a terminal acts on
//! (OSC 52 writes the clipboard, OSC 0 sets the window title, CSI 2 J clears the screen, and
//! U+009B is CSI in one byte), a right-to-left override, DEL, CR and BEL. Whatever awsp
//! writes for a person shows them as visible escapes; its JSON holds them escaped and
//! parses back to exactly what was planted.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// Every kind of control at once, inside text that stays readable around it.
const PAYLOAD: &str =
    "acct\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07\x1b[2J\u{9b}2J\u{202e}gnp.exe\x7f\rX\x07";
/// How the clipboard write in [`PAYLOAD`] is shown.
const SHOWN_OSC52: &str = "\\x1b]52;c;cHduZWQ=\\x07";
/// A profile name the environment may hold, though no file could.
const ENV_PROFILE: &str = "ev\x1b]0;title\x07il\u{202e}\u{9b}31m";

/// A config that plants [`PAYLOAD`] wherever the grammar lets a value be free text: an
/// account name, a role, a region, an `sso_session` naming no block, a legacy start URL,
/// an sso-session's start URL. Names are restricted to `A-Za-z0-9_-/.%@:+`, so the header
/// with controls is one the SDKs ignore and doctor reports.
fn config() -> String {
    let p = PAYLOAD;
    format!(
        "[profile evil]
sso_session = s
sso_account_id = 111111111111
sso_account_name = {p}
sso_role_name = Role{p}
region = eu{p}

[profile ghost]
sso_session = nosuch{p}
sso_account_id = 222222222222
sso_role_name = R

[profile legacy]
sso_start_url = https://legacy/start{p}
sso_region = us-east-1
sso_account_id = 333333333333
sso_role_name = R

[profile bad\x1b[2J\u{9b}name\u{202e}x]
region = x

[sso-session s]
sso_start_url = https://x/start{p}
sso_region = us-east-1
"
    )
}

/// A HOME with [`config`], a credentials profile whose region is planted, and a token for
/// sso-session `s` whose own fields hold [`PAYLOAD`].
fn planted() -> Home {
    let h = Home::new();
    h.config(&config());
    h.credentials(&format!(
        "[keys]\naws_access_key_id = AKIAEXAMPLEKEY123456\naws_secret_access_key = x\nregion = {PAYLOAD}\n"
    ));
    let exp = chrono::Utc::now() + chrono::Duration::hours(2);
    let token = serde_json::json!({
        "accessToken": format!("tok{PAYLOAD}"),
        "expiresAt": exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": PAYLOAD,
        "startUrl": PAYLOAD,
    });
    let file = format!(
        ".aws/sso/cache/{}.json",
        awsp::aws::sha1::hex("s".as_bytes())
    );
    h.write(&file, &token.to_string());
    h
}

struct Out {
    args: Vec<String>,
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Out {
    /// Fails, with everything awsp said, unless it exited with `code`.
    fn expect_code(self, code: i32) -> Out {
        assert_eq!(
            self.code,
            code,
            "awsp {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr)
        );
        self
    }

    fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).unwrap()
    }
    fn stderr(&self) -> &str {
        std::str::from_utf8(&self.stderr).unwrap()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "awsp {:?}: stdout is not JSON ({e}):\n{}",
                self.args,
                String::from_utf8_lossy(&self.stdout)
            )
        })
    }
}

/// Runs awsp with `vars` (and `NO_COLOR`, and pipes: no colour codes either way), killed
/// and failed if it takes more than 20 seconds. Both streams are checked with [`clean`].
fn run(home: &Home, args: &[&str], vars: &[(&str, &str)]) -> Out {
    let out = run_raw(home, args, vars, true);
    clean(&format!("awsp {args:?} stdout"), &out.stdout);
    clean(&format!("awsp {args:?} stderr"), &out.stderr);
    out
}

fn run_raw(home: &Home, args: &[&str], vars: &[(&str, &str)], no_color: bool) -> Out {
    let mut cmd = home.cmd(args, vars);
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("awsp {args:?} did not finish in 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Out {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Whether a terminal would act on `c`, or reorder text around it: C0 but the line feed
/// that separates lines, DEL, C1, and the bidirectional controls.
fn acts_on(c: char) -> bool {
    (c < ' ' && c != '\n')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Fails when `bytes` hold anything a terminal acts on, byte by byte (a lone C1 byte is not
/// UTF-8, and is caught too).
fn clean(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {bytes:?}"));
    if let Some((i, c)) = text.char_indices().find(|(_, c)| acts_on(*c)) {
        panic!("{what}: {c:?} at byte {i}:\n{text:?}");
    }
}

#[test]
fn human_outputs_show_planted_controls_as_escapes() {
    let h = planted();
    let evil = [("AWS_PROFILE", "evil")];
    let list = run(&h, &["list"], &evil).expect_code(0);
    assert!(list.stdout().contains(SHOWN_OSC52), "{}", list.stdout());
    assert!(
        list.stdout().contains("\\u{202e}gnp.exe\\x7f\\x0dX"),
        "{}",
        list.stdout()
    );
    // Cells are measured as shown: every row's token state starts under TOKEN.
    let lines: Vec<&str> = list.stdout().lines().collect();
    let col = lines[0].find("TOKEN").unwrap();
    assert_eq!(lines.len(), 5, "{}", list.stdout());
    for l in &lines[1..] {
        assert!(
            ["valid", "missing", "static keys", "no session \""]
                .iter()
                .any(|t| l.get(col..).is_some_and(|rest| rest.starts_with(t))),
            "{}",
            list.stdout()
        );
    }
    let status = run(&h, &["status"], &evil).expect_code(0);
    assert!(status.stdout().contains(SHOWN_OSC52), "{}", status.stdout());
    let current = run(&h, &["current"], &evil).expect_code(0);
    assert!(
        current.stdout().contains(SHOWN_OSC52),
        "{}",
        current.stdout()
    );
    let doctor = run(&h, &["doctor"], &evil);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout());
    assert!(doctor.stdout().contains(SHOWN_OSC52), "{}", doctor.stdout());
    assert!(
        doctor.stdout().contains("bad\\x1b[2J\\u{9b}name\\u{202e}x"),
        "{}",
        doctor.stdout()
    );
    // The fix that adds the missing block keeps its own line breaks.
    assert!(
        doctor.stdout().contains(&format!(
            "[sso-session nosuch{}]\n       sso_start_url",
            "acct\\x1b]52;c;cHduZWQ=\\x07\\x1b]0;pwned\\x07\\x1b[2J\\u{9b}2J\\u{202e}gnp.exe\\x7f\\x0dX\\x07"
        )),
        "{}",
        doctor.stdout()
    );
    // With colour forced off by nothing but a pipe, still no escape of any kind.
    let piped = run_raw(&h, &["list"], &evil, false);
    clean("awsp list (colour allowed) stdout", &piped.stdout);
}

#[test]
fn json_outputs_escape_planted_controls_and_round_trip_them() {
    let h = planted();
    let p = PAYLOAD;
    let evil = [("AWS_PROFILE", "evil")];

    let list = run(&h, &["list", "--json"], &evil).expect_code(0);
    // The characters serde_json leaves alone are written as \u escapes.
    for esc in ["\\u007f", "\\u009b", "\\u202e", "\\u001b", "\\u0007", "\\r"] {
        assert!(list.stdout().contains(esc), "{esc} in {}", list.stdout());
    }
    let rows = list.json();
    let by_name = |n: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .unwrap_or_else(|| panic!("no {n} in {rows}"))
            .clone()
    };
    let e = by_name("evil");
    assert_eq!(e["account_name"], p);
    assert_eq!(e["role_name"], format!("Role{p}"));
    assert_eq!(e["region"], format!("eu{p}"));
    assert_eq!(e["sso_start_url"], format!("https://x/start{p}"));
    assert_eq!(e["token_state"], "valid");
    assert_eq!(by_name("ghost")["sso_session"], format!("nosuch{p}"));
    assert_eq!(
        by_name("legacy")["sso_start_url"],
        format!("https://legacy/start{p}")
    );
    assert_eq!(by_name("keys")["region"], p);

    let current = run(&h, &["current", "--json"], &evil).expect_code(0).json();
    assert_eq!(current["region"], format!("eu{p}"));
    let setting = |k: &str| {
        current["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == k)
            .map(|s| s["value"].clone())
    };
    assert_eq!(setting("sso_account_name"), Some(p.into()));
    let current = run(&h, &["current", "--json"], &[("AWS_PROFILE", ENV_PROFILE)])
        .expect_code(0)
        .json();
    assert_eq!(current["profile"], ENV_PROFILE);

    let status = run(&h, &["status", "--json"], &evil).expect_code(0).json();
    let names = json_names(&status);
    assert!(names.contains(&format!("nosuch{p}").as_str()), "{names:?}");
    assert!(
        names.contains(&format!("https://legacy/start{p}").as_str()),
        "{names:?}"
    );
    let s = status
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "s")
        .unwrap();
    assert_eq!(s["start_url"], format!("https://x/start{p}"));

    let doctor = run(&h, &["doctor", "--json"], &[("AWS_PROFILE", ENV_PROFILE)]);
    assert_eq!(doctor.code, 1);
    let findings = doctor.json();
    let texts: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            ["message", "location", "fix"].map(|k| f[k].as_str().unwrap_or("").to_string())
        })
        .collect();
    for planted in [
        format!("nosuch{p}"),
        "bad\x1b[2J\u{9b}name\u{202e}x".to_string(),
        ENV_PROFILE.to_string(),
    ] {
        assert!(
            texts.iter().any(|t| t.contains(&planted)),
            "{planted:?} not in {texts:?}"
        );
    }
}

#[test]
fn environment_values_and_paths_are_shown_safe() {
    let h = planted();
    let bad_path = h.path(&format!("conf{PAYLOAD}"));
    let bad_path = bad_path.to_str().unwrap();
    let vars = [
        ("AWS_PROFILE", ENV_PROFILE),
        ("AWS_REGION", PAYLOAD),
        ("AWS_DEFAULT_REGION", PAYLOAD),
        ("AWS_CONFIG_FILE", bad_path),
        ("AWS_SHARED_CREDENTIALS_FILE", bad_path),
        ("AWSP_PREVIOUS", ENV_PROFILE),
        ("AWSP_LOGIN_MARGIN", PAYLOAD),
    ];
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["status"],
        &["status", "--json"],
        &["current"],
        &["current", "--json"],
        &["doctor"],
        &["doctor", "--json"],
        &["prompt"],
        &["prompt", "--shell", "bash"],
        &["prompt", "--shell", "bash", "--cache"],
        &["prompt", "--shell", "zsh"],
        &["prompt", "--shell", "fish"],
    ] {
        run(&h, args, &vars);
    }
    let list = run(&h, &["list"], &vars);
    assert!(
        list.stderr().contains("conf") && list.stderr().contains(SHOWN_OSC52),
        "{}",
        list.stderr()
    );
    let current = run(&h, &["current"], &vars);
    assert!(
        current
            .stdout()
            .contains("ev\\x1b]0;title\\x07il\\u{202e}\\u{9b}31m"),
        "{}",
        current.stdout()
    );

    // Errors quote what was asked for: an unknown query, a previous profile that is gone.
    let query = format!("x{PAYLOAD}");
    for args in [
        &["use", query.as_str(), "--shell", "bash"][..],
        &["use", "-", "--shell", "bash"],
        &["use", ENV_PROFILE, "--shell", "bash"],
        &["login", query.as_str()],
        &[query.as_str()],
    ] {
        let out = run(&h, args, &vars);
        assert_ne!(out.code, 0, "{args:?}");
        assert!(out.stderr().starts_with("awsp: "), "{}", out.stderr());
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout());
    }
    // A switch that needs a login it cannot do names the planted session in its error.
    for name in ["ghost", "legacy"] {
        let margin = [("AWSP_LOGIN_MARGIN", PAYLOAD)];
        let out = run(&h, &["use", name, "--shell", "bash"], &margin);
        assert_ne!(out.code, 0);
        assert!(out.stderr().contains(SHOWN_OSC52), "{}", out.stderr());
    }
}

#[test]
fn prompt_segment_carries_no_planted_control() {
    let h = planted();
    let vars = [("AWS_PROFILE", "evil"), ("AWS_REGION", PAYLOAD)];
    for shell in [
        None,
        Some("bash"),
        Some("zsh"),
        Some("fish"),
        Some("powershell"),
    ] {
        for cache in [false, true] {
            let mut args = vec!["prompt"];
            if let Some(s) = shell {
                args.extend(["--shell", s]);
            }
            if cache {
                args.push("--cache");
            }
            let out = run(&h, &args, &vars);
            assert!(
                out.stdout().starts_with("evil acct?]52;c;"),
                "{args:?}: {}",
                out.stdout()
            );
            assert!(out.stderr.is_empty());
            // With colour, the only escapes are awsp's own SGR codes (and readline's
            // \x01 \x02 around them for bash's variable).
            let coloured = run_raw(&h, &args, &vars, false);
            let mut text = String::from_utf8(coloured.stdout).unwrap();
            for code in ["32", "33", "1;31", "0"] {
                text = text.replace(&format!("\x1b[{code}m"), "");
            }
            let text = text.replace(['\x01', '\x02'], "");
            clean(&format!("{args:?} with colour"), text.as_bytes());
        }
    }
}

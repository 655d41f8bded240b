//! Where the AWS CLI and the SDKs read the same files differently: awsp's model of the
//! CLI's reader (`awsp::aws::ini::cli`) checked against Python's own `configparser`, and
//! what `list`, `current` and `use` show for each difference.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use awsp::aws::ini::cli::{self, CliErrorKind, CliFile};
use serde_json::{Value, json};

use crate::common::*;

/// `python3`, or `None` (with a printed reason) where it is missing; under `CI=true` a
/// missing Python fails the test.
fn python() -> Option<PathBuf> {
    let found = std::env::var("PATH").ok().and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("python3"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "python3 is missing; CI must compare with Python's configparser"
        );
        eprintln!("SKIP: python3 not found; the configparser comparison did not run");
    }
    found
}

/// For each file: what `RawConfigParser().read([path])` raises (the exception's class
/// name), or the sections with every option `get` returns (`[DEFAULT]`'s included), and
/// `[DEFAULT]`'s own. The files are read as botocore reads them: from a path, so that
/// Python's universal newlines apply.
const ORACLE: &str = r#"
import configparser, json, sys
out = []
for path in json.load(sys.stdin):
    cp = configparser.RawConfigParser()
    try:
        cp.read([path], encoding="utf-8")
    except configparser.Error as e:
        out.append({"error": type(e).__name__})
        continue
    out.append({
        "sections": [[s, {o: cp.get(s, o) for o in cp.options(s)}] for s in cp.sections()],
        "defaults": dict(cp.defaults()),
    })
json.dump(out, sys.stdout)
"#;

/// What Python raises first for a file the model refuses: the errors it raises on the
/// spot (duplicates, a line before any header) win over `ParsingError`, which it raises
/// after the last line.
fn python_error(f: &CliFile) -> Option<&'static str> {
    let raw: Vec<_> = f
        .errors
        .iter()
        .filter(|e| !matches!(e.kind, CliErrorKind::Nested { .. }))
        .collect();
    let at_once = raw.iter().find_map(|e| match e.kind {
        CliErrorKind::DuplicateSection { .. } => Some("DuplicateSectionError"),
        CliErrorKind::DuplicateOption { .. } => Some("DuplicateOptionError"),
        CliErrorKind::MissingSectionHeader => Some("MissingSectionHeaderError"),
        _ => None,
    });
    at_once.or_else(|| (!raw.is_empty()).then_some("ParsingError"))
}

fn model_json(f: &CliFile) -> Value {
    if let Some(e) = python_error(f) {
        return json!({ "error": e });
    }
    let sections: Vec<Value> = f
        .sections
        .iter()
        .map(|s| {
            let mut opts = serde_json::Map::new();
            for d in &f.defaults {
                opts.insert(d.key.clone(), json!(d.value));
            }
            for o in &s.options {
                opts.insert(o.key.clone(), json!(o.value));
            }
            json!([s.name, opts])
        })
        .collect();
    let defaults: serde_json::Map<String, Value> = f
        .defaults
        .iter()
        .map(|d| (d.key.clone(), json!(d.value)))
        .collect();
    json!({ "sections": sections, "defaults": defaults })
}

/// The cases written by hand: every way the two readers part that awsp knows.
const CASES: &[&str] = &[
    "[ profile sp ]\nregion = us-east-1\n",
    "[   profile foo    ]\nname = value\n[profile bar]",
    "[DEFAULT]\nregion = eu-west-1\n[profile a]\n[profile b]\nregion = us-east-1\n",
    "[default]\nregion = a\n[DEFAULT]\nregion = b\n",
    "[Default]\nx = 1\n[DEFAULT]\ny = 2\n",
    "[DEFAULT]\nk = 1\n[DEFAULT]\nj = 2\n[a]\n",
    "[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n",
    "[profile a] junk\nregion = x\n",
    "[profile a] # see [x]\nregion = x\n",
    "[profile a]\n  [profile b]\nregion = x\n",
    "[profile a]\n\tregion = us-east-1\n",
    "[profile a]\n\tregion = us-east-1\n  [profile b]\n",
    "[profile a]\nregion: us-east-1\n",
    "[profile a]\ns3:x = y\n",
    "[profile a#b]\nregion = x\n",
    "[profile a;b]\n",
    "[]\nk = v\n",
    "[a]\n[]\n",
    "[profile a]\nk = v\nK = w\n",
    "[profile a]\nk = v\n[profile a]\nj = w\n",
    "[profile a]\nk = v\n[profile  a]\nj = w\n",
    "[profile a]\nk = %(x)s and 100%\n",
    "[profile a]\nk = v # c\nj = v;c\n",
    "[profile a]\nk = v\n\n  after blank\n",
    "[profile a]\nk = v\n# c\n  after comment\n",
    "[profile a]\ns3 =\n  a = 1\n\n  b = 2\n",
    "[profile a]\ns3 =\n  no equals\n",
    "k = v\n[profile a]\n",
    "# c\n\n[profile a]\nkey\n",
    "[profile a]\n= v\n",
    "[profile a]\nk = v\r\n  cont\r\n",
    "[profile a]\rk = v\r",
    "[profile a]\nk = one\rtwo = 2\n",
    "[profile\u{a0}a]\nk = v\n",
    "[profile a]\nk\u{a0}= v\n",
    "\u{feff}[profile a]\n",
    "[profile \"a b\"]\n[sso-session 'x y']\n[profiles typo]\n",
    "[profile a]\n  k = v\n  j = w\n",
    "[profile a]\n  k = v\n    cont\n  j = w\n",
];

/// Lines that combine into many more files: each kind of header, property, continuation,
/// comment and blank, well and badly written.
const PIECES: &[&str] = &[
    "[profile a]",
    "[ profile b ]",
    "  [profile c]",
    "[DEFAULT]",
    "[default]",
    "[a] x",
    "[]",
    "region = us-east-1",
    "\tregion = eu-west-1",
    "Region: x",
    "k = v # c",
    "s3 =",
    "  sub = 1",
    "  cont",
    "\tcont",
    "",
    "  ",
    "# comment",
    "  ; comment",
    "key",
    "= v",
    "k = %(region)s",
];

/// Lines both readers accept, for files that differ only in what they mean.
const WELL_FORMED: &[&str] = &[
    "[profile a]",
    "[ profile a ]",
    "[profile  a]",
    "[profile b] # c",
    "[profile b] # [c]",
    "[DEFAULT]",
    "[default]",
    "[profile default]",
    "[ default ]",
    "[b]",
    "[ b ]",
    "[sso-session s]",
    "region = r1",
    "region = r2",
    "output = json",
    "",
    "# c",
];

fn generated() -> Vec<String> {
    generate(PIECES, 0x2545_f491_4f6c_dd1d)
}

fn generate(pieces: &[&str], seed: u64) -> Vec<String> {
    // A fixed linear congruential sequence: the same files on every run.
    let mut x: u64 = seed;
    let mut next = || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (x >> 33) as usize
    };
    (0..400)
        .map(|_| {
            let n = 1 + next() % 8;
            (0..n)
                .map(|_| pieces[next() % pieces.len()])
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Every file the comparisons run on: the hand-written cases and the generated ones.
fn corpus() -> Vec<String> {
    CASES
        .iter()
        .map(|s| s.to_string())
        .chain(generated())
        .chain(generate(WELL_FORMED, 7))
        .collect()
}

/// Python's `configparser` is the AWS CLI's reader: the model must agree with it on every
/// file, on whether the file is read and on every section, key and value.
#[test]
fn the_cli_model_reads_as_python_does() {
    let Some(python) = python() else { return };
    let h = Home::new();
    let texts = corpus();
    let paths: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = h.path(&format!("case{i}"));
            std::fs::write(&p, t).unwrap();
            p.to_string_lossy().into_owned()
        })
        .collect();
    let mut child = Command::new(python)
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &paths).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let python: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut wrong = Vec::new();
    for (text, want) in texts.iter().zip(&python) {
        let got = model_json(&cli::read(text));
        if &got != want {
            wrong.push(format!("{text:?}\n  python: {want}\n  model:  {got}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        texts.len(),
        wrong.join("\n")
    );
}

/// A profile whose header has spaces inside the brackets: the SDKs (and the spec suite)
/// read it, the AWS CLI does not. `list` keeps it and says so; `use` switches and warns.
#[test]
fn a_profile_only_the_sdks_find() {
    let h = Home::new();
    h.config("[ profile sp ]\nregion = us-east-1\n[profile ok]\nregion = eu-west-1\n");
    let v = h.json(&["list", "--json"], &[]);
    let by = |n: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by("sp")["region"], "us-east-1");
    assert_eq!(by("sp")["aws_cli"]["found"], false);
    assert_eq!(
        by("ok")["aws_cli"],
        Value::Null,
        "read alike: nothing to say"
    );
    let r = h.run(&["list"], &[]).expect(0);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("  sp ")),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("the AWS CLI will not find profile `sp`: it reads `[ profile sp ]` at ")
            && r.stderr.contains(".aws/config:1"),
        "{}",
        r.stderr
    );
    // The switch happens (the SDKs read it), with one line on stderr.
    let r = h
        .run(&["use", "sp", "--shell", "bash", "--no-login"], &[])
        .expect(0);
    assert!(r.stdout.contains("export AWS_PROFILE='sp'"), "{}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("awsp: warning: the AWS CLI will not find profile `sp`")
    );
    let r = h
        .run(&["use", "ok", "--shell", "bash", "--no-login"], &[])
        .expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = h.run(&["current"], &[("AWS_PROFILE", "sp")]).expect(0);
    assert!(
        r.stdout
            .contains("warning: the AWS CLI will not find this profile"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("\"The config profile (sp) could not be found\"")
    );
    let v = h.json(&["current", "--json"], &[("AWS_PROFILE", "sp")]);
    assert_eq!(v["aws_cli"]["found"], false);
}

/// `[DEFAULT]`: Python's parser gives its keys to every section of its file and lists no
/// section of that name; botocore then lays the credentials file over the config file.
#[test]
fn default_sections_as_the_cli_reads_them() {
    let h = Home::new();
    h.config("[DEFAULT]\nregion = eu-west-1\noutput = json\n[profile a]\n[profile b]\nregion = us-east-2\n");
    h.credentials("[DEFAULT]\nregion = ap-south-1\n[b]\naws_access_key_id = AKIAEXAMPLE\n");
    let v = h.json(&["list", "--json"], &[]);
    let arr = v.as_array().unwrap();
    let by = |n: &str| arr.iter().find(|p| p["name"] == n).unwrap();
    // The SDKs: no region for `a`, `b`'s own; a profile `DEFAULT` from the credentials file.
    assert_eq!(json_names(&v), ["DEFAULT", "a", "b"]);
    assert_eq!(by("a")["region"], Value::Null);
    assert_eq!(by("a")["aws_cli"]["region"], "eu-west-1");
    assert_eq!(
        by("a")["aws_cli"]["from_default"],
        json!(["output", "region"])
    );
    assert_eq!(by("b")["region"], "us-east-2");
    assert_eq!(by("b")["aws_cli"]["region"], "ap-south-1");
    assert_eq!(by("DEFAULT")["aws_cli"]["found"], false);
    let r = h.run(&["list"], &[]).expect(0);
    let row = r.stdout.lines().find(|l| l.starts_with("  b ")).unwrap();
    assert!(
        row.contains("us-east-2 (aws cli: ap-south-1)"),
        "{}",
        r.stdout
    );
    let r = h.run(&["current"], &[("AWS_PROFILE", "a")]).expect(0);
    assert!(
        r.stdout
            .contains("aws cli: region eu-west-1 (the SDKs use -"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("output = json") && l.contains("(AWS CLI: from [DEFAULT])")),
        "{}",
        r.stdout
    );
    let v = h.json(&["current", "--json"], &[("AWS_PROFILE", "b")]);
    assert_eq!(v["region"], "us-east-2");
    assert_eq!(v["aws_cli"]["region"], "ap-south-1");
    // `[Default]` and `[default]` are ordinary sections: nothing of the kind.
    h.config("[Default]\nregion = x\n[default]\nregion = y\n");
    h.credentials("");
    let v = h.json(&["list", "--json"], &[]);
    assert_eq!(json_names(&v), ["default"]);
    assert_eq!(v[0]["aws_cli"], Value::Null);
}

/// What `list`, `current` and `use` say of the AWS CLI comes from facts the SDK parser
/// records as it goes; they must agree with the full model of the CLI's reader on which
/// profiles the CLI finds and with what region.
#[test]
fn the_parser_facts_agree_with_the_cli_model() {
    use awsp::aws::ini::{self, FileKind};
    use awsp::aws::model::Config;
    use std::sync::Arc;
    let mut checked = 0;
    let texts = corpus();
    for text in &texts {
        for kind in [FileKind::Config, FileKind::Credentials] {
            let Ok(parsed) = ini::parse(text, kind, Arc::new("f".into())) else {
                continue;
            };
            let model = cli::read(text);
            if !model.readable() {
                continue;
            }
            let (cfg, cred) = match kind {
                FileKind::Config => (parsed, ini::ParsedFile::default()),
                FileKind::Credentials => (ini::ParsedFile::default(), parsed),
            };
            let mut config = Config::merge(cfg, cred);
            config.config_path = if kind == FileKind::Config {
                "f"
            } else {
                "other"
            }
            .into();
            config.credentials_path = if kind == FileKind::Credentials {
                "f"
            } else {
                "other"
            }
            .into();
            let found = model.map(kind, false);
            for name in config.profiles.keys() {
                let view = config.cli_view(name);
                let missing = view.as_ref().is_some_and(|v| v.missing);
                assert_eq!(
                    !missing,
                    found.contains_key(name),
                    "{kind:?} {name:?} in {text:?}"
                );
                if let Some(&i) = found.get(name) {
                    let want = model
                        .value(&model.sections[i], "region")
                        .map(|o| o.value.as_str());
                    let got = match &view {
                        Some(v) => v.region.as_deref(),
                        None => config.profiles[name].get("region"),
                    };
                    // Values differ where a comment follows them (`cli-inline-comment`).
                    if !text.contains(" #") && !text.contains(" ;") {
                        assert_eq!(
                            got,
                            want.filter(|r| !r.is_empty()),
                            "{kind:?} {name:?} in {text:?}"
                        );
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} profiles compared");
}

/// doctor reads any file, as either file, without failing itself: every generated case
/// gives a JSON report and exit 0 or 1.
#[test]
fn doctor_reports_on_every_case() {
    let h = Home::new();
    let texts: Vec<String> = CASES
        .iter()
        .map(|s| s.to_string())
        .chain(generated().into_iter().step_by(10))
        .chain(generate(WELL_FORMED, 7).into_iter().step_by(10))
        .collect();
    for text in &texts {
        h.config(text).credentials(text);
        std::fs::set_permissions(
            h.path(".aws/credentials"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let r = h.run(&["doctor", "--json"], &[]);
        assert!(
            r.code == 0 || r.code == 1,
            "{text:?}: {}{}",
            r.stdout,
            r.stderr
        );
        let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert!(v.is_array());
    }
}

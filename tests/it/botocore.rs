//! botocore itself as the oracle. A Python with botocore (`AWSP_BOTOCORE_PYTHON`, else
//! `target/botocore-venv/bin/python`, which `.ci/run` makes) runs `botocore_oracle.py` on
//! the same files as awsp, and the two must reach the same profile list, region per profile
//! and SSO token verdict, except where a case lists what differs and the botocore behaviour
//! behind it. Without that Python the tests skip with a printed reason; under CI=true they
//! fail instead.
//!
//! Token verdicts, botocore's outcome (what its credential provider, token loader and
//! refresher do when the profile's credentials are asked for) and the state awsp must show:
//!
//! | botocore | awsp |
//! |---|---|
//! | `valid`: sends the cached access token | `valid` |
//! | `refreshed`: sends a refresh the service accepts | `refreshable` |
//! | `expired`: finds the token expired, sends nothing | `expired` |
//! | `missing`: its cache has no JSON under that key | `missing` with no file; `unreadable` when the file is there but is not JSON to Python |
//! | `rejected`: the service refuses the (empty) access token | `unreadable` |
//! | `error`: fails with anything else | `unreadable` |

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use awsp::aws::sso;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde_json::{Value as Json, json};

use crate::common::*;

const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/botocore_oracle.py");

/// The Python that has botocore, or None (after printing why) outside CI.
pub fn python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let py = std::env::var_os("AWSP_BOTOCORE_PYTHON")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/botocore-venv/bin/python")
                });
            let found = Command::new(&py)
                .args(["-c", "import botocore, dateutil"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if found {
                return Some(py);
            }
            let why = format!(
                "{} cannot import botocore (set AWSP_BOTOCORE_PYTHON, or run .ci/run, which makes target/botocore-venv)",
                py.display()
            );
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}; CI must run the botocore oracle");
            }
            eprintln!("SKIP: {why}; the botocore oracle did not run");
            None
        })
        .as_deref()
}

/// The environment both awsp and botocore run with in `h`.
fn files_env(h: &Home) -> Vec<(String, String)> {
    let mut env = h.base_env();
    for (var, rel) in [
        ("AWS_CONFIG_FILE", ".aws/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    ] {
        env.push((var.into(), h.path(rel).to_string_lossy().into()));
    }
    // botocore's region lookup may otherwise ask the instance metadata service.
    env.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    env
}

/// Runs the driver in `mode` with `stdin`, and parses what it printed.
pub fn oracle(py: &Path, h: &Home, mode: &str, stdin: &str) -> Json {
    let mut child = Command::new(py)
        .args([DRIVER, mode])
        .env_clear()
        .envs(files_env(h))
        .current_dir(&h.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the oracle starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the oracle prints JSON")
}

/// What awsp made of the files: each command's JSON, or its error.
struct Awsp {
    /// `list --json`: name → (region, token state).
    list: Result<BTreeMap<String, Row>, String>,
    /// `list --names`.
    names: Result<Vec<String>, String>,
    /// `status --json`: profile → the state and token file of the session it is listed under.
    status: Result<BTreeMap<String, (String, String)>, String>,
}

/// A profile's region and token state in `list --json`.
type Row = (Option<String>, Option<String>);

fn awsp(h: &Home) -> Awsp {
    let env = files_env(h);
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = |args: &[&str]| {
        let r = h.run(args, &vars);
        match r.code {
            0 => Ok(r.stdout),
            1 => Err(r.stderr),
            _ => panic!("awsp {args:?}: exit {}\n{}", r.code, r.stderr),
        }
    };
    let str_of = |v: &Json| v.as_str().map(str::to_string);
    let parse = |out: &str| -> Json { serde_json::from_str(out).unwrap() };
    Awsp {
        list: run(&["list", "--json"]).map(|out| {
            let rows = parse(&out);
            rows.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let name = r["name"].as_str().unwrap().to_string();
                    (name, (str_of(&r["region"]), str_of(&r["token_state"])))
                })
                .collect()
        }),
        names: run(&["list", "--names"]).map(|out| out.lines().map(str::to_string).collect()),
        status: run(&["status", "--json"]).map(|out| {
            let mut by_profile = BTreeMap::new();
            for s in parse(&out).as_array().unwrap() {
                for p in s["profiles"].as_array().unwrap() {
                    by_profile.insert(
                        p.as_str().unwrap().to_string(),
                        (
                            s["state"].as_str().unwrap().to_string(),
                            s["token_file"].as_str().unwrap_or_default().to_string(),
                        ),
                    );
                }
            }
            by_profile
        }),
    }
}

/// The awsp token state that stands for botocore's `outcome` (the table at the top);
/// `file_exists` tells the two meanings of botocore's `missing` apart.
fn awsp_state_for(outcome: &str, file_exists: bool) -> &'static str {
    match outcome {
        "valid" => "valid",
        "refreshed" => "refreshable",
        "expired" => "expired",
        "missing" if !file_exists => "missing",
        "missing" | "rejected" | "error" => "unreadable",
        other => panic!("unknown botocore outcome {other}"),
    }
}

// ---- the files: profile list and region ----------------------------------------------------

/// A file case. `differs` lists what may differ between awsp and botocore, each with the
/// botocore behaviour behind it: `reading` (one of the two reads the files, the other
/// refuses them), `profiles` (both read them, into different profile lists), `region NAME`
/// (both list NAME, with different regions), `token NAME` (different verdicts on its token).
struct Case {
    name: &'static str,
    config: &'static str,
    credentials: &'static str,
    /// Empty: awsp and botocore agree on everything.
    differs: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "the standard SSO config and static keys",
        config: SSO_CONFIG,
        credentials: STATIC_CREDENTIALS,
        differs: &[],
    },
    Case {
        name: "credentials-only profiles",
        config: "",
        credentials: "[default]\naws_access_key_id = A\naws_secret_access_key = S\n\n[ci]\naws_access_key_id = B\naws_secret_access_key = S\nregion = eu-north-1\n",
        differs: &[],
    },
    Case {
        name: "[profile default] beside [default]",
        config: "[default]\nregion = us-east-1\noutput = text\n\n[profile default]\nregion = eu-west-3\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "the same profile in both files",
        config: "[profile both]\nregion = ap-south-1\n\n[default]\nregion = us-east-2\n",
        credentials: "[both]\naws_access_key_id = A\naws_secret_access_key = S\n\n[default]\nregion = us-west-1\n",
        differs: &[],
    },
    Case {
        name: "credentials-file region beside a config-file profile",
        config: "[profile p]\noutput = json\n",
        credentials: "[p]\nregion = sa-east-1\n",
        differs: &[],
    },
    Case {
        name: "sub-properties and a key after them",
        config: "[profile p]\ns3 =\n  addressing_style = path\n  max_concurrent_requests = 20\nregion = eu-central-1\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "a continuation line",
        config: "[profile p]\nregion = us-east-1\n  more\n[profile q]\nregion = us-west-2\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "whole-line comments and a comment after a header",
        config: "# top\n; top\n[profile p] # after the header\n# inside\nregion = ca-central-1\n; end\n",
        credentials: "# only a comment\n",
        differs: &[],
    },
    Case {
        name: "odd but valid names",
        config: "[profile a.b-c_d]\nregion = r1\n[profile team/app@prod]\nregion = r2\n[profile a:b+c%d]\nregion = r3\n[profile 0]\nregion = r4\n",
        credentials: "[X_Y.z]\naws_access_key_id = A\naws_secret_access_key = S\n",
        differs: &[],
    },
    Case {
        name: "names that differ in case only",
        config: "[profile Dev]\nregion = r1\n[profile dev]\nregion = r2\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "keys in upper case, spaces around =",
        config: "[profile p]\nREGION=eu-west-2\nOutput   =   json\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "an empty region",
        config: "[profile q]\nregion =\n[profile r]\nregion = us-east-1\n",
        credentials: "",
        differs: &[(
            "region q",
            "botocore takes the empty text as the region (and then builds no valid \
             endpoint); awsp shows no region",
        )],
    },
    Case {
        name: "a percent sign and quotes in values",
        config: "[profile p]\nregion = %(x)s\n[profile q]\nregion = \"us-east-1\"\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "headers that are no profile",
        config: "[profile]\nregion = r1\n[profilex]\nregion = r2\n[preview]\nregion = r3\n[sso-session s]\nsso_region = us-east-1\n[services x]\ns3 =\n  endpoint_url = http://localhost\n[profile p]\nregion = r4\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "empty files",
        config: "",
        credentials: "",
        differs: &[],
    },
    // ---- where the SDK grammar and Python's RawConfigParser part ----
    Case {
        name: "[ profile sp ] (spaces inside the brackets)",
        config: "[ profile sp ]\nregion = r1\n[profile ok]\nregion = r2\n",
        credentials: "",
        differs: &[(
            "profiles",
            "RawConfigParser keeps the spaces, so the section ' profile sp ' starts with no \
             'profile' and botocore has no profile sp; the SDKs trim them and have one",
        )],
    },
    Case {
        name: "[DEFAULT] in the config file",
        config: "[DEFAULT]\nregion = r0\n[profile a]\noutput = json\n[profile b]\nregion = rb\n",
        credentials: "",
        differs: &[(
            "region a",
            "RawConfigParser gives [DEFAULT]'s keys to every section that lacks them, so \
             botocore's profile a has region r0",
        )],
    },
    Case {
        name: "[DEFAULT] in the credentials file",
        config: "[profile a]\nregion = r1\n",
        credentials: "[DEFAULT]\nregion = r2\n[b]\naws_access_key_id = A\naws_secret_access_key = S\n",
        differs: &[
            (
                "profiles",
                "RawConfigParser lists no DEFAULT section: botocore has no profile DEFAULT",
            ),
            (
                "region b",
                "RawConfigParser gives [DEFAULT]'s keys to every section of that file, so \
                 botocore's b has region r2",
            ),
        ],
    },
    Case {
        name: "text after ]",
        config: "[profile a] trailing\nregion = r1\n[profile b]\nregion = r2\n",
        credentials: "",
        differs: &[(
            "reading",
            "RawConfigParser ignores what follows the closing bracket; the SDKs reject the file",
        )],
    },
    Case {
        name: "a tab-indented first property",
        config: "[profile a]\n\tregion = r1\n",
        credentials: "",
        differs: &[(
            "reading",
            "RawConfigParser strips the indentation of a section's first line; the SDKs \
             read it as a continuation with nothing to continue, and reject the file",
        )],
    },
    Case {
        name: "an indented header under a property",
        // Both read the indented line as a continuation of region (no profile b).
        config: "[profile a]\nregion = r1\n  [profile b]\noutput = json\n",
        credentials: "",
        differs: &[],
    },
    Case {
        name: "key: value",
        config: "[profile a]\nregion: r1\n",
        credentials: "",
        differs: &[(
            "reading",
            "RawConfigParser accepts ':' as a separator; the SDKs reject the file",
        )],
    },
    Case {
        name: "inline comments",
        config: "[profile a]\nregion = r1 ;c\n[profile b]\nregion = r2 # c\n[profile c]\nregion = r3;c\n",
        credentials: "",
        differs: &[
            (
                "region a",
                "RawConfigParser keeps ' ;c' in the value; the SDKs drop a comment after a space",
            ),
            (
                "region b",
                "RawConfigParser keeps ' # c' in the value; the SDKs drop a comment after a space",
            ),
        ],
    },
    Case {
        name: "a quoted name with a space",
        config: "[profile \"a b\"]\nregion = r1\n[profile c]\nregion = r3\n",
        credentials: "",
        differs: &[(
            "profiles",
            "botocore splits the header like a shell and has a profile 'a b'; the SDKs \
             ignore the section for its invalid name",
        )],
    },
    Case {
        name: "[profile x] in the credentials file",
        config: "[profile x]\nregion = r1\n",
        credentials: "[profile x]\nregion = r2\n",
        differs: &[(
            "profiles",
            "botocore takes credentials-file section names as they are: a profile named \
             'profile x'",
        )],
    },
    Case {
        name: "a section given twice",
        config: "[profile a]\nregion = r1\n[profile a]\noutput = json\n",
        credentials: "",
        differs: &[(
            "reading",
            "RawConfigParser (strict) refuses a duplicate section: botocore fails on the file",
        )],
    },
    Case {
        name: "a key given twice",
        config: "[profile a]\nregion = r1\nregion = r2\n",
        credentials: "",
        differs: &[(
            "reading",
            "RawConfigParser (strict) refuses a duplicate key: botocore fails on the file",
        )],
    },
    Case {
        name: "names outside the SDKs' character set",
        config: "[profile a=b]\nregion = r1\n[profile caf\u{e9}]\nregion = r2\n[profile ok]\nregion = r3\n",
        credentials: "",
        differs: &[(
            "profiles",
            "botocore takes any name; the SDKs ignore sections with '=' or non-ASCII names",
        )],
    },
];

#[test]
fn botocore_reads_the_files_as_awsp_says() {
    let Some(py) = python() else { return };
    let mut failures = Vec::new();
    let (mut whole, mut listed) = (0, 0);
    for case in CASES {
        let h = Home::new();
        h.config(case.config).credentials(case.credentials);
        if case.config == SSO_CONFIG {
            h.token("acme", 120, false);
            h.token("https://legacy.awsapps.com/start", -60, false);
        }
        let found = differences(&oracle(py, &h, "files", ""), &awsp(&h));
        check_listed(case.name, &found, case.differs, &mut failures);
        if found.is_empty() {
            whole += 1;
        } else {
            listed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "awsp and botocore differ:\n{}",
        failures.join("\n")
    );
    assert!(whole >= 14, "only {whole} configs agree wholly");
    eprintln!(
        "botocore oracle: {} configs, {whole} agree wholly, {listed} differ only as listed",
        CASES.len()
    );
}

/// Fails each difference `found` that `listed` does not name; notes each listed one that
/// did not happen (awsp now agrees with botocore there).
fn check_listed(
    case: &str,
    found: &[(String, String)],
    listed: &[(&str, &str)],
    failures: &mut Vec<String>,
) {
    for (key, what) in found {
        if !listed.iter().any(|(k, _)| k == key) {
            failures.push(format!("{case}: {key}: {what}"));
        }
    }
    for (key, why) in listed {
        if !found.iter().any(|(k, _)| k == key) {
            eprintln!("NOTE: {case}: awsp now agrees with botocore on {key} ({why})");
        }
    }
}

/// Each way awsp's commands differ from botocore, as (key, what): the keys of [`Case`].
fn differences(boto: &Json, ours: &Awsp) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut push = |key: String, what: String| {
        if !found.iter().any(|(k, _)| *k == key) {
            found.push((key, what));
        }
    };
    let boto_err = boto["error"].as_str();
    let mut boto_names: Vec<String> = boto["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    boto_names.sort();
    let views = [
        (
            "list --json",
            ours.list
                .as_ref()
                .map(|l| l.keys().cloned().collect::<Vec<_>>()),
        ),
        (
            "list --names",
            ours.names.as_ref().map(|n| {
                let mut n = n.clone();
                n.sort();
                n
            }),
        ),
    ];
    for (cmd, view) in views {
        match (view, boto_err) {
            (Err(e), None) => push(
                "reading".into(),
                format!("awsp {cmd} fails ({}), botocore reads", e.trim()),
            ),
            (Ok(_), Some(e)) => push(
                "reading".into(),
                format!("botocore fails ({e}), awsp {cmd} reads"),
            ),
            (Ok(names), None) if names != boto_names => push(
                "profiles".into(),
                format!("awsp {cmd}: {names:?}, botocore: {boto_names:?}"),
            ),
            _ => {}
        }
    }
    let Ok(list) = &ours.list else { return found };
    for (name, (region, state)) in list {
        if let Some(r) = boto["regions"].get(name)
            && r.as_str() != region.as_deref()
        {
            push(
                format!("region {name}"),
                format!("awsp {region:?}, botocore {r}"),
            );
        }
        let Some(verdict) = boto["tokens"].get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let outcome = verdict["outcome"].as_str().unwrap();
        let status = ours.status.as_ref().ok().and_then(|s| s.get(name));
        let file_exists = status.is_some_and(|(_, file)| Path::new(file).exists());
        let want = awsp_state_for(outcome, file_exists);
        let detail = verdict["detail"].as_str().unwrap_or("");
        if state.as_deref() != Some(want) {
            push(
                format!("token {name}"),
                format!("list says {state:?}, botocore {outcome} (awsp {want}) {detail}"),
            );
        }
        if status.map(|(s, _)| s.as_str()) != Some(want) {
            push(
                format!("token {name}"),
                format!("status says {status:?}, botocore {outcome} (awsp {want}) {detail}"),
            );
        }
    }
    found
}

// ---- the token cache: one verdict per file -------------------------------------------------

/// A token file (None: no file) judged twice, for an sso-session profile and for a legacy
/// start-URL profile. `differs`: the botocore behaviour where awsp's verdict may differ.
struct TokenCase {
    name: &'static str,
    file: Option<Vec<u8>>,
    differs: Option<&'static str>,
}

/// `now + minutes` as the CLI writes it.
fn z(now: DateTime<Utc>, minutes: i64) -> String {
    (now + Duration::minutes(minutes))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `now + minutes` written with `format` on the clock of UTC`±offset` minutes.
fn on_clock(now: DateTime<Utc>, minutes: i64, offset: i32, format: &str) -> String {
    let zone = FixedOffset::east_opt(offset * 60).unwrap();
    (now + Duration::minutes(minutes))
        .with_timezone(&zone)
        .format(format)
        .to_string()
}

/// A token file: an access token, `expiresAt`, and the `extra` members (set or replaced).
fn tok(expires_at: Json, extra: &[(&str, Json)]) -> Option<Vec<u8>> {
    let mut t = json!({
        "startUrl": "https://example.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": "ACCESS",
        "expiresAt": expires_at,
    });
    for (k, v) in extra {
        t[*k] = v.clone();
    }
    Some(t.to_string().into_bytes())
}

fn token_cases(now: DateTime<Utc>) -> Vec<TokenCase> {
    let at = |m| Json::from(z(now, m));
    let clock = |m, off, fmt| Json::from(on_clock(now, m, off, fmt));
    let live: Vec<(&str, Json)> = vec![
        ("refreshToken", "REFRESH".into()),
        ("clientId", "client".into()),
        ("clientSecret", "SECRET".into()),
        ("registrationExpiresAt", at(60 * 24 * 60)),
    ];
    let live_with = |k: &'static str, v: Json| {
        let mut l = live.clone();
        l.retain(|(key, _)| *key != k);
        l.push((k, v));
        l
    };
    let case = |name, file| TokenCase {
        name,
        file,
        differs: None,
    };
    let raw = |text: String| Some(text.into_bytes());
    let reg_no_zone = clock(60 * 24 * 60, 0, "%Y-%m-%dT%H:%M:%S");
    vec![
        case("valid", tok(at(120), &[])),
        case("valid, refreshable later", tok(at(120), &live)),
        case("due, with a live refresh", tok(at(5), &live)),
        case("due, nothing to refresh with", tok(at(5), &[])),
        case("expired, with a live refresh", tok(at(-60), &live)),
        case("expired", tok(at(-60), &[])),
        case(
            "expired, registration ended",
            tok(at(-60), &live_with("registrationExpiresAt", at(-1))),
        ),
        case(
            "due, registration ended",
            tok(at(5), &live_with("registrationExpiresAt", at(-1))),
        ),
        case(
            "due, registration with no zone",
            tok(
                at(5),
                &live_with("registrationExpiresAt", reg_no_zone.clone()),
            ),
        ),
        case(
            "due, registration not a time",
            tok(at(5), &live_with("registrationExpiresAt", "never".into())),
        ),
        case(
            "due, registration a number",
            tok(at(5), &live_with("registrationExpiresAt", 1.into())),
        ),
        case(
            "not due, registration not a time",
            tok(at(120), &live_with("registrationExpiresAt", "never".into())),
        ),
        case(
            "expired, registration with no zone",
            tok(at(-60), &live_with("registrationExpiresAt", reg_no_zone)),
        ),
        case(
            "due, refreshToken empty",
            tok(at(5), &live_with("refreshToken", "".into())),
        ),
        case(
            "expired, refreshToken empty",
            tok(at(-60), &live_with("refreshToken", "".into())),
        ),
        case(
            "expired, clientSecret empty",
            tok(at(-60), &live_with("clientSecret", "".into())),
        ),
        case(
            "due, refreshToken null",
            tok(at(5), &live_with("refreshToken", Json::Null)),
        ),
        case(
            "due, clientId a number",
            tok(at(5), &live_with("clientId", 7.into())),
        ),
        case("expired, no refreshToken", tok(at(-60), &live[1..])),
        case(
            "accessToken empty",
            tok(at(120), &[("accessToken", "".into())]),
        ),
        case(
            "accessToken empty, expired",
            tok(at(-60), &[("accessToken", "".into())]),
        ),
        case(
            "accessToken empty, expired, live refresh",
            tok(at(-60), &live_with("accessToken", "".into())),
        ),
        case(
            "accessToken a number",
            tok(at(120), &[("accessToken", 5.into())]),
        ),
        case(
            "accessToken null",
            tok(at(120), &[("accessToken", Json::Null)]),
        ),
        case(
            "accessToken an object",
            tok(at(120), &[("accessToken", json!({"a": 1}))]),
        ),
        case(
            "accessToken a number, due, live refresh",
            tok(at(5), &live_with("accessToken", 5.into())),
        ),
        case(
            "no accessToken",
            raw(format!(r#"{{"expiresAt":"{}"}}"#, z(now, 120))),
        ),
        case("no expiresAt", raw(r#"{"accessToken":"ACCESS"}"#.into())),
        case("expiresAt null", tok(Json::Null, &[])),
        case(
            "expiresAt a number",
            tok((now.timestamp() + 7200).into(), &[]),
        ),
        case(
            "expiresAt with a seconds field of 60",
            tok(clock(120, 0, "%Y-%m-%dT%H:%M:60Z"), &[]),
        ),
        case(
            "expiresAt with no zone",
            tok(clock(120, 0, "%Y-%m-%dT%H:%M:%S"), &[]),
        ),
        case(
            "expiresAt a date alone",
            tok(clock(60 * 48, 0, "%Y-%m-%d"), &[]),
        ),
        case(
            "expiresAt February 30th",
            tok("2099-02-30T00:00:00Z".into(), &[]),
        ),
        case(
            "expiresAt +0000",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%S+0000"), &[]),
        ),
        case(
            "expiresAt +00:00",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%S+00:00"), &[]),
        ),
        // Read as UTC, these two would be 90 minutes past.
        case(
            "expiresAt -02",
            tok(clock(30, -120, "%Y-%m-%dT%H:%M:%S-02"), &[]),
        ),
        case(
            "expiresAt -0200",
            tok(clock(30, -120, "%Y-%m-%dT%H:%M:%S-0200"), &[]),
        ),
        // Read as UTC, this would be 5h20m ahead.
        case(
            "expiresAt +05:30, expired",
            tok(clock(-10, 330, "%Y-%m-%dT%H:%M:%S+05:30"), &[]),
        ),
        case(
            "expiresAt -02, due, live refresh",
            tok(clock(10, -120, "%Y-%m-%dT%H:%M:%S-02"), &live),
        ),
        case(
            "expiresAt ' +02:00', expired",
            tok(clock(-30, 120, "%Y-%m-%dT%H:%M:%S +02:00"), &[]),
        ),
        case(
            "expiresAt UTC",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%SUTC"), &[]),
        ),
        case(
            "expiresAt ' UTC'",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%S UTC"), &[]),
        ),
        case(
            "expiresAt GMT",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%SGMT"), &[]),
        ),
        case(
            "expiresAt ' GMT', expired",
            tok(clock(-30, 0, "%Y-%m-%dT%H:%M:%S GMT"), &[]),
        ),
        case(
            "expiresAt with no seconds",
            tok(clock(30, 0, "%Y-%m-%dT%H:%MZ"), &[]),
        ),
        case(
            "expiresAt with nanoseconds",
            tok(clock(30, 0, "%Y-%m-%dT%H:%M:%S%.9fZ"), &[]),
        ),
        case(
            "expiresAt in lower case",
            tok(clock(30, 0, "%Y-%m-%dt%H:%M:%Sz"), &[]),
        ),
        case(
            "expiresAt with a space for T",
            tok(clock(30, 0, "%Y-%m-%d %H:%M:%SZ"), &[]),
        ),
        case(
            "expiresAt with white space around",
            tok(clock(30, 0, " %Y-%m-%dT%H:%M:%SZ\n"), &[]),
        ),
        TokenCase {
            name: "expiresAt UTC+02",
            // Read as two hours behind UTC: the clock says now + 30 min, botocore reads now + 2h30.
            file: tok(clock(30, 0, "%Y-%m-%dT%H:%M:%SUTC+02"), &[]),
            differs: Some(
                "dateutil reads a zone name followed by an offset as POSIX does, with the sign reversed; awsp refuses the text (unreadable)",
            ),
        },
        TokenCase {
            name: "expiresAt in the compact form",
            file: tok(clock(120, 0, "%Y%m%dT%H%M%SZ"), &[]),
            differs: Some(
                "dateutil reads 20240101T000000Z; awsp refuses the compact form (unreadable)",
            ),
        },
        TokenCase {
            name: "expiresAt with hours alone",
            file: tok(clock(180, 0, "%Y-%m-%dT%HZ"), &[]),
            differs: Some("dateutil reads a time of hours alone; awsp refuses it (unreadable)"),
        },
        case(
            "a key given twice: the last counts",
            raw(format!(
                r#"{{"accessToken":5,"expiresAt":"never","accessToken":"ACCESS","expiresAt":"{}"}}"#,
                z(now, 120)
            )),
        ),
        case(
            "an escaped key",
            raw(format!(
                r#"{{"access\u0054oken":"ACCESS","expiresAt":"{}"}}"#,
                z(now, 120)
            )),
        ),
        case(
            "a JSON array",
            raw(format!(
                r#"[{{"accessToken":"ACCESS","expiresAt":"{}"}}]"#,
                z(now, 120)
            )),
        ),
        case(
            "a JSON text holding both names",
            raw(r#""accessToken expiresAt""#.into()),
        ),
        case("not JSON", raw("{\"accessToken\": \"ACC".into())),
        case(
            "a byte-order mark",
            raw(format!(
                "\u{feff}{{\"accessToken\":\"ACCESS\",\"expiresAt\":\"{}\"}}",
                z(now, 120)
            )),
        ),
        case(
            "not UTF-8",
            Some(
                [
                    &b"{\"accessToken\":\"A\xff\",\"expiresAt\":\""[..],
                    z(now, 120).as_bytes(),
                    b"\"}",
                ]
                .concat(),
            ),
        ),
        TokenCase {
            name: "NaN in another member",
            file: raw(format!(
                r#"{{"accessToken":"ACCESS","expiresAt":"{}","extra":NaN}}"#,
                z(now, 120)
            )),
            differs: Some(
                "Python's json module reads the non-standard NaN; awsp's JSON reader refuses the file (unreadable)",
            ),
        },
        case("no file", None),
    ]
}

#[test]
fn botocore_judges_tokens_as_awsp_does() {
    let Some(py) = python() else { return };
    let h = Home::new();
    let now = Utc::now();
    let cases = token_cases(now);
    let mut config = String::new();
    for (i, c) in cases.iter().enumerate() {
        let url = format!("https://l{i}.example.com/start");
        config += &format!(
            "[sso-session v{i}]\nsso_start_url = https://v{i}.example.com/start\nsso_region = us-east-1\n\n\
             [profile s{i}]\nsso_session = v{i}\nsso_account_id = 111111111111\nsso_role_name = Role\n\n\
             [profile l{i}]\nsso_start_url = {url}\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Role\n\n"
        );
        if let Some(bytes) = &c.file {
            for key in [format!("v{i}"), url] {
                let file = h.path(&format!(
                    ".aws/sso/cache/{}.json",
                    awsp::aws::sha1::hex(key.as_bytes())
                ));
                std::fs::write(file, bytes).unwrap();
            }
        }
    }
    h.config(&config);
    let boto = oracle(py, &h, "files", "");
    assert!(boto["error"].is_null(), "{}", boto["error"]);
    let found = differences(&boto, &awsp(&h));
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let keys = [format!("token s{i}"), format!("token l{i}")];
        let mine: Vec<(String, String)> = found
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .cloned()
            .collect();
        let listed: Vec<(&str, &str)> = match c.differs {
            Some(why) => keys.iter().map(|k| (k.as_str(), why)).collect(),
            None => Vec::new(),
        };
        check_listed(c.name, &mine, &listed, &mut failures);
    }
    let other: Vec<_> = found
        .iter()
        .filter(|(k, _)| !k.starts_with("token "))
        .collect();
    assert!(other.is_empty(), "{other:?}");
    assert!(
        failures.is_empty(),
        "awsp and botocore judge tokens differently:\n{}",
        failures.join("\n")
    );
    // The corpus reaches every outcome botocore has.
    let outcomes: std::collections::BTreeSet<&str> = boto["tokens"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes.into_iter().collect::<Vec<_>>(),
        [
            "error",
            "expired",
            "missing",
            "refreshed",
            "rejected",
            "valid"
        ],
    );
    eprintln!(
        "botocore oracle: {} token files, each judged for an sso-session and a legacy profile: \
         the same verdicts but for {} listed",
        cases.len(),
        cases.iter().filter(|c| c.differs.is_some()).count()
    );
}

// ---- timestamps ----------------------------------------------------------------------------

/// Texts awsp refuses (`sso::parse_time` gives none, so the token is `unreadable`), with
/// whether botocore reads them as a time with a zone, and how.
const REFUSED: &[(&str, bool, &str)] = &[
    (
        "2024-01-01T00:00:60Z",
        false,
        "dateutil: second must be in 0..59",
    ),
    (
        "2024-01-01T24:00:00Z",
        false,
        "dateutil: hour must be in 0..23",
    ),
    (
        "2024-01-01T00:60:00Z",
        false,
        "dateutil: minute must be in 0..59",
    ),
    (
        "2024-02-30T00:00:00Z",
        false,
        "dateutil: day is out of range for month",
    ),
    (
        "0000-01-01T00:00:00Z",
        false,
        "dateutil: year 0 is out of range",
    ),
    (
        "2024-01-01T00:00:00+24:00",
        false,
        "Python: an offset must be under 24 hours",
    ),
    (
        "2024-01-01T00:00:00",
        false,
        "no zone: botocore cannot subtract it from an aware now",
    ),
    (
        "2024-01-01T00:00:00 EST",
        false,
        "a zone name dateutil does not know: no zone",
    ),
    ("2024-01-01T00:00:00UT", false, "UT is no zone to dateutil"),
    (
        "2024-01-01T00:00:00utc",
        false,
        "dateutil knows UTC in capitals only",
    ),
    ("2024-01-01", false, "a date alone has no zone"),
    (
        "2024-01-01T00:00:00.Z",
        false,
        "dateutil: an empty fraction is unknown",
    ),
    (
        "2024-01-01T00:00:00+00:00Z",
        false,
        "dateutil: two zones are unknown",
    ),
    (
        "1704067200",
        false,
        "dateutil reads the digits as a year and refuses it",
    ),
    ("", false, "dateutil: nothing to read"),
    (
        "2024-01-01T00:00:00UTC+02",
        true,
        "read as two hours behind UTC: the sign reversed, as POSIX has it",
    ),
    (
        "2024-01-01T00:00:00Z+02",
        true,
        "read as two hours behind UTC",
    ),
    ("2024-01-01T00:00:00+01:60", true, "read as +02:00"),
    ("2024-01-01T00:00:00+0", true, "a one-digit offset"),
    ("20240101T000000Z", true, "the compact form"),
    ("2024-01-01T00Z", true, "hours alone"),
    ("2024-1-1T0:0:0Z", true, "one-digit fields"),
    ("Mon, 01 Jan 2024 00:00:00 GMT", true, "the mail form"),
    (
        "2024-01-01T00:00:00 +0000 (UTC)",
        true,
        "a comment after the offset",
    ),
    ("2024-01-01T00:00:00\tZ", true, "a tab before the zone"),
    ("2024-01-01T00:00:00  Z", true, "two spaces before the zone"),
    ("12:00Z", true, "a time alone, on today's date"),
];

/// Every combination of the forms awsp reads.
fn accepted_forms() -> Vec<String> {
    let dates = [
        "2024-03-04",
        "1999-12-31",
        "2024-02-29",
        "0999-01-02",
        "0001-01-01",
        "9999-12-31",
    ];
    let times = [
        "05:06",
        "05:06:07",
        "05:06:07.5",
        "05:06:07,25",
        "23:59:59.123456789",
        "00:00:00.000001",
    ];
    let zones = [
        "Z", "z", "UTC", "GMT", "+00", "+0000", "+00:00", "-00:00", "+02", "-0230", "+05:30",
        "-23:59", "+23:59",
    ];
    let mut out = Vec::new();
    for d in dates {
        for sep in ["T", "t", " "] {
            for t in times {
                for space in ["", " "] {
                    for zone in zones {
                        out.push(format!("{d}{sep}{t}{space}{zone}"));
                    }
                }
            }
        }
    }
    out.push(" \t2024-03-04T05:06:07Z\r\n".into());
    out
}

#[test]
fn botocore_reads_timestamps_as_awsp_does() {
    let Some(py) = python() else { return };
    let accepted = accepted_forms();
    // Small edits of accepted texts: whatever awsp still reads, botocore must read alike.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let alphabet: Vec<char> = "0123456789:+-.,TtZzUCGM \t".chars().collect();
    let mut mutated = Vec::new();
    for _ in 0..4000 {
        let mut s: Vec<char> = accepted[next(accepted.len())].chars().collect();
        for _ in 0..=next(2) {
            let i = next(s.len());
            match next(3) {
                0 => {
                    s.remove(i);
                }
                1 => s.insert(i, alphabet[next(alphabet.len())]),
                _ => s[i] = alphabet[next(alphabet.len())],
            }
        }
        mutated.push(s.into_iter().collect::<String>());
    }
    let texts: Vec<&str> = accepted
        .iter()
        .chain(&mutated)
        .map(String::as_str)
        .chain(REFUSED.iter().map(|r| r.0))
        .collect();
    let h = Home::new();
    let boto = oracle(py, &h, "times", &serde_json::to_string(&texts).unwrap());
    let boto = boto.as_array().unwrap();
    assert_eq!(boto.len(), texts.len());
    let mut failures = Vec::new();
    let (mut agreed, mut refused_read) = (0, 0);
    for (i, (text, b)) in texts.iter().zip(boto).enumerate() {
        let ours = sso::parse_time(text).map(|t| t.timestamp_micros());
        let theirs = b.as_i64();
        if i < accepted.len() && ours.is_none() {
            failures.push(format!("{text:?}: awsp refuses a form it should read"));
        }
        match ours {
            Some(t) if theirs != Some(t) => {
                failures.push(format!("{text:?}: awsp reads {t} µs, botocore {theirs:?}"))
            }
            Some(_) => agreed += 1,
            None if theirs.is_some() => refused_read += 1,
            None => {}
        }
    }
    for ((text, reads, why), b) in REFUSED.iter().zip(&boto[texts.len() - REFUSED.len()..]) {
        if sso::parse_time(text).is_some() {
            failures.push(format!("{text:?}: awsp reads it ({why})"));
        }
        if b.is_i64() != *reads {
            failures.push(format!(
                "{text:?}: botocore reads it: {} ({why})",
                b.is_i64()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "botocore oracle: {} timestamps, {agreed} read alike, {refused_read} that botocore reads refused by awsp",
        texts.len()
    );
}

//! The AWS-written suites under ../shared/spec. They fail when CI=true and the folder is
//! missing; elsewhere they skip with a printed reason.

use crate::common::skip;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use awsp::aws::ini::{self, FileKind, Value};
use awsp::aws::model::Config;
use awsp::aws::sso::{self, TokenKey};
use awsp::env::Env;
use serde_json::Value as Json;

fn spec_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing; CI must run the AWS spec suites",
            dir.display()
        );
    }
    skip(&format!(
        "{} not found; the AWS spec suites did not run",
        dir.display()
    ));
    None
}

fn load(name: &str) -> Option<Json> {
    let path = spec_dir()?.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap())
}

fn to_json(props: &ini::Props) -> Json {
    let mut m = serde_json::Map::new();
    for (k, p) in props.iter() {
        let v = match &p.value {
            Value::Text(t) => Json::String(t.clone()),
            Value::Sub(sub) => Json::Object(
                sub.iter()
                    .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                    .collect(),
            ),
        };
        m.insert(k.to_string(), v);
    }
    Json::Object(m)
}

#[test]
fn config_file_parser_suite() {
    let Some(suite) = load("config-file-parser-tests.json") else {
        return;
    };
    let tests = suite["tests"].as_array().unwrap();
    let mut failures = Vec::new();
    for (i, t) in tests.iter().enumerate() {
        let input = &t["input"];
        let parse = |key: &str, kind| {
            let text = input[key].as_str();
            match text {
                None => Ok(ini::ParsedFile::default()),
                Some(s) => ini::parse(s, kind, Arc::new(key.into())),
            }
        };
        let result = parse("configFile", FileKind::Config)
            .and_then(|c| Ok((c, parse("credentialsFile", FileKind::Credentials)?)));
        let out = &t["output"];
        let name = t["name"].as_str().unwrap();
        match (result, out.get("errorContaining")) {
            (Err(e), Some(want)) => {
                if !e.message.contains(want.as_str().unwrap()) {
                    failures.push(format!("#{i} {name}: error {:?} lacks {want}", e.message));
                }
            }
            (Err(e), None) => failures.push(format!("#{i} {name}: unexpected error {e}")),
            (Ok(_), Some(want)) => failures.push(format!("#{i} {name}: expected error {want}")),
            (Ok((c, r)), None) => {
                let merged = Config::merge(c, r);
                let profiles = merged
                    .profiles
                    .iter()
                    .map(|(n, p)| (n.clone(), to_json(&p.props)));
                let sessions = merged
                    .sso_sessions
                    .iter()
                    .map(|(n, s)| (n.clone(), to_json(&s.props)));
                for (key, got) in [
                    ("profiles", Json::Object(profiles.collect())),
                    ("ssoSessions", Json::Object(sessions.collect())),
                ] {
                    if let Some(want) = out.get(key).filter(|want| **want != got) {
                        failures.push(format!("#{i} {name}: {key}\n  want {want}\n  got  {got}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        tests.len(),
        failures.join("\n")
    );
    eprintln!(
        "config-file-parser-tests.json: {} of {} passed",
        tests.len(),
        tests.len()
    );
}

#[test]
fn config_file_location_suite() {
    let Some(suite) = load("config-file-location-tests.json") else {
        return;
    };
    // Paths compare with either separator: a Windows case's `C:\\users\\user` joined with
    // `.aws` on this platform has a `/` before `.aws`.
    let same = |a: PathBuf, b: &str| a.to_string_lossy().replace('\\', "/") == b.replace('\\', "/");
    let mut ran = [0, 0];
    for t in suite["tests"].as_array().unwrap() {
        let windows = t["platform"] == "windows";
        let vars: Vec<(String, String)> = t["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let fallback = t["languageSpecificHome"]
            .as_str()
            .filter(|h| *h != "ignored")
            .map(PathBuf::from);
        let mut env = Env::fake(vars).with_fallback_home(fallback);
        if windows {
            env = env.on_windows();
        }
        let name = t["name"].as_str().unwrap();
        for (got, want) in [
            (env.config_file(), &t["configLocation"]),
            (env.credentials_file(), &t["credentialsLocation"]),
        ] {
            let want = want.as_str().unwrap();
            assert!(
                same(got.clone(), want),
                "{name}: {} != {want}",
                got.display()
            );
        }
        if let Some(p) = t["profile"].as_str() {
            assert_eq!(env.selected_profile().0, p, "{name}");
        }
        ran[usize::from(windows)] += 1;
    }
    assert_eq!(
        ran,
        [5, 6],
        "the suite has five Linux and six Windows cases"
    );
    eprintln!(
        "config-file-location-tests.json: {} Linux and {} Windows cases passed",
        ran[0], ran[1]
    );
}

#[test]
fn sso_token_cache_suite() {
    let Some(suite) = load("sso-token-cache-behavior-tests.json") else {
        return;
    };
    let mut ran = 0;
    for c in suite["cases"].as_array().unwrap() {
        if c.get("refreshResponse").is_some() {
            continue; // Needs an SSO-OIDC endpoint; awsp never refreshes tokens itself.
        }
        let now = sso::parse_time(c["currentTime"].as_str().unwrap()).unwrap();
        let text = serde_json::to_vec(&c["cachedToken"]).unwrap();
        let state = sso::judge(&text, true, now);
        let doc = c["documentation"].as_str().unwrap();
        if let Some(want) = c.get("expectedToken") {
            assert_eq!(state.name(), "valid", "{doc}");
            let exp = sso::parse_time(want["expiration"].as_str().unwrap());
            assert_eq!(state.expires_at(), exp, "{doc}");
        } else {
            assert!(c.get("expectedException").is_some());
            assert_eq!(
                state.name(),
                "expired",
                "{doc}: a token that must not be used"
            );
        }
        ran += 1;
    }
    assert_eq!(ran, 4, "cases 1-3 and 6 are read-only");
    // The Kotlin runner's cache file name for session `test-session`.
    let key = TokenKey::Session("test-session".into());
    assert!(
        key.cache_file(Path::new("/c"))
            .ends_with("70780fa17c57df49aa7c7f603fde6ea7a14148f2.json")
    );
    eprintln!("sso-token-cache-behavior-tests.json: {ran} read-only cases passed");
}

/// Each fixture: its config under fs/home, its env.json; the token file awsp looks for must
/// be the one the fixture ships (or, for the error case, the path the error names).
#[test]
fn smithy_rs_sso_fixtures() {
    let Some(dir) = spec_dir() else { return };
    let root = dir.join("smithy-rs-sso-fixtures");
    let mut ran = 0;
    for group in std::fs::read_dir(&root).unwrap() {
        for case in std::fs::read_dir(group.unwrap().path()).unwrap() {
            let case = case.unwrap().path();
            let home = case.join("fs/home");
            if !home.join(".aws/config").exists() {
                continue;
            }
            let env_json: Json =
                serde_json::from_str(&std::fs::read_to_string(case.join("env.json")).unwrap())
                    .unwrap();
            let test: Json = serde_json::from_str(
                &std::fs::read_to_string(case.join("test-case.json")).unwrap(),
            )
            .unwrap();
            let mut vars: Vec<(String, String)> = env_json
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            vars.retain(|(k, _)| {
                k != "HOME" && k != "AWS_CONFIG_FILE" && k != "AWS_SHARED_CREDENTIALS_FILE"
            });
            vars.push(("HOME".into(), home.to_string_lossy().into()));
            let env = Env::fake(vars);
            let config = Config::load(&env).unwrap();
            let (name, _) = env.selected_profile();
            let profile = config
                .resolve(&name)
                .unwrap_or_else(|| panic!("{}: no profile {name}", case.display()));
            let key = profile
                .token_key
                .clone()
                .unwrap_or_else(|| panic!("{}: no token key", case.display()));
            let file = key.cache_file(&env.sso_cache_dir());
            let label = case.strip_prefix(&root).unwrap().display().to_string();
            match test["result"].get("ErrorContains").and_then(Json::as_str) {
                Some(err) if err.contains("failed to read") => {
                    let fname = file.file_name().unwrap().to_string_lossy().to_string();
                    assert!(err.contains(&fname), "{label}: {err} should name {fname}");
                    assert!(!file.exists(), "{label}");
                }
                Some(err) if err.contains("access token instead of credentials") => {
                    // An sso-session profile without account and role yields a token only.
                    assert_eq!(
                        (profile.account_id, profile.role_name),
                        (None, None),
                        "{label}"
                    );
                }
                // Other errors come from the recorded HTTP exchange; the cache file is still found.
                _ => {
                    assert!(file.exists(), "{label}: {} missing", file.display());
                    let state = sso::read_state(&key, &env.sso_cache_dir(), env.now);
                    assert!(state.expires_at().is_some(), "{label}: {state:?}");
                }
            }
            ran += 1;
        }
    }
    assert!(ran >= 9, "ran {ran} fixture cases");
    eprintln!("smithy-rs-sso-fixtures: {ran} case directories passed");
}

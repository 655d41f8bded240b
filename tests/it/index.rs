//! The profile index in the state directory: used only while it describes the files as
//! they are, whatever changed them between two commands, private, rebuilt when stale or
//! corrupt, and never the source of another answer than a full parse gives.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::common::*;

/// Longer than the time a file must have been left alone before an index of it is made.
const SETTLE: Duration = Duration::from_millis(3300);

fn config(n: usize, region: &str) -> String {
    let mut s = String::from(
        "[sso-session org]\nsso_start_url = https://o.awsapps.com/start\nsso_region = us-east-1\n\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "[profile p{i}]\nsso_session = org\nsso_account_id = {:012}\nsso_role_name = Admin\nregion = {region}\n\n",
            100_000 + i
        ));
    }
    s.push_str(
        "[profile chain]\nrole_arn = arn:aws:iam::222233334444:role/Deploy\nsource_profile = p1\n",
    );
    s
}

fn index_files(h: &Home) -> Vec<PathBuf> {
    state_files(h, ".idx")
}

/// The rows `list` and the picker keep beside the index.
fn kept_rows(h: &Home) -> Vec<PathBuf> {
    state_files(h, ".rows1")
}

fn state_files(h: &Home, ending: &str) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(h.path(".local/state/awsp")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = dir
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("profiles-") && n.ends_with(ending)
        })
        .collect();
    found.sort();
    found
}

/// The region `list --json` shows for `name` (`-` for none, `absent` when not listed).
fn list_region(h: &Home, name: &str) -> String {
    let r = h.run(&["list", "--json"], &[]);
    if r.code != 0 {
        return format!("error: {}", r.stderr.trim());
    }
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    match rows.as_array().unwrap().iter().find(|r| r["name"] == name) {
        Some(row) => row["region"].as_str().unwrap_or("-").to_string(),
        None => "absent".into(),
    }
}

/// The region `use NAME` exports (`-` when it unsets it), or the error.
fn region(h: &Home, name: &str) -> String {
    let r = h.run(&["use", name, "--shell", "bash", "--no-login"], &[]);
    if r.code != 0 {
        return format!("error: {}", r.stderr.trim());
    }
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("export AWS_REGION='"))
        .map_or("-".into(), |v| v.trim_end_matches("';").to_string())
}

/// The prompt's region for `name`.
fn prompt_region(h: &Home, name: &str) -> String {
    let r = h
        .run(
            &["prompt", "--format", "{region}"],
            &[("AWS_PROFILE", name), ("NO_COLOR", "1")],
        )
        .expect(0);
    r.stdout.trim().to_string()
}

fn names(h: &Home) -> String {
    let r = h.run(&["list", "--names"], &[]);
    format!("{}{}", r.stdout, r.stderr)
}

/// Homes whose files are old enough to be indexed, each indexed by a first `use`.
fn indexed_homes(n: usize) -> Vec<Home> {
    let homes: Vec<Home> = (0..n)
        .map(|_| {
            let h = Home::new();
            h.config(&config(20, "eu-west-1"));
            h.credentials("[p3]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
            h
        })
        .collect();
    std::thread::sleep(SETTLE);
    for h in &homes {
        assert_eq!(region(h, "p2"), "eu-west-1");
        assert_eq!(index_files(h).len(), 1, "a switch indexes settled files");
        assert_eq!(list_region(h, "p2"), "eu-west-1");
        assert_eq!(
            kept_rows(h).len(),
            1,
            "list keeps the rows of indexed files"
        );
    }
    homes
}

fn set_mtime(p: &std::path::Path, t: SystemTime) {
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_modified(t).unwrap();
}

#[test]
fn the_index_is_private_and_gives_what_a_full_parse_gives() {
    let h = &indexed_homes(1)[0];
    let idx = &index_files(h)[0];
    let meta = std::fs::symlink_metadata(idx).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let dir = std::fs::metadata(h.path(".local/state/awsp")).unwrap();
    assert_eq!(dir.permissions().mode() & 0o777, 0o700);
    // The same answers with the index as without it.
    let off = [("AWSP_INDEX", "0")];
    for args in [
        vec!["list", "--names"],
        vec!["use", "chain", "--shell", "bash", "--no-login"],
        vec!["use", "p3", "--shell", "fish", "--no-login"],
        vec!["use", "nope", "--shell", "bash", "--no-login"],
        vec!["__complete", "fish", "--", "awsp", "p1"],
        vec!["__complete", "bash", "--", "awsp", "use", "c"],
    ] {
        let with = h.run(&args, &[]);
        let without = h.run(&args, &off);
        assert_eq!(
            (with.code, &with.stdout, &with.stderr),
            (without.code, &without.stdout, &without.stderr),
            "{args:?}"
        );
    }
    for p in ["p0", "p3", "p19", "chain", "nope"] {
        let with = h
            .run(
                &[
                    "prompt",
                    "--format",
                    "{profile} {account} {role} {region} {state}",
                ],
                &[("AWS_PROFILE", p)],
            )
            .expect(0);
        let without = h
            .run(
                &[
                    "prompt",
                    "--format",
                    "{profile} {account} {role} {region} {state}",
                ],
                &[("AWS_PROFILE", p), ("AWSP_INDEX", "0")],
            )
            .expect(0);
        assert_eq!(with.stdout, without.stdout, "prompt for {p}");
    }
    assert_eq!(index_files(h).len(), 1, "still one index");
}

/// Every way a file can change between two commands, each on an indexed HOME: the next
/// command sees the change.
#[test]
fn every_change_to_the_files_is_seen_at_once() {
    let homes = indexed_homes(9);
    let cfg = |h: &Home| h.path(".aws/config");
    let old = |h: &Home| std::fs::metadata(cfg(h)).unwrap().modified().unwrap();

    // 1. Same size, same second, modification time set back: the status-change time moves.
    let h = &homes[0];
    let was = old(h);
    h.config(&config(20, "us-west-2"));
    set_mtime(&cfg(h), was);
    assert_eq!(
        std::fs::metadata(cfg(h)).unwrap().len() as usize,
        config(20, "eu-west-1").len()
    );
    assert_eq!(region(h, "p2"), "us-west-2");
    assert_eq!(prompt_region(h, "p5"), "us-west-2");
    assert_eq!(list_region(h, "p6"), "us-west-2");

    // 2. Replaced by another file (a new inode) of the same size and modification time.
    let h = &homes[1];
    let was = old(h);
    let tmp = h.path(".aws/config.new");
    std::fs::write(&tmp, config(20, "ap-south-1")).unwrap();
    set_mtime(&tmp, was);
    std::fs::rename(&tmp, cfg(h)).unwrap();
    assert_eq!(list_region(h, "p7"), "ap-south-1");
    assert_eq!(prompt_region(h, "p7"), "ap-south-1");
    assert_eq!(region(h, "p2"), "ap-south-1");

    // 3. Another size: a profile more.
    let h = &homes[2];
    h.config(&format!(
        "{}\n[profile extra]\nregion = sa-east-1\n",
        config(20, "eu-west-1")
    ));
    assert_eq!(list_region(h, "extra"), "sa-east-1");
    assert_eq!(region(h, "extra"), "sa-east-1");
    assert!(names(h).contains("\nextra\n"));

    // 4. A profile removed.
    let h = &homes[3];
    h.config(&config(10, "eu-west-1"));
    assert_eq!(list_region(h, "p15"), "absent");
    assert!(
        region(h, "p15").starts_with("error:"),
        "{}",
        region(h, "p15")
    );
    assert!(!names(h).contains("p15"));

    // 5. The credentials file edited, removed, then back.
    let h = &homes[4];
    h.credentials(
        "[p3]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\nregion = me-south-1\n",
    );
    assert_eq!(list_region(h, "p3"), "me-south-1");
    assert_eq!(region(h, "p3"), "me-south-1");
    std::fs::remove_file(h.path(".aws/credentials")).unwrap();
    assert_eq!(list_region(h, "p3"), "eu-west-1");
    assert_eq!(region(h, "p3"), "eu-west-1");
    h.credentials("[new]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
    assert!(names(h).contains("\nnew\n"));

    // 6. A line the SDKs reject, in a profile the command does not ask for: one verdict
    // per file, index or not.
    let h = &homes[5];
    h.config(&format!(
        "{}[profile broken]\nno equals sign here\n",
        config(20, "eu-west-1")
    ));
    let r = list_region(h, "p2");
    assert!(r.starts_with("error:") && r.contains("config:"), "{r}");
    let r = region(h, "p2");
    assert!(r.starts_with("error:") && r.contains("config:"), "{r}");
    assert!(names(h).contains("awsp: "), "list --names fails too");
    let r = h
        .run(&["__complete", "bash", "--", "awsp", "p1"], &[])
        .expect(0);
    assert_eq!(r.stdout, "", "no completion from a file the SDKs reject");

    // 7. The file removed, then a symbolic link to another one in its place.
    let h = &homes[6];
    std::fs::remove_file(cfg(h)).unwrap();
    assert_eq!(prompt_region(h, "p2"), "");
    assert_eq!(region(h, "p2").starts_with("error:"), true);
    let other = h.path("elsewhere");
    std::fs::write(&other, config(20, "ca-central-1")).unwrap();
    std::os::unix::fs::symlink(&other, cfg(h)).unwrap();
    assert_eq!(list_region(h, "p2"), "ca-central-1");
    assert_eq!(region(h, "p2"), "ca-central-1");

    // 8. AWS_CONFIG_FILE pointing elsewhere: that file, not the indexed one.
    let h = &homes[7];
    let other = h.path("other-config");
    std::fs::write(&other, "[profile p2]\nregion = af-south-1\n").unwrap();
    let var = other.to_string_lossy().into_owned();
    let r = h
        .run(
            &["use", "p2", "--shell", "bash", "--no-login"],
            &[("AWS_CONFIG_FILE", &var)],
        )
        .expect(0);
    assert!(
        r.stdout.contains("export AWS_REGION='af-south-1'"),
        "{}",
        r.stdout
    );

    // 9. A warning-worthy line (an inline comment): the files are then not indexed, and
    // the answers are a full parse's.
    let h = &homes[8];
    h.config(&config(20, "eu-west-1 # note"));
    assert_eq!(region(h, "p2"), "eu-west-1");
    assert_eq!(list_region(h, "p2"), "eu-west-1");
}

/// The racy case: an index made within the same tick of the file system's clock as an
/// edit that keeps size and times could describe the content before the edit. Files
/// changed less than a few seconds before are not indexed, and an index is not trusted
/// for them.
#[test]
fn same_second_edits_of_the_same_size_are_seen() {
    let h = Home::new();
    for round in 0..20 {
        let r = ["eu-west-1", "us-west-2"][round % 2];
        h.config(&config(20, r));
        set_mtime(
            &h.path(".aws/config"),
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        );
        assert_eq!(region(&h, "p2"), r, "round {round}");
        assert_eq!(prompt_region(&h, "p4"), r, "round {round}");
    }
    assert!(
        index_files(&h).is_empty(),
        "files changed a moment ago are not indexed"
    );
}

/// A corrupt, truncated, foreign or linked index is never believed, and is replaced.
#[test]
fn a_corrupt_index_is_rebuilt() {
    let homes = indexed_homes(4);
    let damage: [&dyn Fn(&PathBuf); 4] = [
        &|p| {
            let mut b = std::fs::read(p).unwrap();
            let mid = b.len() / 2;
            for x in &mut b[mid..mid + 64] {
                *x ^= 0x5a;
            }
            std::fs::write(p, b).unwrap();
        },
        &|p| {
            let b = std::fs::read(p).unwrap();
            std::fs::write(p, &b[..b.len() / 3]).unwrap();
        },
        &|p| std::fs::write(p, "not an index").unwrap(),
        &|p| {
            // Every bucket's offsets point at the header.
            let mut b = std::fs::read(p).unwrap();
            let head = u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize;
            for x in &mut b[head..head + 64] {
                *x = 0;
            }
            std::fs::write(p, b).unwrap();
        },
    ];
    for (h, damage) in homes.iter().zip(damage) {
        let idx = index_files(h)[0].clone();
        let good = std::fs::read(&idx).unwrap();
        damage(&idx);
        assert_eq!(region(h, "p2"), "eu-west-1");
        assert_eq!(prompt_region(h, "p9"), "eu-west-1");
        assert!(names(h).starts_with("chain\np0\np1\n"), "{}", names(h));
        let now = std::fs::read(&idx).unwrap();
        assert_eq!(now.len(), good.len(), "rebuilt");
        assert_eq!(now[..16], good[..16], "rebuilt");
    }
}

/// The index is awsp's own file: a link in its place is not followed, for reading or
/// for writing; an unsafe state directory is neither read nor written.
#[test]
fn the_index_never_follows_a_link() {
    let homes = indexed_homes(2);
    let h = &homes[0];
    let idx = index_files(h)[0].clone();
    let target = h.path("target-file");
    std::fs::write(&target, "someone else's file").unwrap();
    std::fs::remove_file(&idx).unwrap();
    std::os::unix::fs::symlink(&target, &idx).unwrap();
    assert_eq!(region(h, "p2"), "eu-west-1");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "someone else's file"
    );
    assert!(
        std::fs::symlink_metadata(&idx).unwrap().is_file(),
        "the link is replaced"
    );

    // A state directory others may write: no index read or written there.
    let h = &homes[1];
    let dir = h.path(".local/state/awsp");
    let idx = index_files(h)[0].clone();
    std::fs::remove_file(&idx).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(region(h, "p2"), "eu-west-1");
    assert!(index_files(h).is_empty());
    let _ = std::fs::metadata(&dir).unwrap().uid();
}

/// `list` reads profiles a block of a few hundred at a time through the index, with role
/// chains that reach into other blocks, and profiles written in both files: the table and
/// the JSON are what a full parse gives.
#[test]
fn list_in_blocks_gives_what_a_full_parse_gives() {
    let h = Home::new();
    let mut config = String::from(
        "[sso-session org]\nsso_start_url = https://o.awsapps.com/start\nsso_region = us-east-1\n\n",
    );
    let mut credentials = String::new();
    for i in 0..1500 {
        let body = match i % 7 {
            0 => format!("sso_session = org\nsso_account_id = {:012}\nsso_role_name = Admin\n", i),
            1 => "sso_start_url = https://legacy.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = Read\n".to_string(),
            // A chain two or three links long, into a profile hundreds of names away.
            2 => format!("role_arn = arn:aws:iam::222233334444:role/R{i}\nsource_profile = p{}\n", (i + 300) % 1500),
            3 => format!("role_arn = arn:aws:iam::222233334444:role/S{i}\nsource_profile = p{}\n", i - 1),
            4 => "credential_process = /bin/false\n".to_string(),
            5 => {
                credentials.push_str(&format!("[p{i}]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"));
                "output = json\n".to_string()
            }
            _ => "role_arn = arn:aws:iam::222233334444:role/Loop\nsource_profile = nowhere\n".to_string(),
        };
        config.push_str(&format!(
            "[profile p{i}]\n{body}region = us-west-{}\n\n",
            i % 3
        ));
    }
    credentials
        .push_str("[only-keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = y\n");
    h.config(&config);
    h.credentials(&credentials);
    // The legacy start URL has a valid token, the sso-session an expired one.
    h.token("https://legacy.awsapps.com/start", 90, false);
    h.token("org", -5, true);
    std::thread::sleep(SETTLE);
    h.run(&["list", "--names"], &[]).expect(0);
    let idx = index_files(&h);
    assert_eq!(idx.len(), 1, "the names pass indexes settled files");
    // An index of sections, not the short one that records files it cannot index.
    assert!(std::fs::metadata(&idx[0]).unwrap().len() > 10_000);
    let off = [("AWSP_INDEX", "0")];
    // The first `list` reads the files and keeps the rows, the next ones decode them.
    for args in [
        vec!["list"],
        vec!["list", "--json"],
        vec!["list"],
        vec!["list", "--json"],
    ] {
        let with = h.run(&args, &[("AWS_PROFILE", "p350")]).expect(0);
        let without = h.run(&args, &[("AWS_PROFILE", "p350"), off[0]]).expect(0);
        assert_eq!(with.stdout, without.stdout, "{args:?}");
        assert_eq!(with.stderr, without.stderr, "{args:?}");
    }
    let kept = kept_rows(&h);
    assert_eq!(kept.len(), 1);
    // Read a part of 64 KiB at a time: rows the parts cut in two are read whole.
    let kept_len = std::fs::metadata(&kept[0]).unwrap().len();
    assert!(kept_len > 64 * 1024, "{kept_len} bytes: more than one part");
    let json = h.run(&["list", "--json"], &[]).expect(0);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1501);
    // Chains resolved across blocks: p2 assumes its role from p302, a legacy SSO profile
    // (so its token is the legacy one), and p3 from p2.
    let by_name = |n: &str| rows.iter().find(|r| r["name"] == n).unwrap();
    assert_eq!(by_name("p2")["source_profile"], "p302");
    assert_eq!(by_name("p3")["source_profile"], "p2");
    assert_eq!(by_name("p302")["token_state"], "valid");
    assert_eq!(by_name("p3")["token_state"], "valid");
    assert_eq!(by_name("p0")["token_state"], "refreshable");
    assert_eq!(by_name("p5")["kind"], by_name("only-keys")["kind"]);
}

/// The checksum awsp's state files end with (FNV-1a, eight bytes at a time, rotated).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap());
        h = (h ^ w).wrapping_mul(0x0100_0000_01b3).rotate_left(23);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The rows kept beside the index are what `list` shows while the files stay as they
/// were (a row altered in place, its checksum made right, shows), and nothing else: a
/// damaged file is not believed, a change to the config file makes them stale, and the
/// token states and the active profile are read anew every time.
#[test]
fn kept_rows_are_used_only_while_the_files_are_as_they_were() {
    let h = &indexed_homes(1)[0];
    let rows = kept_rows(h)[0].clone();
    let meta = std::fs::symlink_metadata(&rows).unwrap();
    assert!(meta.is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let good = std::fs::read(&rows).unwrap();
    let off = [("AWSP_INDEX", "0")];
    for profile in ["p4", "chain", ""] {
        for args in [vec!["list"], vec!["list", "--json"]] {
            let with = h.run(&args, &[("AWS_PROFILE", profile)]).expect(0);
            let without = h.run(&args, &[("AWS_PROFILE", profile), off[0]]).expect(0);
            assert_eq!(with.stdout, without.stdout, "{args:?} {profile}");
            assert_eq!(with.stderr, without.stderr, "{args:?} {profile}");
        }
    }
    assert_eq!(
        std::fs::read(&rows).unwrap(),
        good,
        "kept once, then only read"
    );

    // A token that appears after the rows were kept: its state, not the one before.
    let before = h.run(&["list", "--json"], &[]).expect(0).stdout;
    assert!(before.contains("\"token_state\": \"missing\""), "{before}");
    h.token("org", 90, true);
    let after = h.run(&["list", "--json"], &[]).expect(0).stdout;
    assert!(!after.contains("\"token_state\": \"missing\""), "{after}");
    assert!(after.contains("\"token_state\": \"valid\""), "{after}");

    // p5's region altered in place: with the old checksum it is not believed; with the
    // checksum made right it is what list shows, so the rows are what list reads.
    let at = |b: &[u8]| {
        let p5 = b.windows(3).position(|w| w == b"\x02p5").unwrap();
        p5 + b[p5..].windows(9).position(|w| w == b"eu-west-1").unwrap()
    };
    let mut altered = good.clone();
    let i = at(&altered);
    altered[i..i + 9].copy_from_slice(b"eu-west-9");
    std::fs::write(&rows, &altered).unwrap();
    assert_eq!(
        list_region(h, "p5"),
        "eu-west-1",
        "a damaged file is not believed"
    );
    let mut altered = good.clone();
    altered[i..i + 9].copy_from_slice(b"eu-west-9");
    let end = altered.len() - 8;
    let sum = checksum(&altered[..end]);
    altered[end..].copy_from_slice(&sum.to_le_bytes());
    std::fs::write(&rows, &altered).unwrap();
    assert_eq!(
        list_region(h, "p5"),
        "eu-west-9",
        "the kept row is what list shows"
    );
    assert_eq!(list_region(h, "p6"), "eu-west-1");

    // Another build of awsp (here the same one, copied: another executable) does not
    // believe what this one kept.
    let copy = h.path("awsp-copy");
    std::fs::copy(BIN, &copy).unwrap();
    let other = std::process::Command::new(&copy)
        .args(["list", "--json"])
        .env_clear()
        .current_dir(&h.dir)
        .envs(h.base_env())
        .output()
        .unwrap();
    let other = String::from_utf8(other.stdout).unwrap();
    assert!(!other.contains("eu-west-9"), "{other}");
    assert!(other.contains("eu-west-1"), "{other}");
    std::fs::write(&rows, &altered).unwrap();
    assert_eq!(list_region(h, "p5"), "eu-west-9");

    // The config file changed (same content, a new modification time): not believed,
    // nor once the index of the changed file is made.
    set_mtime(
        &h.path(".aws/config"),
        SystemTime::now() - Duration::from_secs(60),
    );
    assert_eq!(list_region(h, "p5"), "eu-west-1");
    std::thread::sleep(SETTLE);
    assert_eq!(region(h, "p2"), "eu-west-1");
    assert_eq!(
        list_region(h, "p5"),
        "eu-west-1",
        "kept for the index before"
    );
    let json = h.run(&["list", "--json"], &[]).expect(0).stdout;
    assert_eq!(json, h.run(&["list", "--json"], &[off[0]]).expect(0).stdout);
    assert_ne!(std::fs::read(&rows).unwrap(), altered, "kept anew");
}

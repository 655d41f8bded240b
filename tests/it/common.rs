//! The test harness: a temp HOME with fixture files, the built binary run with a cleared
//! environment, and real shells with the hook loaded. Nothing here reads the real HOME.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_awsp");

/// A temporary HOME, removed on drop.
pub struct Home {
    pub dir: PathBuf,
    /// A directory on PATH holding `awsp` (a link to the built binary) and test stand-ins.
    pub bin: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Home {
    pub fn new() -> Home {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("awsp-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(BIN, bin.join("awsp")).unwrap();
        Home { dir, bin }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> &Home {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn config(&self, text: &str) -> &Home {
        self.write(".aws/config", text)
    }

    pub fn credentials(&self, text: &str) -> &Home {
        self.write(".aws/credentials", text)
    }

    /// Writes a token cache file for an sso-session name (or legacy start URL) that expires
    /// `minutes` from now (negative: already expired).
    pub fn token(&self, key: &str, minutes: i64, refreshable: bool) -> PathBuf {
        let exp = chrono::Utc::now() + chrono::Duration::minutes(minutes);
        let mut tok = serde_json::json!({
            "accessToken": "SECRET-ACCESS-TOKEN",
            "expiresAt": exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "region": "us-east-1",
            "startUrl": "https://example.awsapps.com/start",
        });
        if refreshable {
            tok["refreshToken"] = "SECRET-REFRESH".into();
            tok["clientId"] = "cid".into();
            tok["clientSecret"] = "SECRET-CLIENT".into();
            tok["registrationExpiresAt"] = "2999-01-01T00:00:00Z".into();
        }
        let path = self.path(&format!(
            ".aws/sso/cache/{}.json",
            awsp::aws::sha1::hex(key.as_bytes())
        ));
        std::fs::write(&path, tok.to_string()).unwrap();
        path
    }

    /// The environment every test process starts from: nothing but these.
    /// The environment every run starts from. Identity Center calls go to a closed
    /// loopback port unless a test starts its own server; a HOME with the stand-in `aws`
    /// ([`Home::fake_aws`]) logs in with it (`AWSP_LOGIN_WITH=aws-cli`).
    pub fn base_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()),
            ("HOME".into(), self.dir.to_string_lossy().into()),
            (
                "PATH".into(),
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin.display()),
            ),
            ("LANG".into(), "C.UTF-8".into()),
            ("TERM".into(), "xterm-256color".into()),
        ];
        if self.bin.join("aws").exists() {
            env.push(("AWSP_LOGIN_WITH".into(), "aws-cli".into()));
        }
        env
    }

    /// The binary with a cleared environment plus `vars`.
    pub fn cmd(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_clear()
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        c.envs(self.base_env());
        c.envs(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        c
    }

    pub fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        Run::from(self.cmd(args, vars).output().unwrap())
    }

    /// Runs the binary, which must exit 0, and parses what it printed as JSON.
    pub fn json(&self, args: &[&str], vars: &[(&str, &str)]) -> serde_json::Value {
        let r = self.run(args, vars).expect(0);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
    }

    /// Runs `script` in a real shell (`bash`, `zsh`, `fish`, `pwsh`) with the awsp hook
    /// loaded, non-interactively, in this HOME.
    pub fn shell(&self, shell: &str, script: &str, vars: &[(&str, &str)]) -> Run {
        let mut c = self.shell_command(shell, script);
        c.envs(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Run::from(
            c.output()
                .unwrap_or_else(|e| panic!("cannot start {shell}: {e}")),
        )
    }

    /// The command [`Home::shell`] runs, to add what it cannot (variables that are not
    /// UTF-8, other stdio). The hook is loaded by each shell's start-up line, except:
    /// nushell's `source` needs a file when the script is parsed, so the hook is written to
    /// one first; elvish's hook and script run in one `eval`, whose functions reach the
    /// REPL only in an interactive shell.
    pub fn shell_command(&self, shell: &str, script: &str) -> Command {
        let load = match shell {
            "bash" | "zsh" => "eval \"$(awsp init SHELL)\"\n".replace("SHELL", shell),
            "fish" => "awsp init fish | source\n".into(),
            "pwsh" => "Invoke-Expression (& awsp init powershell | Out-String)\n".into(),
            "nu" => {
                let hook = self.run(&["init", "nu"], &[]).expect(0).stdout;
                self.write(".awsp-hook.nu", &hook);
                format!("source '{}'\n", self.path(".awsp-hook.nu").display())
            }
            "elvish" => String::new(),
            "xonsh" => "execx(__import__('subprocess').run(['awsp', 'init', 'xonsh'], capture_output=True, text=True).stdout, 'exec', __xonsh__.ctx, filename='awsp')\n".into(),
            _ => panic!("unknown shell {shell}"),
        };
        let full = format!("{load}{script}");
        let mut c = Command::new(shell);
        match shell {
            "bash" => c.args(["--norc", "--noprofile", "-c", &full]),
            "zsh" => c.args(["-f", "-c", &full]),
            "fish" => c.args(["--no-config", "-c", &full]),
            "nu" => c.args(["--no-config-file", "-c", &full]),
            "elvish" => {
                self.write(".awsp-script.elv", script);
                c.args([
                    "-norc",
                    "-c",
                    "eval (awsp init elvish | slurp)\"\\n\"(slurp < ~/.awsp-script.elv)",
                ])
            }
            "xonsh" => c.args(["--no-rc", "-c", &full]),
            _ => c.args(["-NoProfile", "-NonInteractive", "-Command", &full]),
        };
        c.env_clear()
            .envs(self.base_env())
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        if shell == "xonsh" {
            // Python's print is buffered when stdout is not a terminal; what the script
            // prints and what its commands print then keep their order.
            c.env("PYTHONUNBUFFERED", "1");
        }
        c
    }
}

impl Home {
    /// Puts the stand-in `aws` ([`FAKE_AWS`]) on this HOME's PATH; `--version` prints
    /// `version` (default: a current CLI v2).
    pub fn fake_aws(&self, version: Option<&str>) {
        let version = version.unwrap_or("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64");
        let p = self.bin.join("aws");
        std::fs::write(&p, FAKE_AWS.replace("__VERSION__", version)).unwrap();
        make_executable(&p);
    }
}

pub fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Behaves like `aws sso login`: records its arguments, then per `FAKE_AWS` writes a fresh
/// token where the real CLI does (sha1 of the session name or start URL), fails, writes an
/// already-expired token, or interrupts itself. `FAKE_AWS_NOISE` prints shell code on
/// stdout first; `FAKE_AWS_SLEEP` makes the login slow; `--version` prints `FAKE_AWS_VERSION`,
/// else the version [`Home::fake_aws`] was given.
pub const FAKE_AWS: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$HOME/aws-calls"
if [ "$1" = --version ]; then
    echo "${FAKE_AWS_VERSION:-__VERSION__}"
    exit 0
fi
if [ "$1 $2" != "sso login" ]; then
    echo "stand-in aws: unexpected arguments: $*" >&2
    exit 99
fi
if [ -n "${FAKE_AWS_NOISE-}" ]; then
    printf 'export AWSP_PWNED=1\necho PWNED-STDOUT\n'
fi
if [ -n "${FAKE_AWS_SLEEP-}" ]; then
    sleep "$FAKE_AWS_SLEEP"
fi
case "${FAKE_AWS-ok}" in
    fail) echo "stand-in aws: Error when retrieving token from sso" >&2; exit 255 ;;
    interrupt) kill -INT $$; sleep 5; exit 0 ;;
    expired) exp=2000-01-01T00:00:00Z ;;
    *) exp=2999-01-01T00:00:00Z ;;
esac
key=${FAKE_AWS_KEY-acme}
file="$HOME/.aws/sso/cache/$(printf %s "$key" | sha1sum | cut -d' ' -f1).json"
printf '{"startUrl":"https://acme.awsapps.com/start","region":"us-east-1","accessToken":"fresh","expiresAt":"%s"}' "$exp" > "$file.tmp"
mv "$file.tmp" "$file"
"#;

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with everything the process said when the exit code differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Says that a test skipped some of its scenarios, and why, where a person sees it: on the
/// process's stderr itself, which the test harness does not capture (it captures only what
/// `print!` and `eprint!` write), so `cargo test` shows it without `--nocapture`.
pub fn skip(why: &str) {
    use std::io::Write;
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let _ = writeln!(std::io::stderr(), "SKIP ({test}): {why}");
}

/// Where `shell` is, by this process's PATH (a test may give the shell another PATH).
pub fn shell_path(shell: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {shell}")])
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether a shell can be tested here. In CI every shell but pwsh must exist; elsewhere a
/// missing one is skipped with the reason printed.
pub fn have_shell(shell: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {shell}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") && shell != "pwsh" {
            panic!("{shell} is not installed; .ci/run must install it");
        }
        skip(&format!(
            "{shell} is not on PATH; its scenarios did not run"
        ));
    }
    found
}

/// The shells the scenario suites run in.
pub const SHELLS: [&str; 6] = ["bash", "zsh", "fish", "nu", "elvish", "xonsh"];

/// `cmd` (a call of the function), then a line `TAG=STATUS` with its exit status. In
/// nushell and elvish a failing command raises an error, caught here.
pub fn run_status(shell: &str, cmd: &str, tag: &str) -> String {
    match shell {
        "bash" | "zsh" => format!("{cmd}\necho \"{tag}=$?\"\n"),
        "fish" => format!("{cmd}\necho \"{tag}=$status\"\n"),
        "pwsh" => format!("{cmd}\nWrite-Output \"{tag}=$LASTEXITCODE\"\n"),
        "nu" => format!(
            "$env.LAST_EXIT_CODE = 0\ntry {{ {cmd} }} catch {{ }}\nprint $\"{tag}=($env.LAST_EXIT_CODE)\"\n"
        ),
        "elvish" => format!(
            "try {{ {cmd}; echo {tag}=0 }} catch e {{ echo {tag}=$e[reason][exit-status] }}\n"
        ),
        // xonsh exits with the status of its last command: `true` keeps the script's 0.
        "xonsh" => format!("_awsp_p = ![{cmd}]\nprint('{tag}=' + str(_awsp_p.returncode))\ntrue\n"),
        _ => panic!("unknown shell {shell}"),
    }
}

/// A line `TAG=VALUE` with the value of the environment variable `var` (empty when unset).
pub fn say_var(shell: &str, tag: &str, var: &str) -> String {
    match shell {
        "bash" | "zsh" | "fish" => format!("echo \"{tag}=${var}\"\n"),
        "pwsh" => format!("Write-Output \"{tag}=$env:{var}\"\n"),
        "nu" => format!("print $\"{tag}=($env.{var}? | default '')\"\n"),
        "elvish" => {
            format!("echo {tag}=(if (has-env {var}) {{ get-env {var} }} else {{ put '' }})\n")
        }
        "xonsh" => format!("print('{tag}=' + ${{...}}.get('{var}', ''))\n"),
        _ => panic!("unknown shell {shell}"),
    }
}

/// Reads variables back from a shell: a line that prints `NAME=<value>|` for each, or
/// `NAME unset`, in any of the shells.
pub fn dump_vars(shell: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| match shell {
            "fish" => format!("if set -q {n}; printf '%s=%s|\\n' {n} \"${n}\"; else; echo '{n} unset'; end\n"),
            "pwsh" => format!("if (Test-Path Env:{n}) {{ Write-Output (\"{n}=\" + $env:{n} + '|') }} else {{ Write-Output '{n} unset' }}\n"),
            "nu" => format!("if '{n}' in $env {{ print $\"{n}=($env.{n})|\" }} else {{ print '{n} unset' }}\n"),
            "elvish" => format!("if (has-env {n}) {{ echo {n}=(get-env {n})'|' }} else {{ echo '{n} unset' }}\n"),
            "xonsh" => format!("print('{n}=' + ${{...}}['{n}'] + '|' if '{n}' in ${{...}} else '{n} unset')\n"),
            "bash" | "zsh" => format!("if [ -n \"${{{n}+x}}\" ]; then printf '%s=%s|\\n' {n} \"${n}\"; else echo '{n} unset'; fi\n"),
            _ => panic!("unknown shell {shell}"),
        })
        .collect()
}

/// A config as `aws configure sso` writes it for two accounts sharing one session, a legacy
/// SSO profile, a static-key profile and a role chain.
pub const SSO_CONFIG: &str = "\
[default]
region = us-east-1

[profile dev-admin]
sso_session = acme
sso_account_id = 111111111111
sso_role_name = AdministratorAccess
region = eu-west-1
output = json

[profile prod-readonly]
sso_session = acme
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-west-2

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 333333333333
sso_role_name = PowerUser
region = ap-southeast-2

[profile deploy]
role_arn = arn:aws:iam::444444444444:role/Deploy
source_profile = dev-admin
";

pub const STATIC_CREDENTIALS: &str = "\
[keys]
aws_access_key_id = AKIAEXAMPLEKEY123456
aws_secret_access_key = SECRET-KEY-wJalrXUtnFEMI
";

/// The `name` of every element of a JSON array (`list`, `status` and `doctor` output).
pub fn json_names(v: &serde_json::Value) -> Vec<&str> {
    let arr = v.as_array().expect("a JSON array");
    arr.iter()
        .map(|e| e["name"].as_str().expect("a name"))
        .collect()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// The history file `file`, checked whole (a `#` header, then complete
/// `name<TAB>count<TAB>last` lines), with the counts summed per name, sorted by name.
pub fn history(file: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(file).expect("history file exists");
    assert!(
        text.ends_with('\n'),
        "history ends with a whole line: {text:?}"
    );
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().starts_with("# awsp history"),
        "{text}"
    );
    let mut sums: std::collections::BTreeMap<String, f64> = Default::default();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "malformed history line {line:?}");
        let count: f64 = f[1].parse().expect("count");
        f[2].parse::<i64>().expect("last");
        *sums.entry(f[0].to_string()).or_default() += count;
    }
    sums.into_iter().collect()
}

/// One test per shell for a scenario written once: `shell_test!(fn name(sh) { … })` makes
/// `name::bash`, `name::zsh`, `name::fish`, `name::nu`, `name::elvish` and `name::xonsh`
/// (`pwsh fn …` adds `name::pwsh`), each run with `sh` naming its shell. A shell that is not installed is skipped with the reason
/// printed, which `have_shell` forbids in CI for every shell but pwsh.
#[macro_export]
macro_rules! shell_test {
    ($(#[$m:meta])* fn $name:ident($sh:ident) $body:block) => {
        $crate::shell_test!(@ [bash, zsh, fish, nu, elvish, xonsh] $(#[$m])* fn $name($sh) $body);
    };
    ($(#[$m:meta])* pwsh fn $name:ident($sh:ident) $body:block) => {
        $crate::shell_test!(@ [bash, zsh, fish, nu, elvish, xonsh, pwsh] $(#[$m])* fn $name($sh) $body);
    };
    (@ [$($shell:ident),*] $(#[$m:meta])* fn $name:ident($sh:ident) $body:block) => {
        $(#[$m])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn scenario($sh: &'static str) $body

            $(
                #[test]
                fn $shell() {
                    if $crate::common::have_shell(stringify!($shell)) {
                        scenario(stringify!($shell));
                    }
                }
            )*
        }
    };
}

/// Long enough for a debug build on a loaded machine; a pass never waits for it.
const TIMEOUT: Duration = Duration::from_secs(30);

static SOCKETS: AtomicUsize = AtomicUsize::new(0);

/// Whether tmux can be used here: in CI it must exist; elsewhere its absence skips.
pub fn have_tmux() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("tmux is not installed; .ci/run must install it");
        }
        skip("tmux is not on PATH; the terminal scenarios did not run");
    }
    found && have_shell("bash")
}

/// `s` quoted for a POSIX shell, by awsp's own quoting.
pub fn sh_quote(s: &str) -> String {
    awsp::quote::posix(s).expect("test values hold no control character")
}

/// A real terminal: a tmux server of its own (own socket) with one pane of `size`
/// (columns, rows) running `program` in HOME `h`, with a cleared environment plus `vars`.
/// The server goes when the value is dropped.
pub struct Term {
    socket: String,
    /// The server's socket file, removed with the server.
    socket_path: Option<PathBuf>,
}

impl Term {
    pub fn start(h: &Home, vars: &[(&str, &str)], size: (u16, u16), program: &str) -> Term {
        let socket = format!(
            "awsp-test-{}-{}",
            std::process::id(),
            SOCKETS.fetch_add(1, Ordering::SeqCst)
        );
        let mut env: Vec<(String, String)> = h.base_env();
        env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let assigns: Vec<String> = env
            .iter()
            .map(|(k, v)| sh_quote(&format!("{k}={v}")))
            .collect();
        let shell = format!(
            "cd {} && exec env -i {} {program}",
            sh_quote(&h.dir.to_string_lossy()),
            assigns.join(" ")
        );
        let mut t = Term {
            socket,
            socket_path: None,
        };
        let (x, y) = (size.0.to_string(), size.1.to_string());
        t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &x,
            "-y",
            &y,
            &shell,
        ]);
        let path = t.tmux(&["display-message", "-p", "#{socket_path}"]);
        t.socket_path = Some(PathBuf::from(path.trim()));
        t.tmux(&["set-option", "-g", "status", "off"]);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types text literally (no key names).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    pub fn key(&self, key: &str) {
        self.tmux(&["send-keys", key]);
    }

    pub fn line(&self, text: &str) {
        self.type_text(text);
        self.key("Enter");
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// Polls the screen until `ok` holds; panics with the screen after `TIMEOUT`.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        if let Some(p) = &self.socket_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

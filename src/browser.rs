//! Opening a URL in the person's browser: `BROWSER` when set (a `:`-separated list of
//! commands, each with `%s` standing for the URL or the URL appended, tried in order, as
//! Python's `webbrowser` and `xdg-open` read it), else the platform's opener: `open` on
//! macOS, `xdg-open` elsewhere on unix, `rundll32 url.dll,FileProtocolHandler` on Windows
//! (no `cmd /c start`, which would read `&` in the URL as a command separator). No shell
//! is involved: the URL is one argument.

use std::process::{Command, Stdio};

use crate::env::Env;

/// Starts the browser on `url` and returns at once (the browser may stay open). `Err`
/// says why nothing could be started.
pub fn open(env: &Env, url: &str) -> Result<(), String> {
    let mut tried = Vec::new();
    for argv in commands(env, url) {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match cmd.spawn() {
            Ok(mut child) => {
                // Reaped in the background: an opener that exits at once leaves no zombie.
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => tried.push(format!("`{}`: {e}", argv[0])),
        }
    }
    Err(tried.join("; "))
}

/// The commands to try, each as argv.
fn commands(env: &Env, url: &str) -> Vec<Vec<String>> {
    if let Some(browsers) = env.get("BROWSER") {
        let list: Vec<Vec<String>> = browsers
            .split(crate::os::PATH_SEPARATOR)
            .filter_map(|entry| {
                let words = crate::quote::split_words(entry).ok()?;
                if words.is_empty() {
                    return None;
                }
                let mut argv: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
                if !words.iter().any(|w| w.contains("%s")) {
                    argv.push(url.to_string());
                }
                Some(argv)
            })
            .collect();
        if !list.is_empty() {
            return list;
        }
    }
    let platform: Vec<&str> = if cfg!(windows) {
        vec!["rundll32", "url.dll,FileProtocolHandler"]
    } else if cfg!(target_os = "macos") {
        vec!["open"]
    } else {
        vec!["xdg-open"]
    };
    let mut argv: Vec<String> = platform.into_iter().map(String::from).collect();
    argv.push(url.to_string());
    vec![argv]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_variable_wins_and_keeps_the_url_one_word() {
        let url = "http://127.0.0.1:1/authorize?a=1&b=$(x)";
        let env = Env::fake([("BROWSER", "firefox --new-tab")]);
        assert_eq!(commands(&env, url), [vec!["firefox", "--new-tab", url]]);
        let sep = crate::os::PATH_SEPARATOR;
        let env = Env::fake([("BROWSER", format!("w3m '%s' -x{sep}lynx"))]);
        assert_eq!(
            commands(&env, url),
            [vec!["w3m", url, "-x"], vec!["lynx", url]]
        );
        let none = commands(&Env::fake([("A", "b")]), url);
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].last().unwrap(), url);
    }
}

//! Logging in to IAM Identity Center without the AWS CLI, writing the cache files the CLI
//! and the SDKs read (see `aws::sso_store`).
//!
//! - **Browser** (authorization code with PKCE; the default for `sso-session` profiles):
//!   a client registered for the `authorization_code` and `refresh_token` grants, the
//!   browser sent to `/authorize` with an S256 challenge and a random `state`, the answer
//!   taken by a one-shot listener on 127.0.0.1 (never another interface) on a port the
//!   system picks, the `state` checked, all within 10 minutes; then CreateToken.
//! - **Device code** (always for legacy `sso_start_url` profiles; on request for sessions,
//!   e.g. over SSH): StartDeviceAuthorization, the URL and code shown on the terminal,
//!   CreateToken polled at the service's interval (5 s more after each SlowDown) until
//!   approved, refused or expired.
//! - **Refresh**: CreateToken with the refresh grant, as botocore does it.
//! - **Logout**: the portal's Logout, then the token file removed.
//!
//! Progress and URLs go to stderr; stdout stays the shell code of a switch. No token or
//! secret is ever printed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;

use crate::aws::sso_store::{self, CachedRegistration, TokenFile};
use crate::aws::{Config, TokenKey, sha256};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::net::{Client, Service};
use crate::oidc::{self, Grant};

/// How long a browser or device login may take, from its start.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(600);
/// Overrides [`LOGIN_TIMEOUT`], in seconds (for tests and slow approvals).
pub const TIMEOUT_VAR: &str = "AWSP_LOGIN_TIMEOUT";
/// Set (to anything): use the device code flow for `sso-session` profiles too.
pub const DEVICE_CODE_VAR: &str = "AWSP_DEVICE_CODE";
/// Set (to anything): print the URL instead of opening a browser.
pub const NO_BROWSER_VAR: &str = "AWSP_NO_BROWSER";
/// The scope a browser login registers when none is configured.
const DEFAULT_SCOPE: &str = "sso:account:access";

/// What a login needs to know of the session.
#[derive(Clone, Debug)]
pub struct Session {
    pub key: TokenKey,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes`, parsed; `None` when not configured.
    pub scopes: Option<Vec<String>>,
    /// The profile's `ca_bundle`, if any.
    pub ca_bundle: Option<String>,
}

impl Session {
    /// The session of the profile `holder` (where a chain's SSO settings are), keyed `key`.
    pub fn of(config: &Config, holder: &str, key: &TokenKey) -> Result<Session> {
        let profile = config.profiles.get(holder);
        let ca_bundle = profile.and_then(|p| p.get("ca_bundle")).map(str::to_string);
        let (start_url, region, scopes) = match key {
            TokenKey::Session(name) => {
                let Some(block) = config.sso_sessions.get(name) else {
                    bail!("there is no [sso-session {name}] block to log in with");
                };
                (
                    block.get("sso_start_url"),
                    block.get("sso_region"),
                    sso_store::parse_scopes(block.get("sso_registration_scopes")),
                )
            }
            TokenKey::StartUrl(url) => (
                Some(url.as_str()),
                profile.and_then(|p| p.get("sso_region")),
                None,
            ),
        };
        let (Some(start_url), Some(region)) = (start_url, region) else {
            bail!("{} lacks sso_start_url or sso_region", key.label());
        };
        Ok(Session {
            key: key.clone(),
            start_url: start_url.to_string(),
            region: region.to_string(),
            scopes,
            ca_bundle,
        })
    }

    fn session_name(&self) -> Option<&str> {
        match &self.key {
            TokenKey::Session(s) => Some(s),
            TokenKey::StartUrl(_) => None,
        }
    }

    pub fn client(&self, env: &Env, service: Service) -> Result<Client> {
        let endpoint = service.endpoint(env, &self.region)?;
        Client::new(env, endpoint, self.ca_bundle.as_deref())
    }
}

/// How to log in.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub device_code: bool,
    pub no_browser: bool,
}

impl Options {
    pub fn from_env(env: &Env) -> Options {
        Options {
            device_code: env.is_set(DEVICE_CODE_VAR),
            no_browser: env.is_set(NO_BROWSER_VAR),
        }
    }
}

/// An API error as one line: the call, what the service said, and the fix.
fn failed(call: &str, e: &oidc::ApiError) -> Error {
    Error::runtime(format!("IAM Identity Center refused {call}: {e}"))
}

/// Logs in and writes the token file. Returns the token written.
/// Logs in, writes the token file and records when the session began (the session
/// clock counts from there).
pub fn login(env: &Env, s: &Session, opts: Options) -> Result<TokenFile> {
    let begun = Utc::now();
    let oidc = s.client(env, Service::Oidc)?;
    let deadline = Instant::now() + timeout(env);
    let browser = s.session_name().is_some() && !opts.device_code;
    let token = if browser {
        browser_flow(env, s, &oidc, opts, deadline)?
    } else {
        device_flow(env, s, &oidc, opts, deadline)?
    };
    write_token(env, s, &token)?;
    crate::sessions::record(env, &s.key, Some(begun));
    Ok(token)
}

fn timeout(env: &Env) -> Duration {
    env.get(TIMEOUT_VAR)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(LOGIN_TIMEOUT, Duration::from_secs)
}

fn write_token(env: &Env, s: &Session, token: &TokenFile) -> Result<()> {
    let path = s.key.cache_file(&env.sso_cache_dir());
    sso_store::write_file(&path, &token.to_json())
        .map_err(|e| Error::runtime(format!("cannot write the token to {}: {e}", path.display())))
}

/// The cached registration for this flow, or a new one (cached in turn).
fn registration(
    env: &Env,
    s: &Session,
    oidc: &Client,
    browser: bool,
) -> Result<CachedRegistration> {
    let dir = env.sso_cache_dir();
    let path = sso_store::registration_file(
        &dir,
        &s.start_url,
        &s.region,
        s.scopes.as_deref(),
        s.session_name(),
    );
    if let Some(reg) = sso_store::read_registration(&path) {
        if reg.reusable(Utc::now()) && reg.for_browser == browser {
            return Ok(reg);
        }
    }
    let name = format!(
        "awsp-client-{}",
        s.session_name()
            .map_or_else(|| Utc::now().timestamp().to_string(), str::to_string)
    );
    let configured: Vec<String> = s.scopes.clone().unwrap_or_default();
    let (scopes, grants, redirects, issuer): (Vec<String>, &[&str], &[&str], _) = if browser {
        let scopes = if configured.is_empty() {
            vec![DEFAULT_SCOPE.to_string()]
        } else {
            configured
        };
        (
            scopes,
            &["authorization_code", "refresh_token"],
            &["http://127.0.0.1/oauth/callback"],
            Some(s.start_url.as_str()),
        )
    } else {
        (configured, &[], &[], None)
    };
    let (reg, expires_at) = oidc::register_client(oidc, &name, &scopes, grants, redirects, issuer)?
        .map_err(|e| failed("the client registration", &e))?;
    let cached = CachedRegistration {
        client_id: reg.client_id,
        client_secret: reg.client_secret,
        expires_at: chrono::DateTime::from_timestamp(expires_at, 0)
            .map(sso_store::format_time)
            .unwrap_or_default(),
        for_browser: browser,
    };
    let written_scopes = if browser {
        Some(scopes.as_slice())
    } else {
        s.scopes.as_deref()
    };
    let json = sso_store::registration_json(&cached, written_scopes, grants);
    if let Err(e) = sso_store::write_file(&path, &json) {
        // Only a cache: the login goes on, and the next one registers again.
        crate::eprintln_shown!(
            "awsp: cannot cache the client registration in {}: {e}",
            path.display()
        );
    }
    Ok(cached)
}

fn as_registration(reg: &CachedRegistration) -> oidc::Registration {
    oidc::Registration {
        client_id: reg.client_id.clone(),
        client_secret: reg.client_secret.clone(),
    }
}

fn token_file(s: &Session, reg: &CachedRegistration, t: oidc::Token) -> TokenFile {
    TokenFile {
        start_url: s.start_url.clone(),
        region: s.region.clone(),
        access_token: t.access_token,
        expires_at: Utc::now() + chrono::Duration::seconds(t.expires_in.max(0)),
        client_id: Some(reg.client_id.clone()),
        client_secret: Some(reg.client_secret.clone()),
        registration_expires_at: Some(reg.expires_at.clone()),
        refresh_token: t.refresh_token,
    }
}

// ---- the browser flow -----------------------------------------------------------------

/// `n` random characters from the PKCE verifier's alphabet (letters, digits, `-._~`).
fn random_verifier(n: usize) -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        getrandom::getrandom(&mut buf)
            .map_err(|e| Error::runtime(format!("no random numbers from the system: {e}")))?;
        // 66 letters: bytes from 198 up would favour the first few, so they are skipped.
        for b in buf.iter().filter(|b| **b < 198) {
            if out.len() < n {
                out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

/// A random version-4 UUID, as the `state` of one login.
fn random_state() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b)
        .map_err(|e| Error::runtime(format!("no random numbers from the system: {e}")))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// base64url(sha256(verifier)) without padding.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256::digest(verifier.as_bytes()))
}

fn browser_flow(
    env: &Env,
    s: &Session,
    oidc: &Client,
    opts: Options,
    deadline: Instant,
) -> Result<TokenFile> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| {
        Error::runtime(format!(
            "cannot listen on 127.0.0.1 for the browser's answer: {e}; use --device-code"
        ))
    })?;
    let port = listener.local_addr()?.port();
    let reg = registration(env, s, oidc, true)?;
    let verifier = random_verifier(64)?;
    let state = random_state()?;
    let redirect = format!("http://127.0.0.1:{port}/oauth/callback");
    let scopes = match s.scopes.as_deref() {
        Some(list) if !list.is_empty() => list.join(" "),
        _ => DEFAULT_SCOPE.to_string(),
    };
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        oidc.endpoint().as_str(),
        crate::net::url_encode(&reg.client_id),
        crate::net::url_encode(&redirect),
        crate::net::url_encode(&state),
        crate::net::url_encode(&scopes),
        challenge(&verifier),
    );
    show_url(env, opts, &url, None);
    let code = wait_for_code(&listener, &state, deadline)?;
    let token = oidc::create_token(
        oidc,
        &as_registration(&reg),
        Grant::AuthorizationCode {
            code: &code,
            redirect_uri: &redirect,
            verifier: &verifier,
        },
    )?
    .map_err(|e| failed("the sign-in (CreateToken)", &e))?;
    Ok(token_file(s, &reg, token))
}

/// Says where to sign in, and opens the browser there unless told not to. Each line is
/// sanitised on its own.
fn show_url(env: &Env, opts: Options, url: &str, code: Option<&str>) {
    let head = if opts.no_browser {
        "awsp: to sign in, open this URL in a browser:".to_string()
    } else {
        match crate::browser::open(env, url) {
            Ok(()) => "awsp: opened your browser to sign in; if it did not open, open this URL:"
                .to_string(),
            Err(why) => {
                format!("awsp: could not open a browser ({why}); open this URL to sign in:")
            }
        }
    };
    crate::eprintln_shown!("{head}");
    eprintln!();
    crate::eprintln_shown!("  {url}");
    if let Some(code) = code {
        crate::eprintln_shown!("  and confirm the code {code}");
    }
    eprintln!();
}

/// The page the browser shows after answering.
fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>awsp: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

/// Waits for the browser to bring the code back to the listener: the first request to
/// `/oauth/callback` decides. Another path (a favicon) is answered 404 and waited past.
fn wait_for_code(listener: &TcpListener, state: &str, deadline: Instant) -> Result<String> {
    listener.set_nonblocking(true)?;
    loop {
        if Instant::now() >= deadline {
            bail!(
                "the sign-in was not completed in the browser in time; nothing changed. Run the login again"
            );
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if let Some(verdict) = answer(stream, state) {
            return verdict;
        }
    }
}

/// Reads one request and answers it. `None`: not the callback, keep waiting.
fn answer(mut stream: TcpStream, state: &str) -> Option<Result<String>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut reply = |status: &str, body: String| {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    if path != "/oauth/callback" {
        reply(
            "404 Not Found",
            page("Not found", "This is awsp's sign-in listener."),
        );
        return None;
    }
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let v = percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            (k.to_string(), v)
        })
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if let Some(error) = get("error") {
        reply(
            "200 OK",
            page(
                "Sign-in refused",
                "awsp did not sign in. You can close this tab.",
            ),
        );
        let error = crate::sanitize::shown(error)
            .chars()
            .take(100)
            .collect::<String>();
        return Some(Err(Error::runtime(format!(
            "the sign-in was refused in the browser ({error}); nothing changed"
        ))));
    }
    match (get("code"), get("state")) {
        (Some(code), Some(got)) if got == state => {
            reply(
                "200 OK",
                page(
                    "Signed in",
                    "awsp has your session. You can close this tab and return to the terminal.",
                ),
            );
            Some(Ok(code.to_string()))
        }
        (Some(_), _) => {
            reply(
                "400 Bad Request",
                page(
                    "Sign-in refused",
                    "This answer is not for the login awsp started.",
                ),
            );
            Some(Err(Error::runtime(
                "the browser's answer is not for this login (its state does not match); nothing changed. Run the login again",
            )))
        }
        _ => {
            reply(
                "400 Bad Request",
                page("Sign-in incomplete", "No authorization code came back."),
            );
            None
        }
    }
}

// ---- the device flow ------------------------------------------------------------------

fn device_flow(
    env: &Env,
    s: &Session,
    oidc: &Client,
    opts: Options,
    deadline: Instant,
) -> Result<TokenFile> {
    let reg = registration(env, s, oidc, false)?;
    let auth = oidc::start_device_authorization(oidc, &as_registration(&reg), &s.start_url)?
        .map_err(|e| failed("the device authorization", &e))?;
    let open = auth
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&auth.verification_uri);
    show_url(env, opts, open, Some(&auth.user_code));
    let deadline =
        deadline.min(Instant::now() + Duration::from_secs(auth.expires_in.max(1) as u64 + 30));
    let mut interval = Duration::from_secs(auth.interval.max(1) as u64);
    loop {
        if Instant::now() + interval > deadline {
            bail!("the code was not confirmed in time; nothing changed. Run the login again");
        }
        std::thread::sleep(interval);
        match oidc::create_token(
            oidc,
            &as_registration(&reg),
            Grant::DeviceCode(&auth.device_code),
        )? {
            Ok(token) => return Ok(token_file(s, &reg, token)),
            Err(e) if e.is("AuthorizationPendingException") => {}
            Err(e) if e.is("SlowDownException") => interval += Duration::from_secs(5),
            Err(e) if e.is("ExpiredTokenException") => {
                bail!(
                    "the code expired before it was confirmed; nothing changed. Run the login again"
                )
            }
            Err(e) if e.is("AccessDeniedException") => {
                bail!("the sign-in was refused in the browser; nothing changed")
            }
            Err(e) => return Err(failed("the sign-in (CreateToken)", &e)),
        }
    }
}

// ---- refresh and logout -----------------------------------------------------------------

/// What a refresh did.
pub enum Refreshed {
    /// A new access token is in the cache.
    Done(TokenFile),
    /// The session has ended (the service refused the refresh token): a login is due.
    Ended(String),
    /// The token file has no live refresh token and registration.
    NotPossible,
}

/// Refreshes the session's token as botocore does, and writes it back.
pub fn refresh(env: &Env, s: &Session) -> Result<Refreshed> {
    let dir = env.sso_cache_dir();
    let Some(old) = TokenFile::read(&s.key, &dir) else {
        return Ok(Refreshed::NotPossible);
    };
    let (Some(refresh), Some(id), Some(secret), Some(reg_end)) = (
        &old.refresh_token,
        &old.client_id,
        &old.client_secret,
        &old.registration_expires_at,
    ) else {
        return Ok(Refreshed::NotPossible);
    };
    if crate::aws::sso::parse_time(reg_end).is_none_or(|t| t <= Utc::now()) {
        return Ok(Refreshed::NotPossible);
    }
    let oidc = s.client(env, Service::Oidc)?;
    let reg = CachedRegistration {
        client_id: id.clone(),
        client_secret: secret.clone(),
        expires_at: reg_end.clone(),
        for_browser: true,
    };
    match oidc::create_token(&oidc, &as_registration(&reg), Grant::RefreshToken(refresh))? {
        Ok(t) => {
            let token = token_file(s, &reg, t);
            write_token(env, s, &token)?;
            Ok(Refreshed::Done(token))
        }
        Err(e) if e.status < 500 && e.status != 429 => Ok(Refreshed::Ended(e.to_string())),
        Err(e) => Err(failed("the refresh", &e)),
    }
}

/// Ends the session at the portal (its answer does not stop the rest, as for the CLI),
/// removes the token file and forgets when the session began. Returns whether there was
/// a token.
pub fn logout(env: &Env, s: &Session) -> Result<bool> {
    crate::sessions::record(env, &s.key, None);
    let dir = env.sso_cache_dir();
    let path = s.key.cache_file(&dir);
    let Some(token) = TokenFile::read(&s.key, &dir) else {
        return Ok(std::fs::symlink_metadata(&path).is_ok() && std::fs::remove_file(&path).is_ok());
    };
    let region = if token.region.is_empty() {
        &s.region
    } else {
        &token.region
    };
    let portal = Service::Portal
        .endpoint(env, region)
        .and_then(|ep| Client::new(env, ep, s.ca_bundle.as_deref()));
    match portal.and_then(|p| oidc::logout(&p, &token.access_token)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => crate::eprintln_shown!(
            "awsp: the portal did not end the session ({e}); removing the token anyway"
        ),
        Err(e) => crate::eprintln_shown!("awsp: {e}; removing the token anyway"),
    }
    std::fs::remove_file(&path)
        .map_err(|e| Error::runtime(format!("cannot remove {}: {e}", path.display())))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_have_the_right_shape() {
        let v = random_verifier(64).unwrap();
        assert_eq!(v.len(), 64);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
        assert_ne!(v, random_verifier(64).unwrap());
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let s = random_state().unwrap();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
    }
}

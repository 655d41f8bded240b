//! The demo's own IAM Identity Center: a small server on 127.0.0.1 (a port the system
//! picks) that answers what a login needs — RegisterClient, StartDeviceAuthorization,
//! CreateToken with its three grants, the browser's `/authorize` (approved at once, sent
//! back to awsp's listener) and `/device` — and what `export`, `exec --credentials` and
//! `console` ask for: GetRoleCredentials, STS AssumeRole (made-up keys, signatures not
//! checked) and the federation endpoint, whose login page only says where the console
//! would open. With it, the demo's "browser", which follows a sign-in URL as a person who
//! approves would. It lives as long as the demo's shell, and no request leaves the machine.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// Device codes and whether a person approved them.
#[derive(Default)]
struct State {
    approved: HashMap<String, bool>,
    serial: u64,
}

impl State {
    fn next(&mut self, what: &str) -> String {
        self.serial += 1;
        format!("demo-{what}-{}", self.serial)
    }

    /// Made-up temporary keys: an access key id, its secret, a session token.
    fn keys(&mut self) -> (String, String, String) {
        let secret = self.next("secret");
        let session = self.next("session");
        (format!("ASIADEMO{:012}", self.serial), secret, session)
    }
}

/// Starts the server on a thread of its own; returns its base URL.
pub fn start() -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let url = format!("http://{}", listener.local_addr()?);
    let state = Arc::new(Mutex::new(State::default()));
    let base = url.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = Arc::clone(&state);
            let base = base.clone();
            std::thread::spawn(move || {
                let _ = serve(stream, &state, &base);
            });
        }
    });
    Ok(url)
}

/// One request: the request line, headers, a body by `Content-Length`; one answer.
fn serve(stream: TcpStream, state: &Mutex<State>, base: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0).min(1 << 20);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let param = |name: &str| {
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    };
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    let (status, headers, reply): (&str, Vec<String>, String) = match (method, path) {
        ("POST", "/client/register") => ok(json!({
            "clientId": state.next("client"),
            "clientSecret": state.next("secret"),
            "clientIdIssuedAt": chrono::Utc::now().timestamp(),
            "clientSecretExpiresAt": chrono::Utc::now().timestamp() + 90 * 86400,
        })),
        ("POST", "/device_authorization") => {
            let device = state.next("device");
            let user = format!("DEMO-{:04}", state.serial);
            state.approved.insert(device.clone(), false);
            ok(json!({
                "deviceCode": device,
                "userCode": user,
                "verificationUri": format!("{base}/device"),
                "verificationUriComplete": format!("{base}/device?user_code={user}&device_code={device}"),
                "expiresIn": 600,
                "interval": 1,
            }))
        }
        ("GET", "/device") => {
            if let Some(device) = param("device_code") {
                state.approved.insert(device, true);
            }
            ("200 OK", vec![], "approved".into())
        }
        ("GET", "/authorize") => {
            let redirect = param("redirect_uri").unwrap_or_default();
            // Only back to awsp's own listener.
            if !redirect.starts_with("http://127.0.0.1:") {
                ("400 Bad Request", vec![], "bad redirect_uri".into())
            } else {
                let code = state.next("code");
                let state_param = param("state").unwrap_or_default();
                let to = format!(
                    "{redirect}?code={code}&state={}",
                    crate::net::url_encode(&state_param)
                );
                ("302 Found", vec![format!("Location: {to}")], String::new())
            }
        }
        ("POST", "/token") => token(&mut state, &body),
        ("GET", "/federation/credentials") => {
            let (id, secret, session) = state.keys();
            ok(json!({
                "roleCredentials": {
                    "accessKeyId": id,
                    "secretAccessKey": secret,
                    "sessionToken": session,
                    "expiration": (chrono::Utc::now() + chrono::Duration::hours(1)).timestamp_millis(),
                }
            }))
        }
        ("POST", "/") => {
            let (id, secret, session) = state.keys();
            let end =
                (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
            let xml = format!(
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{session}</SessionToken><Expiration>{end}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
            );
            ("200 OK", vec!["Content-Type: text/xml".into()], xml)
        }
        ("GET", "/federation") if param("Action").as_deref() == Some("getSigninToken") => {
            ok(json!({"SigninToken": state.next("signin")}))
        }
        ("GET", "/federation") => (
            "200 OK",
            vec![],
            format!(
                "awsp demo: a real sign-in would open the AWS console at {}",
                param("Destination").unwrap_or_default()
            ),
        ),
        _ => ("404 Not Found", vec![], "not found".into()),
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.len()
    );
    for h in headers {
        head.push_str(&h);
        head.push_str("\r\n");
    }
    if reply.starts_with('{') {
        head.push_str("Content-Type: application/json\r\n");
    }
    out.write_all(format!("{head}\r\n{reply}").as_bytes())
}

fn ok(v: Value) -> (&'static str, Vec<String>, String) {
    ("200 OK", vec![], v.to_string())
}

/// CreateToken: a device code once approved, any authorization code, any refresh token.
fn token(state: &mut State, body: &Value) -> (&'static str, Vec<String>, String) {
    let grant = body["grantType"].as_str().unwrap_or("");
    if grant == "urn:ietf:params:oauth:grant-type:device_code" {
        let device = body["deviceCode"].as_str().unwrap_or("");
        if state.approved.get(device) != Some(&true) {
            return (
                "400 Bad Request",
                vec!["x-amzn-ErrorType: AuthorizationPendingException".into()],
                json!({"error": "authorization_pending"}).to_string(),
            );
        }
    }
    let mut answer = json!({
        "accessToken": state.next("access-token"),
        "tokenType": "Bearer",
        "expiresIn": 8 * 3600,
    });
    if grant != "urn:ietf:params:oauth:grant-type:device_code" {
        answer["refreshToken"] = json!(state.next("refresh-token"));
    }
    ok(answer)
}

/// The demo's browser: follows `url` and its redirects (loopback only) as a person who
/// approves the sign-in would.
pub fn browse(url: &str) -> crate::error::Result<()> {
    let agent = ureq::Agent::config_builder()
        .max_redirects(5)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent();
    if !url.starts_with("http://127.0.0.1:") {
        bail!("the demo browser opens only the demo's own pages");
    }
    agent
        .get(url)
        .call()
        .map_err(|e| crate::error::Error::runtime(format!("demo browser: {e}")))?;
    Ok(())
}

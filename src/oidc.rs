//! The IAM Identity Center APIs awsp calls: OIDC (RegisterClient,
//! StartDeviceAuthorization, CreateToken with its three grants) and the portal's Logout.
//! Unsigned REST-JSON over [`crate::net`]. An error is an HTTP 4xx/5xx whose exception
//! name is in `x-amzn-ErrorType` (or, failing that, the body's OAuth `error`); throttling
//! and server errors are tried again, with growing, jittered pauses, honouring
//! `Retry-After`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::error::Result;
use crate::net::{Client, Reply};

/// The most tries of one call that is throttled or meets a server error.
const MAX_ATTEMPTS: u32 = 4;
/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_secs(20);

/// A registered OIDC client: what every later call presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
}

/// What StartDeviceAuthorization answers.
#[derive(Clone, Debug)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: i64,
}

/// What CreateToken answers.
#[derive(Clone, Debug)]
pub struct Token {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
}

/// The grant CreateToken is asked for.
pub enum Grant<'a> {
    DeviceCode(&'a str),
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a str,
        verifier: &'a str,
    },
    RefreshToken(&'a str),
}

/// An error answer: the exception name (`AuthorizationPendingException`), and its
/// description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{} (HTTP {})", self.code, self.status)
        } else {
            write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)
        }
    }
}

/// A call's outcome: an answer, an API error, or (the outer `Result`) no answer at all.
pub type Answer<T> = Result<std::result::Result<T, ApiError>>;

/// The exception name for an OAuth `error` code, as the service pairs them.
fn exception_for(oauth: &str) -> Option<&'static str> {
    Some(match oauth {
        "authorization_pending" => "AuthorizationPendingException",
        "slow_down" => "SlowDownException",
        "expired_token" => "ExpiredTokenException",
        "invalid_grant" => "InvalidGrantException",
        "invalid_client" => "InvalidClientException",
        "invalid_request" => "InvalidRequestException",
        "invalid_scope" => "InvalidScopeException",
        "unauthorized_client" => "UnauthorizedClientException",
        "unsupported_grant_type" => "UnsupportedGrantTypeException",
        "access_denied" => "AccessDeniedException",
        "server_error" => "InternalServerException",
        _ => return None,
    })
}

/// The error an answer that is not a 2xx carries.
pub fn api_error(reply: &Reply) -> ApiError {
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let oauth = text("error");
    let code = reply
        .error_type
        .clone()
        .or_else(|| oauth.as_deref().and_then(exception_for).map(str::to_string))
        .or_else(|| text("__type").map(|t| t.rsplit('#').next().unwrap_or(&t).to_string()))
        .or(oauth)
        .unwrap_or_else(|| match reply.status {
            429 => "TooManyRequestsException".into(),
            s if s >= 500 => "InternalServerException".into(),
            s => format!("HTTP {s}"),
        });
    let message = text("error_description")
        .or_else(|| text("message"))
        .or_else(|| text("Message"))
        .unwrap_or_default();
    ApiError {
        status: reply.status,
        code,
        message: crate::sanitize::shown(&message).chars().take(300).collect(),
    }
}

/// Whether trying again can help: throttling and server errors.
pub fn transient(reply: &Reply) -> bool {
    reply.status == 429 || matches!(reply.status, 500 | 502 | 503 | 504)
}

/// The pause before try `attempt` (1-based) of a transient failure: `Retry-After` when
/// given, else 0.5 s doubling, each with up to half again of random jitter.
pub fn backoff(attempt: u32, retry_after: Option<u64>) -> Duration {
    let base = match retry_after {
        Some(s) => Duration::from_secs(s),
        None => Duration::from_millis(500) * 2u32.saturating_pow(attempt.saturating_sub(1)),
    };
    let jitter = base.mul_f64(random_unit() * 0.5);
    (base + jitter).min(MAX_PAUSE)
}

/// A random number in [0, 1).
fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    let _ = getrandom::getrandom(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Sends with retries; `send` makes one try. A 2xx body is parsed as JSON.
fn call(mut send: impl FnMut() -> Result<Reply>) -> Answer<Value> {
    let mut attempt = 1;
    loop {
        let reply = send()?;
        if (200..300).contains(&reply.status) {
            let value = if reply.body.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&reply.body).map_err(|e| {
                    crate::error::Error::runtime(format!(
                        "IAM Identity Center answered with malformed JSON ({e})"
                    ))
                })?
            };
            return Ok(Ok(value));
        }
        if transient(&reply) && attempt < MAX_ATTEMPTS {
            std::thread::sleep(backoff(attempt, reply.retry_after));
            attempt += 1;
            continue;
        }
        return Ok(Err(api_error(&reply)));
    }
}

fn string(v: &Value, key: &str) -> Result<String> {
    match v.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => bail!("IAM Identity Center's answer lacks `{key}`"),
    }
}

fn number(v: &Value, key: &str) -> Result<i64> {
    match v.get(key).and_then(Value::as_i64) {
        Some(n) => Ok(n),
        None => bail!("IAM Identity Center's answer lacks `{key}`"),
    }
}

/// RegisterClient: the client, and when its secret stops working (seconds since the
/// epoch). `grant_types` empty registers a public client for the device flow only (as
/// legacy `sso_start_url` logins do).
pub fn register_client(
    client: &Client,
    name: &str,
    scopes: &[String],
    grant_types: &[&str],
    redirect_uris: &[&str],
    issuer_url: Option<&str>,
) -> Answer<(Registration, i64)> {
    let mut body = json!({"clientName": name, "clientType": "public"});
    if !scopes.is_empty() {
        body["scopes"] = json!(scopes);
    }
    if !grant_types.is_empty() {
        body["grantTypes"] = json!(grant_types);
    }
    if !redirect_uris.is_empty() {
        body["redirectUris"] = json!(redirect_uris);
    }
    if let Some(issuer) = issuer_url {
        body["issuerUrl"] = json!(issuer);
    }
    let v = match call(|| client.post_json("/client/register", &body, &[]))? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let reg = Registration {
        client_id: string(&v, "clientId")?,
        client_secret: string(&v, "clientSecret")?,
    };
    Ok(Ok((reg, number(&v, "clientSecretExpiresAt")?)))
}

/// StartDeviceAuthorization.
pub fn start_device_authorization(
    client: &Client,
    reg: &Registration,
    start_url: &str,
) -> Answer<DeviceAuthorization> {
    let body = json!({
        "clientId": reg.client_id,
        "clientSecret": reg.client_secret,
        "startUrl": start_url,
    });
    let v = match call(|| client.post_json("/device_authorization", &body, &[]))? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(DeviceAuthorization {
        device_code: string(&v, "deviceCode")?,
        user_code: string(&v, "userCode")?,
        verification_uri: string(&v, "verificationUri")?,
        verification_uri_complete: v
            .get("verificationUriComplete")
            .and_then(Value::as_str)
            .map(str::to_string),
        expires_in: number(&v, "expiresIn")?,
        interval: v
            .get("interval")
            .and_then(Value::as_i64)
            .unwrap_or(5)
            .max(1),
    }))
}

/// CreateToken. Only throttling and server errors are tried again; the device flow's
/// AuthorizationPending and SlowDown come back to the caller, whose loop paces itself.
pub fn create_token(client: &Client, reg: &Registration, grant: Grant) -> Answer<Token> {
    let mut body = json!({"clientId": reg.client_id, "clientSecret": reg.client_secret});
    match grant {
        Grant::DeviceCode(code) => {
            body["grantType"] = json!("urn:ietf:params:oauth:grant-type:device_code");
            body["deviceCode"] = json!(code);
        }
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            verifier,
        } => {
            body["grantType"] = json!("authorization_code");
            body["code"] = json!(code);
            body["redirectUri"] = json!(redirect_uri);
            body["codeVerifier"] = json!(verifier);
        }
        Grant::RefreshToken(token) => {
            body["grantType"] = json!("refresh_token");
            body["refreshToken"] = json!(token);
        }
    }
    let v = match call(|| client.post_json("/token", &body, &[]))? {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Token {
        access_token: string(&v, "accessToken")?,
        expires_in: number(&v, "expiresIn")?,
        refresh_token: v
            .get("refreshToken")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    }))
}

/// The portal's Logout: ends the session the access token belongs to.
pub fn logout(portal: &Client, access_token: &str) -> Answer<()> {
    let headers = [("x-amz-sso_bearer_token", access_token)];
    match call(|| portal.post_json("/logout", &Value::Null, &headers))? {
        Ok(_) => Ok(Ok(())),
        Err(e) => Ok(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, header: Option<&str>, body: &str) -> Reply {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            error_type: header.map(str::to_string),
            retry_after: None,
        }
    }

    #[test]
    fn errors_are_named_by_header_then_body() {
        let e = api_error(&reply(
            400,
            Some("AuthorizationPendingException"),
            r#"{"error":"authorization_pending","error_description":"wait"}"#,
        ));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("AuthorizationPendingException", "wait")
        );
        let e = api_error(&reply(400, None, r#"{"error":"slow_down"}"#));
        assert!(e.is("SlowDownException"));
        let e = api_error(&reply(429, None, r#"{"message":"Rate exceeded"}"#));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("TooManyRequestsException", "Rate exceeded")
        );
        let e = api_error(&reply(502, None, "<html>bad gateway</html>"));
        assert!(e.is("InternalServerException"));
        let e = api_error(&reply(
            400,
            None,
            "{\"error\":\"x\",\"error_description\":\"a\\u001b[31mb\"}",
        ));
        assert!(!e.message.contains('\u{1b}'), "{}", e.message);
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let d1 = backoff(1, None);
        assert!(
            d1 >= Duration::from_millis(500) && d1 <= Duration::from_millis(750),
            "{d1:?}"
        );
        let d3 = backoff(3, None);
        assert!(
            d3 >= Duration::from_secs(2) && d3 <= Duration::from_secs(3),
            "{d3:?}"
        );
        assert_eq!(backoff(30, None), MAX_PAUSE);
        let r = backoff(1, Some(4));
        assert!(
            r >= Duration::from_secs(4) && r <= Duration::from_secs(6),
            "{r:?}"
        );
    }
}
